// The company's daily token budget, counted on our side. Pipedrive reports no remaining budget in its
// headers (x-daily-requests-left only comes on some writes), and after 100 % every call of every
// integration of the company gets 429 until midnight. So Sluice counts what it spends, per company
// and UTC day, in `$SLUICE_HOME/budget.db` (shared by every Sluice process on the machine: the CLI
// and the agent), warns at 75 % and refuses a request that would pass 100 %, so that a run stops
// cleanly with its watermark instead of leaving the company without API for the rest of the day.
//
// Other integrations of the company spend from the same budget unseen: the count is a lower bound,
// and the server's own 429 (DailyBudgetExhausted) stays the last word.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { RateLimitDef } from '../../apps/index.js';
import { ensureHome } from '../../state/home.js';
import { BudgetStop, type RequestSite } from './errors.js';

/** Share of the budget at which a run warns. */
export const WARN_AT = 0.75;
export const BUDGET_FILE = 'budget.db';

/** What a connection says about its budget. */
export interface BudgetSettings {
  plan?: string;
  /** Users of the company's Pipedrive (the budget is per seat). Default 1: the safest reading. */
  seats?: number;
  /** The whole daily budget in tokens, when known (purchased top-ups, a custom contract). */
  dailyBudget?: number;
}

/**
 * 30,000 x plan multiplier x seats (http.rateLimit.daily), or the connection's own figure; none for
 * the plan `unlimited` (the sandbox's, or a server without limits).
 */
export function dailyLimit(rl: RateLimitDef | null | undefined, s: BudgetSettings): number | undefined {
  if (s.dailyBudget !== undefined) return s.dailyBudget;
  if (!rl?.daily || s.plan === 'unlimited') return undefined;
  const plan = rl.plans[s.plan ?? rl.defaultPlan] ?? rl.plans[rl.defaultPlan];
  const multiplier = plan?.dailyMultiplier ?? 1;
  return rl.daily.baseTokens * multiplier * (rl.daily.perSeat ? (s.seats ?? 1) : 1);
}

export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export interface BudgetStatus {
  /** The company (its URL host). */
  company: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** Tokens Sluice spent for the company that day (every process). */
  spent: number;
  limit: number;
  /** spent / limit, in whole percent. */
  percent: number;
}

/** What a run's HTTP statistics say of the budget: tokens this run spent, each company's day so far, warnings. */
export interface HttpBudgetStats {
  tokens?: number;
  budget?: BudgetStatus[];
  warnings?: string[];
}

interface Db {
  prepare(sql: string): { run(...a: unknown[]): { changes: number }; get(...a: unknown[]): unknown; all(...a: unknown[]): unknown[] };
  pragma(s: string): unknown;
  exec(sql: string): void;
  close(): void;
}

/** The spend of every company, per UTC day: one small SQLite file. */
export class BudgetLedger {
  private constructor(private readonly db: Db) {}

