// Custom fields by name end to end, the way a user does it: `sluice sandbox pipedrive` as a process,
// `sluice discover`, `sluice describe --connection`, `sluice check` and `sluice run` of flows that
// read and write custom fields by name, in v1 and v2, compared with what the sandbox holds under the
// hash keys (asked directly over HTTP, not through Sluice); then a stale schema.
// Needs the built CLI (`node scripts/build.mjs`, which `npm test` runs first).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSluice, startSandboxProcess, stopProcess, tempDir, type CliResult, type SandboxProcess as Sandbox } from '../helpers/cli.js';



let sb: Sandbox | undefined;
let dir = '';
let env: Record<string, string> = {};

beforeAll(async () => {
  sb = await startSandboxProcess(['--persons', '60']);
  dir = tempDir('sluice-custom-');
  env = {
    SLUICE_PIPEDRIVE_URL: sb.url,
    SLUICE_PIPEDRIVE_TOKEN: sb.token,
    SLUICE_PIPEDRIVE_ALLOW_INSECURE: '1',
    SLUICE_PIPEDRIVE_API_VERSION: 'v1',
    SLUICE_CONFIG_DIR: join(dir, '.config'),
    SLUICE_HOME: join(dir, '.sluice'),
  };
});

afterAll(() => stopProcess(sb?.child));

