// `sluice sandbox pipedrive`: the local Pipedrive API (src/sandbox) as a long-running process.
// The first line on stdout is for scripts: `sandbox listening on http://HOST:PORT (token: T)`.
import { UsageError } from '../../errors.js';
import { flag, str, type Command, type ParsedArgs } from '../command.js';
import { EXIT } from '../exit-codes.js';
import type { CliIO } from '../io.js';

const PLAN_NAMES = ['lite', 'growth', 'premium', 'ultimate', 'unlimited'] as const;

function intOption(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const raw = str(args, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got \`${raw}\``);
  }
  return Number(raw);
}

function rateOption(args: ParsedArgs, name: string): number | undefined {
  const raw = str(args, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--${name} must be a share between 0 and 1 (e.g. 0.05), got \`${raw}\``);
  return n;
}

const pipedrive: Command = {
  name: 'sandbox pipedrive',
  summary: 'run a local Pipedrive API with generated data (for demos, tests, benchmarks)',
  usage: 'sandbox pipedrive [--port N] [--host 127.0.0.1] [--token T] [--seed S] [--persons N] [--deals N] [--leads N] [--plan PLAN] [--latency MS] [--fail-rate R] [--data FILE]',
  options: {
    port: { type: 'string', valueName: 'N', description: 'port to listen on; 0 (default) picks a free one' },
    host: { type: 'string', valueName: 'ADDR', description: 'address to listen on (default 127.0.0.1, loopback only)' },
    token: { type: 'string', valueName: 'T', description: 'accepted API token, 40 lowercase hex (default: the documented sandbox token)' },
    seed: { type: 'string', valueName: 'S', description: 'seed for the generated data (default 1); same seed and sizes, same data' },
    persons: { type: 'string', valueName: 'N', description: 'number of persons (default 250)' },
    deals: { type: 'string', valueName: 'N', description: 'number of deals (default 40)' },
    leads: { type: 'string', valueName: 'N', description: 'number of leads (default 30)' },
    organizations: { type: 'string', valueName: 'N', description: 'number of organizations (default 20)' },
    plan: { type: 'string', valueName: 'PLAN', description: 'rate-limit plan: lite, growth, premium (default), ultimate, unlimited' },
    latency: { type: 'string', valueName: 'MS', description: 'milliseconds added to every answer' },
    'fail-rate': { type: 'string', valueName: 'R', description: 'share of requests answered 500/502/503 (0 to 1)' },
    'reset-rate': { type: 'string', valueName: 'R', description: 'share of answers cut off by a connection reset (0 to 1)' },
    'malformed-rate': { type: 'string', valueName: 'R', description: 'share of GET answers with truncated JSON (0 to 1)' },
    data: { type: 'string', valueName: 'FILE', description: 'load records from a JSON data file instead of generating them' },
    now: { type: 'string', valueName: 'TIME', description: 'where the sandbox clock starts (RFC 3339; default 2026-01-15T12:00:00Z)' },
    clock: { type: 'string', valueName: 'MODE', description: 'ticking (default: follows real time from --now) or frozen' },
    verbose: { type: 'boolean', short: 'v', description: 'log every request to stderr' },
  },
  details: `The first line on stdout is \`sandbox listening on http://HOST:PORT (token: T)\`; point a
connection at http://HOST:PORT/api/v1 (or /api/v2) with that token. Stop with Ctrl-C (SIGINT) or
SIGTERM. The data file format is described in src/sandbox/README.md.

Examples:
  sluice sandbox pipedrive --port 8765
  sluice sandbox pipedrive --plan lite --fail-rate 0.05 -v
  sluice sandbox pipedrive --plan unlimited --persons 50000`,
  async run(args: ParsedArgs, io: CliIO): Promise<number> {
    const port = intOption(args, 'port', 0, 65535) ?? 0;
    const host = str(args, 'host') ?? '127.0.0.1';
    const token = str(args, 'token');
    if (token !== undefined && !/^[0-9a-f]{40}$/.test(token)) {
      throw new UsageError('--token must be 40 lowercase hex characters, like a Pipedrive API token');
    }
    const plan = str(args, 'plan');
    if (plan !== undefined && !(PLAN_NAMES as readonly string[]).includes(plan)) {
      throw new UsageError(`unknown --plan \`${plan}\``, `Use one of: ${PLAN_NAMES.join(', ')}.`);
    }
    const clock = str(args, 'clock') ?? 'ticking';
    if (clock !== 'ticking' && clock !== 'frozen') throw new UsageError(`unknown --clock \`${clock}\``, 'Use --clock ticking or --clock frozen.');
    const now = str(args, 'now');
    if (now !== undefined && !Number.isFinite(Date.parse(now))) throw new UsageError(`--now must be a date-time such as 2026-01-15T12:00:00Z, got \`${now}\``);
    const sizes = {
      persons: intOption(args, 'persons', 0, 2_000_000),
      deals: intOption(args, 'deals', 0, 1_000_000),
      leads: intOption(args, 'leads', 0, 1_000_000),
      organizations: intOption(args, 'organizations', 0, 1_000_000),
    };
    const data = str(args, 'data');
    if (data !== undefined) {
      const given = Object.entries(sizes).find(([, v]) => v !== undefined);
      if (given) throw new UsageError(`--data replaces the generated records, so --${given[0]} has no effect`, 'Drop the size options or the data file.');
    }
    const faults = {
      latencyMs: intOption(args, 'latency', 0, 600_000),
      failRate: rateOption(args, 'fail-rate'),
      resetRate: rateOption(args, 'reset-rate'),
      malformedRate: rateOption(args, 'malformed-rate'),
    };
    const verbose = flag(args, 'verbose');

    // Loaded here so that other commands do not pay for the sandbox.
    const { startSandbox } = await import('../../sandbox/index.js');
    let sandbox: Awaited<ReturnType<typeof startSandbox>>;
    try {
      sandbox = await startSandbox({
        port,
        host,
        token,
        seed: str(args, 'seed'),
        ...Object.fromEntries(Object.entries(sizes).filter(([, v]) => v !== undefined)),
        plan: plan as (typeof PLAN_NAMES)[number] | undefined,
        now,
        clock,
        faults: Object.fromEntries(Object.entries(faults).filter(([, v]) => v !== undefined)),
        data,
        onRequest: verbose
          ? (e) => io.stderr.write(`${e.method} ${e.path} ${e.status} ${e.ms}ms${e.fault ? ` (fault: ${e.fault})` : ''}\n`)
          : undefined,
        onError: (err) => io.stderr.write(`sandbox: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`),
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE') throw new UsageError(`port ${port} on ${host} is already in use`, 'Choose another --port, or --port 0 for any free port.');
      if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') throw new UsageError(`cannot listen on --host ${host}: ${e.code}`);
      // Data file problems (unreadable, invalid JSON, a record that fails validation) are argument errors.
      if (data !== undefined && e instanceof Error && !e.code) throw new UsageError(e.message, 'See src/sandbox/README.md for the data file format.');
      throw err;
    }

    // Handlers go in before the first line: a script may signal as soon as it has read it.
    const stopped = new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    io.stdout.write(`sandbox listening on ${sandbox.url} (token: ${sandbox.token})\n`);
    await stopped;
    await sandbox.close();
    if (verbose) io.stderr.write('sandbox stopped\n');
    return EXIT.ok;
  },
};

export const commands: Command[] = [pipedrive];
