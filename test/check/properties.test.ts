// Properties of the checker: flows built from the real definitions check clean, and one injected
// fault gives exactly one diagnostic, of the expected code, at the injected spot.
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/apps/index.js';
import { stdlibEnv } from '../../src/check/stdlib-env.js';
import { checkSource } from '../../src/check/check-source.js';
import { isBareFieldName } from '../../src/language/printer.js';
import { VALID } from '../language/samples.js';
import { runs } from '../helpers/runs.js';

const env = stdlibEnv();
// LANGUAGE.md's examples are written against the seed's configuration, v1 records (`email`,
// `owner_name`); on v1 they also warn (SL2005) that Pipedrive no longer supports those endpoints.
const seedEnv = stdlibEnv({ connections: [{ name: 'pipedrive', app: 'pipedrive', apiVersion: 'v1' }] });
const notSupportWarnings = (ds: { code: string }[]) => ds.filter((d) => d.code !== 'SL2005');
const reg = loadRegistry();

/** Pipedrive reads that need no parameter, with the scalar fields of their records on a default (auto) connection. */
const sources = reg
  .actionsOf('pipedrive')
  .filter((a) => a.role === 'read')
  .map((a) => env.action('pipedrive', a.name, 'read'))
  .filter((a): a is NonNullable<typeof a> => !!a && ![...a.params.values(), ...a.pathParams.values()].some((p) => p.required) && !!a.record)
  .map((a) => ({
    name: a.qualified,
    hasLimit: [...a.params.values()].some((p) => p.kind === 'limit'),
    fields: [...a.record!.fields].filter(([n, f]) => isBareFieldName(n) && ['string', 'number', 'boolean', 'union'].includes(f.type.kind)).map(([n]) => n),
  }))
  .filter((s) => s.fields.length > 0);

interface Gen {
  source: (typeof sources)[number];
  fields: string[];
  limit: number | null;
  dest: 'stdout' | 'jsonl';
}

const flow = fc
  .constantFrom(...sources)
  .chain((source) =>
    fc.record({
      source: fc.constant(source),
      fields: fc.uniqueArray(fc.constantFrom(...source.fields), { minLength: 1, maxLength: 5 }),
      limit: source.hasLimit ? fc.option(fc.integer({ min: 1, max: 5000 }), { nil: null }) : fc.constant(null),
      dest: fc.constantFrom<'stdout' | 'jsonl'>('stdout', 'jsonl'),
    }),
  );

function render(g: Gen, fault?: { kind: string; field?: number }): { text: string; at?: string } {
  let action = g.source.name;
  let at: string | undefined;
  if (fault?.kind === 'action') {
    action = action.replace(/(\w)$/, '$1x');
    at = action.split('.').slice(1).join('.');
  }
  const where = g.limit !== null ? ` where limit = ${fault?.kind === 'limit' ? '"many"' : g.limit}` : '';
  if (fault?.kind === 'limit') at = '"many"';
  const entries = g.fields.map((f, i) => {
    const ref = fault?.kind === 'field' && fault.field === i ? `${f}_zz` : f;
    if (fault?.kind === 'field' && fault.field === i) at = ref;
    return `out_${i}: ${ref}`;
  });
  const dest = g.dest === 'stdout' ? 'stdout' : `file.jsonl with ${fault?.kind === 'option' ? 'pathh' : 'path'} = "out/x.jsonl"`;
  if (fault?.kind === 'option') at = 'pathh';
  if (fault?.kind === 'template') {
    entries.push('at: ~{CreatedDte}~');
    at = '~{CreatedDte}~';
  }
  return { text: `source ${action}${where}\n  -> map { ${entries.join(', ')} }\n  -> dest ${dest}\n`, ...(at ? { at } : {}) };
}

const EXPECTED_CODE: Record<string, string> = { action: 'SL2002', limit: 'SL2021', field: 'SL2050', option: 'SL2010', template: 'SL2040' };

describe('checker properties', () => {
  it('well-typed flows built from the definitions check clean', () => {
    fc.assert(
      fc.property(flow, (g) => {
        const { diagnostics } = checkSource(render(g).text, { env });
        expect(diagnostics).toEqual([]);
      }),
      { numRuns: runs(150) },
    );
  });

  it('one injected fault yields exactly the expected diagnostic at the injected spot', () => {
    const faulty = flow.chain((g) => {
      const kinds = ['action', 'field', 'template', ...(g.limit !== null ? ['limit'] : []), ...(g.dest === 'jsonl' ? ['option'] : [])];
      return fc.record({ g: fc.constant(g), kind: fc.constantFrom(...kinds), field: fc.nat(g.fields.length - 1) });
    });
    fc.assert(
      fc.property(faulty, ({ g, kind, field }) => {
        // A misspelt action can't be checked further (its fields are unknown), so fault it alone.
        const { text, at } = render(g, { kind, field });
        const { diagnostics } = checkSource(text, { env });
        expect(diagnostics.map((d) => d.code)).toEqual([EXPECTED_CODE[kind]]);
        const d = diagnostics[0];
        expect(text.slice(d.range.start.offset, d.range.end.offset)).toBe(at);
      }),
      { numRuns: runs(150) },
    );
  });
});

describe('examples check clean', () => {
  it.each(VALID.filter((v) => !v.name.startsWith('keywords') && !v.name.startsWith('every') && !v.name.startsWith('trailing') && !v.name.startsWith('comments')))('$name', ({ text }) => {
    expect(notSupportWarnings(checkSource(text, { env: seedEnv }).diagnostics)).toEqual([]);
  });

  const dir = new URL('../../flows/', import.meta.url);
  it.each(readdirSync(dir).filter((f) => f.endsWith('.flow')))('flows/%s', (file) => {
    expect(checkSource(readFileSync(new URL(file, dir), 'utf8'), { fileName: file, env }).diagnostics).toEqual([]);
  });
});
