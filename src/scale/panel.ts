// The queue agent's panel. Its page (panel/index.html, panel/panel.js, with the in-process panel's
// token.js and style.css) holds no data and is served to anyone; what it shows — workers (alive,
// running what), the queue's counts and the deployments — is the fragment renderPanel makes, served
// only with the agent's token (GET /api/panel) and put into the page by its script. Everything in
// the fragment is escaped: deployment names and hosts come from the state and from Redis.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { panelDir } from '../agent/server.js';
import { assetDir } from '../util/asset-dir.js';
import type { WorkerInfo } from './queue.js';

const JS = 'text/javascript; charset=utf-8';

/** The panel's files by path: read once when the agent starts. */
export function panelFiles(): Map<string, { body: Buffer; type: string }> {
  const own = assetDir(import.meta.url, 'src/scale/panel', 'panel.js');
  const shared = panelDir();
  const html = { body: readFileSync(join(own, 'index.html')), type: 'text/html; charset=utf-8' };
  return new Map([
    ['/', html],
    ['/index.html', html],
    ['/panel.js', { body: readFileSync(join(own, 'panel.js')), type: JS }],
    ['/token.js', { body: readFileSync(join(shared, 'token.js')), type: JS }],
    ['/style.css', { body: readFileSync(join(shared, 'style.css')), type: 'text/css; charset=utf-8' }],
  ]);
}

export interface PanelStatus {
  leader: boolean;
  queue: Record<string, number>;
  workers: (WorkerInfo & { alive: boolean })[];
  deployments: { name: string; version: number; flow: string; schedule: string | null; paused: boolean }[];
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The panel's content: an HTML fragment for the page's <main>. */
export function renderPanel(s: PanelStatus): string {
  const counts = ['waiting', 'active', 'delayed', 'failed', 'completed'].map((k) => `<td data-count="${k}">${esc(s.queue[k] ?? 0)}</td>`).join('');
  const workers = s.workers
    .map((w) => {
      const running = w.running.length ? w.running.map((r) => `${esc(r.deployment)} v${esc(r.version)}${r.runId ? ` (run ${esc(r.runId)})` : ''}`).join(', ') : 'idle';
      return `<tr data-worker="${esc(w.id)}"><td>${esc(w.id)}</td><td>${esc(w.host)}</td><td>${esc(w.pid)}</td><td>${!w.alive ? 'gone (no sign of life)' : w.draining ? 'draining' : 'alive'}</td><td>${esc(w.running.length)}/${esc(w.concurrency)}</td><td>${running}</td><td>${esc(w.seenAt)}</td></tr>`;
    })
    .join('');
  const deps = s.deployments.map((d) => `<tr><td>${esc(d.name)}</td><td>${esc(d.version)}</td><td>${esc(d.flow)}</td><td>${esc(d.schedule ?? 'on demand')}</td><td>${d.paused ? 'paused' : ''}</td></tr>`).join('');
  return `<p>This agent is ${s.leader ? '<b>the leader</b> (it schedules the runs)' : 'a follower (another agent schedules)'}.</p>
<h2>Queue</h2><table><tr><th>waiting</th><th>active</th><th>delayed</th><th>failed</th><th>completed</th></tr><tr>${counts}</tr></table>
<h2>Workers (${s.workers.length})</h2><table><tr><th>id</th><th>host</th><th>pid</th><th>state</th><th>busy</th><th>running</th><th>last seen</th></tr>${workers || '<tr><td colspan="7">no worker is alive</td></tr>'}</table>
<h2>Deployments</h2><table><tr><th>name</th><th>version</th><th>flow</th><th>schedule</th><th></th></tr>${deps}</table>
`;
}
