// The cache and temp files on disk, under `$SLUICE_HOME`:
//   cache/<namespace>/<hash>.json   JSON entries with an optional expiry (discovered schemas, ...)
//   tmp/<prefix>.<pid>.<random>.tmp files being written (a destination's output before its rename)
// and `clearCache`, the seed's "clear the Temp and Cache files" as one call: it empties both folders
// and the in-process lookup cache, and tells long-running processes to empty theirs.
//
// Temp file names carry the PID of the process writing them, so that clearing never pulls a file
// from under a live run: the rename at its commit would fail and the run with it.
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { basename, isAbsolute, join, relative } from 'node:path';
import { tempOwner, writeFileAtomic } from '../../util/atomic-write.js';
import { ensureHome } from '../../state/home.js';
import { existingLookupCache, type LookupCacheStats } from './lookup.js';

/** What clearing and stats need of a lookup cache, whatever its value type. */
export interface LookupCacheControl {
  clear(): number;
  stats(): LookupCacheStats;
}
import { cacheDir, generationFile, tmpDir } from './paths.js';
import { pidAlive } from '../../util/process.js';

export { cacheDir, tmpDir } from './paths.js';

const ENTRY_FORMAT = 1;
const NAMESPACE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** `<anything>.<pid>.<random>.tmp`: tempFile() names and atomic-write.ts's `.<name>.<pid>.<hex>.tmp`. */
const PID_IN_NAME = /\.(\d{1,10})\.[0-9a-z]+\.tmp$/i;
/** A file with no PID in its name that was modified this recently may be being written. */
export const DEFAULT_GRACE_MS = 5_000;
/** After this long a "live" PID in a name is more likely a reused one than the writer still at work. */
export const DEFAULT_MAX_HOLD_MS = 24 * 60 * 60_000;

interface Entry {
  format: number;
  key: string;
  created_at: string;
  expires_at: string | null;
  value: unknown;
}

function checkNamespace(ns: string): void {
  if (!NAMESPACE.test(ns)) throw new Error(`disk cache namespace must be lower-case letters, digits, _ and -: ${JSON.stringify(ns)}`);
}

export class DiskCache {
  private readonly now: () => number;

