// `sluice run FILE`: check, then run each flow of the file (or --flow NAME) for real.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { checkSource } from '../../check/check-source.js';
import { loadRegistry } from '../../apps/index.js';
import { UsageError } from '../../errors.js';
import { createHttpIo } from '../../runtime/http-io.js';
import { installSharedLimits } from '../../scale/shared-limits-env.js';
import { runFlow, type ProgressEvent, type RateLimitWait, type RunSummary } from '../../runtime/run-flow.js';
import { openExistingStateStore, openStateStore, parseVarArgs, stateUrl } from '../../state/index.js';
import { dataDir } from '../../util/paths.js';
import { budgetLine } from '../budget-text.js';
import { checkerEnvironment } from '../../check/environment.js';
import { flag, formatOption, outputFormat, str, strs, type Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { errColors, outColors, type CliIO } from '../io.js';
import { renderDiagnostic } from '../render-diagnostics.js';

const run: Command = {
  name: 'run',
  summary: 'run the flows of a file (incrementally, within the API rate limits)',
  usage: 'run [options] FILE',
  positionals: true,
  options: {
    flow: { type: 'string', valueName: 'NAME', description: 'run only this flow of the file' },
    state: { type: 'string', valueName: 'URL', description: 'keep the state in PostgreSQL (postgres://USER@HOST:PORT/DB[?schema=NAME]) instead of $SLUICE_HOME/state.db; or SLUICE_STATE' },
    since: { type: 'string', valueName: 'TIME', description: 'the first run reads changes since TIME (ISO 8601); later runs continue from their watermark' },
    var: { type: 'string', multiple: true, valueName: 'NAME=VALUE', description: 'a value for ~{NAME}~ templates' },
    'dry-run': { type: 'boolean', description: 'read what the run would read (from the saved watermark), print what it would write; change nothing' },
    fresh: { type: 'boolean', description: "forget the flow's watermark first: read from --since or the beginning (as `sluice state reset`)" },
    'metrics-file': { type: 'string', valueName: 'PATH', description: "write the run's Prometheus metrics (the agent's /metrics names) to PATH, atomically, when it ends" },
    format: formatOption,
  },
  details: `A flow that does not check does not run. State (watermarks, run history, rejected records)
is kept in $SLUICE_HOME (default .sluice in this folder) under the flow's identity: its \`id "..."\`,
else its name. The agent runs a deployed flow from the same state, so a flow run by hand and then
deployed (or the other way round) continues where it stopped; --fresh starts it over. Ctrl-C stops cleanly: writes in flight
finish and what was written is remembered.

--metrics-file PATH writes the run's numbers in Prometheus text format (runs by status, records
read/written/rejected and pages by flow, HTTP requests/429s/retries and rate-limit waits by host,
the daily budget left when the API reports one), the names the agent serves at /metrics. The file
is replaced atomically (a temp file renamed), as node_exporter's textfile collector needs; it is
written whatever the outcome, also when a flow failed.

Exit codes: 0 every flow succeeded; 1 a flow failed (or did not check); 2 usage error;
3 succeeded but some records were rejected (kept: sluice state rejected, sluice replay);
130 interrupted.`,
  async run(args, io) {
    const format = outputFormat(args);
    if (args.positionals.length !== 1) throw new UsageError('give one flow file', 'Usage: sluice run [options] FILE');
    const file = args.positionals[0];
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new UsageError(`no such file: ${file}`);
    }
    const vars = parseVarArgs(strs(args, 'var'));
    const env = checkerEnvironment({ processEnv: io.env, vars: Object.keys(vars), warn: (line) => io.stderr.write(`${line}\n`) });
    const checked = checkSource(text, { fileName: file, env });
    const errors = checked.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0 || !checked.model) {
      for (const d of errors) io.stderr.write(`${renderDiagnostic(file, text, d, errColors(io))}\n\n`);
      io.stderr.write(`${errColors(io).red(`${file} does not check (${errors.length} error${errors.length === 1 ? '' : 's'}): nothing was run`)}\n`);
      return EXIT.failed;
    }
    const only = str(args, 'flow');
    const flows = checked.model.flows.filter((f) => !only || f.name === only);
    if (only && flows.length === 0) throw new UsageError(`${file} has no flow named \`${only}\``, `Flows: ${checked.model.flows.map((f) => f.name).join(', ')}`);

    const metricsFile = str(args, 'metrics-file');
    const metrics = metricsFile === undefined ? null : await runMetrics(io.cwd, metricsFile);
    const dryRun = flag(args, 'dry-run');
    const home = dataDir(io.env, io.cwd);
    const url = stateUrl(str(args, 'state'), io.env);
    const store = dryRun ? await openExistingStateStore(home, { recover: false, ...(url ? { url } : {}) }) : await openStateStore(home, url ? { url } : {});
    const controller = new AbortController();
    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts > 1) process.exit(EXIT.interrupted);
      io.stderr.write('\nstopping: finishing the writes in flight (Ctrl-C again to quit at once)\n');
      controller.abort();
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
    // Several processes on one token share one rate limit when SLUICE_RATE_LIMIT_REDIS names a Redis.
    const closeSharedLimits = await installSharedLimits(io.env);
    const http = createHttpIo({ env: io.env, signal: controller.signal, home, ...(metrics ? { onEvent: (e, baseUrl) => metrics.m.http(e, metrics.hostLabel(baseUrl)) } : {}) });
    metrics?.hostsFrom(() => http.limiters());
    const summaries: RunSummary[] = [];
    let metricsFailed = false;
    try {
      for (const flow of flows) {
        const progress = progressLine(io, flow.name, format, () => http.waiting?.() ?? null);
        const s = await runFlow({
          flow,
          file,
          registry: loadRegistry(),
          store,
          http,
          io: { cwd: io.cwd, stdout: io.stdout, env: io.env, home },
          ...(str(args, 'since') ? { since: str(args, 'since')! } : {}),
          vars,
          dryRun,
          fresh: flag(args, 'fresh'),
          trigger: 'cli',
          signal: controller.signal,
          onProgress: progress.update,
          log: (line) => io.stderr.write(`${line}\n`),
        });
        progress.done();
        summaries.push(s);
        metrics?.m.run(flow.name, s.status, s);
        if (format === 'text') printSummary(io, s, dryRun);
        if (controller.signal.aborted) break;
      }
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
      await store?.close();
      await http.close();
      await closeSharedLimits();
      if (metrics) {
        try {
          await metrics.m.writeFile(metrics.path);
        } catch (err) {
          metricsFailed = true;
          io.stderr.write(`${errColors(io).red(`could not write --metrics-file ${metricsFile}: ${err instanceof Error ? err.message : String(err)}`)}\n`);
        }
      }
    }
    if (format === 'json') io.stdout.write(`${JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 2)}\n`);
    if (metricsFailed) return EXIT.failed;
    if (summaries.some((s) => s.status === 'interrupted')) return EXIT.interrupted;
    if (summaries.some((s) => s.status === 'failed')) return EXIT.failed;
    if (summaries.some((s) => s.rejected > 0)) return EXIT.rejected;
    return EXIT.ok;
  },
};

