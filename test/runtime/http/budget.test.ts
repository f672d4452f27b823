// The daily token budget as Sluice counts it: the limit from plan and seats, one ledger shared by
// every process of a machine, the stop before 100 % and the warning from 75 %.
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../../src/apps/index.js';
import { BudgetLedger, DailyBudget, dailyLimit, todaysBudgets } from '../../../src/runtime/http/budget.js';
import { tempDir } from '../../helpers/cli.js';

const rl = loadRegistry().app('pipedrive')!.http!.rateLimit;
const site = { method: 'GET', path: '/api/v2/persons', host: 'acme.pipedrive.com' };

describe('the daily limit', () => {
  it('is 30,000 x plan multiplier x seats, or the connection\'s own figure', () => {
    expect(dailyLimit(rl, {})).toBe(30_000);
    expect(dailyLimit(rl, { plan: 'growth', seats: 3 })).toBe(180_000);
    expect(dailyLimit(rl, { plan: 'premium', seats: 2 })).toBe(300_000);
    expect(dailyLimit(rl, { plan: 'ultimate', seats: 10 })).toBe(2_100_000);
    expect(dailyLimit(rl, { plan: 'lite', seats: 4, dailyBudget: 50_000 })).toBe(50_000);
    expect(dailyLimit(rl, { plan: 'unlimited' })).toBeUndefined();
  });
});

describe('counting', () => {
  it('stops a request that would pass the budget, across processes sharing the ledger, per UTC day', () => {
    const home = tempDir('sluice-budget-');
    let now = Date.parse('2026-12-03T23:59:00Z');
    const a = new DailyBudget('acme.pipedrive.com', 50, BudgetLedger.open(home), () => now);
    const b = new DailyBudget('acme.pipedrive.com', 50, BudgetLedger.open(home), () => now);
    a.take(20, site, 1);
    b.take(20, site, 1);
    expect(a.warning()).toMatch(/daily API budget of acme\.pipedrive\.com is 80 % used \(40 of 50 tokens today/);
    expect(() => a.take(20, site, 1)).toThrow(expect.objectContaining({ code: 'SL6509', spent: 40, limit: 50, needed: 20 }));
    // What fits still goes.
    b.take(10, site, 1);
    expect(() => b.take(1, site, 1)).toThrow(/stopped before the daily API budget of acme\.pipedrive\.com runs out: 50 of 50 tokens/);
    expect(todaysBudgets(home, now)).toEqual([{ company: 'acme.pipedrive.com', day: '2026-12-03', spent: 50, limit: 50, percent: 100 }]);
    // A new UTC day starts from nothing.
    now += 120_000;
    a.take(20, site, 1);
    expect(a.status()).toMatchObject({ day: '2026-12-04', spent: 20, percent: 40 });
    expect(a.warning()).toBeUndefined();
    expect(a.spentHere).toBe(40);
  });

  it('counts in memory when there is no data folder', () => {
    const m = new DailyBudget('acme.pipedrive.com', 30, undefined, () => 0);
    m.take(20, site, 1);
    expect(() => m.take(20, site, 1)).toThrow(expect.objectContaining({ code: 'SL6509' }));
    expect(m.status()).toMatchObject({ spent: 20, limit: 30, percent: 66 });
  });
});
