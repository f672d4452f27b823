// `sluice deploy`, `undeploy`, `deployments`, `trigger`: the running agent's deployments, through its
// API (src/agent/client.ts). Each is a top-level command with its own registry entry; they share
// this module.
import { readFileSync, realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Diagnostic } from '../../diagnostics.js';
import { UsageError } from '../../errors.js';
import { parseVarArgs } from '../../state/templates.js';
import { flag, formatOption, outputFormat, str, strs, type Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { errColors, outColors, type CliIO } from '../io.js';
import { renderDiagnostic } from '../render-diagnostics.js';
import { connect } from './agent.js';
import { guardedJson } from '../json-errors.js';
import { duration, shortTime } from './state.js';

interface DeploymentJson {
  name: string;
  version: number;
  flow: string;
  file: string | null;
  schedule: string | null;
  enabled: boolean;
  paused?: boolean;
  next_run: string | null;
  running: { since: string; version: number } | null;
  state?: { key: string; watermarks: Record<string, string> };
  last_run: { status: string; started_at: string; duration_ms: number | null; read: number; written: number; rejected: number; error: { code?: string; message: string } | null } | null;
}

const NOT_RUNNING_NOTE = 'Exit code 1 when the agent is not running (start it with `sluice agent start`). The agent may be\na queue-mode one (`sluice agent start --queue ...`): the command is the same.';

// ---- deploy ----

export const deploy: Command = {
  name: 'deploy',
  summary: 'check a flow file and deploy its flows to the running agent (scheduled at once)',
  usage: 'deploy FILE [--flow NAME] [--name NAME] [--var NAME=VALUE]... [--allow-path DIR]... [--notify-url URL] [--format text|json]',
  positionals: true,
  options: {
    flow: { type: 'string', valueName: 'NAME', description: 'deploy only this flow of the file (default: every flow in it)' },
    name: { type: 'string', valueName: 'NAME', description: 'the deployment name (default: the flow name); needs a single flow' },
    var: { type: 'string', multiple: true, valueName: 'NAME=VALUE', description: 'a value for ~{NAME}~ templates, kept with the deployment' },
    fresh: { type: 'boolean', description: "forget the flow's watermark: its next run reads from the beginning" },
    'allow-path': { type: 'string', multiple: true, valueName: 'DIR', description: 'a folder besides this one that the flow\'s file and SQLite paths may use, kept with the deployment' },
    'notify-url': { type: 'string', valueName: 'URL', description: 'POST a JSON message here when the deployment starts failing (once per failing streak) and when it recovers' },
    format: formatOption,
  },
  details: `The agent checks the flow as \`sluice check\` does (and its schedule); a flow that does not
check is refused with the diagnostics and nothing changes. Otherwise it stores a copy of the file's
text as a new version of the deployment (1, 2, ...) and schedules it: \`schedule every N{s,m,h,d}\`
runs first at once, then every N; \`schedule cron "..."\` at the next match; a flow without a schedule
runs only with \`sluice trigger\`. Later edits to the file change nothing until it is deployed again.

Relative paths in the flow resolve against the folder you deploy from, as with \`sluice run\`. A
deployed flow keeps the state of the flow (its \`id "..."\`, else its name), shared with \`sluice run\`:
a flow run by hand and then deployed continues from its watermark (deploy says from where), and
every later version continues too. --fresh starts it over. --var values are stored
in the state database: give secrets through connections or env("NAME"), not --var.

A deployed flow may read and write files and SQLite databases only inside the folder you deploy
from, and inside each --allow-path DIR (resolved against the current folder); never the agent's
$SLUICE_HOME or the connections folder. A path outside is refused at deploy (SL8015, shown at the
option) and, for paths only known when a run starts, fails that run with SL8015. Symbolic links are
followed before the comparison.

--notify-url URL: when a run fails after a success (or as the first run), the agent POSTs one JSON
message {event: "failing", deployment, version, run, error, panel_url, ...} to URL; later failures of
the same streak send nothing; the first success after it sends {event: "recovered", ...}. Each deploy
sets (or, without the option, clears) the URL.

${NOT_RUNNING_NOTE}`,
  async run(args, io) {
    const format = outputFormat(args);
    if (args.positionals.length !== 1) throw new UsageError('give one flow file', `Usage: sluice ${deploy.usage}`);
    const file = args.positionals[0];
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new UsageError(`no such file: ${file}`);
    }
    const vars = parseVarArgs(strs(args, 'var'));
    let filePath = resolve(io.cwd, file);
    try {
      filePath = realpathSync(filePath);
    } catch {
      // Read a moment ago; the resolved path names it well enough.
    }
    const body = {
      text,
      file_name: basename(file),
      file_path: filePath,
      base_dir: io.cwd,
      ...(str(args, 'flow') !== undefined ? { flow: str(args, 'flow') } : {}),
      ...(str(args, 'name') !== undefined ? { name: str(args, 'name') } : {}),
      ...(flag(args, 'fresh') ? { fresh: true } : {}),
      ...(strs(args, 'allow-path').length ? { allow_paths: strs(args, 'allow-path').map((d) => resolveDir(io.cwd, d)) } : {}),
      ...(str(args, 'notify-url') !== undefined ? { notify_url: str(args, 'notify-url') } : {}),
      vars,
    };
    const e = errColors(io);
    const { AgentApiError } = await import('../../agent/client.js');
    return guardedJson(io, format, async () => {
      const client = await connect(io);
      let r: { deployed: DeploymentJson[]; warnings: Diagnostic[] };
      try {
        r = (await client.request<{ deployed: DeploymentJson[]; warnings: Diagnostic[] }>('POST', 'deployments', body)).body;
      } catch (err) {
        if (!(err instanceof AgentApiError) || !err.diagnostics) throw err;
        // Refused: the agent's diagnostics, rendered against the text that was sent.
        const diagnostics = err.diagnostics as Diagnostic[];
        if (format === 'json') {
          io.stdout.write(`${JSON.stringify({ ok: false, error: { code: err.code, message: err.message }, diagnostics }, null, 2)}\n`);
          return EXIT.failed;
        }
        for (const d of diagnostics) io.stderr.write(`${renderDiagnostic(file, text, d, e)}\n\n`);
        io.stderr.write(`${e.red(err.message)}\n`);
        return EXIT.failed;
      }
      if (format === 'json') {
        io.stdout.write(`${JSON.stringify({ ok: true, deployed: r.deployed, warnings: r.warnings }, null, 2)}\n`);
        return EXIT.ok;
      }
      for (const d of r.warnings) io.stderr.write(`${renderDiagnostic(file, text, d, e)}\n\n`);
      const c = outColors(io);
      for (const d of r.deployed) {
        const when = d.schedule
          ? `${d.schedule}; next run ${d.next_run ? shortTime(d.next_run) : 'never (the cron expression has no future match)'}`
          : `no schedule: runs with \`sluice trigger ${d.name}\``;
        io.stdout.write(`${c.green('deployed')} ${c.bold(d.name)} v${d.version} (${when})\n`);
        const marks = Object.entries(d.state?.watermarks ?? {});
        for (const [source, value] of marks) io.stdout.write(`  continuing from watermark ${value} (${source})\n`);
        if (flag(args, 'fresh')) io.stdout.write('  state reset (--fresh): the next run starts over\n');
      }
      return EXIT.ok;
    });
  },
};

