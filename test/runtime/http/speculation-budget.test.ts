// Pages asked for past the end of a collection are real requests: the daily budget counts them like
// any other, so a read with several pages in flight never spends more than Sluice says it did.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetLedger, DailyBudget } from '../../../src/runtime/http/budget.js';
import { clearLimiters, pages } from '../../../src/runtime/http/index.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { action, client, collect, ids, pageable, requestLog } from './helpers.js';

const log = requestLog();
let sb: Sandbox;
beforeAll(async () => {
  clearLimiters();
  sb = await startSandbox({ seed: 5, persons: 1234, plan: 'unlimited', onRequest: log.onRequest });
});
afterAll(() => sb.close());

describe('speculative pages and the daily budget', () => {
  it('charges every page sent, those past the end included, never fewer than reached the server', async () => {
    sb.setFaults({ latencyMs: 30 });
    const budget = new DailyBudget('sandbox', 1_000_000, undefined);
    const a = action('persons', 'v1');
    const persons = { ...pageable(a), tokens: a.tokens };
    const c = client(sb, { plan: 'ultimate', budget });
    const { records } = await collect(pages(c.client, persons, {}, { pageSize: 100, ahead: 8 }));
    // Let the server answer the pages that were cut short, so that its log has them all.
    await sleep(150);
    sb.setFaults({ latencyMs: 0 });
    expect(ids(records)).toEqual(sb.data.persons.all().map((p) => p.id));
    const listed = log.entries.filter((e) => e.path.startsWith('/api/v1/persons'));
    // 13 pages hold the records; the window asked for more past the end, within its bound.
    expect(listed.length).toBeGreaterThan(13);
    expect(listed.length).toBeLessThanOrEqual(13 + 7);
    // A page cut short may be charged and never reach the server: the count errs on the safe side.
    const sent = c.events.filter((e) => e.type === 'request').length;
    expect(sent).toBeGreaterThanOrEqual(listed.length);
    // v1 persons: 20 tokens a page.
    expect(budget.spentHere).toBe(20 * sent);
    expect(budget.spentHere).toBeGreaterThanOrEqual(20 * listed.length);
  });
});

describe('a request aborted before it leaves', () => {
  it('gives its tokens back: nothing reached the server, so nothing is spent', async () => {
    const ctl = new AbortController();
    // The abort comes between the charge and the request being made, as when the end of a
    // collection is answered while a page past it has just been let through by the limiter.
    class AbortingBudget extends DailyBudget {
      override take(...args: Parameters<DailyBudget['take']>): ReturnType<DailyBudget['take']> {
        const charge = super.take(...args);
        ctl.abort();
        return charge;
      }
    }
    const home = mkdtempSync(join(tmpdir(), 'sluice-budget-'));
    const ledger = BudgetLedger.open(home);
    try {
      const budget = new AbortingBudget('sandbox', 1_000, ledger);
      const c = client(sb, { plan: 'ultimate', budget });
      const before = log.entries.length;
      const a = action('persons', 'v1');
      await expect(c.client.request({ method: 'GET', path: a.path!, query: { limit: 1 }, cost: a.cost, tokens: 20, signal: ctl.signal })).rejects.toThrow();
      expect(c.events.filter((e) => e.type === 'request')).toHaveLength(0);
      expect(log.entries.length).toBe(before);
      expect(budget.spentHere).toBe(0);
      expect(budget.status().spent).toBe(0);
      // The next request is charged as usual.
      const plain = new DailyBudget('sandbox', 1_000, ledger);
      await client(sb, { plan: 'ultimate', budget: plain }).client.request({ method: 'GET', path: a.path!, query: { limit: 1 }, cost: a.cost, tokens: 20 });
      expect(plain.status().spent).toBe(20);
    } finally {
      ledger.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
