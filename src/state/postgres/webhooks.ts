// The PostgreSQL backend of webhook registrations and events (the tables of migration 5, as in
// SQLite). Every statement is one transaction that commits before it returns, so an event is
// durable before the delivery is answered. Times are ISO strings compared byte-wise (COLLATE "C"),
// as SQLite compares them.
import { timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import { changeKey, normaliseTime, sha256, toEvent, toRegistration, type EventCounts, type IncomingEvent, type StoredEvent, type WebhookRegistration, type WebhookStore } from '../events.js';

interface Writer {
  readonly pool: pg.Pool;
}

export class PgWebhookStore implements WebhookStore {
  constructor(private readonly store: Writer) {}

  private get pool(): pg.Pool {
    return this.store.pool;
  }

  async register(r: Omit<WebhookRegistration, 'reconciledUntil'> & { password: string; reconciledUntil?: string | null }): Promise<void> {
    await this.pool.query(
      `INSERT INTO webhooks (deployment, connection, base_url, remote_id, event, auth_user, password_sha256, created_at, reconciled_until)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (deployment) DO UPDATE SET connection = excluded.connection, base_url = excluded.base_url, remote_id = excluded.remote_id,
         event = excluded.event, auth_user = excluded.auth_user, password_sha256 = excluded.password_sha256, created_at = excluded.created_at,
         reconciled_until = excluded.reconciled_until`,
      [r.deployment, r.connection, r.baseUrl, r.remoteId, r.event, r.authUser, sha256(r.password).toString('hex'), r.createdAt, r.reconciledUntil ?? null],
    );
  }

  async registration(deployment: string): Promise<WebhookRegistration | undefined> {
    const row = (await this.pool.query('SELECT * FROM webhooks WHERE deployment = $1', [deployment])).rows[0] as Record<string, string | null> | undefined;
    return row ? toRegistration(row) : undefined;
  }

  async registrations(): Promise<WebhookRegistration[]> {
    return ((await this.pool.query('SELECT * FROM webhooks ORDER BY deployment COLLATE "C"')).rows as Record<string, string | null>[]).map(toRegistration);
  }

  async forget(deployment: string): Promise<void> {
    await this.pool.query('DELETE FROM webhooks WHERE deployment = $1', [deployment]);
  }

  async authorised(deployment: string, user: string, password: string): Promise<boolean> {
    const row = (await this.pool.query('SELECT auth_user, password_sha256 FROM webhooks WHERE deployment = $1', [deployment])).rows[0] as { auth_user: string; password_sha256: string } | undefined;
    // Compared even when there is no registration, so that timing does not tell names apart.
    const want = Buffer.from(row?.password_sha256 ?? '0'.repeat(64), 'hex');
    const passOk = timingSafeEqual(sha256(password), want);
    const userOk = timingSafeEqual(sha256(user), sha256(row?.auth_user ?? '\u0000'));
    return row !== undefined && passOk && userOk;
  }

  async setReconciledUntil(deployment: string, at: string): Promise<void> {
    await this.pool.query('UPDATE webhooks SET reconciled_until = $1 WHERE deployment = $2', [at, deployment]);
  }

  async add(deployment: string, e: IncomingEvent, now = new Date()): Promise<boolean> {
    const r = await this.pool.query(
      `INSERT INTO webhook_events (deployment, event_id, change_key, entity, entity_id, action, occurred_at, origin, payload, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
      [deployment, e.eventId, changeKey(e), e.entity, e.entityId, e.action, normaliseTime(e.occurredAt), e.origin, JSON.stringify(e.payload), now.toISOString()],
    );
    return r.rowCount === 1;
  }

  async openAfter(deployment: string, after: { occurredAt: string; id: number } | null, limit: number): Promise<StoredEvent[]> {
    const rows = (
      await this.pool.query(
        `SELECT * FROM webhook_events WHERE deployment = $1 AND status <> 'done'
           AND ($2::text IS NULL OR occurred_at COLLATE "C" > $2 OR (occurred_at = $2 AND id > $3))
         ORDER BY occurred_at COLLATE "C", id LIMIT $4`,
        [deployment, after?.occurredAt ?? null, after?.id ?? 0, limit],
      )
    ).rows as Record<string, unknown>[];
    return rows.map(toEvent);
  }

  async hasOpen(deployment: string): Promise<boolean> {
    return (await this.pool.query(`SELECT 1 FROM webhook_events WHERE deployment = $1 AND status <> 'done' LIMIT 1`, [deployment])).rows.length > 0;
  }

  async counted(ids: number[]): Promise<void> {
    if (ids.length) await this.pool.query('UPDATE webhook_events SET attempts = attempts + 1 WHERE id = ANY($1::bigint[])', [ids]);
  }

  async sending(id: number): Promise<void> {
    await this.pool.query(`UPDATE webhook_events SET status = 'sending' WHERE id = $1 AND status = 'pending'`, [id]);
  }

  async done(ids: number[], now = new Date()): Promise<void> {
    if (ids.length) await this.pool.query(`UPDATE webhook_events SET status = 'done', done_at = $1 WHERE id = ANY($2::bigint[])`, [now.toISOString(), ids]);
  }

  async counts(deployment: string): Promise<EventCounts> {
    const out: EventCounts = { pending: 0, sending: 0, done: 0 };
    for (const r of (await this.pool.query('SELECT status, COUNT(*)::int AS n FROM webhook_events WHERE deployment = $1 GROUP BY status', [deployment])).rows as { status: keyof EventCounts; n: number }[]) out[r.status] = r.n;
    return out;
  }

  async recent(deployment: string, limit = 50): Promise<StoredEvent[]> {
    return ((await this.pool.query('SELECT * FROM webhook_events WHERE deployment = $1 ORDER BY id DESC LIMIT $2', [deployment, limit])).rows as Record<string, unknown>[]).map(toEvent);
  }
}
