import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskCache, cacheStats, clearCache, tempFile } from '../../../src/runtime/cache/diskCache.js';
import { LookupCache } from '../../../src/runtime/cache/lookup.js';
import { cacheDir, generationFile, tmpDir } from '../../../src/runtime/cache/paths.js';
import { tempDir } from '../../helpers/cli.js';
import { deadPid } from '../../state/helpers.js';

function ageFile(path: string, ms: number): void {
  const t = (Date.now() - ms) / 1000;
  utimesSync(path, t, t);
}

describe('DiskCache', () => {
  it('stores JSON entries under cache/<namespace>, with hashed names, and reads them back', () => {
    const home = join(tempDir(), '.sluice');
    const cache = new DiskCache(home);
    const path = cache.set('schemas', 'pipedrive/persons?fields=all', { fields: ['id', 'name'] });
    expect(path.startsWith(join(cacheDir(home), 'schemas'))).toBe(true);
    expect(basename(path)).toMatch(/^[0-9a-f]{40}\.json$/);
    expect(cache.get('schemas', 'pipedrive/persons?fields=all')).toEqual({ fields: ['id', 'name'] });
    expect(cache.get('schemas', 'pipedrive/deals')).toBeUndefined();
    // The data folder was created as for the state store, .gitignore included.
    expect(readFileSync(join(home, '.gitignore'), 'utf8')).toContain('*');
    expect(cache.delete('schemas', 'pipedrive/persons?fields=all')).toBe(true);
    expect(cache.get('schemas', 'pipedrive/persons?fields=all')).toBeUndefined();
  });

  it('expires entries and removes broken ones', () => {
    let now = Date.parse('2026-01-05T10:00:00Z');
    const home = tempDir();
    const cache = new DiskCache(home, { now: () => now });
    const path = cache.set('schemas', 'k', 1, { ttlMs: 1000 });
    now += 999;
    expect(cache.get('schemas', 'k')).toBe(1);
    now += 1;
    expect(cache.get('schemas', 'k')).toBeUndefined();
    expect(existsSync(path)).toBe(false);
    const broken = cache.set('schemas', 'b', 2);
    writeFileSync(broken, '{"format":1,"key":"b","val');
    expect(cache.get('schemas', 'b')).toBeUndefined();
    expect(existsSync(broken)).toBe(false);
  });

  it('refuses namespaces that could leave the folder', () => {
    const cache = new DiskCache(tempDir());
    expect(() => cache.set('../x', 'k', 1)).toThrow('namespace');
    expect(() => cache.get('A', 'k')).toThrow('namespace');
  });
});