  constructor(
    readonly home: string,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Keys are hashed into file names: any text is a valid key, and none ends up in a path. */
  pathFor(namespace: string, key: string): string {
    checkNamespace(namespace);
    return join(cacheDir(this.home), namespace, `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.json`);
  }

  /** The value, or undefined when absent, expired or unreadable (a broken entry is removed: it is only a cache). */
  get<T = unknown>(namespace: string, key: string): T | undefined {
    const path = this.pathFor(namespace, key);
    let entry: Entry;
    try {
      entry = JSON.parse(readFileSync(path, 'utf8')) as Entry;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') rmQuiet(path);
      return undefined;
    }
    if (entry?.format !== ENTRY_FORMAT || entry.key !== key) {
      rmQuiet(path);
      return undefined;
    }
    if (entry.expires_at !== null && Date.parse(entry.expires_at) <= this.now()) {
      rmQuiet(path);
      return undefined;
    }
    return entry.value as T;
  }

  /** Writes an entry atomically (temp file + rename): readers see the old entry or the new one. */
  set(namespace: string, key: string, value: unknown, options: { ttlMs?: number } = {}): string {
    const path = this.pathFor(namespace, key);
    if (value === undefined) throw new Error('DiskCache cannot hold undefined');
    ensureHome(this.home);
    const now = this.now();
    const entry: Entry = {
      format: ENTRY_FORMAT,
      key,
      created_at: new Date(now).toISOString(),
      expires_at: options.ttlMs === undefined ? null : new Date(now + options.ttlMs).toISOString(),
      value,
    };
    writeFileAtomic(path, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    return path;
  }

  delete(namespace: string, key: string): boolean {
    try {
      unlinkSync(this.pathFor(namespace, key));
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * A fresh path in `$SLUICE_HOME/tmp` for a file to be written and then renamed into place. The
 * folder is created; the file is not. Its name carries this process's PID (see clearCache).
 */
export function tempFile(home: string, prefix: string): string {
  ensureHome(home);
  const dir = tmpDir(home);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const safe = prefix.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'sluice';
  return join(dir, `${safe}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function rmQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone, or not ours to remove: either way it is no longer read.
  }
}


export interface FolderUsage {
  files: number;
  bytes: number;
}

export interface ClearReport {
  home: string;
  removedFiles: number;
  removedBytes: number;
  /** Entries dropped from this process's lookup cache (other processes drop theirs at their next lookup). */
  entriesInMemory: number;
  cache: FolderUsage;
  tmp: FolderUsage;
  /** Files left because a live process is writing them. */
  skipped: { path: string; reason: string }[];
  /** Files that could not be removed (permissions). */
  failed: { path: string; error: string }[];
}

interface WalkedFile {
  path: string;
  size: number;
  mtimeMs: number;
  name: string;
}

/** Files and symlinks under `dir` (symlinks are not followed: clearing must stay inside the folder), deepest folders last. */
function walk(dir: string, files: WalkedFile[], dirs: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    let st;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      walk(path, files, dirs);
      dirs.push(path);
    } else {
      files.push({ path, size: st.isSymbolicLink() ? 0 : st.size, mtimeMs: st.mtimeMs, name });
    }
  }
}

/** Why a file must stay, or undefined when it can go. */
function holdReason(f: WalkedFile, now: number, graceMs: number, maxHoldMs: number): string | undefined {
  const age = now - f.mtimeMs;
  const m = PID_IN_NAME.exec(f.name);
  if (m) {
    const pid = Number(m[1]);
    if (age < maxHoldMs && pidAlive(pid)) return `being written by process ${pid}`;
    return undefined;
  }
  if (f.name.endsWith('.tmp') && age < graceMs) return 'being written (modified just now)';
  return undefined;
}

/**
 * A note `output.<pid>.<hex>.tmp` that a file destination leaves in `$SLUICE_HOME/tmp` names the
 * temp file it writes beside its output; once the note may go (its process is gone), so may that
 * file. Only a temp-file name of the same process is followed, never an arbitrary path.
 */
function outputTempOf(note: WalkedFile): string | null {
  const m = /^output\.(\d{1,10})\.[0-9a-f]+\.tmp$/.exec(note.name);
  if (!m || note.size > 4096) return null;
  let target: string;
  try {
    target = readFileSync(note.path, 'utf8');
  } catch {
    return null;
  }
  const owner = tempOwner(basename(target));
  return isAbsolute(target) && owner === Number(m[1]) ? target : null;
}

export interface ClearOptions {
  /** The lookup cache to empty; default: this process's, if it has one. */
  lookup?: LookupCacheControl;
  now?: () => number;
  graceMs?: number;
  maxHoldMs?: number;
}

/**
 * Empties `$SLUICE_HOME/cache` and `$SLUICE_HOME/tmp` (files of live processes excepted) and the
 * in-process lookup cache, then writes a new cache generation so that running processes (the agent)
 * drop their lookup caches too. The state database is not touched: it is state, not cache.
 */
export function clearCache(home: string, options: ClearOptions = {}): ClearReport {
  const now = (options.now ?? Date.now)();
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const maxHoldMs = options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS;
  const report: ClearReport = {
    home,
    removedFiles: 0,
    removedBytes: 0,
    entriesInMemory: 0,
    cache: { files: 0, bytes: 0 },
    tmp: { files: 0, bytes: 0 },
    skipped: [],
    failed: [],
  };
  const generation = generationFile(home);
  for (const [root, usage] of [
    [cacheDir(home), report.cache],
    [tmpDir(home), report.tmp],
  ] as const) {
    const files: WalkedFile[] = [];
    const dirs: string[] = [];
    walk(root, files, dirs);
    for (const f of files) {
      if (f.path === generation) continue;
      const reason = holdReason(f, now, graceMs, maxHoldMs);
      if (reason) {
        report.skipped.push({ path: f.path, reason });
        continue;
      }
      const output = root === tmpDir(home) ? outputTempOf(f) : null;
      if (output) {
        try {
          const size = statSync(output).size;
          unlinkSync(output);
          usage.files++;
          usage.bytes += size;
        } catch {
          // Already renamed into place or removed: only the note is left.
        }
      }
      try {
        unlinkSync(f.path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') report.failed.push({ path: f.path, error: code ?? String(err) });
        continue;
      }
      usage.files++;
      usage.bytes += f.size;
    }
    // Namespace folders go too when empty; a folder still holding a skipped file stays.
    for (const d of dirs) {
      try {
        rmdirSync(d);
      } catch {
        // Not empty: it holds a file in use.
      }
    }
  }
  report.removedFiles = report.cache.files + report.tmp.files;
  report.removedBytes = report.cache.bytes + report.tmp.bytes;
  report.entriesInMemory = (options.lookup ?? existingLookupCache())?.clear() ?? 0;
  if (dirExists(home)) {
    try {
      writeFileAtomic(generation, `${new Date(now).toISOString()} ${randomBytes(8).toString('hex')}\n`);
    } catch (err) {
      report.failed.push({ path: generation, error: (err as NodeJS.ErrnoException).code ?? String(err) });
    }
  }
  return report;
}

function dirExists(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export interface CacheStats {
  home: string;
  exists: boolean;
  cache: FolderUsage & { namespaces: Record<string, FolderUsage> };
  tmp: FolderUsage & { inUse: number };
  /** This process's lookup cache; null when it has none (a CLI process never does). */
  memory: LookupCacheStats | null;
}

export function cacheStats(home: string, options: { lookup?: LookupCacheControl; now?: () => number } = {}): CacheStats {
  const now = (options.now ?? Date.now)();
  const stats: CacheStats = {
    home,
    exists: dirExists(home),
    cache: { files: 0, bytes: 0, namespaces: {} },
    tmp: { files: 0, bytes: 0, inUse: 0 },
    memory: (options.lookup ?? existingLookupCache())?.stats() ?? null,
  };
  const files: WalkedFile[] = [];
  walk(cacheDir(home), files, []);
  const generation = generationFile(home);
  for (const f of files) {
    if (f.path === generation) continue;
    stats.cache.files++;
    stats.cache.bytes += f.size;
    const rel = relative(cacheDir(home), f.path).split(/[\\/]/);
    const ns = rel.length > 1 ? rel[0] : '(top)';
    const u = (stats.cache.namespaces[ns] ??= { files: 0, bytes: 0 });
    u.files++;
    u.bytes += f.size;
  }
  const tmp: WalkedFile[] = [];
  walk(tmpDir(home), tmp, []);
  for (const f of tmp) {
    stats.tmp.files++;
    stats.tmp.bytes += f.size;
    if (holdReason(f, now, DEFAULT_GRACE_MS, DEFAULT_MAX_HOLD_MS)) stats.tmp.inUse++;
  }
  return stats;
}
