// The CLI's side of the agent's API: finds the agent through `$SLUICE_HOME/agent.json`, sends the
// token in the Authorization header, and turns every way of not reaching it into one clear error.
import { AGENT_ERRORS as E, AgentError } from './errors.js';
import { pidAlive } from '../util/process.js';
import { readAgentFile, type AgentInfo } from './agent-file.js';

export const NOT_RUNNING = 'the agent is not running: start it with `sluice agent start`';

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** An error answer of the API, with the diagnostics of a refused deploy when there are any. */
export class AgentApiError extends AgentError {
  constructor(
    code: string,
    message: string,
    hint: string | undefined,
    readonly status: number,
    readonly diagnostics?: unknown[],
  ) {
    super(code as never, message, { ...(hint ? { hint } : {}), exitCode: 1 });
  }
}

export class AgentClient {
  private constructor(readonly info: AgentInfo) {}

  /** The running agent of `home`, or the SL8001 error (exit 1) when there is none. */
  static connect(home: string): AgentClient {
    const f = readAgentFile(home);
    if (!f) throw new AgentError(E.notRunning, NOT_RUNNING, { hint: `No agent.json in ${home} (SLUICE_HOME).` });
    if (f.state === 'starting') {
      if (!pidAlive(f.pid)) throw new AgentError(E.notRunning, NOT_RUNNING, { hint: `The agent (pid ${f.pid}) died while starting.` });
      throw new AgentError(E.notRunning, `the agent (pid ${f.pid}) is still starting`, { hint: 'Try again in a moment.' });
    }
    if (!pidAlive(f.info.pid)) throw new AgentError(E.notRunning, NOT_RUNNING, { hint: `The agent that was running (pid ${f.info.pid}) is gone.` });
    return new AgentClient(f.info);
  }

  get url(): string {
    return this.info.url;
  }

  get pid(): number {
    return this.info.pid;
  }

  /** The panel's address with the token in the fragment (never sent to a server, see server.ts). */
  panelUrl(): string {
    return `${this.info.url}/#token=${encodeURIComponent(this.info.token)}`;
  }

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, options: { timeoutMs?: number } = {}): Promise<ApiAnswer<T>> {
    let res: Response;
    try {
      res = await fetch(`${this.info.url}/api/${path}`, {
        method,
        headers: { authorization: `Bearer ${this.info.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      // Messages of fetch errors are generic; the cause's code says what happened. None holds the token.
      const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as { name?: string }).name ?? 'error';
      if (code === 'ECONNREFUSED') throw new AgentError(E.notRunning, NOT_RUNNING, { hint: `Nothing answers at ${this.info.url} (pid ${this.info.pid}).` });
      if (code === 'TimeoutError') throw new AgentError(E.unreachable, `the agent at ${this.info.url} did not answer in time`, { hint: 'It may be busy; try again, or look at its log.' });
      throw new AgentError(E.unreachable, `cannot reach the agent at ${this.info.url} (${code})`);
    }
    let parsed: unknown;
    const text = await res.text();
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AgentError(E.badAnswer, `the agent at ${this.info.url} answered ${res.status} without JSON`, { hint: 'Is something else listening on that port? Restart the agent.' });
    }
    if (res.status >= 400) {
      const e = (parsed as { error?: { code?: string; message?: string; hint?: string } }).error ?? {};
      if (res.status === 401) throw new AgentApiError(E.unauthorized, 'the agent refused the token in agent.json', 'The file may be from another agent; restart the agent.', 401);
      throw new AgentApiError(e.code ?? E.badAnswer, e.message ?? `the agent answered ${res.status}`, e.hint, res.status, (parsed as { diagnostics?: unknown[] }).diagnostics);
    }
    return { status: res.status, body: parsed as T };
  }

  /** Waits for the agent's process to end (after a stop request). */
  async waitForExit(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (!pidAlive(this.info.pid)) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return !pidAlive(this.info.pid);
  }
}
