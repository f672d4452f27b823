// The queue agent's panel is locked like its API: the page at / is a shell without data (its
// script takes the token from the address `sluice agent panel` prints), and what the panel shows
// comes from GET /api/panel, which needs the token. Real processes on real Redis and PostgreSQL.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSluice } from '../helpers/cli.js';
import { pgAvailable } from '../helpers/postgres.js';
import { redisAvailable } from '../helpers/redis.js';
import { sandboxesPerTest } from '../runtime/helpers/sandbox-run.js';
import { cluster, type Proc } from './helpers.js';

const sb = sandboxesPerTest();
const urlOf = (p: Proc) => /agent listening on (\S+)/.exec(p.stdout)![1];

const flow = `flow qpanelcopy {
  source pipedrive.persons since ~{CreatedDate}~
    -> map { id: id, name: name }
    -> dest sqlite.table with db = "qpanel.db", table = "p", key = "id"
}
`;

describe.skipIf(!redisAvailable || !pgAvailable)("the queue agent's panel", () => {
  it('serves a shell without data at /, and the deployments, workers and queue only with the token', async () => {
    const s = await sb({ persons: 3, deals: 0, leads: 0, activities: 0, notes: 0, organizations: 0 });
    const c = await cluster(s);
    try {
      const agent = await c.agent();
      const url = urlOf(agent);
      const worker = await c.worker(3);
      writeFileSync(join(c.dir, 'qpanelcopy.flow'), flow);
      await c.deploy(flow, 'qpanelcopy.flow');
      await c.post('/api/deployments/qpanelcopy/run?wait=1');
      const token = c.token();
      const workerPid = String(worker.child.pid);

      // The page anyone reaching the port gets: no deployment, worker or queue data, no token.
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      const shell = await page.text();
      expect(shell).not.toContain('qpanelcopy');
      expect(shell).not.toContain('data-worker');
      expect(shell).not.toContain('data-count');
      expect(shell).not.toMatch(new RegExp(`\\b${workerPid}\\b`));
      expect(shell).not.toContain(token);
      // Its scripts come from the agent (no inline script), and hold no data either.
      expect(shell).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      for (const path of ['/token.js', '/panel.js']) {
        expect(shell).toContain(`<script src="${path}"`);
        const js = await fetch(`${url}${path}`);
        expect(js.status, path).toBe(200);
        expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
        const text = await js.text();
        expect(text).not.toContain('qpanelcopy');
        expect(text).not.toContain(token);
      }
      expect(await (await fetch(`${url}/panel.js`)).text()).toContain('/api/panel');
      expect((await fetch(`${url}/style.css`)).status).toBe(200);

      // The panel's content: refused without the token or with a wrong one.
      const anonymous = await fetch(`${url}/api/panel`);
      expect(anonymous.status).toBe(401);
      const anonymousText = await anonymous.text();
      expect(anonymousText).not.toContain('qpanelcopy');
      expect(anonymousText).toContain('SL8030');
      expect((await fetch(`${url}/api/panel`, { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(401);

      const panel = await fetch(`${url}/api/panel`, { headers: { authorization: `Bearer ${token}` } });
      expect(panel.status).toBe(200);
      expect(panel.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(panel.headers.get('cache-control')).toBe('no-store');
      const html = await panel.text();
      expect(html).toContain('<td>qpanelcopy</td>');
      expect(html).toMatch(new RegExp(`<tr data-worker="[^"]+"><td>[^<]+</td><td>[^<]+</td><td>${workerPid}</td><td>alive</td><td>0/3</td><td>idle</td>`));
      expect(html).toContain('<td data-count="completed">1</td>');
      expect(html).toContain('<td data-count="waiting">0</td>');
      expect(html).toContain('<b>the leader</b>');
      // A fragment put into the shell: no page of its own, no refresh by the server.
      expect(html).not.toMatch(/<html|<head|http-equiv/i);

      // The address with the token, for the shell's script to take from the fragment.
      const printed = await runSluice(['agent', 'panel'], { cwd: c.dir, env: c.env, timeoutMs: 30_000 });
      expect(printed.code, printed.stderr).toBe(0);
      expect(printed.stdout).toBe(`${url}/#token=${token}\n`);
    } finally {
      await c.close();
    }
  }, 90_000);
});
