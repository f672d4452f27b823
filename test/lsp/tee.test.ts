// The editor and `tee { dest ..., dest ... }`: completion offers `tee` and the destinations inside
// it, hover and go-to-definition know each destination, the outline lists every one.
import { describe, expect, it } from 'vitest';
import { completion } from '../../src/lsp/completion.js';
import { hover } from '../../src/lsp/hover.js';
import { documentSymbols } from '../../src/lsp/symbols.js';
import { at } from './helpers.js';

const labels = (marked: string): string[] => {
  const { a, position } = at(marked);
  return completion(a, position, { snippets: true }).map((i) => i.label);
};

const FLOW = 'source pipedrive.persons\n  -> map { id: id, name: name }\n  -> tee {\n    dest file.jsonl with path = "a.jsonl",\n    dest pipedrive.leads\n  }\n';

describe('tee in the editor', () => {
  it('completes tee after ->, dest at the start of each entry, write apps after it', () => {
    expect(labels('source pipedrive.persons -> $0')).toContain('tee');
    expect(labels('source pipedrive.persons -> tee { $0')).toEqual(['dest']);
    expect(labels('source pipedrive.persons -> tee { dest stdout, $0')).toEqual(['dest']);
    const apps = labels('source pipedrive.persons -> tee { dest stdout, dest $0');
    expect(apps).toContain('sqlite');
    expect(apps).not.toContain('tee');
  });

  it('hovers the second destination as the write it is', async () => {
    const i = FLOW.indexOf('pipedrive.leads') + 11;
    const { a, position } = at(`${FLOW.slice(0, i)}$0${FLOW.slice(i)}`);
    const h = await hover(a, position, {});
    const text = (h?.contents as { value: string }).value;
    expect(text).toContain('**pipedrive.leads** · write');
    expect(text).toContain('`POST /leads`');
  });

  it('lists every destination in the outline', () => {
    const { a } = at(`${FLOW}$0`);
    const names = JSON.stringify(documentSymbols(a));
    expect(names).toContain('dest file.jsonl');
    expect(names).toContain('dest pipedrive.leads');
  });
});
