// The agent's deployments in the PostgreSQL state (the tables of migrations 2-4, as in SQLite):
// the DeploymentStore of the PostgreSQL backend, plus `atVersion`, which queue-mode workers use to
// run exactly the version a job names. Every deploy adds a version; a version number always names
// one text. Writes that read first (deploy) hold the schema's write lock like the store's own.
import type pg from 'pg';
import { toDeployment, type Deployment, type DeploymentInput, type DeploymentRow, type DeploymentStore, type DeploymentVersion, type StoredSchedule } from '../deployments.js';

interface Writer {
  readonly pool: pg.Pool;
  write<T>(fn: (c: pg.ClientBase) => Promise<T>): Promise<T>;
}

export class PgDeployments implements DeploymentStore {
  constructor(
    private readonly store: Writer,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get pool(): pg.Pool {
    return this.store.pool;
  }

  async list(options: { all?: boolean } = {}): Promise<Deployment[]> {
    return (await this.pool.query<DeploymentRow>(`SELECT * FROM deployments ${options.all ? '' : 'WHERE enabled = 1'} ORDER BY name COLLATE "C"`)).rows.map(toDeployment);
  }

  async get(name: string): Promise<Deployment | undefined> {
    const row = (await this.pool.query<DeploymentRow>('SELECT * FROM deployments WHERE name = $1', [name])).rows[0];
    return row ? toDeployment(row) : undefined;
  }

  /** The deployment as it was at `version` (that version's flow, text and schedule), or undefined. */
  async atVersion(name: string, version: number): Promise<Deployment | undefined> {
    const row = (
      await this.pool.query<DeploymentRow>(
        `SELECT d.id, d.name, v.version, v.flow, d.file_name, v.file_path, d.base_dir, v.text, v.schedule, d.vars, d.state_key, d.allow_paths, d.notify_url, d.paused, d.enabled, d.created_at, d.updated_at
         FROM deployment_versions v JOIN deployments d ON d.id = v.deployment_id WHERE d.name = $1 AND v.version = $2`,
        [name, version],
      )
    ).rows[0];
    return row ? toDeployment(row) : undefined;
  }

  async versions(name: string): Promise<DeploymentVersion[]> {
    const rows = (
      await this.pool.query<{ version: number; flow: string; file_path: string | null; schedule: string | null; created_at: string }>(
        `SELECT v.version, v.flow, v.file_path, v.schedule, v.created_at FROM deployment_versions v JOIN deployments d ON d.id = v.deployment_id WHERE d.name = $1 ORDER BY v.version DESC`,
        [name],
      )
    ).rows;
    return rows.map((r) => ({ version: r.version, flow: r.flow, filePath: r.file_path, schedule: r.schedule ? (JSON.parse(r.schedule) as StoredSchedule) : null, createdAt: r.created_at }));
  }

  async deploy(input: DeploymentInput): Promise<Deployment> {
    return this.store.write(async (c) => {
      const now = this.now().toISOString();
      const schedule = input.schedule ? JSON.stringify(input.schedule) : null;
      const vars = JSON.stringify(input.vars);
      const allow = JSON.stringify(input.allowPaths);
      const existing = (await c.query<{ id: number; version: number }>('SELECT id, version FROM deployments WHERE name = $1', [input.name])).rows[0];
      let id: number;
      let version: number;
      if (existing) {
        id = existing.id;
        version = existing.version + 1;
        await c.query(
          `UPDATE deployments SET version = $1, flow = $2, file_name = $3, file_path = $4, base_dir = $5, text = $6, schedule = $7, vars = $8, state_key = $9, allow_paths = $10, notify_url = $11, paused = 0, enabled = 1, updated_at = $12 WHERE id = $13`,
          [version, input.flow, input.fileName, input.filePath, input.baseDir, input.text, schedule, vars, input.stateKey, allow, input.notifyUrl, now, id],
        );
      } else {
        version = 1;
        id = (
          await c.query<{ id: number }>(
            `INSERT INTO deployments (name, version, flow, file_name, file_path, base_dir, text, schedule, vars, state_key, allow_paths, notify_url, enabled, created_at, updated_at)
             VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12) RETURNING id`,
            [input.name, input.flow, input.fileName, input.filePath, input.baseDir, input.text, schedule, vars, input.stateKey, allow, input.notifyUrl, now],
          )
        ).rows[0].id;
      }
      await c.query('INSERT INTO deployment_versions (deployment_id, version, flow, file_path, text, schedule, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [id, version, input.flow, input.filePath, input.text, schedule, now]);
      return toDeployment((await c.query<DeploymentRow>('SELECT * FROM deployments WHERE id = $1', [id])).rows[0]);
    });
  }

  async undeploy(name: string): Promise<boolean> {
    return ((await this.pool.query('UPDATE deployments SET enabled = 0, updated_at = $1 WHERE name = $2 AND enabled = 1', [this.now().toISOString(), name])).rowCount ?? 0) > 0;
  }

  async setPaused(name: string, paused: boolean): Promise<boolean> {
    return ((await this.pool.query('UPDATE deployments SET paused = $1, updated_at = $2 WHERE name = $3 AND enabled = 1', [paused ? 1 : 0, this.now().toISOString(), name])).rowCount ?? 0) > 0;
  }

  async versionText(name: string, version: number): Promise<string | undefined> {
    return (await this.pool.query<{ text: string }>('SELECT v.text FROM deployment_versions v JOIN deployments d ON d.id = v.deployment_id WHERE d.name = $1 AND v.version = $2', [name, version])).rows[0]?.text;
  }

  async notifyStreak(name: string): Promise<number | null> {
    return (await this.pool.query<{ notify_streak: number | null }>('SELECT notify_streak FROM deployments WHERE name = $1', [name])).rows[0]?.notify_streak ?? null;
  }

  async setNotifyStreak(name: string, runId: number | null): Promise<void> {
    await this.pool.query('UPDATE deployments SET notify_streak = $1 WHERE name = $2', [runId, name]);
  }

  async tagRun(runId: number, version: number): Promise<void> {
    await this.pool.query('UPDATE runs SET deployment_version = $1 WHERE id = $2', [version, runId]);
  }

  async runVersions(runIds: number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    if (runIds.length === 0) return out;
    const rows = (
      await this.pool.query<{ id: number; version: number | null }>(
        `SELECT r.id, COALESCE(r.deployment_version,
           (SELECT MAX(v.version) FROM deployment_versions v JOIN deployments d ON d.id = v.deployment_id
            WHERE (d.state_key = f.key OR 'agent:' || d.name = f.key) AND v.created_at <= r.started_at)) AS version
         FROM runs r JOIN flows f ON f.id = r.flow_id WHERE r.trigger = 'agent' AND r.id = ANY($1::int[])`,
        [runIds],
      )
    ).rows;
    for (const r of rows) if (r.version !== null) out.set(r.id, r.version);
    return out;
  }
}
