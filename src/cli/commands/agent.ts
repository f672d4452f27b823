// `sluice agent start|status|stop|panel`: the long-running process that runs deployed flows on their
// schedules (src/agent), and the commands that talk to it through `$SLUICE_HOME/agent.json`.
import { UsageError } from '../../errors.js';
import { dataDir } from '../../util/paths.js';
import { flag, formatOption, outputFormat, str, type Command, type ParsedArgs } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { errColors, outColors, type CliIO } from '../io.js';
import { duration, shortTime } from './state.js';
import { guardedJson } from '../json-errors.js';
import { EVENT_ATTEMPTS, EVENT_BACKOFF_MS } from '../../scale/worker-timing.js';

/** The waits between the attempts of a failed run of webhook events in queue mode: `1 s, 2 s, 4 s, 8 s`. */
const eventRetryWaits = Array.from({ length: EVENT_ATTEMPTS - 1 }, (_, i) => `${(EVENT_BACKOFF_MS * 2 ** i) / 1000} s`).join(', ');

function seconds(args: ParsedArgs, name: string, fallback: number, max: number): number {
  const raw = str(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) throw new UsageError(`--${name} must be a number of seconds from 0 to ${max}, got \`${raw.slice(0, 20)}\``);
  return Math.round(n * 1000);
}

export async function connect(io: CliIO) {
  const { AgentClient } = await import('../../agent/client.js');
  return AgentClient.connect(dataDir(io.env, io.cwd));
}

// ---- agent start ----