  /** Opens (creating) `$SLUICE_HOME/budget.db`; better-sqlite3 is loaded only here. */
  static open(home: string): BudgetLedger {
    ensureHome(home);
    const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string, o?: object) => Db;
    const db = new Database(join(home, BUDGET_FILE), { timeout: 5000 });
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE IF NOT EXISTS spend (company TEXT NOT NULL, day TEXT NOT NULL, tokens INTEGER NOT NULL, budget INTEGER NOT NULL, PRIMARY KEY (company, day))');
    return new BudgetLedger(db);
  }

  /**
   * Adds `tokens` to the company's spend of `day` unless that would pass `limit`, in one statement
   * (two processes cannot both take the last tokens). Answers the spend after, or undefined when refused.
   */
  take(company: string, day: string, tokens: number, limit: number): number | undefined {
    this.db.prepare('INSERT INTO spend (company, day, tokens, budget) VALUES (?, ?, 0, ?) ON CONFLICT (company, day) DO UPDATE SET budget = excluded.budget').run(company, day, limit);
    const r = this.db.prepare('UPDATE spend SET tokens = tokens + ? WHERE company = ? AND day = ? AND tokens + ? <= ?').run(tokens, company, day, tokens, limit);
    return r.changes === 0 ? undefined : this.spent(company, day);
  }

  /** Takes back `tokens` of a request that never left (never below zero). */
  give(company: string, day: string, tokens: number): void {
    this.db.prepare('UPDATE spend SET tokens = MAX(0, tokens - ?) WHERE company = ? AND day = ?').run(tokens, company, day);
  }

  spent(company: string, day: string): number {
    return (this.db.prepare('SELECT tokens FROM spend WHERE company = ? AND day = ?').get(company, day) as { tokens: number } | undefined)?.tokens ?? 0;
  }

  /** Every company's spend of `day`. */
  day(day: string): BudgetStatus[] {
    const rows = this.db.prepare('SELECT company, day, tokens, budget FROM spend WHERE day = ? ORDER BY company').all(day) as { company: string; day: string; tokens: number; budget: number }[];
    return rows.map((r) => status(r.company, r.day, r.tokens, r.budget));
  }

  close(): void {
    this.db.close();
  }
}

/** Every company's spend of today (UTC) in `home`, without creating anything. */
export function todaysBudgets(home: string, now: number = Date.now()): BudgetStatus[] {
  if (!existsSync(join(home, BUDGET_FILE))) return [];
  const ledger = BudgetLedger.open(home);
  try {
    return ledger.day(utcDay(now));
  } finally {
    ledger.close();
  }
}

const status = (company: string, day: string, spent: number, limit: number): BudgetStatus => ({ company, day, spent, limit, percent: limit > 0 ? Math.floor((spent * 100) / limit) : 100 });

/** What one request was charged, and on which UTC day. */
export interface Charge {
  day: string;
  tokens: number;
}

/** One company's budget as one process spends it: the ledger (or memory), the 75 % warning, the stop. */
export class DailyBudget {
  private memory = { day: '', spent: 0 };
  /** Tokens this process spent through this budget. */
  spentHere = 0;

  constructor(
    readonly company: string,
    readonly limit: number,
    private readonly ledger: BudgetLedger | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts a request of `tokens` before it is sent, or throws BudgetStop when it would pass the
   * budget. The answer is for `refund`, should the request never leave.
   */
  take(tokens: number, site: RequestSite, attempt: number): Charge {
    const day = utcDay(this.now());
    let spent: number | undefined;
    if (this.ledger) spent = this.ledger.take(this.company, day, tokens, this.limit);
    else {
      if (this.memory.day !== day) this.memory = { day, spent: 0 };
      spent = this.memory.spent + tokens <= this.limit ? (this.memory.spent += tokens) : undefined;
    }
    if (spent === undefined) throw new BudgetStop(site, attempt, tokens, this.status().spent, this.limit);
    this.spentHere += tokens;
    return { day, tokens };
  }

  /**
   * Gives back what `take` counted for a request that was aborted before it had a connection: it
   * never reached the server, which charged nothing. Counted on the day it was taken.
   */
  refund(charge: Charge): void {
    if (this.ledger) this.ledger.give(this.company, charge.day, charge.tokens);
    else if (this.memory.day === charge.day) this.memory.spent = Math.max(0, this.memory.spent - charge.tokens);
    this.spentHere -= charge.tokens;
  }

  /** The warning for a run that spent from this budget, once it is WARN_AT used or more. */
  warning(): string | undefined {
    const s = this.status();
    if (s.spent < s.limit * WARN_AT) return undefined;
    return `the daily API budget of ${s.company} is ${s.percent} % used (${s.spent} of ${s.limit} tokens today, UTC, counted by Sluice); runs stop before it runs out`;
  }

  status(): BudgetStatus {
    const day = utcDay(this.now());
    const spent = this.ledger ? this.ledger.spent(this.company, day) : this.memory.day === day ? this.memory.spent : 0;
    return status(this.company, day, spent, this.limit);
  }
}
