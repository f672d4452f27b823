// One scheduler at a time among the agents started in queue mode: the leader holds a Redis key
// (SET NX PX) and renews it; the others serve the API and try again. If the leader dies its key
// expires within LEASE_MS and another agent takes over. Renewal and release check that the key is
// still ours (a compare in a Lua script), so a leader that was paused past its lease never
// extends or deletes its successor's.
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';

export const LEASE_MS = 10_000;

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export class LeaderLock {
  readonly id = randomBytes(8).toString('hex');
  private held = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly onChange: (leader: boolean) => void,
    private readonly leaseMs = LEASE_MS,
  ) {}

  get isLeader(): boolean {
    return this.held;
  }

  start(): void {
    const tick = async () => {
      try {
        const ok = this.held
          ? (await this.redis.eval(RENEW, 1, this.key, this.id, String(this.leaseMs))) === 1
          : (await this.redis.set(this.key, this.id, 'PX', this.leaseMs, 'NX')) === 'OK';
        this.set(ok);
      } catch {
        // Redis unreachable: we cannot know whether another holds it; stop scheduling to be safe.
        this.set(false);
      }
      this.timer = setTimeout(() => void tick(), this.leaseMs / 3);
    };
    void tick();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    if (this.held) await this.redis.eval(RELEASE, 1, this.key, this.id).catch(() => {});
    this.set(false);
  }

  private set(leader: boolean): void {
    if (leader === this.held) return;
    this.held = leader;
    this.onChange(leader);
  }
}
