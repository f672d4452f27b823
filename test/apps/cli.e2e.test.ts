// `sluice apps` and `sluice describe` as a process. Like every CLI test these run the built bundle:
// `npm test` builds first (or run `node scripts/build.mjs`).
import { afterAll, describe, expect, it } from 'vitest';
import { runSluice } from '../helpers/cli.js';
import { editJson, stdlibCopy, removeCopies } from './helpers.js';

afterAll(removeCopies);

const row = (out: string, ...cells: string[]) => new RegExp(`^${cells.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+')}`, 'm').test(out);

describe('sluice apps', () => {
  it('lists actions like the seed document\'s table', async () => {
    const r = await runSluice(['apps']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^APP\s+ACTION\s+ROLE\s+METHOD\s+PATH\s+VERSIONS\s+HELP$/m);
    expect(row(r.stdout, 'pipedrive', 'pipedrive.persons', 'read', 'GET', '/v2/persons', 'v1,v2', 'Returns all persons.')).toBe(true);
    expect(row(r.stdout, 'pipedrive', 'pipedrive.users.find', 'read', 'GET', '/v1/users/find', 'v1', 'Finds users by their name.')).toBe(true);
    expect(row(r.stdout, 'pipedrive', 'pipedrive.leads', 'write', 'POST', '/v1/leads', 'v1', 'Creates a lead.')).toBe(true);
    expect(row(r.stdout, 'pipedrive', 'pipedrive.leads.update', 'write', 'PATCH', '/v1/leads/{id}', 'v1', 'Updates one or more properties of a lead.')).toBe(true);
    expect(row(r.stdout, 'file', 'file.csv', 'read', '-', '-', '-')).toBe(true);
    expect(row(r.stdout, 'stdout', 'stdout', 'write')).toBe(true);
  });

  it('shows another API version with --version, and says which actions stay v1', async () => {
    const r = await runSluice(['apps', 'pipedrive', '--version', 'v2']);
    expect(r.code).toBe(0);
    expect(row(r.stdout, 'pipedrive', 'pipedrive.persons.update', 'write', 'PATCH', '/v2/persons/{id}')).toBe(true);
    expect(row(r.stdout, 'pipedrive', 'pipedrive.leads', 'read', 'GET', '/v1/leads (v1 only)')).toBe(true);
    expect(r.stdout).not.toMatch(/^file/m);
  });

  it('prints JSON for scripts', async () => {
    const r = await runSluice(['apps', '--format', 'json']);
    expect(r.code).toBe(0);
    const apps = JSON.parse(r.stdout) as { app: string; actions: { qualifiedName: string; role: string; method: string | null; path: string | null; versions: { version: string }[] }[] }[];
    expect(apps.map((a) => a.app)).toEqual(['file', 'pipedrive', 'postgres', 'sqlite', 'stdout']);
    const persons = apps[1].actions.find((a) => a.qualifiedName === 'pipedrive.persons')!;
    expect(persons).toMatchObject({ role: 'read', method: 'GET', path: '/persons' });
    expect(persons.versions.map((v) => v.version)).toEqual(['v1', 'v2']);
  });

  it('suggests a close app name and exits 2', async () => {
    const r = await runSluice(['apps', 'pipedrve']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown app `pipedrve`; did you mean `pipedrive`?');
  });

  it('names the file and JSON pointer of a broken definition', async () => {
    const dir = stdlibCopy();
    editJson(dir, 'pipedrive/actions/persons.json', (d) => (d.actions[0].params.limit.maximum = 'five hundred'));
    const r = await runSluice(['apps'], { env: { SLUICE_STDLIB: dir } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error SL0402: stdlib/pipedrive/actions/persons.json: /actions/0/params/limit/maximum must be number');
    expect(r.stderr).toContain('not a problem in your flow');
  });
});

describe('sluice describe', () => {
  it('prints help, request, parameters, since and the record fields', async () => {
    const r = await runSluice(['describe', 'pipedrive.persons', '--version', 'v1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pipedrive\.persons\s+read\s+Returns all persons\.$/m);
    expect(r.stdout).toMatch(/Request\s+GET \/v1\/persons/);
    expect(r.stdout).toMatch(/Support\s+\/v1\/persons is out of support since 2026-08-01/);
    expect(r.stdout).toMatch(/Pagination\s+offset: start\/limit, at most 500 a page/);
    expect(r.stdout).toMatch(/Since\s+sorts newest first \(sort=update_time DESC\)/);
    expect(r.stdout).toMatch(/^\s+limit\s+integer, >= 1\s+total to fetch\s+How many records/m);
    expect(r.stdout).toMatch(/^\s+first_char\s+string, length 1\s+Only persons whose name/m);
    expect(r.stdout).toMatch(/^\s+connection\s+string/m);
    expect(r.stdout).toMatch(/^\s+email\s+list<object>\s+required/m);
    expect(r.stdout).toMatch(/^\s+org_id\s+object\s+null\s+required/m);
    expect(r.stdout).toMatch(/^\s+org_id\.value\s+integer\s+required/m);
    expect(r.stdout).toContain('source pipedrive.persons where limit = 10 since ~{CreatedDate}~');
  });

  it('describes the v2 form by default (auto)', async () => {
    const r = await runSluice(['describe', 'pipedrive.persons']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Request\s+GET \/v2\/persons/);
    expect(r.stdout).toMatch(/Versions\s+v1, v2 \(default, shown\)/);
    expect(r.stdout).not.toMatch(/Support\s/);
    expect(r.stdout).toMatch(/Since\s+sent as the parameter updated_since \(rfc3339\)/);
    expect(r.stdout).toMatch(/^\s+emails\s+list<object>/m);
    expect(r.stdout).toMatch(/^\s+owner_id\s+integer\s+required/m);
    expect(r.stdout).not.toMatch(/^\s+email\s/m);
  });

  it('describes both forms of a name that reads and writes, with the input rules', async () => {
    const r = await runSluice(['describe', 'pipedrive.leads']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pipedrive\.leads\s+read\s+Returns multiple leads/m);
    expect(r.stdout).toMatch(/^pipedrive\.leads\s+write\s+Creates a lead\.$/m);
    expect(r.stdout).toContain('also requires one of: person_id, organization_id');
    expect(r.stdout).toMatch(/^\s+title\s+string\s+required/m);
    expect(r.stdout).toMatch(/Idempotent\s+no/);
    const w = await runSluice(['describe', 'pipedrive.leads', '--role', 'write']);
    expect(w.stdout).not.toContain('Returns multiple leads');
  });

  it('prints JSON with the resolved action and its fields', async () => {
    const r = await runSluice(['describe', 'pipedrive.users.find', '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.kind).toBe('action');
    expect(j.actions[0]).toMatchObject({ qualifiedName: 'pipedrive.users.find', method: 'GET', path: '/users/find', params: { term: { required: true } } });
    expect(j.actions[0].fields.map((f: { path: string }) => f.path)).toContain('email');
  });

  it('describes stdout, a file action, an app and a function', async () => {
    const s = await runSluice(['describe', 'stdout']);
    expect(s.stdout).toMatch(/^stdout\s+write\s+Prints each record/m);
    const f = await runSluice(['describe', 'file.csv', '--role', 'read']);
    expect(f.stdout).toMatch(/Record type\s+untyped unless the source declares `as \{ \.\.\. \}`/);
    expect(f.stdout).toMatch(/^\s+delimiter\s+string, length 1, default ","/m);
    const a = await runSluice(['describe', 'pipedrive']);
    expect(a.stdout).toMatch(/Rate limit\s+per token and 2 s: lite 20, growth 40, premium 100, ultimate 120; search 10 on every plan/);
    expect(a.stdout).toMatch(/^\s+api_token\s+string, matching \^\[0-9a-f\]\{40\}\$\s+required, secret/m);
    const fn = await runSluice(['describe', 'primary']);
    expect(fn.stdout).toMatch(/^primary\(list: list<\{value: string, primary: boolean\}>\) -> string \| null$/m);
  });

  it('suggests names and exits 2 for unknown ones', async () => {
    const a = await runSluice(['describe', 'pipedrive.persns']);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('unknown action `pipedrive.persns`; did you mean `pipedrive.persons`?');
    const b = await runSluice(['describe', 'pipdrive.users.find']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('did you mean `pipedrive.users.find`?');
    const c = await runSluice(['describe', 'pipedrive.recents', '--role', 'write']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('`pipedrive.recents` has no write action (it is read only)');
    // As a dest, a read name is its `.create`.
    const w = await runSluice(['describe', 'pipedrive.persons', '--role', 'write']);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toContain('pipedrive.persons.create');
    const d = await runSluice(['describe']);
    expect(d.code).toBe(2);
    const e = await runSluice(['describe', 'pipedrive.leads', '--version', 'v9']);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain('unknown --version `v9`');
  });
});