describe('tempFile', () => {
  it('is a fresh path in $SLUICE_HOME/tmp whose name carries this PID', () => {
    const home = tempDir();
    const a = tempFile(home, 'out/persons.jsonl');
    const b = tempFile(home, 'out/persons.jsonl');
    expect(a).not.toBe(b);
    expect(a.startsWith(tmpDir(home))).toBe(true);
    expect(basename(a)).toMatch(new RegExp(`^out-persons-jsonl\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
    expect(existsSync(a)).toBe(false);
    expect(existsSync(tmpDir(home))).toBe(true);
  });
});

describe('clearCache', () => {
  it('removes cache and temp files, reports counts and bytes, and empties the lookup cache', () => {
    const home = tempDir();
    const disk = new DiskCache(home);
    disk.set('schemas', 'a', 'x'.repeat(100));
    disk.set('schemas', 'b', 1);
    disk.set('other', 'c', 2);
    mkdirSync(tmpDir(home), { recursive: true });
    const stale = join(tmpDir(home), `persons.${deadPid()}.abcdef.tmp`);
    writeFileSync(stale, '12345');
    const noPid = join(tmpDir(home), 'leftover.tmp');
    writeFileSync(noPid, '123');
    ageFile(noPid, 60_000);
    const state = join(home, 'state.db');
    writeFileSync(state, 'not touched');
    const cacheBytes = ['schemas', 'other']
      .flatMap((ns) => readdirSync(join(cacheDir(home), ns)).map((f) => join(cacheDir(home), ns, f)))
      .reduce((n, f) => n + statSync(f).size, 0);
    const lookup = new LookupCache<number>();
    lookup.set('k1', 1);
    lookup.set('k2', 2);

    const r = clearCache(home, { lookup });
    expect(r).toMatchObject({ removedFiles: 5, removedBytes: cacheBytes + 8, entriesInMemory: 2, cache: { files: 3, bytes: cacheBytes }, tmp: { files: 2, bytes: 8 }, skipped: [], failed: [] });
    expect(readdirSync(cacheDir(home))).toEqual(['.generation']);
    expect(readdirSync(tmpDir(home))).toEqual([]);
    expect(readFileSync(state, 'utf8')).toBe('not touched');
    expect(lookup.get('k1')).toBeUndefined();
    // Nothing left: a second clear removes nothing.
    expect(clearCache(home, { lookup })).toMatchObject({ removedFiles: 0, removedBytes: 0, entriesInMemory: 0 });
  });

  it('keeps temp files a live process is writing; removes old ones whose PID is likely reused', () => {
    const home = tempDir();
    const live = tempFile(home, 'persons.jsonl');
    writeFileSync(live, 'in progress');
    const ancient = join(tmpDir(home), `old.${process.pid}.0123ab.tmp`);
    writeFileSync(ancient, 'x');
    ageFile(ancient, 2 * 24 * 60 * 60_000);
    const justNow = join(tmpDir(home), 'someone-writing.tmp');
    writeFileSync(justNow, 'y');
    // An atomic write in progress in the cache folder (util/atomic-write.ts's naming).
    mkdirSync(join(cacheDir(home), 'schemas'), { recursive: true });
    const partial = join(cacheDir(home), 'schemas', `.abc.json.${process.pid}.deadbeef.tmp`);
    writeFileSync(partial, '{');

    const r = clearCache(home, { lookup: new LookupCache() });
    expect(r.skipped.map((s) => s.path).sort()).toEqual([live, justNow, partial].sort());
    expect(r.skipped.find((s) => s.path === live)?.reason).toBe(`being written by process ${process.pid}`);
    expect(r.removedFiles).toBe(1);
    expect(existsSync(live) && existsSync(justNow) && existsSync(partial)).toBe(true);
    expect(existsSync(ancient)).toBe(false);
    // The namespace folder that still holds a file stays.
    expect(existsSync(join(cacheDir(home), 'schemas'))).toBe(true);
  });

  it('does not follow symlinks out of the folder', () => {
    const home = tempDir();
    const outside = join(tempDir(), 'precious.txt');
    writeFileSync(outside, 'keep me');
    const outsideDir = tempDir();
    writeFileSync(join(outsideDir, 'a.json'), 'keep me too');
    mkdirSync(cacheDir(home), { recursive: true });
    symlinkSync(outside, join(cacheDir(home), 'link.json'));
    symlinkSync(outsideDir, join(cacheDir(home), 'linkdir'));
    const r = clearCache(home, { lookup: new LookupCache() });
    expect(r.cache.files).toBe(2);
    expect(readFileSync(outside, 'utf8')).toBe('keep me');
    expect(readFileSync(join(outsideDir, 'a.json'), 'utf8')).toBe('keep me too');
  });

  it('creates nothing when there is no data folder', () => {
    const home = join(tempDir(), 'absent');
    expect(clearCache(home, { lookup: new LookupCache() })).toMatchObject({ removedFiles: 0, failed: [] });
    expect(existsSync(home)).toBe(false);
  });

  it('writes a new generation each time', () => {
    const home = tempDir();
    clearCache(home, { lookup: new LookupCache() });
    const first = readFileSync(generationFile(home), 'utf8');
    clearCache(home, { lookup: new LookupCache() });
    expect(readFileSync(generationFile(home), 'utf8')).not.toBe(first);
  });
});

describe('cacheStats', () => {
  it('counts files and bytes per namespace and temp files in use', () => {
    const home = tempDir();
    const disk = new DiskCache(home);
    disk.set('schemas', 'a', 1);
    disk.set('schemas', 'b', 2);
    writeFileSync(tempFile(home, 'x'), 'abc');
    writeFileSync(join(tmpDir(home), `y.${deadPid()}.1.tmp`), 'de');
    const lookup = new LookupCache<number>();
    lookup.set('k', 1);
    const s = cacheStats(home, { lookup });
    expect(s.exists).toBe(true);
    expect(s.cache.files).toBe(2);
    expect(s.cache.namespaces.schemas.files).toBe(2);
    expect(s.cache.bytes).toBe(s.cache.namespaces.schemas.bytes);
    expect(s.tmp).toEqual({ files: 2, bytes: 5, inUse: 1 });
    expect(s.memory).toMatchObject({ entries: 1 });
    expect(cacheStats(join(home, 'none'), { lookup })).toMatchObject({ exists: false, cache: { files: 0 }, tmp: { files: 0 } });
  });
});
