// Checker gaps found by using it as a new user would: nullable values nested in what a destination
// requires, option labels in another case, dates that cannot be dates, ids given as objects.
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../src/check/check-source.js';
import type { ConnectionInfo } from '../../src/check/env.js';
import { stdlibEnv } from '../../src/check/stdlib-env.js';
import { fixtureSchema } from './fixture.js';

const conns: ConnectionInfo[] = [{ name: 'pipedrive', app: 'pipedrive', apiVersion: 'v1' }];
const env = stdlibEnv({ connections: conns, customSchemas: new Map([['pipedrive', fixtureSchema()]]) });
// On v1 on purpose (its records carry `owner_id` objects, `email` lists): every case would also carry
// the v1-out-of-support warning, which is not what these cases are about.
const check = (flow: string) => {
  const r = checkSource(flow, { fileName: 'test.flow', env });
  return { ...r, diagnostics: r.diagnostics.filter((d) => d.code !== 'SL2005') };
};
const at = (flow: string, text: string): string => {
  const i = flow.indexOf(text);
  if (i < 0) throw new Error(`${text} is not in ${flow}`);
  return `1:${i + 1}-${i + 1 + text.length}`;
};
const summary = (flow: string) => check(flow).diagnostics.map((d) => `${d.severity} ${d.code} ${d.range.start.line}:${d.range.start.column}-${d.range.end.column} ${d.message}`);

describe('a nullable value nested where a destination needs one', () => {
  it('inside an object: a warning with the `??` fix', () => {
    const flow = 'source pipedrive.persons -> map { title: name, person_id: id, value: { amount: custom["Lifetime value"], currency: "EUR" } } -> dest pipedrive.leads';
    const d = check(flow).diagnostics;
    expect(d.map((x) => `${x.severity} ${x.code} 1:${x.range.start.column}-${x.range.end.column}`)).toEqual([`warning SL2065 ${at(flow, 'custom["Lifetime value"]')}`]);
    expect(d[0].message).toBe('`value.amount` may be null, but `pipedrive.leads` needs a number there: such records will be rejected');
    expect(d[0].suggest?.[0]).toMatchObject({ title: 'Default to 0 with `??`', replacement: 'custom["Lifetime value"] ?? 0' });
  });

  it('through a function call inside the object', () => {
    const flow = 'source pipedrive.persons -> map { title: name, person_id: id, value: { amount: to_number(custom["Lead source"]), currency: "EUR" } } -> dest pipedrive.leads';
    expect(summary(flow).map((s) => s.split(' ').slice(0, 3).join(' '))).toEqual([`warning SL2065 ${at(flow, 'to_number(custom["Lead source"])')}`]);
  });

  it('inside a list', () => {
    const flow = 'source pipedrive.persons -> map { title: name, person_id: id, label_ids: [primary(email)] } -> dest pipedrive.leads';
    const d = check(flow).diagnostics.filter((x) => x.code === 'SL2065');
    expect(d.map((x) => `1:${x.range.start.column}-${x.range.end.column}`)).toEqual([at(flow, 'primary(email)')]);
    expect(d[0].message).toContain('`label_ids[]` may be null');
  });

  it('a value known not to be null passes', () => {
    const flow = 'source pipedrive.persons -> map { title: name, person_id: id, value: { amount: custom["Lifetime value"] ?? 0, currency: "EUR" } } -> dest pipedrive.leads';
    expect(summary(flow)).toEqual([]);
  });
});

describe('option labels and dates', () => {
  it('an option label in another case is an error with did you mean', () => {
    const flow = 'source pipedrive.persons -> filter Segment == "smb" -> dest stdout';
    const d = check(flow).diagnostics;
    expect(summary(flow)).toEqual([`error SL2057 ${at(flow, '"smb"')} \`Segment\` is one of "Enterprise", "SMB", "Startup": "smb" never equals it; did you mean "SMB"?`]);
    expect(d[0].suggest?.[0]).toMatchObject({ replacement: '"SMB"' });
  });

  it('the same in a where condition the engine applies, and with the label first', () => {
    const flow = 'source pipedrive.persons where Segment = "Smb" -> filter "startup" != Segment -> dest stdout';
    expect(summary(flow).map((s) => s.split(' ').slice(0, 3).join(' '))).toEqual([`error SL2057 ${at(flow, '"Smb"')}`, `error SL2057 ${at(flow, '"startup"')}`]);
  });

  it('the right label passes', () => {
    expect(summary('source pipedrive.persons -> filter Segment == "SMB" -> dest stdout')).toEqual([]);
  });

  it('a string that cannot be a date, for a date field', () => {
    const flow = 'source pipedrive.persons -> map { title: name, person_id: id, expected_close_date: "next week" } -> dest pipedrive.leads';
    expect(summary(flow)).toEqual([`error SL2062 ${at(flow, '"next week"')} \`expected_close_date\` must be a date such as "2026-03-31" for \`pipedrive.leads\`, found "next week"`]);
    expect(summary(flow.replace('"next week"', '"2026-02-30"'))).toHaveLength(1);
    expect(summary(flow.replace('"next week"', '"2026-03-31"'))).toEqual([]);
  });
});

