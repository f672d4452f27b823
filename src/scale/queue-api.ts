// The queue agent's HTTP API: the same paths, token and JSON shapes as the in-process agent's
// (src/agent/server.ts), so that `sluice deploy`, `deployments`, `undeploy`, `trigger [--wait]`,
// `pause`, `resume`, `agent status|stop|panel` work against either through agent.json. What differs
// is behind QueueAgentCore: runs go on the queue, the run in progress and the next due time are read
// from PostgreSQL and BullMQ. The panel's page (GET /) holds no data: its script fetches what it
// shows from GET /api/panel with the token, as every /api route needs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentApi } from '../agent/api.js';
import { AGENT_ERRORS as AE } from '../agent/errors.js';
import type { DeployRequest } from '../agent/deploy-request.js';
import { HttpError, SECURITY_HEADERS, apiPath, readJson, requestUrl, send, sendError } from '../agent/server.js';
import type { runJson } from '../state/index.js';
import { panelFiles, renderPanel, type PanelStatus } from './panel.js';
import type { RunOutcomeJson } from './queue-runs.js';

/**
 * What the routes need of the queue agent (queue-agent.ts). Checking the token and undeploying are
 * the in-process agent's contract as they are; the other answers are already JSON, since what runs
 * and when is read from the queue, not from a Runner.
 */
export interface QueueAgentCore extends Pick<AgentApi, 'tokenMatches' | 'undeploy'> {
  port(): number;
  allowRemote: boolean;
  status(): Promise<Record<string, unknown>>;
  panel(): Promise<PanelStatus>;
  deployments(all: boolean): Promise<unknown[]>;
  deploy(req: DeployRequest): Promise<{ deployed: unknown[]; warnings: unknown[] }>;
  setPaused(name: string, paused: boolean): Promise<unknown>;
  trigger(name: string): Promise<{ jobId: string; wait(): Promise<RunOutcomeJson> }>;
  runs(name: string | undefined, limit: number): Promise<ReturnType<typeof runJson>[]>;
  stop(reason: string): Promise<void>;
  log(line: string): void;
}

export function queueApi(core: QueueAgentCore) {
  const files = panelFiles();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestUrl(req, core.port(), core.allowRemote);
    const file = files.get(url.pathname);
    if (file && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.type, 'content-length': file.body.length });
      return void res.end(req.method === 'HEAD' ? undefined : file.body);
    }
    if (!url.pathname.startsWith('/api/')) throw new HttpError(404, AE.notFound, `no such page: ${url.pathname}`);
    const parts = apiPath(req, url, core.tokenMatches);
    const name = parts[0] === 'deployments' ? parts[1] : undefined;
    const route = `${req.method} ${parts.map((p, i) => (i === 1 && parts[0] === 'deployments' ? ':name' : p)).join('/')}`;
    switch (route) {
      case 'GET status':
        return send(res, 200, await core.status());
      case 'GET panel': {
        const html = renderPanel(await core.panel());
        res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
        return void res.end(html);
      }
      case 'GET deployments':
        return send(res, 200, { deployments: await core.deployments(url.searchParams.get('all') === '1') });
      case 'POST deployments':
        return send(res, 201, await core.deploy((await readJson(req)) as unknown as DeployRequest));
      // `POST .../undeploy` and `.../trigger` do what `DELETE ...` and `.../run` do: scripts that drive
      // a queue agent over HTTP call those names (bench/scale.ts, test/scale); the CLI uses the others.
      case 'DELETE deployments/:name':
      case 'POST deployments/:name/undeploy':
        return send(res, 200, { undeployed: await core.undeploy(name!) });
      case 'POST deployments/:name/pause':
        return send(res, 200, { paused: await core.setPaused(name!, true) });
      case 'POST deployments/:name/resume':
        return send(res, 200, { resumed: await core.setPaused(name!, false) });
      case 'POST deployments/:name/run':
      case 'POST deployments/:name/trigger': {
        const t = await core.trigger(name!);
        if (url.searchParams.get('wait') === '1') return send(res, 200, { run: await t.wait() });
        return send(res, 202, { started: { deployment: name, job: t.jobId }, queued: t.jobId });
      }
      case 'GET runs': {
        const limit = Math.max(1, Math.min(Number(url.searchParams.get('limit') ?? 50) || 50, 1000));
        return send(res, 200, { runs: await core.runs(url.searchParams.get('deployment') ?? undefined, limit) });
      }
      case 'POST stop':
        send(res, 202, { stopping: true, running: 0 });
        res.on('finish', () => void core.stop('asked by the API'));
        return;
      default:
        throw new HttpError(404, AE.notFound, `no such API in queue mode: ${req.method} ${url.pathname}`);
    }
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => void sendError(res, err, core.log));
  };
}
