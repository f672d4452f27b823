// What `~{CreatedDate}~` and `~{LastRunTime}~` would be if the flow ran now, read from the state
// for template hover. The language server never runs a flow and never writes state: it reads
// through the state's read-only view, opened lazily, only if the database exists, with a short
// busy timeout; any error becomes a note in the hover, and opening is retried a few seconds later
// (a run may create the database meanwhile).
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { StateReadView } from '../state/read-view.js';

export interface TemplateState {
  /** The value the template would have, when the state says so. */
  value?: string;
  /** Where it comes from, or why it is not known, in one sentence. */
  note: string;
}

/** The first run's value, from templates.ts: `--since`, else the beginning of time. */
const FIRST_RUN = 'on the first run it is the value of `--since`, else `1970-01-01T00:00:00.000Z`';
const RETRY_MS = 3_000;

type StateModule = typeof import('../state/read-view.js') & typeof import('../state/keys.js');

export class StateReader {
  private store: StateReadView | null = null;
  private module: StateModule | undefined;
  private triedAt = -Infinity;
  private problem = '';

  constructor(
    /** `$SLUICE_HOME`: the data folder the CLI would use for these flows. */
    readonly home: string,
    /** For messages: paths are shown relative to it. */
    private readonly root: string,
  ) {}

  private get dbPath(): string {
    return join(this.home, 'state.db');
  }

  private shown(): string {
    const r = relative(this.root, this.dbPath);
    return r.startsWith('..') ? this.dbPath : r;
  }

  private async open(): Promise<StateReadView | null> {
    if (this.store) return this.store;
    if (Date.now() - this.triedAt < RETRY_MS) return null;
    this.triedAt = Date.now();
    if (!existsSync(this.dbPath)) {
      this.problem = `there is no state yet (\`${this.shown()}\` does not exist)`;
      return null;
    }
    try {
      this.module ??= { ...(await import('../state/read-view.js')), ...(await import('../state/keys.js')) };
      this.store = this.module.StateReadView.open(this.home, { busyTimeoutMs: 200 });
      if (!this.store) this.problem = `there is no state yet (\`${this.shown()}\` does not exist)`;
    } catch (err) {
      this.problem = `the state in \`${this.shown()}\` could not be read (${(err as Error).message.split('\n')[0]})`;
    }
    return this.store;
  }

  /**
   * The value of a state template for one flow. `source` is the interpreter's source name
   * (`pipedrive.persons@acme`); `file` the absolute path of the flow file.
   */
  async templateValue(name: 'CreatedDate' | 'LastRunTime', file: string, flow: string, stateId: string, source: string | undefined): Promise<TemplateState> {
    const store = await this.open();
    if (!store || !this.module) return { note: `Not known: ${this.problem}; ${FIRST_RUN}.` };
    try {
      // The flow's identity; state an older version kept under the file's key until the next run.
      const own = this.module.projectFlowKey(stateId);
      const legacy = this.module.flowKey(file, flow);
      const key = (await store.hasFlow(own)) || !(await store.hasFlow(legacy)) ? own : legacy;
      if (name === 'CreatedDate') {
        if (!source) return { note: `Not known: the flow has no source yet; ${FIRST_RUN}.` };
        const wm = await store.watermark(key, source);
        if (wm.value === null) return { note: `No watermark saved yet for \`${source}\` in flow \`${flow}\`: ${FIRST_RUN}.` };
        return { value: wm.value, note: `The watermark of \`${source}\` saved in \`${this.shown()}\`${wm.updatedAt ? ` at ${wm.updatedAt}` : ''}.` };
      }
      const run = await store.lastSuccessfulRun(key);
      if (!run) return { note: `No successful run of flow \`${flow}\` recorded yet: ${FIRST_RUN}.` };
      return { value: run.startedAt, note: `When run ${run.id} of flow \`${flow}\` started (${this.shown()}).` };
    } catch (err) {
      // A locked or damaged database: say so, and try a fresh connection next time.
      this.close();
      return { note: `Not known: the state in \`${this.shown()}\` could not be read (${(err as Error).message.split('\n')[0]}).` };
    }
  }

  close(): void {
    const store = this.store;
    this.store = null;
    store?.close().catch(() => {
      // Closing a broken connection: nothing more to do.
    });
  }
}
