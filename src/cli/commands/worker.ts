// `sluice worker`: queue mode's flow runner (src/scale/worker.ts).
import { UsageError } from '../../errors.js';
import { dataDir } from '../../util/paths.js';
import { str, type Command } from '../command.js';
import { errColors } from '../io.js';

const worker: Command = {
  name: 'worker',
  summary: 'queue mode: run the flows the agent puts on the queue',
  usage: 'worker --queue redis://HOST:PORT --state postgres://USER@HOST:PORT/DB [--concurrency N] [--stop-timeout SECONDS]',
  options: {
    queue: { type: 'string', valueName: 'URL', description: 'the Redis of the queue (the same as `sluice agent start --queue`)' },
    state: { type: 'string', valueName: 'URL', description: 'the PostgreSQL of deployments, state and history (or SLUICE_STATE)' },
    concurrency: { type: 'string', valueName: 'N', description: 'runs at once (default 1)' },
    'stop-timeout': { type: 'string', valueName: 'SECONDS', description: 'on SIGTERM, how long running flows get to finish before they stop at their next page (default 30)' },
  },
  details: `The first line on stdout is \`worker ID ready (pid N)\`; the log goes to stderr. Start as many
workers, on as many machines, as the flows need: each takes runs from the queue, reads the flow's
deployed version and state from PostgreSQL, and counts its API requests in the queue's Redis with
every other worker (one rate limit and one daily budget per company and token).

A worker that dies (kill -9, a lost machine) leaves its run to another worker within about 8 s; that
one continues from the flow's committed state, as \`sluice run\` after a crash: nothing committed is
written twice, and a record that was being sent is kept as \`uncertain\` for \`sluice replay\`.
SIGTERM drains: no new run is taken, running ones finish (up to --stop-timeout), then exit 0.`,
  async run(args, io) {
    const queue = str(args, 'queue');
    if (!queue) throw new UsageError('`sluice worker` needs --queue redis://HOST:PORT', 'Give it the same --queue and --state as `sluice agent start`.');
    const raw = str(args, 'concurrency') ?? '1';
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 256) throw new UsageError(`--concurrency must be a whole number from 1 to 256, got \`${raw.slice(0, 20)}\``);
    const stop = str(args, 'stop-timeout') ?? '30';
    if (!/^\d+(\.\d+)?$/.test(stop) || Number(stop) > 3600) throw new UsageError(`--stop-timeout must be a number of seconds from 0 to 3600, got \`${stop.slice(0, 20)}\``);
    const e = errColors(io);
    const log = (line: string) => io.stderr.write(`${e.dim(new Date().toISOString())} ${line}\n`);
    const { runWorker } = await import('../queue-mode.js');
    return runWorker({ queue, state: str(args, 'state'), concurrency: Number(raw), stopTimeoutMs: Number(stop) * 1000, home: dataDir(io.env, io.cwd), io, log });
  },
};

export const commands = [worker];
