// `sluice cache clear|stats`: the seed's "clear the Temp and Cache files" fix as a command, and a
// look at what is there. The state database is not cache and is never touched here.
import { relative } from 'node:path';
import { dataDir } from '../../util/paths.js';
import { formatOption, outputFormat, type Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { errColors, outColors, type CliIO } from '../io.js';
import { guardedJson } from '../json-errors.js';

export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  do {
    v /= 1000;
    u++;
  } while (v >= 1000 && u < units.length - 1);
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

const files = (n: number): string => `${n} ${n === 1 ? 'file' : 'files'}`;

const clear: Command = {
  name: 'cache clear',
  summary: 'remove the cache and temp files, and empty the lookup caches of running processes',
  usage: 'cache clear [--format text|json]',
  options: { format: formatOption },
  details: [
    'Removes everything in $SLUICE_HOME/cache and $SLUICE_HOME/tmp (default .sluice/), except temp files',
    'that a live Sluice process is writing. Running processes (the agent) drop their in-memory lookup caches',
    'at their next lookup. Watermarks and run history (state.db) are kept: to make a flow start over, use',
    '`sluice state reset FLOW`.',
  ].join('\n'),
  async run(args, io) {
    const format = outputFormat(args);
    return guardedJson(io, format, async () => {
      const { clearCache } = await import('../../runtime/cache/diskCache.js');
      const home = dataDir(io.env, io.cwd);
      const r = clearCache(home);
      if (format === 'json') {
        io.stdout.write(
          `${JSON.stringify(
            {
              ok: r.failed.length === 0,
              home,
              removed_files: r.removedFiles,
              removed_bytes: r.removedBytes,
              entries_in_memory: r.entriesInMemory,
              cache: r.cache,
              tmp: r.tmp,
              skipped: r.skipped,
              failed: r.failed,
            },
            null,
            2,
          )}\n`,
        );
        return r.failed.length ? EXIT.failed : EXIT.ok;
      }
      const rel = (p: string) => relative(home, p);
      io.stdout.write(
        r.removedFiles === 0
          ? `Nothing to remove in ${home}.\n`
          : `Removed ${files(r.removedFiles)} (${bytes(r.removedBytes)}) from ${home}: ${files(r.cache.files)} of cache (${bytes(r.cache.bytes)}), ${files(r.tmp.files)} of temp (${bytes(r.tmp.bytes)}).\n`,
      );
      for (const s of r.skipped) io.stdout.write(`Kept ${rel(s.path)}: ${s.reason}.\n`);
      io.stdout.write('Running Sluice processes empty their in-memory lookup caches at their next lookup.\n');
      if (r.failed.length) {
        const e = errColors(io);
        for (const f of r.failed) io.stderr.write(`${e.red('error')}: could not remove ${f.path} (${f.error})\n`);
        io.stderr.write(`${e.dim('hint:')} check the permissions of ${home}.\n`);
        return EXIT.failed;
      }
      return EXIT.ok;
    });
  },
};

const stats: Command = {
  name: 'cache stats',
  summary: 'show how many cache and temp files there are, and their size',
  usage: 'cache stats [--format text|json]',
  options: { format: formatOption },
  details: 'Lookup results are also cached in the memory of each running process (an LRU with a TTL); a CLI process starts with none.',
  async run(args, io) {
    const format = outputFormat(args);
    return guardedJson(io, format, async () => {
      const { cacheStats, cacheDir, tmpDir } = await import('../../runtime/cache/diskCache.js');
      const home = dataDir(io.env, io.cwd);
      const s = cacheStats(home);
      if (format === 'json') {
        io.stdout.write(`${JSON.stringify({ home, exists: s.exists, cache: s.cache, tmp: { files: s.tmp.files, bytes: s.tmp.bytes, in_use: s.tmp.inUse }, memory: s.memory }, null, 2)}\n`);
        return EXIT.ok;
      }
      const c = outColors(io);
      const lines = [`${c.bold('cache')}  ${cacheDir(home)}: ${files(s.cache.files)}, ${bytes(s.cache.bytes)}`];
      for (const [ns, u] of Object.entries(s.cache.namespaces).sort(([a], [b]) => a.localeCompare(b))) lines.push(`  ${ns}: ${files(u.files)}, ${bytes(u.bytes)}`);
      lines.push(`${c.bold('tmp')}    ${tmpDir(home)}: ${files(s.tmp.files)}, ${bytes(s.tmp.bytes)}${s.tmp.inUse ? ` (${s.tmp.inUse} being written)` : ''}`);
      lines.push(
        s.memory
          ? `${c.bold('memory')} ${s.memory.entries} of ${s.memory.max} lookups, ${s.memory.hits} hits, ${s.memory.misses} misses`
          : `${c.bold('memory')} lookup caches live in each running process; this one has none`,
      );
      io.stdout.write(`${lines.join('\n')}\n`);
      return EXIT.ok;
    });
  },
};

export const commands: Command[] = [clear, stats];