/** An --allow-path folder as the agent will compare it: absolute, symbolic links resolved. */
function resolveDir(cwd: string, dir: string): string {
  const abs = resolve(cwd, dir);
  try {
    return realpathSync(abs);
  } catch {
    throw new UsageError(`--allow-path ${dir}: no such folder`);
  }
}

// ---- undeploy ----

export const undeploy: Command = {
  name: 'undeploy',
  summary: 'stop running a deployment on schedule (its history and state are kept)',
  usage: 'undeploy NAME [--format text|json]',
  positionals: true,
  options: { format: formatOption },
  details: `A run in progress finishes. Run history and the watermark are kept: deploying the name again
continues from there (\`sluice state reset NAME\` starts it over) with the next version number.

${NOT_RUNNING_NOTE}`,
  async run(args, io) {
    const format = outputFormat(args);
    if (args.positionals.length !== 1) throw new UsageError('give the name of one deployment', `Usage: sluice ${undeploy.usage}`);
    return guardedJson(io, format, async () => {
      const client = await connect(io);
      const r = (await client.request<{ undeployed: { name: string; version: number; running: boolean } }>('DELETE', `deployments/${encodeURIComponent(args.positionals[0])}`)).body.undeployed;
      if (format === 'json') io.stdout.write(`${JSON.stringify({ ok: true, undeployed: r }, null, 2)}\n`);
      else io.stdout.write(`undeployed ${r.name} (v${r.version})${r.running ? '; its run in progress will finish' : ''}\n`);
      return EXIT.ok;
    });
  },
};

