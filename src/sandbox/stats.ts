// Counters that tests and benchmarks read: how many requests, which answers, which paths.

export interface SandboxStats {
  requests: number;
  byStatus: Record<string, number>;
  /** 429 answers (burst or daily budget). */
  rateLimited: number;
  /** Keyed "METHOD /path" (path without the query string, as requested). */
  byPath: Record<string, number>;
  faults: { failed: number; reset: number; malformed: number };
  /** Records returned in list pages (`data` arrays), for throughput figures. */
  recordsServed: number;
}

export function emptyStats(): SandboxStats {
  return { requests: 0, byStatus: {}, rateLimited: 0, byPath: {}, faults: { failed: 0, reset: 0, malformed: 0 }, recordsServed: 0 };
}

export class StatsCounter {
  private s = emptyStats();

  count(method: string, path: string, status: number): void {
    const s = this.s;
    s.requests++;
    s.byStatus[status] = (s.byStatus[status] ?? 0) + 1;
    if (status === 429) s.rateLimited++;
    const key = `${method} ${path}`;
    s.byPath[key] = (s.byPath[key] ?? 0) + 1;
  }

  fault(kind: 'failed' | 'reset' | 'malformed'): void {
    this.s.faults[kind]++;
  }

  records(n: number): void {
    this.s.recordsServed += n;
  }

  snapshot(): SandboxStats {
    return structuredClone(this.s);
  }

  reset(): void {
    this.s = emptyStats();
  }
}
