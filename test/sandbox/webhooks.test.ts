// The sandbox's webhooks v2: registrations through /v1/webhooks, one POST per create, change and
// delete with HTTP basic auth, retries with the same event id until a 2xx, and dropped events.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

interface Got {
  auth: string | undefined;
  body: any;
}

let sb: Sandbox;
let receiver: Server;
let received: Got[];
let answers: number[];
let url: string;

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${sb.url}${path}`, { method, headers: { 'x-api-token': sb.token, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: (await res.json()) as any };
};

const readJson = (req: IncomingMessage): Promise<any> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
  });

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

beforeEach(async () => {
  sb = await startSandbox({ seed: 3, plan: 'unlimited', webhooks: { retryDelaysMs: [30, 60] } });
  received = [];
  answers = [];
  receiver = createServer(async (req, res) => {
    const body = await readJson(req);
    received.push({ auth: req.headers.authorization, body });
    res.writeHead(answers.shift() ?? 200).end();
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

afterEach(async () => {
  await sb.close();
  await new Promise((r) => receiver.close(r));
});

describe('sandbox webhooks v2', () => {
  it('registers, lists and deletes webhooks like /v1/webhooks', async () => {
    const created = await api('POST', '/api/v1/webhooks', { subscription_url: url, event_action: 'create', event_object: 'person', name: 'test', http_auth_user: 'u', http_auth_password: 'p', version: '2.0' });
    expect(created.status).toBe(201);
    expect(created.json.data).toMatchObject({ event_action: 'create', event_object: 'person', subscription_url: url, version: '2.0', is_active: 1 });
    expect((await api('GET', '/api/v1/webhooks')).json.data.map((h: any) => h.id)).toEqual([created.json.data.id]);
    const bad = await api('POST', '/api/v1/webhooks', { subscription_url: url, event_action: 'added', event_object: 'person', name: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/event_action/);
    expect((await api('DELETE', `/api/v1/webhooks/${created.json.data.id}`)).status).toBe(200);
    expect((await api('GET', '/api/v1/webhooks')).json.data).toEqual([]);
    expect((await api('DELETE', `/api/v1/webhooks/${created.json.data.id}`)).status).toBe(404);
  });

  it('sends one POST per matching create, change and delete, with basic auth and the v2 payload', async () => {
    await api('POST', '/api/v1/webhooks', { subscription_url: url, event_action: '*', event_object: 'person', name: 'all persons', http_auth_user: 'sluice', http_auth_password: 's3cret' });
    const p = (await api('POST', '/api/v2/persons', { name: 'Ada Lovelace' })).json.data;
    await api('PATCH', `/api/v2/persons/${p.id}`, { name: 'Ada King' });
    await api('DELETE', `/api/v2/persons/${p.id}`);
    await api('POST', '/api/v2/organizations', { name: 'Not a person' });
    await until(() => received.length >= 3 && sb.webhooks.pending === 0);
    expect(received.map((r) => r.body.meta.action)).toEqual(['create', 'change', 'delete']);
    for (const r of received) {
      expect(r.auth).toBe(`Basic ${Buffer.from('sluice:s3cret').toString('base64')}`);
      expect(r.body.meta).toMatchObject({ entity: 'person', entity_id: String(p.id), version: '2.0', attempt: 1 });
    }
    expect(received[0].body.data).toMatchObject({ id: p.id, name: 'Ada Lovelace' });
    expect(received[0].body.previous).toBeNull();
    expect(received[1].body.previous).toMatchObject({ name: 'Ada Lovelace' });
    expect(received[2].body.data).toBeNull();
    expect(new Set(received.map((r) => r.body.meta.id)).size).toBe(3);
  });

  it('retries a delivery answered with non-2xx with the same event id, then gives up', async () => {
    await api('POST', '/api/v1/webhooks', { subscription_url: url, event_action: 'create', event_object: 'deal', name: 'deals' });
    answers = [500, 503];
    await api('POST', '/api/v2/deals', { title: 'Retried' });
    await until(() => received.length === 3 && sb.webhooks.pending === 0);
    expect(received.map((r) => r.body.meta.attempt)).toEqual([1, 2, 3]);
    expect(new Set(received.map((r) => r.body.meta.id)).size).toBe(1);
    expect(sb.webhooks.stats()).toMatchObject({ events: 1, attempts: 3, delivered: 1, gaveUp: 0 });

    answers = [500, 500, 500];
    await api('POST', '/api/v2/deals', { title: 'Given up' });
    await until(() => sb.webhooks.stats().gaveUp === 1);
    expect(received.length).toBe(6);
  });

  it('drops events when told to, as a Pipedrive that failed to deliver them', async () => {
    await api('POST', '/api/v1/webhooks', { subscription_url: url, event_action: 'create', event_object: 'person', name: 'persons' });
    sb.webhooks.dropNext(1);
    await api('POST', '/api/v2/persons', { name: 'Lost' });
    await api('POST', '/api/v2/persons', { name: 'Found' });
    await until(() => received.length === 1 && sb.webhooks.pending === 0);
    expect(received[0].body.data.name).toBe('Found');
    expect(sb.webhooks.stats().dropped).toBe(1);
  });
});