const sluice = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> => runSluice(args, { cwd: dir, env: { ...env, ...extra }, timeoutMs: 60_000 });
const write = (name: string, text: string) => {
  mkdirSync(join(dir, name, '..'), { recursive: true });
  writeFileSync(join(dir, name), text);
};
const jsonl = (name: string): Record<string, unknown>[] =>
  readFileSync(join(dir, name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** The sandbox over plain HTTP: what it holds, without Sluice in between. */
async function api(path: string): Promise<{ data: unknown; additional_data: unknown }> {
  const res = await fetch(`${sb!.url}${path}`, { headers: { 'x-api-token': sb!.token } });
  expect(res.status).toBe(200);
  return (await res.json()) as { data: unknown; additional_data: unknown };
}
type Def = { key: string; name: string; field_type: string; options?: { id: number; label: string }[] };
async function personFields(): Promise<Map<string, Def>> {
  const defs = (await api('/api/v1/personFields?limit=500')).data as Def[];
  return new Map(defs.filter((d) => /^[0-9a-f]{40}$/.test(d.key)).map((d) => [d.name, d]));
}
async function allPersonsV1(): Promise<Record<string, unknown>[]> {
  return (await api('/api/v1/persons?limit=500')).data as Record<string, unknown>[];
}

const READ_FLOW = `# Custom fields by their names in Pipedrive.
source pipedrive.persons where limit = 40
  -> map { id: id, name: name, lead_source: custom["Lead source"], segment: Segment, interests: Interests, value: custom["Lifetime value"], first: custom["First contact"] }
  -> dest file.jsonl with path = "out/persons.jsonl"
`;

const WRITE_FLOW = `source file.jsonl with path = "in/new.jsonl" as { name: string, src: string, segment: string, tags: [string], value: number }
  -> map { name: name, Segment: segment, Interests: tags, custom: { "Lead source": src, "Lifetime value": value } }
  -> dest pipedrive.persons.create
`;

describe('custom fields by name against `sluice sandbox pipedrive`', () => {
  it('before discover: the names are unknown fields (what CI without a schema sees)', async () => {
    write('read.flow', READ_FLOW);
    const r = await sluice(['check', 'read.flow']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/unknown field `custom`/);
    expect(r.stdout).toMatch(/unknown field `Segment`/);
    expect(r.stdout).toContain('run `sluice discover pipedrive` first (connection `pipedrive` has no discovered custom fields)');
  });

  it('discover stores the schema and says where; describe shows the fields as flows name them', async () => {
    const r = await sluice(['discover', 'pipedrive']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const file = join(dir, '.config', 'schemas', 'pipedrive.json');
    expect(r.stdout).toContain('Discovered 12 custom fields of `pipedrive`');
    expect(r.stdout).toMatch(/persons\s+5\n\s+deals\s+4\n\s+organizations\s+3/);
    expect(r.stdout).toContain(`Stored in ${file}`);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { connection: string; companyUrl: string; readAt: string; entities: { person: { custom: { name: string; key: string }[] } } };
    expect(stored).toMatchObject({ connection: 'pipedrive', companyUrl: sb!.url });
    expect(Date.now() - Date.parse(stored.readAt)).toBeLessThan(60_000);
    const defs = await personFields();
    expect(stored.entities.person.custom.map((f) => [f.name, f.key])).toEqual([...defs.values()].map((d) => [d.name, d.key]));
    // The token is never written there.
    expect(readFileSync(file, 'utf8')).not.toContain(sb!.token);

    const json = await sluice(['discover', 'pipedrive', '--format', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, connection: 'pipedrive', file, custom_fields: { person: 5, deal: 4, organization: 3 } });

    const d = await sluice(['describe', 'pipedrive.persons', '--connection', 'pipedrive']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/Custom fields \(connection `pipedrive`/);
    expect(d.stdout).toMatch(new RegExp(`custom\\["Lead source"\\]\\s+string\\s+varchar\\s+${defs.get('Lead source')!.key}`));
    expect(d.stdout).toMatch(/Segment\s+"Enterprise" \| "Mid-market" \| "SMB" \| "Startup"\s+enum/);
  });

  it('check: reading and writing by name is clean; a typo gets "did you mean"', async () => {
    write('write.flow', WRITE_FLOW);
    write('typo.flow', READ_FLOW.replace('custom["Lead source"]', 'custom["Lead sorce"]'));
    const ok = await sluice(['check', 'read.flow', 'write.flow']);
    // v1 endpoints out of support since 2026-08-01 (the connection forces v1): warnings only.
    expect(ok.stdout).toMatch(/0 errors, \d+ warnings? in 2 files/);
    expect(ok.code).toBe(0);
    const typo = await sluice(['check', 'typo.flow']);
    expect(typo.code).toBe(1);
    expect(typo.stdout).toContain('"Lead sorce" is not a field of this object; did you mean "Lead source"?');
  });

  it('the schema goes with the connection, not with the folder: check and run from another folder see it', async () => {
    const other = join(dir, 'elsewhere');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'read.flow'), READ_FLOW);
    // Another folder and another SLUICE_HOME (state is per folder), the same SLUICE_CONFIG_DIR.
    const opts = { cwd: other, env: { ...env, SLUICE_HOME: join(other, '.sluice') }, timeoutMs: 60_000 };
    const checked = await runSluice(['check', 'read.flow'], opts);
    // The flow reads v1 on purpose (the connection says so): the one warning is v1's end of support.
    expect(checked.stdout).toContain('0 errors, 1 warning in 1 file');
    expect(checked.stdout).not.toContain('SL2050');
    const ran = await runSluice(['run', 'read.flow'], opts);
    expect(ran.code).toBe(0);
    expect(readFileSync(join(other, 'out', 'persons.jsonl'), 'utf8').trim().split('\n')).toHaveLength(40);
  });

  it('a schema an older version wrote into $SLUICE_HOME/schemas is moved beside the connections by the first check, with a message', async () => {
    const old = join(dir, 'old-project');
    mkdirSync(join(old, '.sluice', 'schemas'), { recursive: true });
    writeFileSync(join(old, 'read.flow'), READ_FLOW);
    writeFileSync(join(old, '.sluice', 'schemas', 'pipedrive.json'), readFileSync(join(env.SLUICE_CONFIG_DIR, 'schemas', 'pipedrive.json')));
    const opts = { cwd: old, env: { ...env, SLUICE_HOME: join(old, '.sluice'), SLUICE_CONFIG_DIR: join(old, '.config') }, timeoutMs: 60_000 };
    const first = await runSluice(['check', 'read.flow'], opts);
    expect(first.stderr).toContain(`moved ${join(old, '.sluice', 'schemas', 'pipedrive.json')} to ${join(old, '.config', 'schemas', 'pipedrive.json')}`);
    expect(first.stdout).toContain('0 errors, 1 warning in 1 file');
    expect(existsSync(join(old, '.sluice', 'schemas', 'pipedrive.json'))).toBe(false);
    const again = await runSluice(['check', 'read.flow'], opts);
    expect(again.stderr).not.toContain('moved');
    expect(again.stdout).toContain('0 errors, 1 warning in 1 file');
  });

  it('run (v1 read): records carry names and labels, equal to what the sandbox holds under the hash keys', async () => {
    const r = await sluice(['run', 'read.flow']);
    expect(r.code).toBe(0);
    const got = jsonl('out/persons.jsonl');
    expect(got).toHaveLength(40);
    const defs = await personFields();
    const byId = new Map((await allPersonsV1()).map((p) => [p.id, p]));
    const label = (name: string, id: unknown) => defs.get(name)!.options!.find((o) => o.id === Number(id))!.label;
    let seenEnum = 0;
    let seenSet = 0;
    for (const line of got) {
      const raw = byId.get(line.id)!;
      const v = (name: string) => raw[defs.get(name)!.key];
      const seg = v('Segment');
      const tags = v('Interests');
      if (seg !== null) seenEnum++;
      if (tags !== null) seenSet++;
      expect(line).toEqual({
        id: raw.id,
        name: raw.name,
        lead_source: v('Lead source'),
        segment: seg === null ? null : label('Segment', seg),
        interests: tags === null ? null : String(tags).split(',').map((id) => label('Interests', id)),
        value: v('Lifetime value'),
        first: v('First contact'),
      });
    }
    // The comparison covered options, not only nulls.
    expect(seenEnum).toBeGreaterThan(5);
    expect(seenSet).toBeGreaterThan(3);
  });

  it('run (v1 write): names become hash keys and labels option ids; an unknown label rejects that record', async () => {
    write(
      'in/new.jsonl',
      [
        { name: 'Custom Ada', src: 'Webinar', segment: 'SMB', tags: ['Security', 'Analytics'], value: 1234.5 },
        { name: 'Custom Bob', src: 'Fair', segment: 'Enterprize', tags: [], value: 1 },
      ]
        .map((x) => JSON.stringify(x))
        .join('\n') + '\n',
    );
    const r = await sluice(['run', 'write.flow', '--format', 'json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'succeeded', read: 2, written: 1, rejected: 1 });
    const defs = await personFields();
    const persons = await allPersonsV1();
    const ada = persons.filter((p) => p.name === 'Custom Ada');
    expect(ada).toHaveLength(1);
    const id = (name: string, label: string) => defs.get(name)!.options!.find((o) => o.label === label)!.id;
    expect(ada[0][defs.get('Segment')!.key]).toBe(id('Segment', 'SMB'));
    expect(ada[0][defs.get('Interests')!.key]).toBe([id('Interests', 'Analytics'), id('Interests', 'Security')].sort((a, b) => a - b).join(','));
    expect(ada[0][defs.get('Lead source')!.key]).toBe('Webinar');
    expect(ada[0][defs.get('Lifetime value')!.key]).toBe(1234.5);
    expect(persons.some((p) => p.name === 'Custom Bob')).toBe(false);
    const rej = await sluice(['state', 'rejected', '--format', 'json']);
    const rows = (JSON.parse(rej.stdout) as { rejected: { code: string; reason: string; record: Record<string, unknown> }[] }).rejected;
    expect(rows).toEqual([
      expect.objectContaining({
        code: 'invalid',
        reason: 'unknown option `Enterprize` for field `Segment` (did you mean `Enterprise`?); options: Enterprise, Mid-market, SMB, Startup',
        record: expect.objectContaining({ name: 'Custom Bob', Segment: 'Enterprize' }),
      }),
    ]);
  });

  it('v2: the same flows read from custom_fields and write to it', async () => {
    const v2 = { SLUICE_PIPEDRIVE_API_VERSION: 'v2' };
    write('read2.flow', READ_FLOW.replace('out/persons.jsonl', 'out/persons2.jsonl'));
    write('in/new.jsonl', JSON.stringify({ name: 'Custom Cy', src: 'Partner', segment: 'Startup', tags: ['Automation'], value: 7 }) + '\n');
    expect((await sluice(['check', 'read2.flow', 'write.flow'], v2)).code).toBe(0);
    expect((await sluice(['run', 'read2.flow'], v2)).code).toBe(0);
    // The same names and labels as through v1.
    expect(jsonl('out/persons2.jsonl')).toEqual(jsonl('out/persons.jsonl'));
    expect((await sluice(['run', 'write.flow'], v2)).code).toBe(0);
    const defs = await personFields();
    const v2persons = (await api('/api/v2/persons?limit=500')).data as { name: string; custom_fields: Record<string, unknown> }[];
    const cy = v2persons.find((p) => p.name === 'Custom Cy')!;
    const id = (name: string, label: string) => defs.get(name)!.options!.find((o) => o.label === label)!.id;
    expect(cy.custom_fields[defs.get('Segment')!.key]).toBe(id('Segment', 'Startup'));
    expect(cy.custom_fields[defs.get('Interests')!.key]).toEqual([id('Interests', 'Automation')]);
    expect(cy.custom_fields[defs.get('Lead source')!.key]).toBe('Partner');
  });

  it('a stale schema (a field renamed since discover): a clear error, nothing read or written; discover refreshes it', async () => {
    // The sandbox's fields cannot be renamed, so the stored schema is edited to say what it would
    // have said before a rename in Pipedrive: the field was called "Lead origin".
    const file = join(dir, '.config', 'schemas', 'pipedrive.json');
    const fresh = readFileSync(file, 'utf8');
    writeFileSync(file, fresh.replace('"name": "Lead source"', '"name": "Lead origin"'));
    write('stale-read.flow', READ_FLOW.replace('custom["Lead source"]', 'custom["Lead origin"]').replace('out/persons.jsonl', 'out/stale.jsonl'));
    write('stale-write.flow', WRITE_FLOW.replace('"Lead source"', '"Lead origin"'));
    write('in/new.jsonl', JSON.stringify({ name: 'Custom Stale', src: 'x', segment: 'SMB', tags: [], value: 1 }) + '\n');
    // It checks: against the stored schema, the flow is right.
    expect((await sluice(['check', 'stale-read.flow', 'stale-write.flow'])).code).toBe(0);
    const before = (await allPersonsV1()).length;

    const r = await sluice(['run', 'stale-read.flow']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error SL9010: the custom fields of connection `pipedrive` changed in Pipedrive since `sluice discover` read them');
    expect(r.stdout).toMatch(/person field `Lead origin` \([0-9a-f]{8}…\) is now named `Lead source` \(the flow uses it as `custom\["Lead origin"\]`\)/);
    expect(r.stdout).toContain('hint: Run `sluice discover pipedrive`');
    expect(existsSync(join(dir, 'out', 'stale.jsonl'))).toBe(false);

    const w = await sluice(['run', 'stale-write.flow', '--format', 'json']);
    expect(w.code).toBe(1);
    expect(JSON.parse(w.stdout)).toMatchObject({ status: 'failed', read: 0, written: 0, error: { code: 'SL9010' } });
    expect((await allPersonsV1()).length).toBe(before);

    // A flow that does not use the renamed field runs, with a warning.
    write('unrelated.flow', 'source pipedrive.persons where limit = 3 -> map { id: id, s: Segment } -> dest file.jsonl with path = "out/unrelated.jsonl"\n');
    const u = await sluice(['run', 'unrelated.flow']);
    expect(u.code).toBe(0);
    expect(u.stdout).toMatch(/warning: connection `pipedrive`: person field `Lead origin` .* is now named `Lead source` since `sluice discover` \(not used by this flow\)/);

    // discover refreshes it: the stale flow now fails its check, and the hint lists the new name.
    expect((await sluice(['discover', 'pipedrive'])).code).toBe(0);
    const c = await sluice(['check', 'stale-read.flow']);
    expect(c.code).toBe(1);
    expect(c.stdout).toContain('error SL2050 "Lead origin" is not a field of this object');
    expect(c.stdout).toContain('hint: Its fields: `First contact`, `Interests`, `Lead source`, `Lifetime value`, `Segment`.');
    expect((await sluice(['run', 'read.flow'])).code).toBe(0);
  });

  it('errors: no connection name (2), an unknown connection (1), describe without a schema (1)', async () => {
    const none = await sluice(['discover']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give one connection name');
    const unknown = await sluice(['discover', 'acme']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no connection named `acme`/);
    const json = await sluice(['discover', 'acme', '--format', 'json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'SL5043' } });
    const d = await sluice(['describe', 'pipedrive.persons', '--connection', 'acme']);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain('SL9001: no custom fields are stored for connection `acme`');
    expect(d.stderr).toContain('hint: Run `sluice discover acme` first.');
  });
});