const start: Command = {
  name: 'agent start',
  summary: 'run the agent in the foreground: deployed flows on their schedules, the API and the panel',
  usage: 'agent start [--port N] [--host 127.0.0.1] [--stop-timeout SECONDS] [--webhook-port N [--webhook-host ADDR] [--webhook-url URL]] [-v] [--queue redis://HOST:PORT --state postgres://...]',
  options: {
    queue: { type: 'string', valueName: 'URL', description: 'queue mode: schedule runs on this Redis for `sluice worker`s to run (needs --state postgres://...)' },
    state: { type: 'string', valueName: 'URL', description: 'queue mode: the PostgreSQL that keeps deployments, state and history (or SLUICE_STATE)' },
    port: { type: 'string', valueName: 'N', description: 'port to listen on; 0 (default) picks a free one' },
    host: { type: 'string', valueName: 'ADDR', description: 'address to listen on (default 127.0.0.1: this machine only)' },
    'allow-remote': { type: 'boolean', description: 'allow a --host that is not loopback (the API is plain HTTP: only on a trusted network)' },
    'stop-timeout': { type: 'string', valueName: 'SECONDS', description: 'on SIGTERM, how long running flows get to finish (default 30)' },
    verbose: { type: 'boolean', short: 'v', description: 'log every API request (method, path, status) to stderr' },
    'webhook-port': { type: 'string', valueName: 'N', description: 'receive webhooks (flows reading pipedrive.events) on this port, apart from the API; 0 picks a free one' },
    'webhook-host': { type: 'string', valueName: 'ADDR', description: 'address of the webhook listener (default 127.0.0.1; 0.0.0.0 to expose it)' },
    'webhook-url': { type: 'string', valueName: 'URL', description: 'the public address the app posts webhooks to (a tunnel or proxy to --webhook-port); default the listener\'s own' },
    'reconcile-every': { type: 'string', valueName: 'SECONDS', description: 'how often webhook flows read what changed to find events the app did not deliver (default 300)' },
  },
  details: `The first line on stdout is \`agent listening on http://HOST:PORT (pid N)\`; the log goes to
stderr. The agent writes $SLUICE_HOME/agent.json (mode 0600) with its address and a token that is new
at each start (in queue mode, the token is kept in Redis and shared by the queue agents: it stays the
same across restarts); \`sluice deploy\`, \`deployments\`, \`trigger\`, \`agent status|stop\` use it,
and \`sluice agent panel\` prints the panel's address. One agent per SLUICE_HOME.

Deployments and run history live in the state database: they survive a restart, and a run that was
in progress when an agent died is recorded as interrupted (its flow continues from its last
committed watermark).

SIGTERM or Ctrl-C: no new runs start, running flows get --stop-timeout to finish, then are told to
stop (ending at their next page, as interrupted); exit 0. A second Ctrl-C quits at once.

Queue mode (several machines): with --queue redis://HOST:PORT --state postgres://..., the agent runs
no flow itself: it keeps the deployments in PostgreSQL, puts their runs on the queue on their
schedules (one agent at a time, by a Redis lock, when several are started) and serves the same API
and a panel of workers and queue counts; \`sluice worker\` processes run the flows. It writes
agent.json with "mode": "queue", so deploy, deployments, trigger [--wait], pause, resume, undeploy and
agent status|stop|panel work against it unchanged. It is refused (SL8002) while an agent without
--queue runs for this SLUICE_HOME. --stop-timeout and -v are refused (give --stop-timeout to the
workers). See \`sluice worker --help\`.

Webhooks: with --webhook-port the agent also listens for webhooks on that port (only
\`POST /webhooks/DEPLOYMENT\`, with the basic-auth credentials generated for each deployment; nothing
of the API). Deploying a flow that reads \`pipedrive.events\` registers its webhook with Pipedrive at
--webhook-url (which must reach the listener); undeploying removes it. Each event is kept in the
state database before it is answered, then run through the flow once, in order; a failed run is
retried. Every --reconcile-every seconds (and at start) the agent reads what changed since the last
read to find events Pipedrive did not deliver. In queue mode the events are kept in PostgreSQL and run
by the workers, in order; a failed run is retried by the queue (${EVENT_ATTEMPTS} attempts, ${eventRetryWaits} apart).`,
  async run(args, io) {
    const raw = str(args, 'port') ?? '0';
    if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, got \`${raw.slice(0, 20)}\``);
    const host = str(args, 'host') ?? '127.0.0.1';
    const stopTimeoutMs = seconds(args, 'stop-timeout', 30_000, 3600);
    const rawHookPort = str(args, 'webhook-port');
    if (rawHookPort !== undefined && (!/^\d+$/.test(rawHookPort) || Number(rawHookPort) > 65535)) throw new UsageError(`--webhook-port must be a whole number from 0 to 65535, got \`${rawHookPort.slice(0, 20)}\``);
    const webhookUrl = str(args, 'webhook-url');
    if (webhookUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(webhookUrl)) throw new UsageError(`--webhook-url must be an http:// or https:// URL, got \`${webhookUrl.slice(0, 60)}\``, 'e.g. --webhook-url https://sluice.example.com');
    if ((webhookUrl !== undefined || str(args, 'webhook-host') !== undefined) && rawHookPort === undefined) throw new UsageError('--webhook-url and --webhook-host need --webhook-port');
    const reconcileMs = seconds(args, 'reconcile-every', 300_000, 86_400);
    const home = dataDir(io.env, io.cwd);
    const e = errColors(io);
    const log = (line: string) => io.stderr.write(`${e.dim(new Date().toISOString())} ${line}\n`);
    if (str(args, 'queue') !== undefined) {
      // Options of the in-process agent that a queue agent cannot honour are refused, not ignored.
      if (str(args, 'stop-timeout') !== undefined) throw new UsageError('--stop-timeout does not work with --queue', 'A queue agent runs no flow: give --stop-timeout to `sluice worker`.');
      if (flag(args, 'verbose')) throw new UsageError('--verbose does not work with --queue', 'A queue agent does not log its API requests; leave -v out.');
      const { runQueueAgent } = await import('../queue-mode.js');
      const webhooks = rawHookPort !== undefined ? { port: Number(rawHookPort), host: str(args, 'webhook-host') ?? '127.0.0.1', ...(webhookUrl ? { publicUrl: webhookUrl } : {}), reconcileMs } : undefined;
      return runQueueAgent({ queue: str(args, 'queue')!, state: str(args, 'state'), host, port: Number(raw), allowRemote: flag(args, 'allow-remote'), ...(webhooks ? { webhooks } : {}), home, io, log });
    }
    const { Agent } = await import('../../agent/agent.js');
    const agent = await Agent.start({
      home,
      env: io.env,
      host,
      port: Number(raw),
      allowRemote: flag(args, 'allow-remote'),
      stopTimeoutMs,
      stdout: io.stdout,
      log,
      verbose: flag(args, 'verbose'),
      ...(rawHookPort !== undefined ? { webhookPort: Number(rawHookPort), webhookHost: str(args, 'webhook-host') ?? '127.0.0.1', ...(webhookUrl ? { webhookUrl } : {}) } : {}),
      reconcileMs,
    });
    io.stdout.write(`agent listening on ${agent.url} (pid ${process.pid})\n`);
    const n = (await agent.deployments.list()).length;
    log(`state in ${home}; ${n} deployment${n === 1 ? '' : 's'} scheduled`);
    log('open the panel with `sluice agent panel` (it prints the address with its access token)');
    if (flag(args, 'allow-remote') && host !== '127.0.0.1') log(e.yellow('warning: --allow-remote: the API and the panel travel unencrypted; use only on a trusted network'));

    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        log(`${sig} again: quitting now`);
        process.exit(EXIT.interrupted);
      }
      void agent.stop(sig);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
      await agent.stopped;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    // Something a stopped run left open (a socket that ignores the stop signal) must not keep the
    // process alive; this timer does not keep it alive itself, but fires if something else does.
    // (A read blocked in the kernel, on a FIFO or a hung network disk, holds a libuv thread, and
    // Node cannot exit before it returns: the run is recorded as interrupted all the same.)
    setTimeout(() => process.exit(EXIT.ok), 200).unref();
    return EXIT.ok;
  },
};

