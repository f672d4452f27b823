// The queue agent's panel: workers (alive, running what), the queue's counts and the deployments,
// as one page that refreshes itself. Everything shown is escaped: deployment names and hosts come
// from the state and from Redis.
import type { WorkerInfo } from './queue.js';

export interface PanelStatus {
  leader: boolean;
  queue: Record<string, number>;
  workers: (WorkerInfo & { alive: boolean })[];
  deployments: { name: string; version: number; flow: string; schedule: string | null; paused: boolean }[];
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderPanel(s: PanelStatus): string {
  const counts = ['waiting', 'active', 'delayed', 'failed', 'completed'].map((k) => `<td data-count="${k}">${esc(s.queue[k] ?? 0)}</td>`).join('');
  const workers = s.workers
    .map((w) => {
      const running = w.running.length ? w.running.map((r) => `${esc(r.deployment)} v${esc(r.version)}${r.runId ? ` (run ${esc(r.runId)})` : ''}`).join(', ') : 'idle';
      return `<tr data-worker="${esc(w.id)}"><td>${esc(w.id)}</td><td>${esc(w.host)}</td><td>${esc(w.pid)}</td><td>${!w.alive ? 'gone (no sign of life)' : w.draining ? 'draining' : 'alive'}</td><td>${esc(w.running.length)}/${esc(w.concurrency)}</td><td>${running}</td><td>${esc(w.seenAt)}</td></tr>`;
    })
    .join('');
  const deps = s.deployments.map((d) => `<tr><td>${esc(d.name)}</td><td>${esc(d.version)}</td><td>${esc(d.flow)}</td><td>${esc(d.schedule ?? 'on demand')}</td><td>${d.paused ? 'paused' : ''}</td></tr>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2"><title>Sluice queue</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}</style></head><body>
<h1>Sluice queue mode</h1><p>This agent is ${s.leader ? '<b>the leader</b> (it schedules the runs)' : 'a follower (another agent schedules)'}.</p>
<h2>Queue</h2><table><tr><th>waiting</th><th>active</th><th>delayed</th><th>failed</th><th>completed</th></tr><tr>${counts}</tr></table>
<h2>Workers (${s.workers.length})</h2><table><tr><th>id</th><th>host</th><th>pid</th><th>state</th><th>busy</th><th>running</th><th>last seen</th></tr>${workers || '<tr><td colspan="7">no worker is alive</td></tr>'}</table>
<h2>Deployments</h2><table><tr><th>name</th><th>version</th><th>flow</th><th>schedule</th><th></th></tr>${deps}</table></body></html>
`;
}
