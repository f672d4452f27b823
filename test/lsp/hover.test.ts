// Hover, in process: the cursor is marked `$0`.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hover } from '../../src/lsp/hover.js';
import { StateReader } from '../../src/lsp/state.js';
import { SqliteStateStore as StateStore, flowKey } from '../../src/state/index.js';
import { tempDir } from '../helpers/cli.js';
import { at, slice } from './helpers.js';

const FLOW = `flow leads {
  schedule every 15m
  on reject file.jsonl with path = "rejected.jsonl"
  source pipedrive.persons where limit = 10 and first_char = "a" and name != null since ~{CreatedDate}~
    -> filter primary(email) != null
    -> lookup owner = pipedrive.users.find where term = owner_name
    -> map { title: "Lead: " + name, person_id: id, owner_id: owner.id, extra: 1 }
    -> dest pipedrive.leads
}
`;

/** The flow with the cursor on the `nth` occurrence of `needle`, `into` characters in. */
function on(needle: string, into = 1, text = FLOW, nth = 0): string {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  if (i < 0) throw new Error(`no ${needle}`);
  return text.slice(0, i + into) + '$0' + text.slice(i + into);
}

async function hoverAt(marked: string, options: Parameters<typeof hover>[2] = {}, uri?: string) {
  const { a, position } = at(marked, uri ? { uri } : {});
  const h = await hover(a, position, options);
  return h ? { text: (h.contents as { value: string }).value, range: h.range ? slice(a, h.range) : undefined } : null;
}

describe('hover', () => {
  it('shows an action: request, help, parameters, options and record schema', async () => {
    const h = await hoverAt(on('pipedrive.persons', 12));
    expect(h?.range).toBe('pipedrive.persons');
    expect(h?.text).toContain('**pipedrive.persons** · read · v1');
    expect(h?.text).toContain('`GET /persons`');
    expect(h?.text).toMatch(/Returns all persons/);
    expect(h?.text).toContain('Parameters (`where`): `limit`');
    expect(h?.text).toMatch(/\*\*Record\*\*\n\n```\nid: integer\n/);
    expect(h?.text).toContain('first_name: string or null');
  });

  it('shows a destination with its input and what it requires', async () => {
    const h = await hoverAt(on('pipedrive.leads', 11));
    expect(h?.text).toContain('**pipedrive.leads** · write');
    expect(h?.text).toContain('`POST /leads`');
    expect(h?.text).toContain('title: string  (required)');
    expect(h?.text).toContain('one of: person_id | organization_id');
  });

  it('shows an app and its actions when the action is unknown', async () => {
    const h = await hoverAt('source pipe$0drive.persns -> dest stdout');
    expect(h?.text).toMatch(/^\*\*pipedrive\*\* · Pipedrive/);
    expect(h?.text).toContain('`persons`');
  });

  it('says where a where key goes: the API or the engine', async () => {
    expect((await hoverAt(on('first_char')))?.text).toContain('`first_char` is sent to the API as the query parameter `first_char`');
    expect((await hoverAt(on('limit')))?.text).toContain('caps how many records are fetched in total');
    const field = await hoverAt(on('name !='));
    expect(field?.text).toContain('**name**: `string` · field of `pipedrive.persons` records');
    expect(field?.text).toContain('the engine applies this condition after fetching');
    expect(field?.range).toBe('name');
    expect((await hoverAt(on('term')))?.text).toContain('**term**: `string` · required parameter of `pipedrive.users.find`');
  });

  it('shows a field with its type and where it comes from', async () => {
    const h = await hoverAt(on('owner_name', 3));
    expect(h).toEqual({ text: expect.stringContaining('**owner_name**: `string`'), range: 'owner_name' });
    expect(h?.text).toContain('A field of the records here, from pipedrive.persons (v1).');
    const lookup = await hoverAt(on('owner.id', 2));
    expect(lookup?.text).toContain('from lookup pipedrive.users.find');
    expect(lookup?.text).toMatch(/\*\*owner\*\*: `object \{ id, name, email, \.\.\. \} or null`/);
    const member = await hoverAt(on('owner.id', 7));
    expect(member?.text).toContain('**id**: `integer or null`');
    expect(member?.text).toContain('A field of `owner` (null when `owner` is null)');
  });

  it('gives a field made by a map the document line of that map', async () => {
    const text = 'flow a {\n  source pipedrive.persons -> dest stdout\n}\nflow b {\n  source pipedrive.persons\n    -> map { full: name }\n    -> filter full != null\n    -> dest stdout\n}\n';
    const h = await hoverAt(on('full !=', 1, text));
    expect(h?.text).toContain('from map at 6:14');
  });

  it('shows a map key and what the destination makes of it', async () => {
    expect((await hoverAt(on('title')))?.text).toContain('`pipedrive.leads` takes it as `string` (required)');
    expect((await hoverAt(on('extra')))?.text).toContain('`pipedrive.leads` does not take a field of this name.');
  });

  it('shows a with option, a function, a lookup name, a flow and a keyword', async () => {
    expect((await hoverAt(on('path')))?.text).toContain('**path**: `string` · required option of `file.jsonl`');
    expect((await hoverAt(on('primary')))?.text).toMatch(/^```\nprimary\(list: list of object\): string or null\n```\n\n/);
    expect((await hoverAt(on('owner =')))?.text).toContain('The first result of `pipedrive.users.find` for each record, or null');
    expect((await hoverAt(on('leads {')))?.text).toBe('**flow leads** · every 15m\n\n`pipedrive.persons` → `filter` → `lookup` → `map` → `pipedrive.leads`');
    expect((await hoverAt(on('dest ')))?.text).toMatch(/^`dest APP.ACTION/);
  });

  it('explains a template without state', async () => {
    const h = await hoverAt(on('CreatedDate'));
    expect(h?.range).toBe('~{CreatedDate}~');
    expect(h?.text).toMatch(/^\*\*~\{CreatedDate\}~\*\*: the high-water mark/);
    expect((await hoverAt('source pipedrive.persons -> map { t: ~{No$0w}~ } -> dest stdout'))?.text).toContain('the time the run starts');
    expect((await hoverAt('source pipedrive.persons -> map { t: ~{Re$0gion}~ } -> dest stdout'))?.text).toContain('unknown template');
  });

  it('finds nothing to say on punctuation', async () => {
    expect(await hoverAt('source pipedrive.persons -> map { a: 1 $0} -> dest stdout')).toBeNull();
  });
});