// ---- pause, resume ----

function pauseCommand(action: 'pause' | 'resume'): Command {
  const pausing = action === 'pause';
  return {
    name: action,
    summary: pausing ? 'stop scheduling a deployment; it stays deployed (trigger still runs it)' : 'schedule a paused deployment again',
    usage: `${action} NAME [--format text|json]`,
    positionals: true,
    options: { format: formatOption },
    details: `${
      pausing
        ? 'A paused deployment keeps its version, history and state; `sluice trigger` and the panel\'s Run\nnow still run it. It stays paused across agent restarts until `sluice resume NAME` or a new deploy.'
        : 'Its schedule starts again: an `every` schedule that is overdue runs at once.'
    }

${NOT_RUNNING_NOTE}`,
    async run(args, io) {
      const format = outputFormat(args);
      if (args.positionals.length !== 1) throw new UsageError('give the name of one deployment', `Usage: sluice ${action} NAME`);
      return guardedJson(io, format, async () => {
        const client = await connect(io);
        const body = (await client.request<Record<string, DeploymentJson>>('POST', `deployments/${encodeURIComponent(args.positionals[0])}/${action}`, {})).body;
        const d = body[pausing ? 'paused' : 'resumed'];
        if (format === 'json') io.stdout.write(`${JSON.stringify({ ok: true, deployment: d }, null, 2)}\n`);
        else io.stdout.write(pausing ? `paused ${d.name} (v${d.version}): not scheduled until \`sluice resume ${d.name}\`\n` : `resumed ${d.name} (v${d.version})${d.next_run ? `; next run ${shortTime(d.next_run)}` : ''}\n`);
        return EXIT.ok;
      });
    },
  };
}

export const pause = pauseCommand('pause');
export const resume = pauseCommand('resume');

// ---- deployments ----

export const deployments: Command = {
  name: 'deployments',
  summary: "list the agent's deployments: schedule, next run, last run",
  usage: 'deployments [--all] [--format text|json]',
  options: {
    all: { type: 'boolean', description: 'also list undeployed ones' },
    format: formatOption,
  },
  details: `Times are UTC. ${NOT_RUNNING_NOTE}`,
  async run(args, io) {
    const format = outputFormat(args);
    return guardedJson(io, format, async () => {
      const client = await connect(io);
      const list = (await client.request<{ deployments: DeploymentJson[] }>('GET', `deployments${flag(args, 'all') ? '?all=1' : ''}`)).body.deployments;
      if (format === 'json') {
        io.stdout.write(`${JSON.stringify({ ok: true, deployments: list }, null, 2)}\n`);
        return EXIT.ok;
      }
      if (list.length === 0) {
        io.stdout.write('Nothing is deployed. Deploy a flow with `sluice deploy FILE`.\n');
        return EXIT.ok;
      }
      const c = outColors(io);
      const header = ['NAME', 'VERSION', 'SCHEDULE', 'NEXT RUN (UTC)', 'LAST RUN', 'STATUS', 'READ', 'WRITTEN', 'ERROR'];
      const rows = list.map((d) => {
        const last = d.last_run;
        return [
          d.name,
          `v${d.version}${d.enabled ? '' : ' (undeployed)'}`,
          d.schedule ?? 'on demand',
          d.running ? 'running now' : d.paused ? 'paused' : d.next_run ? shortTime(d.next_run) : '-',
          last ? `${shortTime(last.started_at)} (${duration(last.duration_ms)})` : '-',
          last?.status ?? '-',
          last ? String(last.read) : '-',
          last ? String(last.written) : '-',
          last?.error && last.status !== 'skipped' ? `${last.error.code ? `${last.error.code} ` : ''}${last.error.message}`.replace(/\s+/g, ' ') : '',
        ];
      });
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      const line = (r: string[]) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]))).join('  ').trimEnd();
      io.stdout.write(`${c.bold(line(header))}\n${rows.map(line).join('\n')}\n`);
      return EXIT.ok;
    });
  },
};

