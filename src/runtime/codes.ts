// Stable codes of the errors a run reports (SL7xxx). Codes never change meaning and are never
// reused; a new error gets a new code here. The state store's (SL60xx, state/errors.ts) and the
// HTTP layer's (SL65xx, http/errors.ts) have their own tables.
export const RUNTIME = {
  /** Anything unexpected that stopped a run (its message says what). */
  internal: 'SL7000',
  /** An expression could not be evaluated for a record (division by zero, a bad argument...). */
  evaluation: 'SL7001',
  /** An action, or its upsert, that the checker resolved cannot be found at run time. */
  unresolved: 'SL7002',
  /** `since` evaluated to something that is not a time. */
  sinceNotTime: 'SL7003',
  /** A variable without a default was not given (--var NAME=VALUE). */
  varMissing: 'SL7004',
  /** A --var value does not fit the variable's declared type. */
  varType: 'SL7005',
  /** A source file or database does not exist. */
  sourceMissing: 'SL7010',
  /** A SQLite source has no such table. */
  sourceTableMissing: 'SL7011',
  /** No component of this build reads (or writes) that action. */
  noComponent: 'SL7020',
  /** A dry replay to a destination that cannot preview its writes. */
  dryReplay: 'SL7030',
  /** Replay of a flow that ends in `tee`: its records went to several destinations, each with its own acknowledgement. */
  teeReplay: 'SL7031',
  /** PostgreSQL: the server cannot be reached, or refused the login. */
  pgConnect: 'SL7040',
  /** PostgreSQL: no connection string (neither `url` nor SLUICE_<NAME>_URL). */
  pgNoUrl: 'SL7041',
  /** PostgreSQL: the table is missing (and `create = true` was not given), or a column is. */
  pgMissing: 'SL7042',
  /** PostgreSQL: `key` has no primary key or unique index to upsert on. */
  pgNoUniqueKey: 'SL7043',
  /** PostgreSQL: any other database error (a query that does not run, a connection lost mid-run). */
  pgQuery: 'SL7044',
  /** A source fed by webhooks run outside a deployment (only the agent receives webhooks). */
  webhookOnly: 'SL7050',
} as const;

export type RuntimeCode = (typeof RUNTIME)[keyof typeof RUNTIME];