// ---- agent status ----

const status: Command = {
  name: 'agent status',
  summary: 'show whether the agent runs, its address, deployments and runs in progress',
  usage: 'agent status [--format text|json]',
  options: { format: formatOption },
  details: 'Exit code 0 when the agent is running, 1 when it is not. A queue-mode agent shows\nwhether it leads, the queue\'s counts and the workers.',
  async run(args, io) {
    const format = outputFormat(args);
    return guardedJson(
      io,
      format,
      async () => {
        const client = await connect(io);
        const s = (await client.request<Record<string, any>>('GET', 'status')).body;
        const deps = (await client.request<{ deployments: Record<string, any>[] }>('GET', 'deployments')).body.deployments;
        if (format === 'json') {
          io.stdout.write(`${JSON.stringify({ ok: true, running: true, ...s, deployments: deps }, null, 2)}\n`);
          return EXIT.ok;
        }
        const c = outColors(io);
        const running = deps.filter((d) => d.running);
        if (s.mode === 'queue') {
          const q = s.queue as Record<string, number>;
          const workers = s.workers as { id: string; alive: boolean; draining: boolean; running: { deployment: string }[]; concurrency: number }[];
          const lines = [
            `${c.green('agent running')} in queue mode at ${s.url} (pid ${s.pid}), up ${duration(s.uptime_s * 1000)}, ${s.leader ? 'leader (schedules the runs)' : 'follower (another agent schedules)'}${s.stopping ? c.yellow(' (stopping)') : ''}`,
            `  state: ${s.state}`,
            `  deployments: ${deps.length}, running now: ${running.length ? running.map((d) => d.name).join(', ') : 'none'}`,
            `  queue: ${q.waiting ?? 0} waiting, ${q.active ?? 0} active, ${q.delayed ?? 0} delayed, ${q.failed ?? 0} failed`,
            `  workers: ${workers.length ? workers.map((w) => `${w.id} (${!w.alive ? 'gone' : w.draining ? 'draining' : `${w.running.length}/${w.concurrency} busy`})`).join(', ') : c.yellow('none: start one with `sluice worker --queue ... --state ...`')}`,
          ];
          io.stdout.write(`${lines.join('\n')}\n`);
          return EXIT.ok;
        }
        const lines = [
          `${c.green('agent running')} at ${s.url} (pid ${s.pid}), up ${duration(s.uptime_s * 1000)}${s.stopping ? c.yellow(' (stopping)') : ''}`,
          `  state: ${s.home}`,
          `  deployments: ${deps.length}, running now: ${running.length ? running.map((d) => d.name).join(', ') : 'none'}`,
          `  runs since start: ${s.runs.started} started, ${s.runs.succeeded} succeeded, ${s.runs.failed} failed, ${s.runs.skipped} skipped`,
        ];
        const next = deps.filter((d) => d.next_run).sort((a, b) => String(a.next_run).localeCompare(String(b.next_run)))[0];
        if (next) lines.push(`  next run: ${next.name} at ${shortTime(next.next_run)}`);
        if (s.cache?.memory) lines.push(`  lookup cache: ${s.cache.memory.entries} entries${s.cache.last_clear ? `, last cleared ${shortTime(s.cache.last_clear.at)}` : ''}`);
        io.stdout.write(`${lines.join('\n')}\n`);
        return EXIT.ok;
      },
      { extra: { running: false } },
    );
  },
};

