// The shape every v1 list shares: filter, sort, slice, envelope with additional_data.pagination.
import { customFields } from '../../custom-fields.js';
import type { FieldEntity } from '../../model.js';
import { offsetPagination, readOffsetPage, readV1Sort, type Accessor } from '../../pagination.js';
import { jsonList, ok, type Json, type Reply } from '../../reply.js';
import type { Req } from '../../router.js';
import { Query } from '../../validation.js';

export interface V1ListSpec<T extends { id: number | string }> {
  /** Cache key of the filtered set: the collection name plus every filter's value. */
  key: string;
  select: () => T[];
  sortable: Record<string, Accessor<T>>;
  json: (r: T) => Json;
  /** v1 answers `"data": null` for an empty page; leads (a newer service) answer []. */
  emptyAsNull?: boolean;
  /** `{pagination: {...}}` (default) or the pagination fields directly in additional_data. */
  flat?: boolean;
  related?: (page: T[]) => unknown;
}

export function v1List<T extends { id: number | string }>(req: Req, spec: V1ListSpec<T>): Reply {
  const q = new Query(req.query, 'v1');
  const page = readOffsetPage(q);
  const sort = readV1Sort(q, spec.sortable);
  const rows = req.world.store.view(`${spec.key}|sort=${sort?.key ?? ''}`, () => {
    const selected = spec.select();
    return sort ? [...selected].sort(sort.cmp) : selected;
  });
  const slice = rows.slice(page.start, page.start + page.limit);
  const pagination = offsetPagination(page, rows.length);
  const data = slice.length === 0 && spec.emptyAsNull !== false ? 'null' : jsonList(slice.map(spec.json));
  const reply = ok(data, { additional: spec.flat ? pagination : { pagination }, related: slice.length ? spec.related?.(slice) : undefined });
  reply.records = slice.length;
  return reply;
}

/** Sort accessors for an entity's custom fields, by hash key, as v1 lets you sort by them. */
export function customSortable<T extends { custom: Record<string, unknown> }>(entity: FieldEntity): Record<string, Accessor<T>> {
  const out: Record<string, Accessor<T>> = {};
  for (const def of customFields(entity)) {
    out[def.key] = (r) => {
      const v = r.custom[def.key];
      return v === undefined || v === null ? null : Array.isArray(v) ? v.join(',') : (v as string | number);
    };
  }
  return out;
}

export const required = (q: Query, name: string): string => {
  const v = q.str(name);
  if (v === undefined) throw q.fail(name, q.style === 'strict' ? 'Required' : 'is required');
  return v;
};
