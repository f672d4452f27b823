// The leader's side of scheduling: each scheduled, unpaused deployment is one BullMQ job scheduler
// (`deployment:NAME`), upserted when its version or schedule changes and removed when it is
// undeployed or paused. A due time thus becomes one job however many agents there are.
import type { Queue } from 'bullmq';
import type { Deployment, DeploymentStore } from '../state/index.js';
import type { RunJob } from './queue.js';

const schedulerId = (name: string) => `deployment:${name}`;

export class Schedules {
  private readonly scheduled = new Map<string, string>();

  constructor(
    private readonly queue: Queue<RunJob>,
    private readonly deployments: DeploymentStore,
    private readonly log: (line: string) => void,
  ) {}

  /** Forgets what it upserted (leadership changed hands: the next sync writes everything again). */
  reset(): void {
    this.scheduled.clear();
  }

  async sync(): Promise<void> {
    const wanted = new Map<string, Deployment>();
    for (const d of await this.deployments.list()) if (d.schedule && !d.paused) wanted.set(d.name, d);
    for (const [name, d] of wanted) {
      const sig = `${d.version}|${JSON.stringify(d.schedule)}`;
      if (this.scheduled.get(name) === sig) continue;
      const repeat = d.schedule!.kind === 'every' ? { every: d.schedule!.ms } : { pattern: d.schedule!.expression };
      await this.queue.upsertJobScheduler(schedulerId(name), repeat, { name, data: { deployment: name, version: d.version }, opts: { removeOnComplete: 1000, removeOnFail: 1000 } });
      this.scheduled.set(name, sig);
      this.log(`scheduling ${name} v${d.version} ${d.schedule!.text}`);
    }
    for (const s of await this.queue.getJobSchedulers()) {
      const name = (s.key ?? s.id ?? '').replace(/^deployment:/, '');
      if (!wanted.has(name)) {
        await this.queue.removeJobScheduler(schedulerId(name));
        this.scheduled.delete(name);
        this.log(`no longer scheduling ${name}`);
      }
    }
  }

  /** When the deployment's scheduler next puts a run on the queue (ISO), or null. */
  async next(name: string): Promise<string | null> {
    const s = await this.queue.getJobScheduler(schedulerId(name));
    return s?.next ? new Date(s.next).toISOString() : null;
  }
}
