// A snapshot of the loaded standard library, so that a command does not validate and resolve every
// definition file again at each start (about 25 ms of a 150 ms `sluice check`). The snapshot is
// keyed by the path, size and modification time of every file under the stdlib folder and by the
// loader's version: any edit to a definition makes the next start load (and validate) it fully.
// It is only a cache: a missing, stale, unreadable or unwritable snapshot changes nothing else.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { homedir } from 'node:os';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { LoadedStdlib } from './load.js';

/** Bump when the shape of LoadedStdlib changes, so old snapshots are ignored. */
const SNAPSHOT_FORMAT = 2;

function fingerprint(dir: string): string {
  const h = createHash('sha256').update(`${SNAPSHOT_FORMAT}\0${dir}\0`);
  const walk = (d: string) => {
    // Code-unit order, not localeCompare: the key only needs a stable order, and collation would load
    // ICU's data (several MB of resident memory) into every run.
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = statSync(p);
        h.update(`${relative(dir, p)}\0${st.size}\0${st.mtimeMs}\0`);
      }
    }
  };
  walk(dir);
  return h.digest('hex').slice(0, 32);
}

/**
 * Where snapshots go: the user's own cache folder (the package folder may be read-only). Never a
 * shared temp folder: a snapshot planted by another user could point an app at another host and
 * collect tokens.
 */
function snapshotDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'sluice');
}
const snapshotPath = (key: string): string => join(snapshotDir(), `stdlib-${key}.json`);

/** Only a snapshot this user wrote is trusted. */
function ownedByMe(path: string): boolean {
  const uid = process.getuid?.();
  return uid === undefined || statSync(path).uid === uid;
}

export function readSnapshot(dir: string): { key: string; loaded?: LoadedStdlib } {
  let key: string;
  try {
    key = fingerprint(dir);
  } catch {
    return { key: '' };
  }
  try {
    if (!ownedByMe(snapshotPath(key))) return { key };
    const data = JSON.parse(readFileSync(snapshotPath(key), 'utf8')) as LoadedStdlib & { key: string };
    if (data.key === key && data.stdlibDir === dir) return { key, loaded: data };
  } catch {
    // No snapshot yet, or a broken one: load fully.
  }
  return { key };
}

export function writeSnapshot(key: string, loaded: LoadedStdlib): void {
  if (!key) return;
  try {
    mkdirSync(snapshotDir(), { recursive: true, mode: 0o700 });
    writeFileAtomic(snapshotPath(key), JSON.stringify({ ...loaded, key }), { mode: 0o600 });
  } catch {
    // A read-only temp folder only costs the next start its full load.
  }
}
