// How the daily token budget reads in `sluice run` and `sluice runs`.
import type { BudgetStatus } from '../runtime/http/budget.js';

const n = (x: number): string => x.toLocaleString('en-US');

/** `acme.pipedrive.com 4,200 of 30,000 tokens (14 %)`. */
export const budgetStatusText = (b: BudgetStatus): string => `${b.company} ${n(b.spent)} of ${n(b.limit)} tokens (${b.percent} %)`;

/** The run's line: what it spent, and where each company's day stands. */
export function budgetLine(tokens: number, budgets: readonly BudgetStatus[]): string {
  return `tokens ${n(tokens)}; daily budget today (UTC): ${budgets.map(budgetStatusText).join(', ')}`;
}
