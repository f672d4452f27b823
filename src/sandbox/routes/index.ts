// Every route the sandbox serves, in one table.
import type { Route } from '../router.js';
import { routes as activities } from './v1/activities.js';
import { routes as deals } from './v1/deals.js';
import { routes as fields } from './v1/fields.js';
import { routes as leads } from './v1/leads.js';
import { routes as organizations } from './v1/organizations.js';
import { routes as persons } from './v1/persons.js';
import { routes as pipelines } from './v1/pipelines.js';
import { routes as recents } from './v1/recents.js';
import { routes as users } from './v1/users.js';
import { routes as webhooks } from './v1/webhooks.js';
import { routes as v2Fields } from './v2/fields.js';
import { routes as v2Pipelines } from './v2/pipelines.js';
import { routes as v2Records } from './v2/records.js';
import { routes as v2Search } from './v2/search.js';

export const ROUTES: readonly Route[] = [
  ...persons,
  ...users,
  ...leads,
  ...deals,
  ...organizations,
  ...activities,
  ...pipelines,
  ...recents,
  ...fields,
  ...webhooks,
  // Before the records: `/persons/search` is not `/persons/:id`.
  ...v2Search,
  ...v2Records,
  ...v2Pipelines,
  ...v2Fields,
];
