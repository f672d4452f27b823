// What the interpreter's HTTP side (src/runtime/http-io.ts) calls, so that its hook-ins stay one
// line each: the mappers of an action the checker bound to a schema, and the staleness check.
import type { AppRegistry } from '../../apps/index.js';
import type { FlowModel } from '../../check/model.js';
import type { ResolvedRef } from '../../check/plan-types.js';
import type { Rec } from '../eval.js';
import type { ApiClient } from '../http/index.js';
import { fetchEntity } from './discover.js';
import { readMapper, writeMapper } from './mapping.js';
import type { Entity, EntitySchema } from '../../apps/custom-fields.js';
import { checkStaleness } from './stale.js';

export { CustomValueError } from './mapping.js';

/** Records read through `ref`: hash keys -> names; undefined when the flow was checked without a schema. */
export function customReader(ref: ResolvedRef): ((rec: Rec) => Rec) | undefined {
  const b = ref.action?.custom;
  return b ? readMapper(b) : undefined;
}

/** Records written through `ref`: names -> hash keys (throws CustomValueError); undefined without a schema. */
export function customWriter(ref: ResolvedRef): ((rec: Rec) => Rec) | undefined {
  const b = ref.action?.custom;
  return b && b.shape === 'record' ? writeMapper(b) : undefined;
}

/**
 * The check to run before each flow (README: "stale schema"). The current definitions of an entity
 * are read once per connection and kept a minute, so that a file of several flows (or an agent
 * starting several at once) costs one request per entity, while a later run sees later changes.
 */
export function stalenessChecker(registry: AppRegistry, clientNamed: (connection: string, app: string) => ApiClient, signal: AbortSignal, ttlMs = 60_000): (flow: FlowModel) => Promise<string[]> {
  const memo = new Map<string, { at: number; value: Promise<EntitySchema> }>();
  const current = (connection: string, entity: Entity, app: string): Promise<EntitySchema> => {
    const key = `${connection}\u0000${entity}`;
    const hit = memo.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.value;
    const value = fetchEntity(clientNamed(connection, app), registry, entity, { signal });
    // A failed read is not remembered: the next run asks again.
    value.catch(() => memo.delete(key));
    memo.set(key, { at: Date.now(), value });
    return value;
  };
  return (flow) => checkStaleness(flow, current);
}
