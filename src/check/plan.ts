// Where each `where` condition goes: to the API as a query or path parameter, or to the engine,
// which applies it to each record after fetching. `check --explain`, hover and the runtime all
// read this one answer.
import type * as A from '../language/ast.js';
import type { ActionInfo, ParamInfo } from './env.js';
import { fieldType } from './model.js';
import { memberType } from './model.js';
import type { Placement } from './plan-types.js';
import type { RecordType, Type } from './types.js';

/** An API parameter wins over a record field of the same name: the API filters before sending. */
export function placeCondition(action: ActionInfo | undefined, record: RecordType, c: A.Condition): Placement {
  const key = c.key.map((k) => k.value);
  if (action && key.length === 1) {
    const p = action.params.get(key[0]);
    if (p) return p.kind === 'limit' ? { kind: 'limit', param: p } : { kind: 'api', param: p };
    const pp = action.pathParams.get(key[0]);
    if (pp) return { kind: 'path', param: pp };
  }
  const first = fieldType(record, key[0]);
  if (first === undefined) return { kind: 'unknown' };
  let t: Type = first;
  for (const k of key.slice(1)) t = memberType(t, k);
  return { kind: 'engine', fieldType: t };
}

export function describePlacement(p: Placement, c: A.Condition): string {
  const key = c.key.map((k) => k.value).join('.');
  switch (p.kind) {
    case 'api':
      return `\`${key}\` is sent to the API as the query parameter \`${p.param.name}\``;
    case 'path':
      return `\`${key}\` is sent to the API in the path (\`{${p.param.name}}\`)`;
    case 'limit':
      return `\`${key}\` caps how many records are fetched in total; the engine chooses page sizes (at most 500 a page)`;
    case 'engine':
      return `\`${key}\` is a field of the record: the engine applies this condition after fetching`;
    case 'unknown':
      return `\`${key}\` is unknown`;
  }
}
