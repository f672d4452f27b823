// /v1/personFields, /v1/dealFields, /v1/organizationFields: built-in and custom field definitions,
// paginated like any v1 list. Custom fields have 40-hex keys and `edit_flag: true`.
import type { FieldDef } from '../../custom-fields.js';
import type { FieldEntity } from '../../model.js';
import type { Route } from '../../router.js';
import { fieldDefs, fieldV1 } from '../../serialize/v1.js';
import { v1List } from './list.js';

/** Field definitions predate every seeded record. */
const FIELDS_CREATED = Date.UTC(2024, 0, 2, 9, 0, 0);

function fieldsRoute(path: string, entity: FieldEntity): Route {
  return {
    method: 'GET',
    version: 'v1',
    path,
    cost: 'list',
    handler: (req) => {
      const defs = fieldDefs(entity);
      const order = new Map(defs.map((d, i) => [d, i + 1]));
      return v1List<FieldDef>(req, {
        key: path,
        select: () => defs,
        sortable: { id: (d) => d.id, name: (d) => d.name, key: (d) => d.key, order_nr: (d) => order.get(d)! },
        json: (d) => JSON.stringify(fieldV1(d, order.get(d)!, FIELDS_CREATED)),
      });
    },
  };
}

export const routes: Route[] = [
  fieldsRoute('/personFields', 'person'),
  fieldsRoute('/dealFields', 'deal'),
  fieldsRoute('/organizationFields', 'organization'),
];
