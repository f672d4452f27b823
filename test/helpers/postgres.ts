// The PostgreSQL the tests run against: SLUICE_TEST_POSTGRES, else the machine's local service.
// Tests that need it are skipped, saying so, when it cannot be reached: nothing that runs on one
// machine may require PostgreSQL (CI has it).
import pg from 'pg';
import { requireServices } from './services.js';

export const PG_URL = process.env.SLUICE_TEST_POSTGRES || 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

export const pgAvailable = await reachable();
if (!pgAvailable) requireServices(`PostgreSQL tests: cannot reach ${PG_URL.replace(/:[^:@/]*@/, ':****@')} (set SLUICE_TEST_POSTGRES)`);

/** Runs SQL on the test database. */
export async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return (await c.query(text, values)).rows as T[];
  } finally {
    await c.end();
  }
}

/** A schema of its own for one test file, dropped with everything in it by the returned function. */
export async function freshSchema(prefix: string): Promise<{ name: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await sql(`CREATE SCHEMA ${name}`);
  return { name, drop: async () => void (await sql(`DROP SCHEMA IF EXISTS ${name} CASCADE`)) };
}