/** The metrics of one `sluice run` (loaded only when asked for: the CLI starts faster without prom-client). */
async function runMetrics(cwd: string, file: string) {
  const path = resolve(cwd, file);
  // Found out before anything runs: a job whose numbers cannot be kept should not run unobserved.
  if (!existsSync(dirname(path))) throw new UsageError(`--metrics-file ${file}: the folder ${dirname(path)} does not exist`);
  const { Metrics, hostLabel } = await import('../../agent/metrics.js');
  let limiters: () => { baseUrl: string; waiting: number; dailyLeft?: number }[] = () => [];
  const m = new Metrics({ hosts: () => limiters().map((l) => ({ host: hostLabel(l.baseUrl), queued: l.waiting, ...(l.dailyLeft !== undefined ? { dailyLeft: l.dailyLeft } : {}) })) });
  return {
    m,
    hostLabel,
    path,
    hostsFrom(f: typeof limiters) {
      limiters = f;
    },
  };
}

/**
 * On a terminal: one line, rewritten in place at least every second from the start (records,
 * rate, and what the run waits on). Elsewhere: nothing, so that scripts read only the summary.
 */
function progressLine(io: CliIO, flow: string, format: string, waiting: () => RateLimitWait | null) {
  const tty = Boolean(io.stderr.isTTY) && format === 'text';
  const t0 = performance.now();
  let p: ProgressEvent = { read: 0, written: 0, rejected: 0, pages: 0 };
  const render = () => {
    const secs = Math.max(0.001, (performance.now() - t0) / 1000);
    const w = waiting();
    const wait = w
      ? `; waiting on ${w.app}'s rate limit (plan ${w.plan}, ${w.burst} requests / ${w.windowSeconds} s${w.paused ? ', paused after a 429' : ''})`
      : '';
    io.stderr.write(`\r\u001b[2K${flow}: read ${p.read}, written ${p.written}, rejected ${p.rejected}, pages ${p.pages}, ${(p.read / secs).toFixed(0)} records/s, ${secs.toFixed(0)} s${wait}`);
  };
  const timer = tty ? setInterval(render, 500) : undefined;
  timer?.unref();
  return {
    update: (next: ProgressEvent) => {
      p = next;
    },
    done: () => {
      if (timer) clearInterval(timer);
      if (tty) io.stderr.write('\r\u001b[2K');
    },
  };
}

function printSummary(io: CliIO, s: RunSummary, dryRun: boolean): void {
  const c = outColors(io);
  // Records go to stdout when the destination is stdout: the summary must not mix with them.
  const out = s.destination === 'stdout' ? io.stderr : io.stdout;
  const status = s.status === 'succeeded' ? c.green(dryRun ? 'dry run' : 'succeeded') : s.status === 'interrupted' ? c.yellow('interrupted') : c.red('failed');
  const lines = [
    `${c.bold(s.flow)}: ${status} in ${(s.duration_ms / 1000).toFixed(1)} s`,
    `  read ${s.read} = written ${s.written} to ${s.destination} + rejected ${s.rejected} + skipped ${s.skipped} (already written) + filtered ${s.filtered}${s.unsent ? ` + left for the next run ${s.unsent}` : ''}`,
  ];
  if (s.http && s.http.requests > 0) lines.push(`  requests ${s.http.requests}, retries ${s.http.retries}, 429s ${s.http.status429}, waited ${(s.http.waitedMs / 1000).toFixed(1)} s on the rate limit`);
  if (s.http?.tokens) lines.push(`  ${budgetLine(s.http.tokens, s.http.budget ?? [])}`);
  if (s.watermark) lines.push(`  watermark ${s.watermark}${s.complete ? '' : ' (kept: the run stopped before the end of the source)'}`);
  if (s.rejected > 0) {
    lines.push(c.yellow(`  ${s.rejected} record${s.rejected === 1 ? ' was' : 's were'} rejected and kept: \`sluice state rejected ${s.flow}\` lists them; \`sluice replay ${s.flow}\` sends them again once the flow is fixed`));
  }
  for (const w of s.warnings) lines.push(c.yellow(`  warning: ${w}`));
  if (s.error) lines.push(c.red(`  error ${s.error.code}: ${s.error.message}`), ...(s.error.hint ? [`  hint: ${s.error.hint}`] : []));
  out.write(`${lines.join('\n')}\n`);
}

export const commands = [run];
