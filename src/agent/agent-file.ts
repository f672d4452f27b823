// `$SLUICE_HOME/agent.json`: how the CLI finds the running agent (URL, PID) and proves it may talk to
// it (the token). Mode 0600 in a 0700 folder: the token is as good as the agent itself.
//
// The file is also the agent's lock: it is created exclusively before the agent listens, so two
// agents never run the flows of one SLUICE_HOME (each would run every deployment). A file left by an
// agent that died (its PID gone) is stale and is replaced.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ensureHome } from '../state/home.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { AGENT_ERRORS as E, AgentError } from './errors.js';
import { pidAlive } from '../util/process.js';

export const AGENT_FILE = 'agent.json';

export interface AgentInfo {
  url: string;
  token: string;
  pid: number;
  started_at: string;
  home: string;
  /** `queue`: a queue-mode agent (`agent start --queue`), whose runs are done by workers. */
  mode?: 'queue';
}

/** What the file holds: the full record, or only the PID while the agent is starting. */
export type AgentFileContent = { state: 'running'; info: AgentInfo } | { state: 'starting'; pid: number };

export const agentFilePath = (home: string): string => join(home, AGENT_FILE);


/** The file's content, or null when there is none (or it is unreadable or not ours). */
export function readAgentFile(home: string): AgentFileContent | null {
  let raw: string;
  try {
    raw = readFileSync(agentFilePath(home), 'utf8');
  } catch {
    return null;
  }
  let v: Partial<AgentInfo> & { starting?: boolean };
  try {
    v = JSON.parse(raw) as typeof v;
  } catch {
    return null;
  }
  if (typeof v.pid !== 'number') return null;
  if (v.starting) return { state: 'starting', pid: v.pid };
  if (typeof v.url !== 'string' || typeof v.token !== 'string') return null;
  return { state: 'running', info: { url: v.url, token: v.token, pid: v.pid, started_at: String(v.started_at ?? ''), home: String(v.home ?? home), ...(v.mode === 'queue' ? { mode: 'queue' as const } : {}) } };
}

/** Takes the lock: creates agent.json for this process, replacing a stale one; refuses when a live agent holds it. */
export function acquireAgentFile(home: string): void {
  ensureHome(home);
  const path = agentFilePath(home);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, `${JSON.stringify({ pid: process.pid, starting: true })}\n`);
      } finally {
        closeSync(fd);
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new AgentError(E.alreadyRunning, `cannot create ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { hint: 'Check the permissions of SLUICE_HOME.' });
      }
    }
    const current = readAgentFile(home);
    const pid = current ? (current.state === 'running' ? current.info.pid : current.pid) : null;
    // The same PID as ours belongs to an earlier process (a restarted container reuses small PIDs).
    if (pid !== null && pid !== process.pid && pidAlive(pid)) {
      const where = current?.state === 'running' ? ` at ${current.info.url}` : ' (starting)';
      throw new AgentError(E.alreadyRunning, `an agent is already running for ${home}: pid ${pid}${where}`, {
        hint: 'Stop it first with `sluice agent stop`, or give this one another SLUICE_HOME.',
      });
    }
    try {
      unlinkSync(path);
    } catch {
      // Another starting agent removed it first: the next attempt decides.
    }
  }
  throw new AgentError(E.alreadyRunning, `another agent is starting for ${home}`, { hint: 'Try again in a moment, or stop it with `sluice agent stop`.' });
}

/** Writes the full record once the agent listens (atomically: readers never see half of it). */
export function publishAgentFile(home: string, info: AgentInfo): void {
  writeFileAtomic(agentFilePath(home), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the file if it is still this process's. */
export function releaseAgentFile(home: string): void {
  const current = readAgentFile(home);
  const pid = current ? (current.state === 'running' ? current.info.pid : current.pid) : null;
  if (pid !== process.pid) return;
  try {
    unlinkSync(agentFilePath(home));
  } catch {
    // Already gone.
  }
}

/**
 * Whether a queue-mode agent may publish itself in agent.json: `free` (no file, or its PID is gone),
 * `queue` (another live queue agent has it: the leader may take it over, as all share one token).
 * A live in-process agent (or one starting) holds the file for its own runs: refused. `current` is
 * the file's content when the caller has just read it.
 */
export function queueAgentFileHolder(home: string, current: AgentFileContent | null = readAgentFile(home)): 'free' | 'queue' {
  if (!current) return 'free';
  const pid = current.state === 'running' ? current.info.pid : current.pid;
  if (pid === process.pid || !pidAlive(pid)) return 'free';
  if (current.state === 'running' && current.info.mode === 'queue') return 'queue';
  throw new AgentError(E.alreadyRunning, `an agent that runs flows itself is already running for ${home}: pid ${pid}${current.state === 'running' ? ` at ${current.info.url}` : ' (starting)'}; a queue-mode agent was not started`, {
    hint: 'Stop it first with `sluice agent stop` (its deployments stay in its SQLite state; deploy them again to the queue), or give the queue agent another SLUICE_HOME.',
  });
}
