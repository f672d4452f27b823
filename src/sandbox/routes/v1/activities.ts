// /v1/activities and /v1/notes.
import { ACTIVITY_TYPES, createActivity, createNote, deleteActivity, deleteNote, getLiveActivity, getLiveNote, readActivity, readNote, updateActivity, updateNote } from '../../entities/activities.js';
import { notFound } from '../../errors.js';
import type { Activity, Note } from '../../model.js';
import { ok, okValue } from '../../reply.js';
import { intId, type Req, type Route } from '../../router.js';
import { activityV1, noteV1 } from '../../serialize/v1.js';
import { dateOnly } from '../../time.js';
import { Query } from '../../validation.js';
import { v1List } from './list.js';
import { noFilter } from './persons.js';

const activityJson = (req: Req, a: Activity): Buffer => req.world.store.cachedJson(a, 'v1', () => activityV1(req.world.store, a));
const noteJson = (req: Req, n: Note): Buffer => req.world.store.cachedJson(n, 'v1', () => noteV1(req.world.store, n));

/**
 * Without `user_id`, Pipedrive lists only the token user's activities; `user_id=0` lists everyone's.
 * A classic surprise for a sync that expected the whole company.
 */
function listActivities(req: Req) {
  const q = new Query(req.query, 'v1');
  const user = q.int('user_id', { min: 0 }) ?? req.world.store.tokenUserId;
  noFilter(q);
  const types = q.str('type')?.split(',').map((s) => s.trim());
  types?.forEach((t) => {
    if (!(ACTIVITY_TYPES as readonly string[]).includes(t)) throw q.fail('type', `unknown activity type '${t}'`);
  });
  const from = q.date('start_date');
  const to = q.date('end_date');
  const done = q.flag('done');
  const fromDay = from === undefined ? undefined : dateOnly(from);
  const toDay = to === undefined ? undefined : dateOnly(to);
  return v1List<Activity>(req, {
    key: `activities|user=${user}|type=${types?.join(',') ?? ''}|from=${fromDay ?? ''}|to=${toDay ?? ''}|done=${done ?? ''}`,
    select: () =>
      req.world.store.activities.all().filter((a) => {
        if (a.deleted || (user !== 0 && a.owner_id !== user)) return false;
        if (types && !types.includes(a.type)) return false;
        if (done !== undefined && a.done !== done) return false;
        if (fromDay !== undefined && (a.due_date === null || a.due_date < fromDay)) return false;
        if (toDay !== undefined && (a.due_date === null || a.due_date > toDay)) return false;
        return true;
      }),
    sortable: {
      id: (a) => a.id,
      due_date: (a) => a.due_date,
      add_time: (a) => a.add_time,
      update_time: (a) => a.update_time,
      subject: (a) => a.subject,
      type: (a) => a.type,
    },
    json: (a) => activityJson(req, a),
  });
}

function listNotes(req: Req) {
  const q = new Query(req.query, 'v1');
  const user = q.int('user_id', { min: 1 });
  const deal = q.int('deal_id', { min: 1 });
  const person = q.int('person_id', { min: 1 });
  const org = q.int('org_id', { min: 1 });
  const lead = q.str('lead_id');
  const from = q.date('start_date');
  const to = q.date('end_date');
  const fromDay = from === undefined ? undefined : dateOnly(from);
  const toDay = to === undefined ? undefined : dateOnly(to);
  return v1List<Note>(req, {
    key: `notes|${user ?? ''}|${deal ?? ''}|${person ?? ''}|${org ?? ''}|${lead ?? ''}|${fromDay ?? ''}|${toDay ?? ''}`,
    select: () =>
      req.world.store.notes.all().filter((n) => {
        if (n.deleted) return false;
        if (user !== undefined && n.user_id !== user) return false;
        if (deal !== undefined && n.deal_id !== deal) return false;
        if (person !== undefined && n.person_id !== person) return false;
        if (org !== undefined && n.org_id !== org) return false;
        if (lead !== undefined && n.lead_id !== lead.toLowerCase()) return false;
        const day = dateOnly(n.add_time);
        return (fromDay === undefined || day >= fromDay) && (toDay === undefined || day <= toDay);
      }),
    sortable: {
      id: (n) => n.id,
      add_time: (n) => n.add_time,
      update_time: (n) => n.update_time,
      user_id: (n) => n.user_id,
      content: (n) => n.content,
    },
    json: (n) => noteJson(req, n),
  });
}

export const routes: Route[] = [
  { method: 'GET', version: 'v1', path: '/activities', cost: 'list', handler: listActivities },
  {
    method: 'GET',
    version: 'v1',
    path: '/activities/:id',
    cost: 'get',
    handler: (req) => {
      const a = req.world.store.activities.get(intId(req));
      if (!a) throw notFound('Activity not found');
      return ok(activityJson(req, a));
    },
  },
  {
    method: 'POST',
    version: 'v1',
    path: '/activities',
    cost: 'create',
    handler: (req) => ok(activityJson(req, createActivity(req.world, readActivity(req.world, req.body, 'v1'))), { status: 201 }),
  },
  {
    method: 'PUT',
    version: 'v1',
    path: '/activities/:id',
    cost: 'update',
    handler: (req) => {
      const id = getLiveActivity(req.world, intId(req)).id;
      return ok(activityJson(req, updateActivity(req.world, id, readActivity(req.world, req.body, 'v1'))));
    },
  },
  { method: 'DELETE', version: 'v1', path: '/activities/:id', cost: 'delete', handler: (req) => okValue({ id: deleteActivity(req.world, intId(req)).id }) },

  { method: 'GET', version: 'v1', path: '/notes', cost: 'list', handler: listNotes },
  {
    method: 'GET',
    version: 'v1',
    path: '/notes/:id',
    cost: 'get',
    handler: (req) => {
      const n = req.world.store.notes.get(intId(req));
      if (!n) throw notFound('Note not found');
      return ok(noteJson(req, n));
    },
  },
  {
    method: 'POST',
    version: 'v1',
    path: '/notes',
    cost: 'create',
    // 200, not 201: Pipedrive's description of POST /v1/notes documents only a 200 answer.
    handler: (req) => ok(noteJson(req, createNote(req.world, readNote(req.world, req.body, true)))),
  },
  {
    method: 'PUT',
    version: 'v1',
    path: '/notes/:id',
    cost: 'update',
    handler: (req) => {
      const id = getLiveNote(req.world, intId(req)).id;
      return ok(noteJson(req, updateNote(req.world, id, readNote(req.world, req.body, false))));
    },
  },
  // `data: true`, as the description of DELETE /v1/notes/{id} says (other v1 deletes answer {id}).
  {
    method: 'DELETE',
    version: 'v1',
    path: '/notes/:id',
    cost: 'delete',
    handler: (req) => {
      deleteNote(req.world, intId(req));
      return okValue(true);
    },
  },
];
