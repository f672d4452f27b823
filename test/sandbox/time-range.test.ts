// A v2 list sorted by update time answers a time range (updated_since inclusive, updated_until
// exclusive) by binary search over one sorted list: exactly the records a filter would keep, in
// the list's order, whatever the times, ties and bounds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { timeRange } from '../../src/sandbox/routes/v2/list.js';

describe('v2 time ranges by binary search', () => {
  it('keeps exactly the records a filter keeps, in order, ascending and descending', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 60 }),
        fc.option(fc.integer({ min: -2, max: 32 }), { nil: undefined }),
        fc.option(fc.integer({ min: -2, max: 32 }), { nil: undefined }),
        fc.constantFrom('asc' as const, 'desc' as const),
        (times, since, until, direction) => {
          const sign = direction === 'asc' ? 1 : -1;
          const sorted = times.map((t, id) => ({ id, add_time: 0, update_time: t })).sort((a, b) => (a.update_time - b.update_time || a.id - b.id) * sign);
          const filtered = sorted.filter((r) => (since === undefined || r.update_time >= since) && (until === undefined || r.update_time < until));
          expect(timeRange(sorted, since, until, direction)).toEqual(filtered);
        },
      ),
      { numRuns: 500 },
    );
  });
});
