// Webhook sources in the state database (migration 5): a deployment's registration with its app,
// and the events it received, each kept before the delivery is answered, then handed to the flow's
// runs in the order the changes happened until a run has handled it.
//
// An event is `pending` until a run handles it (written, rejected or filtered out: `done`). Just
// before a write that cannot be repeated (a POST) it is marked `sending`; a run that dies between
// the mark and the answer leaves it so, and the next run keeps it as an `uncertain` rejection
// instead of sending it twice (as the interpreter does for polled sources).
import { createHash } from 'node:crypto';

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

export const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * The key of a change: a record is created and deleted once; each change is told apart by the
 * record's update time after it (an event and a reconciling read of the same change agree on it).
 */
export function changeKey(e: Pick<IncomingEvent, 'entity' | 'entityId' | 'action' | 'version' | 'occurredAt'>): string {
  const base = `${e.action}:${e.entity}:${e.entityId}`;
  return e.action === 'change' ? `${base}@${normaliseTime(e.version ?? e.occurredAt)}` : base;
}

export function normaliseTime(t: string): string {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(t) ? `${t.replace(' ', 'T')}Z` : t);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : t;
}

/**
 * Webhook registrations and the events received, behind an interface so that every state backend
 * can keep them (the SQLite one is sqlite-webhooks.ts).
 */
export interface WebhookStore {
  register(r: Omit<WebhookRegistration, 'reconciledUntil'> & { password: string; reconciledUntil?: string | null }): Promise<void>;
  registration(deployment: string): Promise<WebhookRegistration | undefined>;
  registrations(): Promise<WebhookRegistration[]>;
  forget(deployment: string): Promise<void>;
  /** Whether the basic-auth credentials presented are the deployment's (compared in constant time). */
  authorised(deployment: string, user: string, password: string): Promise<boolean>;
  setReconciledUntil(deployment: string, at: string): Promise<void>;
  /**
   * Keeps an event, durably before the promise resolves. False when it was already kept: the same
   * event delivered again, or the same change found by a reconciling read.
   */
  add(deployment: string, e: IncomingEvent, now?: Date): Promise<boolean>;
  /** Events not handled yet, oldest change first, after `after` in that order. */
  openAfter(deployment: string, after: { occurredAt: string; id: number } | null, limit: number): Promise<StoredEvent[]>;
  hasOpen(deployment: string): Promise<boolean>;
  /** One more run was handed these events. */
  counted(ids: number[]): Promise<void>;
  /** About to be sent by a write that cannot be repeated. */
  sending(id: number): Promise<void>;
  /** Handled for good: never handed out again. */
  done(ids: number[], now?: Date): Promise<void>;
  counts(deployment: string): Promise<EventCounts>;
  /** The latest events of a deployment, newest first (the panel). */
  recent(deployment: string, limit?: number): Promise<StoredEvent[]>;
}

/** A row of `webhooks` as a registration (both backends). */
export function toRegistration(row: Record<string, string | null>): WebhookRegistration {
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

/** A row of `webhook_events` as an event (both backends). */
export function toEvent(row: Record<string, unknown>): StoredEvent {
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
