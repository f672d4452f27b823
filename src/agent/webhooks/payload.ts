// A webhooks v2 delivery (`{meta, data, previous}`) read into the event the state store keeps.
import type { WebhookDef } from '../../apps/index.js';
import type { IncomingEvent } from '../../state/index.js';
import { canonicalAction } from './event-name.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);

/** The event, or why the body is not a webhooks v2 event. */
export function readDelivery(def: WebhookDef, body: unknown): IncomingEvent | string {
  if (!isObject(body) || !isObject(body.meta)) return 'not a webhooks v2 event (no `meta` object)';
  const meta = body.meta;
  const id = text(meta.id);
  const entity = text(meta.entity);
  const entityId = text(meta.entity_id);
  const rawAction = text(meta.action);
  if (!id || !entity || !entityId || !rawAction) return '`meta` lacks one of id, entity, entity_id, action';
  const action = canonicalAction(def, rawAction);
  const data = isObject(body.data) ? body.data : null;
  // Seconds since the epoch (as some versions send) or an ISO time.
  const ts = typeof meta.timestamp === 'number' ? new Date(meta.timestamp * (meta.timestamp < 1e12 ? 1000 : 1)).toISOString() : text(meta.timestamp);
  const version = text(data?.update_time) ?? null;
  const occurredAt = ts ?? version ?? new Date().toISOString();
  return { eventId: id, entity, entityId, action, occurredAt, version, origin: 'webhook', payload: { meta, data, previous: isObject(body.previous) ? body.previous : null } };
}