describe('an object where an id is expected', () => {
  it('suggests `.value` (v1 gives owner_id as an object)', () => {
    const flow = 'source pipedrive.persons -> map { title: name, person_id: id, owner_id: owner_id } -> dest pipedrive.leads';
    const d = check(flow).diagnostics;
    expect(d.map((x) => `${x.code} 1:${x.range.start.column}-${x.range.end.column}`)).toEqual([`SL2062 ${at(flow, 'owner_id }').replace(/-\d+$/, (m) => `-${Number(m.slice(1)) - 2}`)}`]);
    expect(d[0].message).toContain('found an object');
    expect(d[0].suggest?.map((s) => s.replacement)).toEqual(['owner_id.value', 'owner_id.id']);
  });
});

describe('did you mean, more', () => {
  it.each([
    ['lowercase', 'lower'],
    ['uppercase', 'upper'],
    ['length', 'len'],
    ['toNumber', 'to_number'],
    ['tostring', 'to_string'],
  ])('%s -> %s', (wrong, right) => {
    const flow = `source pipedrive.persons -> map { a: ${wrong}(name) } -> dest stdout`;
    const d = check(flow).diagnostics;
    expect(d.map((x) => x.code)).toEqual(['SL2051']);
    expect(d[0].message).toBe(`unknown function \`${wrong}\`; did you mean \`${right}\`?`);
  });

  it('`items` on an action that lacks it points to pipedrive.recents', () => {
    const flow = 'source pipedrive.persons where items = "person" -> dest stdout';
    const d = check(flow).diagnostics;
    expect(d.map((x) => x.code)).toEqual(['SL2020']);
    expect(d[0].hint).toContain('`items` is a parameter of `pipedrive.recents`');
  });

  it('`since_timestamp` on an action that lacks it points to `since`', () => {
    const flow = 'source pipedrive.persons where since_timestamp = ~{CreatedDate}~ -> dest stdout';
    const d = check(flow).diagnostics;
    expect(d.map((x) => x.code)).toEqual(['SL2020']);
    expect(d[0].hint).toContain('since ~{CreatedDate}~');
    expect(d[0].hint).toContain('`pipedrive.recents`');
  });
});

describe('a connection never discovered', () => {
  it('an unknown name says to run `sluice discover NAME`', () => {
    const plain = stdlibEnv({ connections: [{ name: 'acme', app: 'pipedrive', apiVersion: 'v1' }] });
    const r = checkSource('source pipedrive.persons with connection = "acme" -> map { s: Segment, l: custom["Lead source"] } -> dest stdout', { fileName: 't.flow', env: plain });
    const d = r.diagnostics.filter((x) => x.code !== 'SL2005');
    expect(d.map((x) => x.code)).toEqual(['SL2050', 'SL2050']);
    expect(d[0].hint).toContain('If `Segment` is a custom field: run `sluice discover acme` first');
    expect(d[1].hint).toContain('`custom[...]` reads custom fields: run `sluice discover acme` first');
  });

  it('no such hint once the connection has a schema, or for sources without custom fields', () => {
    const d = check('source pipedrive.persons -> map { s: Segmnt2x } -> dest stdout').diagnostics;
    expect(d[0].hint ?? '').not.toContain('sluice discover');
    const users = checkSource('source pipedrive.users -> map { s: Segment } -> dest stdout', { fileName: 't.flow', env: stdlibEnv() }).diagnostics;
    expect(users[0].hint ?? '').not.toContain('sluice discover');
  });
});
