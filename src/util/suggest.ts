// "Did you mean" by edit distance, the way compilers and linters do it: only offer a name that is
// close relative to its length, so that a wild guess is not presented as a fix.

/** Optimal-string-alignment distance: insert, delete, substitute, or swap two neighbours (`naem`). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  let before = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      cur[j] = d;
    }
    [before, prev, cur] = [prev, cur, before];
  }
  return prev[n];
}

/** The closest candidate to `name`, or undefined when none is close enough to be a likely typo. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    if (c === name) continue;
    // The distance is at least the difference in length; past the limit it cannot be a typo, and
    // skipping it keeps a huge name from costing length x length steps.
    if (Math.abs(c.length - name.length) > Math.max(1, Math.floor(Math.max(name.length, c.length) / 3))) continue;
    const d = c.toLowerCase() === lower ? 0.5 : editDistance(lower, c.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(name.length, best.length) / 3));
  return bestScore <= limit ? best : undefined;
}

const stem = (s: string): string => s.toLowerCase().replace(/_/g, '');

/**
 * A candidate that `name` spells out or abbreviates (`lowercase` for `lower`, `length` for `len`,
 * `tostring` for `to_string`): what edit distance misses when the two differ by a whole word.
 */
export function closestByStem(name: string, candidates: Iterable<string>): string | undefined {
  const n = stem(name);
  let best: string | undefined;
  for (const c of candidates) {
    const s = stem(c);
    if (s.length < 3 || n.length < 3) continue;
    if (s === n || n.startsWith(s) || s.startsWith(n)) {
      if (best === undefined || stem(best).length < s.length) best = c;
    }
  }
  return best === name ? undefined : best;
}
