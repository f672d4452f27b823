// Every file of the standard library loads and validates, and what comes out is usable: resolved
// schemas compile with a strict ajv, every schema file is used, every function of LANGUAGE.md has a
// signature.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileMetaValidators } from '../../src/apps/ajv.js';
import { loadStdlib, type JsonSchema } from '../../src/apps/index.js';
import { consumerAjv, STDLIB } from './helpers.js';

const loaded = loadStdlib(STDLIB);

/** Every definition file with the meta-schema part it must match. */
function definitionFiles(): { file: string; kind: 'app' | 'actionFile' | 'schemaFile' | 'functions' }[] {
  const out: { file: string; kind: 'app' | 'actionFile' | 'schemaFile' | 'functions' }[] = [{ file: 'functions.json', kind: 'functions' }];
  for (const app of readdirSync(STDLIB, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    out.push({ file: `${app.name}/app.json`, kind: 'app' });
    for (const [sub, kind] of [['actions', 'actionFile'], ['schemas', 'schemaFile']] as const) {
      let names: string[] = [];
      try {
        names = readdirSync(join(STDLIB, app.name, sub)).filter((f) => f.endsWith('.json'));
      } catch {
        // no such folder
      }
      for (const n of names) out.push({ file: `${app.name}/${sub}/${n}`, kind });
    }
  }
  return out;
}

describe('the standard library', () => {
  it('loads with the precompiled validators', () => {
    expect(loaded.validation).toBe('precompiled');
    expect(loaded.apps.map((a) => a.name)).toEqual(['file', 'pipedrive', 'postgres', 'sqlite', 'stdout']);
  });

  // The same files through ajv compiled at run time: the precompiled and compiled validators agree.
  const meta = compileMetaValidators(
    JSON.parse(readFileSync(join(STDLIB, 'app.schema.json'), 'utf8')),
    JSON.parse(readFileSync(join(STDLIB, 'functions.schema.json'), 'utf8')),
  );
  it.each(definitionFiles())('$file is valid ($kind)', ({ file, kind }) => {
    const doc = JSON.parse(readFileSync(join(STDLIB, file), 'utf8'));
    const ok = meta[kind](doc);
    expect(meta[kind].errors ?? null).toBeNull();
    expect(ok).toBe(true);
  });

  it('uses every schema file', () => {
    const referenced = new Set<string>();
    for (const f of definitionFiles()) {
      for (const m of readFileSync(join(STDLIB, f.file), 'utf8').matchAll(/"\$ref":\s*"([^"#]+)/g)) referenced.add(m[1].replace(/^.*\//, ''));
    }
    const schemaFiles = definitionFiles().filter((f) => f.kind === 'schemaFile').map((f) => f.file.replace(/^.*\//, ''));
    expect(schemaFiles.filter((f) => !referenced.has(f))).toEqual([]);
  });

  it('resolves every $ref, so consumers see plain JSON Schemas', () => {
    const text = JSON.stringify(loaded.apps);
    expect(text).not.toContain('"$ref"');
    expect(text).not.toContain('"$defs"');
  });

  it('gives record, input, parameter and option schemas that a strict ajv compiles', () => {
    const ajv = consumerAjv();
    let n = 0;
    for (const app of loaded.apps) {
      for (const o of Object.values(app.connection?.fields ?? {})) ajv.compile(o.schema);
      for (const a of app.actions) {
        for (const o of Object.values(a.options)) ajv.compile(o.schema);
        for (const v of a.variants) {
          for (const p of [...Object.values(v.params), ...Object.values(v.pathParams)]) ajv.compile(p.schema);
          const s: JsonSchema | null = a.role === 'read' ? v.record : v.input;
          expect(s, `${a.qualifiedName} ${a.role} ${v.version}`).not.toBeNull();
          ajv.compile(s);
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(30);
  });

  it('has a signature for every function of LANGUAGE.md', () => {
    const names = loaded.functions.map((f) => f.name).sort();
    expect(names).toEqual(['coalesce', 'concat', 'date', 'env', 'first', 'len', 'lower', 'now', 'primary', 'to_number', 'to_string', 'trim', 'upper']);
    for (const f of loaded.functions) expect(f.help.length).toBeGreaterThan(10);
  });
});
