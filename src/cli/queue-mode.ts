// The CLI's side of queue mode: `sluice agent start --queue` and `sluice worker` (signals, the first
// line on stdout, exit codes), kept here so that the CLI loads none of it without --queue.
import type { CliIO } from './io.js';
import { EXIT } from './exit-codes.js';
import { queueState, queueTarget } from '../scale/queue.js';

export async function runQueueAgent(o: { queue: string; state: string | undefined; host: string; port: number; allowRemote: boolean; webhooks?: { host: string; port: number; publicUrl?: string; reconcileMs: number }; home: string; io: CliIO; log: (line: string) => void }): Promise<number> {
  const target = queueTarget(o.queue, o.io.env);
  const state = queueState(o.state, o.io.env);
  const { startQueueAgent } = await import('../scale/queue-agent.js');
  const agent = await startQueueAgent({ queue: target, state, env: o.io.env, home: o.home, host: o.host, port: o.port, allowRemote: o.allowRemote, ...(o.webhooks ? { webhooks: o.webhooks } : {}), log: o.log });
  o.io.stdout.write(`agent listening on ${agent.url} (pid ${process.pid}), queue mode\n`);
  o.log('`sluice deploy`, `deployments`, `trigger`, `agent status|stop|panel` reach this agent through $SLUICE_HOME/agent.json');
  await Promise.race([untilSignal(o.log, () => agent.stop('SIGTERM')), agent.stopped]);
  return EXIT.ok;
}

export async function runWorker(o: { queue: string; state: string | undefined; concurrency: number; stopTimeoutMs: number; home: string; io: CliIO; log: (line: string) => void }): Promise<number> {
  const target = queueTarget(o.queue, o.io.env);
  const state = queueState(o.state, o.io.env);
  const { startWorker } = await import('../scale/worker.js');
  const w = await startWorker({ queue: target, state, concurrency: o.concurrency, env: o.io.env, home: o.home, stdout: o.io.stdout, log: o.log });
  o.io.stdout.write(`worker ${w.id} ready (pid ${process.pid})\n`);
  await untilSignal(o.log, () => w.drain(o.stopTimeoutMs));
  return EXIT.ok;
}

/** Resolves once `stop` has finished after SIGTERM/SIGINT; a second signal quits at once. */
function untilSignal(log: (line: string) => void, stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        log(`${sig} again: quitting now`);
        process.exit(EXIT.interrupted);
      }
      log(`${sig}: finishing the runs in progress, taking no new ones`);
      void stop().then(() => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
