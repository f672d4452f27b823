// The stdlib snapshot is a cache only: it is used when nothing changed and ignored otherwise.
import { cpSync, mkdtempSync, readFileSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRegistry, defaultStdlibDir } from '../../src/apps/index.js';
import { readSnapshot } from '../../src/apps/snapshot.js';

describe('stdlib snapshot', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), 'sluice-cache-'));
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
  });

  it('is written by a full load and read back equal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-stdlib-'));
    cpSync(defaultStdlibDir(), dir, { recursive: true });
    expect(readSnapshot(dir).loaded).toBeUndefined();
    const full = loadRegistry({ stdlibDir: dir });
    const snap = readSnapshot(dir).loaded!;
    expect(snap).toBeDefined();
    expect(snap.apps).toEqual(full.apps());
    expect(snap.functions).toEqual(full.functions());
  });

  it('is ignored once a definition changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-stdlib-'));
    cpSync(defaultStdlibDir(), dir, { recursive: true });
    loadRegistry({ stdlibDir: dir });
    expect(readSnapshot(dir).loaded).toBeDefined();
    const file = join(dir, 'pipedrive', 'actions', 'users.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('Finds users by their name.', 'Finds users by name.'));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(readSnapshot(dir).loaded).toBeUndefined();
    const reg = loadRegistry({ stdlibDir: dir, fresh: true });
    expect(reg.action('pipedrive.users.find', 'read')?.help).toBe('Finds users by name.');
  });
});
