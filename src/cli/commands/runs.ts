// `sluice runs [FLOW]`: the run history, newest first, from CLI runs and (later) the agent.
import { UsageError } from '../../errors.js';
import { dataDir } from '../../util/paths.js';
import { formatOption, outputFormat, str, type Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { todaysBudgets } from '../../runtime/http/budget.js';
import { budgetStatusText } from '../budget-text.js';
import { outColors } from '../io.js';
import type { RunStatus } from '../../state/store.js';
import { NO_RUNS, duration, openExisting, parseLimit, resolveFlows, shortPath, shortTime } from './state.js';
import { runJson } from '../../state/run-json.js';
import { guardedJson } from '../json-errors.js';

const STATUSES: readonly RunStatus[] = ['running', 'succeeded', 'failed', 'skipped', 'interrupted'];

const runs: Command = {
  name: 'runs',
  summary: 'list recent runs: status, duration, records read, written and rejected',
  usage: 'runs [FLOW] [--limit N] [--status STATUS] [--state postgres://...] [--format text|json]',
  positionals: true,
  options: {
    limit: { type: 'string', valueName: 'N', description: 'show the N most recent runs (default 20)' },
    status: { type: 'string', valueName: 'STATUS', description: `only runs with this status: ${STATUSES.join(', ')}` },
    state: { type: 'string', valueName: 'URL', description: 'read the runs of a PostgreSQL state (queue mode) instead of $SLUICE_HOME/state.db (or SLUICE_STATE)' },
    format: formatOption,
  },
  details: [
    'FLOW is a flow name, FILE:FLOW, or a .flow file (all its flows). Times are UTC.',
    'A run left `running` by a process that is gone is shown as `interrupted`: its last committed watermark',
    'is kept and the next run continues from there.',
  ].join('\n'),
  async run(args, io) {
    const format = outputFormat(args);
    if (args.positionals.length > 1) throw new UsageError(`\`sluice runs\` takes at most one FLOW, got ${args.positionals.length}`, `Usage: sluice ${runs.usage}`);
    const limit = parseLimit(args, 20);
    const status = str(args, 'status');
    if (status !== undefined && !STATUSES.includes(status as RunStatus)) {
      throw new UsageError(`unknown --status \`${status.slice(0, 20)}\``, `Use one of: ${STATUSES.join(', ')}.`);
    }
    return guardedJson(io, format, async () => {
      const store = await openExisting(io, str(args, 'state'));
      if (!store) {
        if (format === 'json') io.stdout.write(`${JSON.stringify({ home: dataDir(io.env, io.cwd), runs: [] }, null, 2)}\n`);
        else io.stdout.write(`${NO_RUNS}\n`);
        return EXIT.ok;
      }
      try {
        const query = args.positionals[0];
        const keys = query === undefined ? [undefined] : (await resolveFlows(store, query, io.cwd, false)).map((f) => f.key);
        const list = (await Promise.all(keys.map((k) => store.runs(k, { limit, status: status as RunStatus | undefined }))))
          .flat()
          .sort((a, b) => b.id - a.id)
          .slice(0, limit);
        // Today's spend of each company's daily API budget, as Sluice counted it.
        const budget = todaysBudgets(dataDir(io.env, io.cwd));
        if (format === 'json') {
          io.stdout.write(`${JSON.stringify({ home: dataDir(io.env, io.cwd), runs: list.map((r) => runJson(r)), budget }, null, 2)}\n`);
          return EXIT.ok;
        }
        if (list.length === 0) {
          io.stdout.write(`${NO_RUNS}${query !== undefined || status !== undefined ? ' that match' : ''}\n`);
          return EXIT.ok;
        }
        const c = outColors(io);
        const header = ['ID', 'FLOW', 'TRIGGER', 'STATUS', 'STARTED (UTC)', 'DURATION', 'READ', 'WRITTEN', 'REJECTED', 'ERROR'];
        // The file is shown only when two listed flows share a name, to tell them apart.
        const names = new Map<string, Set<string>>();
        for (const r of list) names.set(r.flow, (names.get(r.flow) ?? new Set()).add(r.flowKey));
        const rows = list.map((r) => [
          String(r.id),
          (names.get(r.flow)?.size ?? 0) > 1 ? `${shortPath(r.file, io.cwd)}:${r.flow}` : r.flow,
          r.trigger,
          r.status,
          shortTime(r.startedAt),
          r.status === 'running' ? 'running' : duration(r.durationMs),
          String(r.read),
          String(r.written),
          String(r.rejected),
          r.error ? `${r.error.code ? `${r.error.code} ` : ''}${r.error.message}`.replace(/\s+/g, ' ') : '',
        ]);
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        const numeric = new Set([0, 6, 7, 8]);
        const maxError = io.stdout.isTTY && io.stdout.columns ? Math.max(20, io.stdout.columns - widths.slice(0, -1).reduce((a, w) => a + w + 2, 0)) : Infinity;
        const line = (r: string[], paint: (i: number, s: string) => string) =>
          r
            .map((v, i) => {
              if (i === r.length - 1) return v.length > maxError ? `${v.slice(0, maxError - 1)}…` : v;
              const padded = numeric.has(i) ? v.padStart(widths[i]) : v.padEnd(widths[i]);
              return paint(i, padded);
            })
            .join('  ')
            .trimEnd();
        const paintStatus = (i: number, s: string) => {
          if (i !== 3) return s;
          const t = s.trim();
          return t === 'succeeded' ? c.green(s) : t === 'failed' || t === 'interrupted' ? c.red(s) : c.yellow(s);
        };
        io.stdout.write(`${c.bold(line(header, (_i, s) => s))}\n${rows.map((r) => line(r, paintStatus)).join('\n')}\n`);
        if (budget.length) io.stdout.write(`\nDaily API budget today (UTC, counted by Sluice): ${budget.map(budgetStatusText).join(', ')}\n`);
        return EXIT.ok;
      } finally {
        await store.close();
      }
    });
  },
};

export const commands: Command[] = [runs];
