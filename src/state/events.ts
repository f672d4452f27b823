// Webhook sources in the state database (migration 5): a deployment's registration with its app,
// and the events it received, each kept before the delivery is answered, then handed to the flow's
// runs in the order the changes happened until a run has handled it.
//
// An event is `pending` until a run handles it (written, rejected or filtered out: `done`). Just
// before a write that cannot be repeated (a POST) it is marked `sending`; a run that dies between
// the mark and the answer leaves it so, and the next run keeps it as an `uncertain` rejection
// instead of sending it twice (as the interpreter does for polled sources).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { SqliteDatabase } from './db.js';

export interface WebhookRegistration {
  deployment: string;
  connection: string;
  baseUrl: string;
  /** The app's id of the webhook. */
  remoteId: string;
  /** `ACTION.OBJECT` as registered. */
  event: string;
  authUser: string;
  createdAt: string;
  /** Where the next reconciling read starts (the app's own time), or null. */
  reconciledUntil: string | null;
}

/** One change, as received or as a reconciling read found it. */
export interface IncomingEvent {
  eventId: string;
  entity: string;
  entityId: string;
  action: string;
  /** When the change happened (ISO 8601). */
  occurredAt: string;
  /** The record's update time after the change, when known: tells changes of one record apart. */
  version: string | null;
  origin: 'webhook' | 'reconcile';
  payload: unknown;
}

export interface StoredEvent {
  id: number;
  eventId: string;
  entity: string;
  entityId: string;
  action: string;
  occurredAt: string;
  origin: 'webhook' | 'reconcile';
  status: 'pending' | 'sending' | 'done';
  attempts: number;
  payload: Record<string, unknown>;
}

export interface EventCounts {
  pending: number;
  sending: number;
  done: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * The key of a change: a record is created and deleted once; each change is told apart by the
 * record's update time after it (an event and a reconciling read of the same change agree on it).
 */
export function changeKey(e: Pick<IncomingEvent, 'entity' | 'entityId' | 'action' | 'version' | 'occurredAt'>): string {
  const base = `${e.action}:${e.entity}:${e.entityId}`;
  return e.action === 'change' ? `${base}@${normaliseTime(e.version ?? e.occurredAt)}` : base;
}

function normaliseTime(t: string): string {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(t) ? `${t.replace(' ', 'T')}Z` : t);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : t;
}

export class WebhookStore {
  constructor(private readonly db: SqliteDatabase) {}

