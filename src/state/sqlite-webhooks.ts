// The SQLite backend of webhook registrations and events (tables of migration 5, db.ts).
import { timingSafeEqual } from 'node:crypto';
import type { SqliteDatabase } from './db.js';
import { changeKey, normaliseTime, sha256, toEvent, toRegistration, type EventCounts, type IncomingEvent, type StoredEvent, type WebhookRegistration, type WebhookStore } from './events.js';

export class SqliteWebhookStore implements WebhookStore {
  constructor(private readonly db: SqliteDatabase) {}

  async register(r: Omit<WebhookRegistration, 'reconciledUntil'> & { password: string; reconciledUntil?: string | null }): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO webhooks (deployment, connection, base_url, remote_id, event, auth_user, password_sha256, created_at, reconciled_until)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (deployment) DO UPDATE SET connection = excluded.connection, base_url = excluded.base_url, remote_id = excluded.remote_id,
           event = excluded.event, auth_user = excluded.auth_user, password_sha256 = excluded.password_sha256, created_at = excluded.created_at,
           reconciled_until = excluded.reconciled_until`,
      )
      .run(r.deployment, r.connection, r.baseUrl, r.remoteId, r.event, r.authUser, sha256(r.password).toString('hex'), r.createdAt, r.reconciledUntil ?? null);
  }

  async registration(deployment: string): Promise<WebhookRegistration | undefined> {
    const row = this.db.prepare('SELECT * FROM webhooks WHERE deployment = ?').get(deployment) as Record<string, string | null> | undefined;
    return row ? toRegistration(row) : undefined;
  }

  async registrations(): Promise<WebhookRegistration[]> {
    return (this.db.prepare('SELECT * FROM webhooks ORDER BY deployment').all() as Record<string, string | null>[]).map(toRegistration);
  }

  async forget(deployment: string): Promise<void> {
    this.db.prepare('DELETE FROM webhooks WHERE deployment = ?').run(deployment);
  }

  /** Whether the basic-auth credentials presented are the deployment's (constant time). */
  async authorised(deployment: string, user: string, password: string): Promise<boolean> {
    const row = this.db.prepare('SELECT auth_user, password_sha256 FROM webhooks WHERE deployment = ?').get(deployment) as { auth_user: string; password_sha256: string } | undefined;
    // Compared even when there is no registration, so that timing does not tell names apart.
    const want = Buffer.from(row?.password_sha256 ?? '0'.repeat(64), 'hex');
    const passOk = timingSafeEqual(sha256(password), want);
    const userOk = timingSafeEqual(sha256(user), sha256(row?.auth_user ?? '\u0000'));
    return row !== undefined && passOk && userOk;
  }

  async setReconciledUntil(deployment: string, at: string): Promise<void> {
    this.db.prepare('UPDATE webhooks SET reconciled_until = ? WHERE deployment = ?').run(at, deployment);
  }

  /**
   * Keeps an event (durably: the statement commits before this returns). False when it was
   * already kept: the same event delivered again, or the same change found by a reconciling read.
   */
  async add(deployment: string, e: IncomingEvent, now = new Date()): Promise<boolean> {
    const r = this.db
      .prepare(
        `INSERT OR IGNORE INTO webhook_events (deployment, event_id, change_key, entity, entity_id, action, occurred_at, origin, payload, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(deployment, e.eventId, changeKey(e), e.entity, e.entityId, e.action, normaliseTime(e.occurredAt), e.origin, JSON.stringify(e.payload), now.toISOString());
    return r.changes === 1;
  }


  /** Events not handled yet, oldest change first, after `after` in that order. */
  async openAfter(deployment: string, after: { occurredAt: string; id: number } | null, limit: number): Promise<StoredEvent[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM webhook_events WHERE deployment = ? AND status <> 'done'
           AND (? IS NULL OR occurred_at > ? OR (occurred_at = ? AND id > ?))
         ORDER BY occurred_at, id LIMIT ?`,
      )
      .all(deployment, after?.occurredAt ?? null, after?.occurredAt ?? null, after?.occurredAt ?? null, after?.id ?? 0, limit) as Record<string, unknown>[];
    return rows.map(toEvent);
  }

  async hasOpen(deployment: string): Promise<boolean> {
    return this.db.prepare(`SELECT 1 FROM webhook_events WHERE deployment = ? AND status <> 'done' LIMIT 1`).get(deployment) !== undefined;
  }

  async counted(ids: number[]): Promise<void> {
    const stmt = this.db.prepare('UPDATE webhook_events SET attempts = attempts + 1 WHERE id = ?');
    this.db.transaction(() => ids.forEach((id) => stmt.run(id)))();
  }

  async sending(id: number): Promise<void> {
    this.db.prepare(`UPDATE webhook_events SET status = 'sending' WHERE id = ? AND status = 'pending'`).run(id);
  }

  async done(ids: number[], now = new Date()): Promise<void> {
    const stmt = this.db.prepare(`UPDATE webhook_events SET status = 'done', done_at = ? WHERE id = ?`);
    const at = now.toISOString();
    this.db.transaction(() => ids.forEach((id) => stmt.run(at, id)))();
  }

  async counts(deployment: string): Promise<EventCounts> {
    const out: EventCounts = { pending: 0, sending: 0, done: 0 };
    for (const r of this.db.prepare('SELECT status, COUNT(*) AS n FROM webhook_events WHERE deployment = ? GROUP BY status').all(deployment) as { status: keyof EventCounts; n: number }[]) out[r.status] = r.n;
    return out;
  }

  /** The latest events of a deployment, newest first (the panel). */
  async recent(deployment: string, limit = 50): Promise<StoredEvent[]> {
    return (this.db.prepare('SELECT * FROM webhook_events WHERE deployment = ? ORDER BY id DESC LIMIT ?').all(deployment, limit) as Record<string, unknown>[]).map(toEvent);
  }
}
