// Deployments: the flows the agent runs, kept in the state database (migration 2, `deployments` and
// `deployment_versions`) so that they survive a restart of the agent together with their run history.
//
// A deployment is a copy of a flow file's text, not a reference to the file: editing the file on
// disk changes nothing until it is deployed again, which makes a new version. Each deployment has
// the state of the flow it deploys (`flow:<id>`, see projectFlowKey), so that it continues where a
// hand run or an earlier version stopped.
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../state/index.js';
import { agentFlowKey, projectFlowKey } from '../state/index.js';
import type { Schedule } from './scheduler.js';

export interface Deployment {
  id: number;
  name: string;
  version: number;
  flow: string;
  fileName: string;
  filePath: string | null;
  baseDir: string;
  text: string;
  schedule: Schedule | null;
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
  schedule: Schedule | null;
  vars: Record<string, string>;
  stateKey: string;
  allowPaths: string[];
  notifyUrl: string | null;
}

export interface DeploymentVersion {
  version: number;
  flow: string;
  filePath: string | null;
  schedule: Schedule | null;
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
    schedule: r.schedule ? (JSON.parse(r.schedule) as Schedule) : null,
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

/** Deployment names are state keys (`agent:<name>`) and URL path segments: kept to a safe alphabet. */
export const DEPLOYMENT_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;

export function isDeploymentName(name: string): boolean {
  if (!DEPLOYMENT_NAME.test(name)) return false;
  try {
    agentFlowKey(name);
    return true;
  } catch {
    return false;
  }
}

export class Deployments {
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
  list(options: { all?: boolean } = {}): Deployment[] {
    const rows = this.db.prepare(`SELECT * FROM deployments ${options.all ? '' : 'WHERE enabled = 1'} ORDER BY name`).all() as Row[];
    return rows.map(toDeployment);
  }

  get(name: string): Deployment | undefined {
    const row = this.stmt.get.get(name) as Row | undefined;
    return row ? toDeployment(row) : undefined;
  }

  versions(name: string): DeploymentVersion[] {
    const rows = this.db
      .prepare(
        `SELECT v.version, v.flow, v.file_path, v.schedule, v.created_at FROM deployment_versions v JOIN deployments d ON d.id = v.deployment_id
         WHERE d.name = ? ORDER BY v.version DESC`,
      )
      .all(name) as { version: number; flow: string; file_path: string | null; schedule: string | null; created_at: string }[];
    return rows.map((r) => ({ version: r.version, flow: r.flow, filePath: r.file_path, schedule: r.schedule ? (JSON.parse(r.schedule) as Schedule) : null, createdAt: r.created_at }));
  }

  /**
   * Stores a deploy: a new deployment at version 1, or the next version of an existing one (also of
   * an undeployed one, which is enabled again: versions never restart, so a version number always
   * names one text). One IMMEDIATE transaction: two deploys of one name get two versions.
   */
  deploy(input: DeploymentInput): Deployment {
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
      return this.get(input.name)!;
    });
    return write.immediate();
  }

  /** Stops scheduling a deployment; its versions and run history stay. False when there was none enabled. */
  undeploy(name: string): boolean {
    const info = this.db.prepare('UPDATE deployments SET enabled = 0, updated_at = ? WHERE name = ? AND enabled = 1').run(this.now().toISOString(), name);
    return info.changes > 0;
  }

  /** Pauses or resumes an enabled deployment; false when there is none enabled by that name. */
  setPaused(name: string, paused: boolean): boolean {
    return this.db.prepare('UPDATE deployments SET paused = ?, updated_at = ? WHERE name = ? AND enabled = 1').run(paused ? 1 : 0, this.now().toISOString(), name).changes > 0;
  }

  /** The text of one version (every version keeps its own). */
  versionText(name: string, version: number): string | undefined {
    const row = this.db
      .prepare('SELECT v.text FROM deployment_versions v JOIN deployments d ON d.id = v.deployment_id WHERE d.name = ? AND v.version = ?')
      .get(name, version) as { text: string } | undefined;
    return row?.text;
  }

  /** The first failed run of the failing streak already announced, or null (notify.ts). */
  notifyStreak(name: string): number | null {
    const r = this.db.prepare('SELECT notify_streak FROM deployments WHERE name = ?').get(name) as { notify_streak: number | null } | undefined;
    return r?.notify_streak ?? null;
  }

  setNotifyStreak(name: string, runId: number | null): void {
    this.db.prepare('UPDATE deployments SET notify_streak = ? WHERE name = ?').run(runId, name);
  }

  /** Notes which version a run ran (the state store's runs table has the column since migration 2). */
  tagRun(runId: number, version: number): void {
    this.stmt.tag.run(version, runId);
  }

  /**
   * The deployment version each of these runs ran (agent runs only). A run is tagged when it ends;
   * one that never ended (the agent was killed) is dated instead: the agent reads the deployment at
   * each run's start, so it ran the last version deployed before it started.
   */
  runVersions(runIds: number[]): Map<number, number> {
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
