// Deployments: the flows the agent runs, kept in the state database (migration 2, `deployments` and
// `deployment_versions`) so that they survive a restart of the agent together with their run history.
//
// A deployment is a copy of a flow file's text, not a reference to the file: editing the file on
// disk changes nothing until it is deployed again, which makes a new version. Each deployment has
// the state of the flow it deploys (`flow:<id>`, see projectFlowKey), so that it continues where a
// hand run or an earlier version stopped.
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './db.js';
import { projectFlowKey } from './keys.js';

/** When a deployment runs, as the agent's scheduler reads it back (JSON in the database). */
export type StoredSchedule = { kind: 'every'; ms: number; text: string } | { kind: 'cron'; expression: string; text: string };

export interface Deployment {
  id: number;
  name: string;
  version: number;
  flow: string;
  fileName: string;
  filePath: string | null;
  baseDir: string;
  text: string;
  schedule: StoredSchedule | null;
  vars: Record<string, string>;
  /** The state key of the deployed flow (`flow:<id>`). */
  stateKey: string;
  /** Folders besides `baseDir` that the flow's file and SQLite paths may use (absolute). */
  allowPaths: string[];
  /** Where failures are posted (one message per failing streak), or null. */
  notifyUrl: string | null;
  /** Deployed but not scheduled (the panel's Pause); "Run now" still runs it. */
  paused: boolean;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentInput {
  name: string;
  flow: string;
  fileName: string;
  filePath: string | null;
  baseDir: string;
  text: string;
  schedule: StoredSchedule | null;
  vars: Record<string, string>;
  stateKey: string;
  allowPaths: string[];
  notifyUrl: string | null;
}

export interface DeploymentVersion {
  version: number;
  flow: string;
  filePath: string | null;
  schedule: StoredSchedule | null;
  createdAt: string;
}

interface Row {
  id: number;
  name: string;
  version: number;
  flow: string;
  file_name: string;
  file_path: string | null;
  base_dir: string;
  text: string;
  schedule: string | null;
  vars: string;
  state_key: string | null;
  allow_paths: string;
  notify_url: string | null;
  paused: number;
  enabled: number;
  created_at: string;
  updated_at: string;
}

function toDeployment(r: Row): Deployment {
  return {
    id: r.id,
    name: r.name,
    version: r.version,
    flow: r.flow,
    fileName: r.file_name,
    filePath: r.file_path,
    baseDir: r.base_dir,
    text: r.text,
    schedule: r.schedule ? (JSON.parse(r.schedule) as StoredSchedule) : null,
    vars: JSON.parse(r.vars) as Record<string, string>,
    stateKey: r.state_key ?? projectFlowKey(r.flow),
    allowPaths: JSON.parse(r.allow_paths) as string[],
    notifyUrl: r.notify_url,
    paused: r.paused === 1,
    enabled: r.enabled === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The agent's deployments; every method is one transaction. */
export interface DeploymentStore {
  /** Deployments that are scheduled (enabled), or all of them with `all`. Sorted by name. */
  list(options?: { all?: boolean }): Promise<Deployment[]>;
  get(name: string): Promise<Deployment | undefined>;
  /** Every version of a deployment, newest first. */
  versions(name: string): Promise<DeploymentVersion[]>;
  /** Stores a deploy: version 1 of a new deployment, or the next version of an existing one (enabled again). */
  deploy(input: DeploymentInput): Promise<Deployment>;
  /** Stops scheduling a deployment; its versions and run history stay. False when there was none enabled. */
  undeploy(name: string): Promise<boolean>;
  /** Pauses or resumes an enabled deployment; false when there is none enabled by that name. */
  setPaused(name: string, paused: boolean): Promise<boolean>;
  /** The text of one version (every version keeps its own). */
  versionText(name: string, version: number): Promise<string | undefined>;
  /** The first failed run of the failing streak already announced, or null. */
  notifyStreak(name: string): Promise<number | null>;
  setNotifyStreak(name: string, runId: number | null): Promise<void>;
  /** Notes which version of its deployment a run ran. */
  tagRun(runId: number, version: number): Promise<void>;
  /** The deployment version each of these agent runs ran. */
  runVersions(runIds: number[]): Promise<Map<number, number>>;
}

/** The SQLite backend of DeploymentStore, on the state store's connection. */
export class SqliteDeployments implements DeploymentStore {
  // Prepared once: the scheduler reads a deployment and tags a run at every due time.
  private readonly stmt: { get: Statement<[string]>; tag: Statement<[number, number]> };

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.stmt = {
      get: db.prepare<[string]>('SELECT * FROM deployments WHERE name = ?'),
      tag: db.prepare<[number, number]>('UPDATE runs SET deployment_version = ? WHERE id = ?'),
    };
  }

  /** Deployments that are scheduled (enabled), or all of them with `all`. Sorted by name. */
  async list(options: { all?: boolean } = {}): Promise<Deployment[]> {
    const rows = this.db.prepare(`SELECT * FROM deployments ${options.all ? '' : 'WHERE enabled = 1'} ORDER BY name`).all() as Row[];
    return rows.map(toDeployment);
  }

  async get(name: string): Promise<Deployment | undefined> {
    return this.getSync(name);
  }

  private getSync(name: string): Deployment | undefined {
    const row = this.stmt.get.get(name) as Row | undefined;
    return row ? toDeployment(row) : undefined;
  }

  async versions(name: string): Promise<DeploymentVersion[]> {
    const rows = this.db
      .prepare(
        `SELECT v.version, v.flow, v.file_path, v.schedule, v.created_at FROM deployment_versions v JOIN deployments d ON d.id = v.deployment_id
         WHERE d.name = ? ORDER BY v.version DESC`,
      )
      .all(name) as { version: number; flow: string; file_path: string | null; schedule: string | null; created_at: string }[];
    return rows.map((r) => ({ version: r.version, flow: r.flow, filePath: r.file_path, schedule: r.schedule ? (JSON.parse(r.schedule) as StoredSchedule) : null, createdAt: r.created_at }));
  }

  /**
   * Stores a deploy: a new deployment at version 1, or the next version of an existing one (also of
   * an undeployed one, which is enabled again: versions never restart, so a version number always
   * names one text). One IMMEDIATE transaction: two deploys of one name get two versions.
   */
  async deploy(input: DeploymentInput): Promise<Deployment> {
    const write = this.db.transaction(() => {
      const now = this.now().toISOString();
      const schedule = input.schedule ? JSON.stringify(input.schedule) : null;
      const vars = JSON.stringify(input.vars);
      const existing = this.db.prepare('SELECT id, version FROM deployments WHERE name = ?').get(input.name) as { id: number; version: number } | undefined;
      let id: number;
      let version: number;
      if (existing) {
        id = existing.id;
        version = existing.version + 1;
        this.db
          .prepare(
            `UPDATE deployments SET version = ?, flow = ?, file_name = ?, file_path = ?, base_dir = ?, text = ?, schedule = ?, vars = ?, state_key = ?, allow_paths = ?, notify_url = ?, paused = 0, enabled = 1, updated_at = ? WHERE id = ?`,
          )
          .run(version, input.flow, input.fileName, input.filePath, input.baseDir, input.text, schedule, vars, input.stateKey, JSON.stringify(input.allowPaths), input.notifyUrl, now, id);
      } else {
        version = 1;
        id = Number(
          this.db
            .prepare(
              `INSERT INTO deployments (name, version, flow, file_name, file_path, base_dir, text, schedule, vars, state_key, allow_paths, notify_url, enabled, created_at, updated_at)
               VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
            )
            .run(input.name, input.flow, input.fileName, input.filePath, input.baseDir, input.text, schedule, vars, input.stateKey, JSON.stringify(input.allowPaths), input.notifyUrl, now, now).lastInsertRowid,
        );
      }
      this.db
        .prepare('INSERT INTO deployment_versions (deployment_id, version, flow, file_path, text, schedule, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, version, input.flow, input.filePath, input.text, schedule, now);
      return this.getSync(input.name)!;
    });
    return write.immediate();
  }

  /** Stops scheduling a deployment; its versions and run history stay. False when there was none enabled. */
  async undeploy(name: string): Promise<boolean> {
    const info = this.db.prepare('UPDATE deployments SET enabled = 0, updated_at = ? WHERE name = ? AND enabled = 1').run(this.now().toISOString(), name);
    return info.changes > 0;
  }

  /** Pauses or resumes an enabled deployment; false when there is none enabled by that name. */
  async setPaused(name: string, paused: boolean): Promise<boolean> {
    return this.db.prepare('UPDATE deployments SET paused = ?, updated_at = ? WHERE name = ? AND enabled = 1').run(paused ? 1 : 0, this.now().toISOString(), name).changes > 0;
  }

  /** The text of one version (every version keeps its own). */
  async versionText(name: string, version: number): Promise<string | undefined> {
    const row = this.db
      .prepare('SELECT v.text FROM deployment_versions v JOIN deployments d ON d.id = v.deployment_id WHERE d.name = ? AND v.version = ?')
      .get(name, version) as { text: string } | undefined;
    return row?.text;
  }

  /** The first failed run of the failing streak already announced, or null (notify.ts). */
  async notifyStreak(name: string): Promise<number | null> {
    const r = this.db.prepare('SELECT notify_streak FROM deployments WHERE name = ?').get(name) as { notify_streak: number | null } | undefined;
    return r?.notify_streak ?? null;
  }

  async setNotifyStreak(name: string, runId: number | null): Promise<void> {
    this.db.prepare('UPDATE deployments SET notify_streak = ? WHERE name = ?').run(runId, name);
  }

  /** Notes which version a run ran (the state store's runs table has the column since migration 2). */
  async tagRun(runId: number, version: number): Promise<void> {
    this.stmt.tag.run(version, runId);
  }

  /**
   * The deployment version each of these runs ran (agent runs only). A run is tagged when it ends;
   * one that never ended (the agent was killed) is dated instead: the agent reads the deployment at
   * each run's start, so it ran the last version deployed before it started.
   */
  async runVersions(runIds: number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    if (runIds.length === 0) return out;
    const rows = this.db
      .prepare(
        `SELECT r.id, COALESCE(r.deployment_version,
           (SELECT MAX(v.version) FROM deployment_versions v JOIN deployments d ON d.id = v.deployment_id
            WHERE (d.state_key = f.key OR 'agent:' || d.name = f.key) AND v.created_at <= r.started_at)) AS version
         FROM runs r JOIN flows f ON f.id = r.flow_id
         WHERE r.trigger = 'agent' AND r.id IN (${runIds.map(() => '?').join(',')})`,
      )
      .all(...runIds) as { id: number; version: number | null }[];
    for (const r of rows) if (r.version !== null) out.set(r.id, r.version);
    return out;
  }
}