describe('hover on templates with state', () => {
  const home = tempDir('sluice-lsp-state-');
  const root = tempDir('sluice-lsp-root-');
  const file = join(root, 'leads.flow');
  const uri = `file://${file}`;
  afterAll(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  it('says there is no state yet when the database does not exist', async () => {
    const state = new StateReader(join(home, 'none'), root);
    const h = await hoverAt(on('CreatedDate'), { state }, uri);
    expect(h?.text).toContain('Not known: there is no state yet');
    expect(h?.text).toContain('on the first run it is the value of `--since`');
  });

  it('shows the saved watermark and the start of the last successful run', async () => {
    const store = StateStore.open(home);
    const key = flowKey(file, 'leads');
    const run = await store.startRun(key, { trigger: 'cli', file, startedAt: new Date('2026-03-01T10:00:00.000Z') });
    await store.commitProgress(run, key, 'pipedrive.persons@pipedrive', { watermark: '2026-02-27T08:30:00Z', boundaryIds: [1] });
    await store.finishRun(run, { status: 'succeeded', read: 1, written: 1 });
    await store.close();

    const state = new StateReader(home, root);
    const created = await hoverAt(on('CreatedDate'), { state }, uri);
    expect(created?.text).toMatch(/Resolves to `2026-02-27T08:30:00(\.000)?Z` now\. The watermark of `pipedrive.persons@pipedrive`/);
    const last = await hoverAt('flow leads {\n  source pipedrive.persons -> map { t: ~{LastRun$0Time}~ } -> dest stdout\n}\n', { state }, uri);
    expect(last?.text).toContain('Resolves to `2026-03-01T10:00:00.000Z` now.');
    // Another flow of the same file has no state of its own.
    const other = await hoverAt('flow other {\n  source pipedrive.persons since ~{Created$0Date}~ -> dest stdout\n}\n', { state }, uri);
    expect(other?.text).toContain('No watermark saved yet for `pipedrive.persons@pipedrive` in flow `other`');
    state.close();
  });

  it('asks to save an untitled file first', async () => {
    const h = await hoverAt(on('CreatedDate'), { state: new StateReader(home, root) }, 'untitled:Untitled-1');
    expect(h?.text).toContain('Save the file');
  });
});