// ---- agent stop ----

const stop: Command = {
  name: 'agent stop',
  summary: 'stop the agent gracefully (running flows finish first)',
  usage: 'agent stop [--timeout SECONDS] [--format text|json]',
  options: {
    timeout: { type: 'string', valueName: 'SECONDS', description: 'how long to wait for the agent to exit (default 60)' },
    format: formatOption,
  },
  details: 'Asks the agent to stop as SIGTERM does: no new runs; running flows get its --stop-timeout to finish.\nA queue-mode agent stops at once: runs on workers go on (stop a worker with SIGTERM; another\nqueue agent, if any, takes the lead).\nExit code 0 when it stopped, 1 when it was not running or did not exit in time.',
  async run(args, io) {
    const format = outputFormat(args);
    const timeoutMs = seconds(args, 'timeout', 60_000, 3600);
    return guardedJson(io, format, async () => {
      const client = await connect(io);
      const r = (await client.request<{ running: number }>('POST', 'stop')).body;
      if (format === 'text' && r.running > 0) io.stderr.write(`waiting for ${r.running} running flow${r.running === 1 ? '' : 's'} to finish...\n`);
      const exited = await client.waitForExit(timeoutMs);
      if (format === 'json') io.stdout.write(`${JSON.stringify({ ok: exited, stopped: exited, pid: client.pid }, null, 2)}\n`);
      else if (exited) io.stdout.write(`agent stopped (pid ${client.pid})\n`);
      else io.stderr.write(`${errColors(io).red('error')}: the agent (pid ${client.pid}) is still stopping after ${Math.round(timeoutMs / 1000)} s\n`);
      return exited ? EXIT.ok : EXIT.failed;
    });
  },
};

// ---- agent panel ----

const panel: Command = {
  name: 'agent panel',
  summary: "print the address of the agent's control panel (with its access token)",
  usage: 'agent panel [--format text|json]',
  options: { format: formatOption },
  details: `The address carries the agent's token after \`#\`: browsers never send that part to a server,
and the page keeps it only for the tab (sessionStorage). Anyone with the address can control the
agent until it restarts: do not share it.`,
  async run(args, io) {
    const format = outputFormat(args);
    return guardedJson(io, format, async () => {
      const client = await connect(io);
      // Proves the agent answers (and takes this token) before handing out the address.
      await client.request('GET', 'status');
      if (format === 'json') io.stdout.write(`${JSON.stringify({ ok: true, url: client.panelUrl() }, null, 2)}\n`);
      else {
        io.stdout.write(`${client.panelUrl()}\n`);
        if (io.stderr.isTTY) io.stderr.write(`${errColors(io).dim('This address holds the agent\'s access token: keep it to yourself.')}\n`);
      }
      return EXIT.ok;
    });
  },
};

export const commands: Command[] = [start, status, stop, panel];
