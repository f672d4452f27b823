// Deployments kept in the PostgreSQL state (the tables of migration 2-4, as in SQLite), for queue
// mode: the scheduler reads them to schedule, workers read the exact version a job names. Every
// deploy adds a version; a version number always names one text.
import type pg from 'pg';
import { projectFlowKey } from '../runtime/state/store.js';
import type { Schedule } from '../agent/scheduler.js';
import type { PostgresStateStore } from '../state/postgres/store.js';

export interface QueueDeployment {
  name: string;
  version: number;
  flow: string;
  fileName: string;
  baseDir: string;
  text: string;
  schedule: Schedule | null;
  vars: Record<string, string>;
  stateKey: string;
  enabled: boolean;
  paused: boolean;
}

export interface QueueDeploymentInput {
  name: string;
  flow: string;
  fileName: string;
  baseDir: string;
  text: string;
  schedule: Schedule | null;
  vars?: Record<string, string>;
  stateKey?: string;
}

interface Row {
  name: string;
  version: number;
  flow: string;
  file_name: string;
  base_dir: string;
  text: string;
  schedule: string | null;
  vars: string;
  state_key: string | null;
  enabled: number;
  paused: number;
}

const toDeployment = (r: Row): QueueDeployment => ({
  name: r.name,
  version: r.version,
  flow: r.flow,
  fileName: r.file_name,
  baseDir: r.base_dir,
  text: r.text,
  schedule: r.schedule ? (JSON.parse(r.schedule) as Schedule) : null,
  vars: JSON.parse(r.vars) as Record<string, string>,
  stateKey: r.state_key ?? projectFlowKey(r.flow),
  enabled: r.enabled === 1,
  paused: r.paused === 1,
});

export class PgDeployments {
  constructor(private readonly store: PostgresStateStore) {}

  private get pool(): pg.Pool {
    return this.store.pool;
  }

  /** Enabled deployments (all with `all`), by name. */
  async list(options: { all?: boolean } = {}): Promise<QueueDeployment[]> {
    const rows = (await this.pool.query<Row>(`SELECT * FROM deployments ${options.all ? '' : 'WHERE enabled = 1'} ORDER BY name COLLATE "C"`)).rows;
    return rows.map(toDeployment);
  }

  async get(name: string): Promise<QueueDeployment | undefined> {
    const row = (await this.pool.query<Row>('SELECT * FROM deployments WHERE name = $1', [name])).rows[0];
    return row ? toDeployment(row) : undefined;
  }

  /** The deployment as it was at `version` (its text and schedule then), or undefined. */
  async atVersion(name: string, version: number): Promise<QueueDeployment | undefined> {
    const row = (
      await this.pool.query<Row>(
        `SELECT d.name, v.version, v.flow, d.file_name, d.base_dir, v.text, v.schedule, d.vars, d.state_key, d.enabled, d.paused
         FROM deployment_versions v JOIN deployments d ON d.id = v.deployment_id WHERE d.name = $1 AND v.version = $2`,
        [name, version],
      )
    ).rows[0];
    return row ? toDeployment(row) : undefined;
  }

  /** A new deployment at version 1, or the next version of an existing one; both writes in one transaction. */
  async deploy(input: QueueDeploymentInput): Promise<QueueDeployment> {
    return this.store.write(async (c) => {
      const now = new Date().toISOString();
      const schedule = input.schedule ? JSON.stringify(input.schedule) : null;
      const vars = JSON.stringify(input.vars ?? {});
      const stateKey = input.stateKey ?? projectFlowKey(input.flow);
      const existing = (await c.query<{ id: number; version: number }>('SELECT id, version FROM deployments WHERE name = $1', [input.name])).rows[0];
      let id: number;
      let version: number;
      if (existing) {
        id = existing.id;
        version = existing.version + 1;
        await c.query(
          `UPDATE deployments SET version = $1, flow = $2, file_name = $3, base_dir = $4, text = $5, schedule = $6, vars = $7, state_key = $8, paused = 0, enabled = 1, updated_at = $9 WHERE id = $10`,
          [version, input.flow, input.fileName, input.baseDir, input.text, schedule, vars, stateKey, now, id],
        );
      } else {
        version = 1;
        id = (
          await c.query<{ id: number }>(
            `INSERT INTO deployments (name, version, flow, file_name, base_dir, text, schedule, vars, state_key, enabled, created_at, updated_at)
             VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING id`,
            [input.name, input.flow, input.fileName, input.baseDir, input.text, schedule, vars, stateKey, now],
          )
        ).rows[0].id;
      }
      await c.query('INSERT INTO deployment_versions (deployment_id, version, flow, text, schedule, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [id, version, input.flow, input.text, schedule, now]);
      return toDeployment((await c.query<Row>('SELECT * FROM deployments WHERE id = $1', [id])).rows[0]);
    });
  }

  async undeploy(name: string): Promise<boolean> {
    return ((await this.pool.query('UPDATE deployments SET enabled = 0, updated_at = $1 WHERE name = $2 AND enabled = 1', [new Date().toISOString(), name])).rowCount ?? 0) > 0;
  }

  /** Notes which version a run ran. */
  async tagRun(runId: number, version: number): Promise<void> {
    await this.pool.query('UPDATE runs SET deployment_version = $1 WHERE id = $2', [version, runId]);
  }
}
