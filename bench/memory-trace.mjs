// A preload (`node --import bench/memory-trace.mjs ...`) that samples what the process's memory is
// made of every 50 ms, so that a peak RSS can be taken apart rather than guessed at: the bench's
// part 3 uses it with BENCH_MEM_TRACE=1. Written to $MEM_TRACE_OUT (TSV, one sample a line, KB):
// rss, its file-backed part (the node binary's pages and the libraries: not what the run holds) and
// anonymous part, V8's young generation (both semi-spaces), old space (size and used), the rest of
// V8's heap (code, large objects, ...), and external memory (Buffers).
// Plain JS: node loads it before the CLI, without the TypeScript loader.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';

const out = process.env.MEM_TRACE_OUT;
if (out) {
  const started = performance.now();
  const kb = (bytes) => Math.round(bytes / 1024);
  writeFileSync(out, 'ms\trss\tfile\tanon\tyoung\told\told_used\tother_heap\texternal\n');
  const sample = () => {
    let file = 0;
    let anon = 0;
    try {
      const rollup = readFileSync(`/proc/${process.pid}/smaps_rollup`, 'utf8');
      const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
      anon = field('Anonymous');
      file = field('Rss') - anon;
    } catch {
      // Not Linux: the V8 figures still say something.
    }
    const m = process.memoryUsage();
    let young = 0;
    let old = 0;
    let oldUsed = 0;
    let other = 0;
    for (const s of v8.getHeapSpaceStatistics()) {
      if (s.space_name === 'new_space' || s.space_name === 'new_large_object_space') young += s.space_size;
      else if (s.space_name === 'old_space') {
        old += s.space_size;
        oldUsed += s.space_used_size;
      } else other += s.space_size;
    }
    const row = [Math.round(performance.now() - started), kb(m.rss), file, anon, kb(young), kb(old), kb(oldUsed), kb(other), kb(m.external)];
    appendFileSync(out, `${row.join('\t')}\n`);
  };
  setInterval(sample, 50).unref();
  process.on('exit', sample);
}

/** The sample with the highest RSS of a trace written above, as named fields (KB); undefined when empty. */
export function peakOf(text) {
  const [head, ...rows] = text.trim().split('\n');
  const names = head.split('\t');
  let best;
  for (const row of rows) {
    const values = row.split('\t').map(Number);
    if (!best || values[1] > best[1]) best = values;
  }
  return best && Object.fromEntries(names.map((n, i) => [n, best[i]]));
}
