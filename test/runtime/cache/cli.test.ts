// `sluice cache clear|stats` as a process. Runs the built bundle (`node scripts/build.mjs` first).
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskCache, tempFile } from '../../../src/runtime/cache/diskCache.js';
import { cacheDir, tmpDir } from '../../../src/runtime/cache/paths.js';
import { runSluice, tempDir } from '../../helpers/cli.js';
import { deadPid } from '../../state/helpers.js';

function populated() {
  const cwd = tempDir('sluice-proj-');
  const home = join(cwd, '.sluice');
  const disk = new DiskCache(home);
  disk.set('schemas', 'pipedrive/persons', { fields: ['id'] });
  disk.set('schemas', 'pipedrive/deals', { fields: ['id', 'title'] });
  mkdirSync(tmpDir(home), { recursive: true });
  writeFileSync(join(tmpDir(home), `persons.jsonl.${deadPid()}.a1b2c3.tmp`), 'half a file');
  writeFileSync(join(home, 'state.db'), 'state stays');
  return { cwd, home, env: { SLUICE_HOME: home } };
}

describe('sluice cache', () => {
  it('clear removes the cache and temp files and says what it removed', async () => {
    const p = populated();
    const r = await runSluice(['cache', 'clear'], p);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Removed 3 files \\(\\d+ B\\) from ${p.home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 2 files of cache \\(\\d+ B\\), 1 file of temp \\(11 B\\)\\.\\n`));
    expect(r.stdout).toContain('Running Sluice processes empty their in-memory lookup caches at their next lookup.');
    expect(readdirSync(cacheDir(p.home))).toEqual(['.generation']);
    expect(readdirSync(tmpDir(p.home))).toEqual([]);
    expect(existsSync(join(p.home, 'state.db'))).toBe(true);
    const again = await runSluice(['cache', 'clear'], p);
    expect(again.stdout).toMatch(/^Nothing to remove in /);
  });

  it('clear --format json reports counts, bytes and files kept for a live process', async () => {
    const p = populated();
    // This test process is alive: its temp file must survive.
    const live = tempFile(p.home, 'deals.csv');
    writeFileSync(live, 'being written');
    const r = await runSluice(['cache', 'clear', '--format', 'json'], p);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, home: p.home, removed_files: 3, entries_in_memory: 0, tmp: { files: 1, bytes: 11 }, failed: [] });
    expect(j.removed_bytes).toBe(j.cache.bytes + 11);
    expect(j.skipped).toEqual([{ path: live, reason: `being written by process ${process.pid}` }]);
    expect(existsSync(live)).toBe(true);
  });

  it('stats counts files per folder and namespace', async () => {
    const p = populated();
    const j = JSON.parse((await runSluice(['cache', 'stats', '--format', 'json'], p)).stdout);
    expect(j).toMatchObject({ home: p.home, exists: true, cache: { files: 2, namespaces: { schemas: { files: 2 } } }, tmp: { files: 1, bytes: 11, in_use: 0 }, memory: null });
    const t = await runSluice(['cache', 'stats'], p);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain(`cache  ${cacheDir(p.home)}: 2 files`);
    expect(t.stdout).toContain('  schemas: 2 files');
    expect(t.stdout).toContain(`tmp    ${tmpDir(p.home)}: 1 file, 11 B`);
  });

  it('without a data folder: nothing to do, nothing created', async () => {
    const cwd = tempDir();
    const env = { SLUICE_HOME: join(cwd, '.sluice') };
    const c = await runSluice(['cache', 'clear'], { cwd, env });
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/^Nothing to remove in /);
    const s = JSON.parse((await runSluice(['cache', 'stats', '--format', 'json'], { cwd, env })).stdout);
    expect(s).toMatchObject({ exists: false, cache: { files: 0 }, tmp: { files: 0 } });
    expect(existsSync(join(cwd, '.sluice'))).toBe(false);
  });

  it('help and usage errors', async () => {
    const cwd = tempDir();
    const env = { SLUICE_HOME: join(cwd, '.sluice') };
    const group = await runSluice(['cache', '--help'], { cwd, env });
    expect(group.code).toBe(0);
    expect(group.stdout).toContain('cache clear');
    expect(group.stdout).toContain('cache stats');
    const help = await runSluice(['cache', 'clear', '--help'], { cwd, env });
    expect(help.stdout).toContain('Watermarks and run history (state.db) are kept');
    const bad = await runSluice(['cache', 'clear', 'now'], { cwd, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('takes no argument `now`');
    const fmt = await runSluice(['cache', 'stats', '--format', 'xml'], { cwd, env });
    expect(fmt.code).toBe(2);
  });
});