  register(r: Omit<WebhookRegistration, 'reconciledUntil'> & { password: string; reconciledUntil?: string | null }): void {
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

  registration(deployment: string): WebhookRegistration | undefined {
    const row = this.db.prepare('SELECT * FROM webhooks WHERE deployment = ?').get(deployment) as Record<string, string | null> | undefined;
    return row ? toRegistration(row) : undefined;
  }

  registrations(): WebhookRegistration[] {
    return (this.db.prepare('SELECT * FROM webhooks ORDER BY deployment').all() as Record<string, string | null>[]).map(toRegistration);
  }

  forget(deployment: string): void {
    this.db.prepare('DELETE FROM webhooks WHERE deployment = ?').run(deployment);
  }

  /** Whether the basic-auth credentials presented are the deployment's (constant time). */
  authorised(deployment: string, user: string, password: string): boolean {
    const row = this.db.prepare('SELECT auth_user, password_sha256 FROM webhooks WHERE deployment = ?').get(deployment) as { auth_user: string; password_sha256: string } | undefined;
    // Compared even when there is no registration, so that timing does not tell names apart.
    const want = Buffer.from(row?.password_sha256 ?? '0'.repeat(64), 'hex');
    const passOk = timingSafeEqual(sha256(password), want);
    const userOk = timingSafeEqual(sha256(user), sha256(row?.auth_user ?? '\u0000'));
    return row !== undefined && passOk && userOk;
  }

  setReconciledUntil(deployment: string, at: string): void {
    this.db.prepare('UPDATE webhooks SET reconciled_until = ? WHERE deployment = ?').run(at, deployment);
  }

  /**
   * Keeps an event (durably: the statement commits before this returns). False when it was
   * already kept: the same event delivered again, or the same change found by a reconciling read.
   */
  add(deployment: string, e: IncomingEvent, now = new Date()): boolean {
    const r = this.db
      .prepare(
        `INSERT OR IGNORE INTO webhook_events (deployment, event_id, change_key, entity, entity_id, action, occurred_at, origin, payload, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(deployment, e.eventId, changeKey(e), e.entity, e.entityId, e.action, normaliseTime(e.occurredAt), e.origin, JSON.stringify(e.payload), now.toISOString());
    return r.changes === 1;
  }


  /** Events not handled yet, oldest change first, after `after` in that order. */
  openAfter(deployment: string, after: { occurredAt: string; id: number } | null, limit: number): StoredEvent[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM webhook_events WHERE deployment = ? AND status <> 'done'
           AND (? IS NULL OR occurred_at > ? OR (occurred_at = ? AND id > ?))
         ORDER BY occurred_at, id LIMIT ?`,
      )
      .all(deployment, after?.occurredAt ?? null, after?.occurredAt ?? null, after?.occurredAt ?? null, after?.id ?? 0, limit) as Record<string, unknown>[];
    return rows.map(toEvent);
  }

  hasOpen(deployment: string): boolean {
    return this.db.prepare(`SELECT 1 FROM webhook_events WHERE deployment = ? AND status <> 'done' LIMIT 1`).get(deployment) !== undefined;
  }

  counted(ids: number[]): void {
    const stmt = this.db.prepare('UPDATE webhook_events SET attempts = attempts + 1 WHERE id = ?');
    this.db.transaction(() => ids.forEach((id) => stmt.run(id)))();
  }

  sending(id: number): void {
    this.db.prepare(`UPDATE webhook_events SET status = 'sending' WHERE id = ? AND status = 'pending'`).run(id);
  }

  done(ids: number[], now = new Date()): void {
    const stmt = this.db.prepare(`UPDATE webhook_events SET status = 'done', done_at = ? WHERE id = ?`);
    const at = now.toISOString();
    this.db.transaction(() => ids.forEach((id) => stmt.run(at, id)))();
  }

  counts(deployment: string): EventCounts {
    const out: EventCounts = { pending: 0, sending: 0, done: 0 };
    for (const r of this.db.prepare('SELECT status, COUNT(*) AS n FROM webhook_events WHERE deployment = ? GROUP BY status').all(deployment) as { status: keyof EventCounts; n: number }[]) out[r.status] = r.n;
    return out;
  }

  /** The latest events of a deployment, newest first (the panel). */
  recent(deployment: string, limit = 50): StoredEvent[] {
    return (this.db.prepare('SELECT * FROM webhook_events WHERE deployment = ? ORDER BY id DESC LIMIT ?').all(deployment, limit) as Record<string, unknown>[]).map(toEvent);
  }
}

function toRegistration(row: Record<string, string | null>): WebhookRegistration {
  return {
    deployment: row.deployment!,
    connection: row.connection!,
    baseUrl: row.base_url!,
    remoteId: row.remote_id!,
    event: row.event!,
    authUser: row.auth_user!,
    createdAt: row.created_at!,
    reconciledUntil: row.reconciled_until,
  };
}

function toEvent(row: Record<string, unknown>): StoredEvent {
  return {
    id: row.id as number,
    eventId: row.event_id as string,
    entity: row.entity as string,
    entityId: row.entity_id as string,
    action: row.action as string,
    occurredAt: row.occurred_at as string,
    origin: row.origin as 'webhook' | 'reconcile',
    status: row.status as StoredEvent['status'],
    attempts: row.attempts as number,
    payload: JSON.parse(row.payload as string) as Record<string, unknown>,
  };
}
