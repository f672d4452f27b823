// `sluice state show|reset|rejected`: what the state store remembers about each flow (watermarks,
// boundary ids, last run, rejected records) and how to make a flow start over. Printing only; the
// rules live in src/state.
import { relative, isAbsolute } from 'node:path';
import { UsageError } from '../../errors.js';
import { dataDir } from '../../util/paths.js';
import { closest } from '../../util/suggest.js';
import { flag, formatOption, outputFormat, str, type Command, type ParsedArgs } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { outColors, type CliIO } from '../io.js';
import { STATE_ERRORS, StateError } from '../../state/errors.js';
import { runJson } from '../../state/run-json.js';
import type { FlowSummary, RunRecord, StateStore } from '../../state/store.js';
import { guardedJson } from '../json-errors.js';

export const NO_RUNS = 'no runs yet';

// ---- helpers shared by the subcommands ----

export async function openExisting(io: CliIO, stateFlag?: string): Promise<StateStore | null> {
  const { openExistingStateStore, stateUrl } = await import('../../state/open.js');
  const url = stateUrl(stateFlag, io.env);
  return openExistingStateStore(dataDir(io.env, io.cwd), url ? { url } : {});
}

/** A path relative to the current folder when it is inside it (shorter to read), absolute otherwise. */
export function shortPath(path: string | null, cwd: string): string {
  if (path === null) return '(agent)';
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** `2026-01-05 10:00:00Z`: the stored ISO time without milliseconds, still UTC and unambiguous. */
export const shortTime = (iso: string | null): string => (iso ? iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z') : '-');

export function duration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/**
 * The flows the FLOW argument names. Unknown names are an error with a "did you mean"; `one` asks
 * for exactly one (several flows of that name in different files must be told apart by FILE:FLOW).
 */
export async function resolveFlows(store: StateStore, query: string, cwd: string, one: boolean): Promise<FlowSummary[]> {
  const found = await store.findFlows(query, cwd);
  if (found.length === 0) {
    const flows = await store.flows();
    const guess = closest(query, new Set(flows.map((f) => f.name)));
    return notFound(query, guess, flows.length);
  }
  if (one && found.length > 1) {
    throw new StateError(STATE_ERRORS.flowAmbiguous, `\`${query}\` names ${found.length} flows: ${found.map((f) => `${shortPath(f.file, cwd)}:${f.name}`).join(', ')}`, {
      hint: 'Name one as FILE:FLOW, e.g. `sluice state reset flows/sync.flow:persons`.',
    });
  }
  return found;
}

function notFound(query: string, guess: string | undefined, count: number): never {
  throw new StateError(STATE_ERRORS.flowNotFound, `no state for a flow \`${query}\`${guess ? `; did you mean \`${guess}\`?` : ''}`, {
    hint: count ? 'Run `sluice state show` to list the flows that have state.' : 'No flow has run yet.',
  });
}

function flowJson(f: FlowSummary) {
  return {
    flow: f.name,
    file: f.file,
    key: f.key,
    sources: f.sources.map((s) => ({ source: s.source, watermark: s.value, kind: s.kind, boundary_ids: s.boundaryIds, updated_at: s.updatedAt, run_id: s.runId })),
    runs: f.runs,
    rejected: f.rejected,
    last_run: f.lastRun ? runJson(f.lastRun) : null,
    last_success: f.lastSuccess ? runJson(f.lastSuccess) : null,
  };
}

function positionalAtMostOne(args: ParsedArgs, cmd: Command): string | undefined {
  if (args.positionals.length > 1) throw new UsageError(`\`sluice ${cmd.name}\` takes at most one FLOW, got ${args.positionals.length}`, `Usage: sluice ${cmd.usage}`);
  return args.positionals[0];
}

export function parseLimit(args: ParsedArgs, fallback: number): number {
  const raw = str(args, 'limit');
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1_000_000) throw new UsageError(`--limit must be a whole number from 1 to 1000000, not \`${raw.slice(0, 20)}\``);
  return Number(raw);
}

const FLOW_ARG = 'FLOW is a flow name, FILE:FLOW (when two files have a flow of that name), or a .flow file (all its flows).';

// ---- state show ----