// ---- trigger ----

export const trigger: Command = {
  name: 'trigger',
  summary: 'run a deployment now (besides its schedule)',
  usage: 'trigger NAME [--wait] [--format text|json]',
  positionals: true,
  options: {
    wait: { type: 'boolean', description: 'wait for the run to end and print its summary' },
    format: formatOption,
  },
  details: `Refused (exit 1, SL8020) while the deployment is running (in queue mode: or waiting for a
worker). With --wait the exit code is the run's, as
for \`sluice run\`: 0 succeeded, 1 failed, 3 succeeded with rejected records, 130 interrupted.

${NOT_RUNNING_NOTE}`,
  async run(args, io) {
    const format = outputFormat(args);
    if (args.positionals.length !== 1) throw new UsageError('give the name of one deployment', `Usage: sluice ${trigger.usage}`);
    const name = args.positionals[0];
    const wait = flag(args, 'wait');
    return guardedJson(io, format, async () => {
      const client = await connect(io);
      const path = `deployments/${encodeURIComponent(name)}/run${wait ? '?wait=1' : ''}`;
      // A waited run may take long: the agent answers when it ends.
      const r = (await client.request<Record<string, any>>('POST', path, {}, { timeoutMs: wait ? 24 * 3600_000 : 30_000 })).body;
      if (!wait) {
        if (format === 'json') io.stdout.write(`${JSON.stringify({ ok: true, started: r.started }, null, 2)}\n`);
        else io.stdout.write(`started ${name}; \`sluice runs ${name}\` shows how it goes\n`);
        return EXIT.ok;
      }
      const run = r.run as { status: string; version: number; read?: number; written?: number; rejected?: number; duration_ms?: number; error: { code?: string; message: string } | null };
      const code = run.status === 'succeeded' ? ((run.rejected ?? 0) > 0 ? EXIT.rejected : EXIT.ok) : run.status === 'interrupted' ? EXIT.interrupted : EXIT.failed;
      if (format === 'json') {
        io.stdout.write(`${JSON.stringify({ ok: code === EXIT.ok, run }, null, 2)}\n`);
        return code;
      }
      const c = outColors(io);
      const st = run.status === 'succeeded' ? c.green(run.status) : run.status === 'failed' ? c.red(run.status) : c.yellow(run.status);
      const lines = [`${c.bold(name)} v${run.version}: ${st}${run.duration_ms !== undefined ? ` in ${(run.duration_ms / 1000).toFixed(1)} s` : ''}`];
      if (run.read !== undefined) lines.push(`  read ${run.read}, written ${run.written}, rejected ${run.rejected}`);
      if (run.error) lines.push(c.red(`  error ${run.error.code ? `${run.error.code}: ` : ''}${run.error.message}`));
      io.stdout.write(`${lines.join('\n')}\n`);
      return code;
    });
  },
};

export const commands: Command[] = [deploy, undeploy, deployments, trigger];
