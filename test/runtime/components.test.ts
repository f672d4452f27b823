// The source and destination components: every action of the standard library has one, the kind
// selects it, and the registry's dry-run and unknown-kind rules hold for every component.
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadRegistry, type AppDef, type ResolvedAction } from '../../src/apps/index.js';
import type { ResolvedRef } from '../../src/check/plan-types.js';
import type { ComponentContext } from '../../src/runtime/component.js';
import { DESTINATIONS, destComponent, openDestination } from '../../src/runtime/dests/registry.js';
import type { HttpIo } from '../../src/runtime/http-app/types.js';
import { SOURCES, openSource, sourceComponent } from '../../src/runtime/sources/registry.js';
import type { Rec } from '../../src/runtime/eval.js';
import { SluiceError } from '../../src/errors.js';

const registry = loadRegistry();
const noHttp = new Proxy({} as HttpIo, {
  get: (_t, k) => () => {
    throw new Error(`HTTP used: ${String(k)}`);
  },
});

function ctx(cwd: string, extra: Partial<ComponentContext> = {}): ComponentContext {
  return { io: { cwd, stdout: new PassThrough(), env: {} }, http: noHttp, signal: new AbortController().signal, dryRun: false, ...extra };
}

const ref = (qualified: string) => ({ ref: { name: qualified }, role: 'read', action: { qualified } }) as unknown as ResolvedRef;
const resolved = (qualified: string, role: 'read' | 'write'): { app: AppDef; action: ResolvedAction } => {
  const action = registry.action(qualified, role)!;
  return { app: registry.app(action.app)!, action };
};

describe('component registries', () => {
  it('every action of the standard library that can be read or written has a component', () => {
    const missing: string[] = [];
    for (const app of registry.apps()) {
      for (const a of registry.actionsOf(app)) {
        const found = a.role === 'read' ? sourceComponent(app.kind, a.name) : destComponent(app.kind, a.name);
        if (!found) missing.push(`${a.role} ${a.qualifiedName}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('an exact APPKIND:ACTION entry wins over the kind-wide one; an unknown kind has none', () => {
    const wide = { open: () => ({}) as never };
    const exact = { open: () => ({}) as never };
    expect(sourceComponent('http', 'persons', { http: wide, 'http:persons': exact })).toBe(exact);
    expect(sourceComponent('http', 'deals', { http: wide, 'http:persons': exact })).toBe(wide);
    expect(sourceComponent('ftp', 'files', SOURCES)).toBeUndefined();
    expect(destComponent('ftp', 'files', DESTINATIONS)).toBeUndefined();
  });

  it('a kind without a component is a clear error (SL7020), not a crash', () => {
    const { app, action } = resolved('file.jsonl', 'read');
    const unknown = { ...app, kind: 'ftp' } as unknown as AppDef;
    const err = (() => {
      try {
        openSource({ app: unknown, action, ref: ref('file.jsonl'), options: {}, query: {}, since: null }, ctx(tmpdir()));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as SluiceError).code).toBe('SL7020');
    expect(() => openDestination({ app: unknown, action: resolved('file.jsonl', 'write').action, ref: ref('file.jsonl'), options: {}, run: { incremental: false, started: new Date() } }, ctx(tmpdir()))).toThrow(/cannot be written/);
  });

  it('file.jsonl: the source reads a file the destination wrote, with options resolved against the working folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-components-'));
    const w = resolved('file.jsonl', 'write');
    const dest = openDestination({ ...w, ref: ref('file.jsonl'), options: { path: 'out/{run_started}.jsonl' }, run: { incremental: false, started: new Date('2026-01-02T03:04:05Z') } }, ctx(dir));
    expect(dest.durability).toBe('commit');
    await dest.write([{ id: 1 }, { id: 2 }]);
    await dest.commit();
    const written = join(dir, 'out', '20260102T030405Z.jsonl');
    expect(readFileSync(written, 'utf8').trim().split('\n')).toHaveLength(2);

    const r = resolved('file.jsonl', 'read');
    const source = openSource({ ...r, ref: ref('file.jsonl'), options: { path: 'out/20260102T030405Z.jsonl' }, query: {}, since: null }, ctx(dir));
    const got: Rec[] = [];
    for await (const page of source.pages()) got.push(...page);
    expect(got).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('a dry run of a component that cannot preview writes nothing and says what it would write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-components-'));
    const lines: string[] = [];
    const w = resolved('file.csv', 'write');
    const dest = openDestination({ ...w, ref: ref('file.csv'), options: { path: 'x.csv' }, run: { incremental: false, started: new Date() } }, ctx(dir, { dryRun: true, log: (l) => lines.push(l) }));
    const res = await dest.write([{ a: 1 }]);
    await dest.commit();
    expect(res.accepted).toHaveLength(1);
    expect(existsSync(join(dir, 'x.csv'))).toBe(false);
    expect(lines).toEqual(['would write to file.csv: {"a":1}']);
  });

  it('HTTP apps go through the process HTTP stack, which previews its own dry runs', () => {
    const calls: string[] = [];
    const http = {
      source: () => (calls.push('source'), { describe: 'GET /persons', pages: async function* () {} }),
      destination: (_r: unknown, _a: unknown, o: { dryRun: boolean }) => (calls.push(`destination dry=${o.dryRun}`), { describe: 'POST /persons' }),
    } as unknown as HttpIo;
    const src = resolved('pipedrive.persons', 'read');
    openSource({ ...src, ref: ref('pipedrive.persons'), options: {}, query: {}, since: null }, ctx(tmpdir(), { http }));
    const dst = resolved('pipedrive.persons', 'write');
    openDestination({ ...dst, ref: ref('pipedrive.persons'), options: {}, run: { incremental: false, started: new Date() } }, ctx(tmpdir(), { http, dryRun: true }));
    expect(calls).toEqual(['source', 'destination dry=true']);
  });
});

it('file.csv: without `as { ... }` the header names the fields and cells stay text', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-components-'));
  writeFileSync(join(dir, 'in.csv'), 'id,name\n1,Ada\n');
  const r = resolved('file.csv', 'read');
  const source = openSource({ ...r, ref: ref('file.csv'), options: { path: 'in.csv' }, query: {}, since: null }, ctx(dir));
  const got: Rec[] = [];
  for await (const page of source.pages()) got.push(...page);
  expect(got).toEqual([{ id: '1', name: 'Ada' }]);
});