const show: Command = {
  name: 'state show',
  summary: 'show the watermarks, boundary ids and last run of each flow',
  usage: 'state show [FLOW] [--format text|json]',
  positionals: true,
  options: { format: formatOption },
  details: [
    FLOW_ARG,
    '',
    'The watermark of a source is the largest cursor value (update_time or the action\'s cursor) that the',
    'destination has durably accepted; the next run reads from it inclusively and drops the records whose ids',
    'were already written at exactly that value (the boundary ids). State lives in $SLUICE_HOME/state.db',
    '(default .sluice/state.db).',
  ].join('\n'),
  async run(args, io) {
    const format = outputFormat(args);
    const query = positionalAtMostOne(args, show);
    return guardedJson(io, format, async () => {
      const home = dataDir(io.env, io.cwd);
      const store = await openExisting(io);
      if (!store) return printNoState(io, format, home);
      try {
        const flows = query === undefined ? await store.flows() : await resolveFlows(store, query, io.cwd, false);
        if (format === 'json') {
          io.stdout.write(`${JSON.stringify({ home, state_db: store.path, flows: flows.map(flowJson) }, null, 2)}\n`);
          return EXIT.ok;
        }
        if (flows.length === 0) {
          io.stdout.write(`${NO_RUNS}\n`);
          return EXIT.ok;
        }
        const c = outColors(io);
        const blocks = flows.map((f) => {
          const lines = [`${c.bold(f.name)}  ${c.dim(shortPath(f.file, io.cwd))}`];
          if (f.sources.length === 0) lines.push('  no watermark: the next run reads from --since or the beginning');
          for (const s of f.sources) {
            lines.push(`  ${s.source}: watermark ${s.value} (${s.kind}), ${s.boundaryIds} ${s.boundaryIds === 1 ? 'id' : 'ids'} at the boundary, committed ${shortTime(s.updatedAt)}${s.runId ? ` by run ${s.runId}` : ''}`);
          }
          const r = f.lastRun;
          lines.push(r ? `  last run: ${runLine(r, c)}` : `  last run: ${NO_RUNS}`);
          if (f.lastSuccess && f.lastSuccess.id !== r?.id) lines.push(`  last success: run ${f.lastSuccess.id}, started ${shortTime(f.lastSuccess.startedAt)}`);
          lines.push(`  runs: ${f.runs}, rejected records kept: ${f.rejected}${f.rejected ? ` (sluice state rejected ${f.name})` : ''}`);
          return lines.join('\n');
        });
        io.stdout.write(`${blocks.join('\n\n')}\n`);
        return EXIT.ok;
      } finally {
        await store.close();
      }
    });
  },
};

function printNoState(io: CliIO, format: 'text' | 'json', home: string): number {
  if (format === 'json') io.stdout.write(`${JSON.stringify({ home, state_db: null, flows: [] }, null, 2)}\n`);
  else io.stdout.write(`${NO_RUNS}\n`);
  return EXIT.ok;
}

export function runLine(r: RunRecord, c: ReturnType<typeof outColors>): string {
  const status = r.status === 'succeeded' ? c.green(r.status) : r.status === 'failed' || r.status === 'interrupted' ? c.red(r.status) : c.yellow(r.status);
  const err = r.error ? `: ${r.error.code ? `${r.error.code} ` : ''}${r.error.message}` : '';
  return `run ${r.id} ${status} (${r.trigger}), started ${shortTime(r.startedAt)}, ${duration(r.durationMs)}, read ${r.read}, written ${r.written}, rejected ${r.rejected}${err}`;
}

// ---- state reset ----

