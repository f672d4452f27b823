// Where a PostgreSQL flow's connection string comes from, and that its password never shows.
import { describe, expect, it } from 'vitest';
import { pgError, pgTarget, scrub } from '../../../src/runtime/postgres/connection.js';
import { sqlType } from '../../../src/runtime/dests/postgres.js';
import { PostgresSource } from '../../../src/runtime/sources/postgres.js';
import { SluiceError } from '../../../src/errors.js';

const URL_WITH_PASSWORD = 'postgres://app:s3cr%40t-pw@db.example:5433/crm';

describe('pgTarget', () => {
  it('takes `url`, else SLUICE_<CONNECTION>_URL; shows user, host and database, never the password', () => {
    const a = pgTarget({ url: URL_WITH_PASSWORD }, {});
    expect(a.url).toBe(URL_WITH_PASSWORD);
    expect(a.display).toBe('app@db.example:5433/crm');
    expect(a.secrets).toEqual(['s3cr%40t-pw', 's3cr@t-pw']);
    expect(pgTarget({}, { SLUICE_POSTGRES_URL: URL_WITH_PASSWORD }).url).toBe(URL_WITH_PASSWORD);
    expect(pgTarget({ connection: 'warehouse-eu' }, { SLUICE_WAREHOUSE_EU_URL: 'postgres://h/db', SLUICE_POSTGRES_URL: URL_WITH_PASSWORD }).url).toBe('postgres://h/db');
  });

  it('without any connection string: SL7041 naming the variable to set', () => {
    let err: unknown;
    try {
      pgTarget({ connection: 'dw' }, { SLUICE_POSTGRES_URL: 'postgres://h/db' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as SluiceError).code).toBe('SL7041');
    expect((err as SluiceError).hint).toContain('SLUICE_DW_URL');
  });

  it('a malformed or non-postgres URL is refused without echoing it', () => {
    for (const url of ['not a url s3cretpw', 'mysql://u:s3cretpw@h/db']) {
      let err: unknown;
      try {
        pgTarget({ url }, {});
      } catch (e) {
        err = e;
      }
      expect((err as SluiceError).code).toBe('SL7041');
      expect((err as SluiceError).message).not.toContain('s3cretpw');
    }
  });

  it('errors built from pg errors are scrubbed of the password and carry no cause', () => {
    const t = pgTarget({ url: URL_WITH_PASSWORD }, {});
    const e = pgError(Object.assign(new Error('password authentication failed near "s3cr@t-pw"'), { code: '28P01' }), t, 'SL7040', 'cannot connect');
    expect(e.message).not.toContain('s3cr@t-pw');
    expect(e.message).toContain('[28P01]');
    expect(e.cause).toBeUndefined();
    expect(scrub('x s3cr%40t-pw y', t)).not.toContain('s3cr%40t-pw');
  });
});

describe('postgres column types and statements', () => {
  it('creates columns from the checker type of each field', () => {
    expect(sqlType({ kind: 'number', integer: true })).toBe('bigint');
    expect(sqlType({ kind: 'number', integer: false })).toBe('double precision');
    expect(sqlType({ kind: 'union', types: [{ kind: 'string', format: 'date-time' }, { kind: 'null' }] })).toBe('timestamptz');
    expect(sqlType({ kind: 'string' })).toBe('text');
    expect(sqlType({ kind: 'boolean' })).toBe('boolean');
    expect(sqlType({ kind: 'list', element: { kind: 'string' } })).toBe('jsonb');
  });

  it('an incremental read is inclusive of the watermark and ordered by cursor then key', () => {
    const t = pgTarget({ url: 'postgres://h/db' }, {});
    const s = new PostgresSource(t, { from: { table: 'crm.persons' }, cursor: 'changed', key: ['id'], since: '2026-01-01T00:00:00.000Z', incremental: true }, undefined);
    expect(s.statement()).toEqual({
      text: 'SELECT * FROM (SELECT * FROM "crm"."persons") AS sluice_q WHERE sluice_q."changed" >= $1 ORDER BY sluice_q."changed", sluice_q."id"',
      values: ['2026-01-01T00:00:00.000Z'],
    });
    const q = new PostgresSource(t, { from: { sql: 'SELECT 1 AS id;' }, cursor: 'updated_at', key: ['id'], since: null, incremental: false }, undefined);
    expect(q.statement()).toEqual({ text: 'SELECT 1 AS id', values: [] });
  });
});