const reset: Command = {
  name: 'state reset',
  summary: 'forget the watermarks of a flow so that its next run starts over',
  usage: 'state reset FLOW [--yes] [--force] [--format text|json]',
  positionals: true,
  options: {
    yes: { type: 'boolean', short: 'y', description: 'do not ask for confirmation (required when not on a terminal)' },
    force: { type: 'boolean', description: 'reset even while a live process runs the flow (it may commit its watermark again)' },
    format: formatOption,
  },
  details: [
    FLOW_ARG,
    '',
    'The next run reads everything again, from --since or the beginning of time. Run history and rejected',
    'records are kept. Destinations that upsert (sqlite by key, PATCH by id) absorb the replay; append-only',
    'files receive every record again.',
  ].join('\n'),
  async run(args, io) {
    const format = outputFormat(args);
    if (args.positionals.length !== 1) {
      throw new UsageError(args.positionals.length === 0 ? 'missing the flow to reset' : '`state reset` takes one FLOW', `Usage: sluice ${reset.usage}\n${FLOW_ARG}`);
    }
    const query = args.positionals[0];
    const yes = flag(args, 'yes');
    if (!yes && !io.stdin.isTTY) {
      throw new UsageError(`resetting \`${query}\` makes its next run read everything again; add --yes to confirm`, 'There is no terminal to ask for confirmation.');
    }
    return guardedJson(io, format, async () => {
      const store = await openExisting(io);
      if (!store) return notFound(query, undefined, 0);
      try {
        const [flow] = await resolveFlows(store, query, io.cwd, true);
        const where = `${flow.name} (${shortPath(flow.file, io.cwd)})`;
        if (flow.sources.length === 0) {
          if (format === 'json') io.stdout.write(`${JSON.stringify({ ok: true, flow: flow.name, key: flow.key, sources: [], boundary_ids: 0 }, null, 2)}\n`);
          else io.stdout.write(`Nothing to reset: ${where} has no watermark.\n`);
          return EXIT.ok;
        }
        if (!yes) {
          const marks = flow.sources.map((s) => `${s.source} at ${s.value}`).join(', ');
          const answer = await ask(io, `Reset ${where}: ${marks}? Its next run reads everything again. [y/N] `);
          if (!/^y(es)?$/i.test(answer.trim())) {
            io.stderr.write('Not reset.\n');
            return EXIT.failed;
          }
        }
        const done = await store.reset(flow.key, { force: flag(args, 'force') });
        if (format === 'json') {
          io.stdout.write(`${JSON.stringify({ ok: true, flow: flow.name, key: flow.key, sources: done.sources, boundary_ids: done.boundaryIds }, null, 2)}\n`);
        } else {
          io.stdout.write(`Reset ${where}: forgot the watermark of ${done.sources.join(', ')} and ${done.boundaryIds} boundary ${done.boundaryIds === 1 ? 'id' : 'ids'}. Run history is kept.\n`);
        }
        return EXIT.ok;
      } finally {
        await store.close();
      }
    });
  },
};

async function ask(io: CliIO, question: string): Promise<string> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: Boolean(io.stdin.isTTY) });
  return new Promise((resolve) => {
    let answered = false;
    rl.on('close', () => {
      if (!answered) resolve('');
    });
    rl.question(question, (a) => {
      answered = true;
      rl.close();
      resolve(a);
    });
  });
}

// ---- state rejected ----

const rejected: Command = {
  name: 'state rejected',
  summary: 'list the records destinations refused, with the reasons',
  usage: 'state rejected [FLOW] [--limit N] [--format text|json]',
  positionals: true,
  options: {
    limit: { type: 'string', valueName: 'N', description: 'show the N most recent (default 20)' },
    format: formatOption,
  },
  details: `${FLOW_ARG}\nRecords a destination refuses are kept in the state database, never lost; --format json prints them whole.`,
  async run(args, io) {
    const format = outputFormat(args);
    const query = positionalAtMostOne(args, rejected);
    const limit = parseLimit(args, 20);
    return guardedJson(io, format, async () => {
      const store = await openExisting(io);
      if (!store) {
        if (format === 'json') io.stdout.write(`${JSON.stringify({ rejected: [] }, null, 2)}\n`);
        else io.stdout.write(`${NO_RUNS}\n`);
        return EXIT.ok;
      }
      try {
        const keys = query === undefined ? [undefined] : (await resolveFlows(store, query, io.cwd, false)).map((f) => f.key);
        const rows = (await Promise.all(keys.map((k) => store.rejected(k, { limit }))))
          .flat()
          .sort((a, b) => b.id - a.id)
          .slice(0, limit);
        if (format === 'json') {
          io.stdout.write(
            `${JSON.stringify(
              {
                rejected: rows.map((r) => ({ id: r.id, key: r.flowKey, run_id: r.runId, destination: r.destination, record_id: r.recordId, code: r.code, reason: r.reason, created_at: r.createdAt, record: r.record })),
              },
              null,
              2,
            )}\n`,
          );
          return EXIT.ok;
        }
        if (rows.length === 0) {
          io.stdout.write('no rejected records\n');
          return EXIT.ok;
        }
        const c = outColors(io);
        for (const r of rows) {
          const preview = JSON.stringify(r.record);
          io.stdout.write(
            `${c.bold(`#${r.id}`)} ${shortTime(r.createdAt)} run ${r.runId ?? '-'} -> ${r.destination}${r.recordId ? ` id ${r.recordId}` : ''}\n  ${r.code ? `${r.code}: ` : ''}${r.reason}\n  ${c.dim(preview.length > 200 ? `${preview.slice(0, 199)}…` : preview)}\n`,
          );
        }
        return EXIT.ok;
      } finally {
        await store.close();
      }
    });
  },
};

export const commands: Command[] = [show, reset, rejected];
