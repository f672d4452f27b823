// Bounds on deployed flows, with the real agent: file and SQLite paths outside the folder a flow is
// deployed from are refused at deploy (with a diagnostic at the option) unless --allow-path allows
// them; a path that only leaves the folder at run time (a symbolic link made after the deploy) fails
// the run; the agent's own data is refused even inside the folder; absolute-form request targets
// are refused by the API.
import { mkdirSync, readFileSync, symlinkSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAgents, project, runs, startAgent, tempDir } from './helpers.js';

afterEach(() => killAgents());

const people = '{"id":1,"name":"Ada"}\n{"id":2,"name":"Bob"}\n';

/** One raw HTTP/1.1 exchange (fetch cannot send an absolute-form request target). */
function rawRequest(url: string, head: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => s.write(head));
    let out = '';
    s.setEncoding('utf8').on('data', (d: string) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

describe('bounds on deployed flows', () => {
  it('refuses at deploy a flow reading /etc/hostname or writing outside its folder; --allow-path allows a folder', async () => {
    const outside = tempDir('sluice-outside-');
    const p = project({
      'in.jsonl': people,
      'etc.flow': 'flow etc {\n  source file.csv with path = "/etc/hostname" -> dest file.jsonl with path = "out/h.jsonl"\n}\n',
      'out.flow': `flow out {\n  source file.jsonl with path = "in.jsonl" -> dest file.jsonl with path = "${join(outside, 'o.jsonl')}"\n}\n`,
      'rej.flow': `flow rej {\n  on reject file.jsonl with path = "../${outside.split('/').pop()}/rejected.jsonl"\n  source file.jsonl with path = "in.jsonl" -> dest file.jsonl with path = "out/r.jsonl"\n}\n`,
      'db.flow': `flow db {\n  source sqlite.table with db = ~{Db}~, table = "t" -> dest stdout\n}\nvar Db: string\n`,
      'home.flow': 'flow home {\n  source file.jsonl with path = ".sluice/agent.json" -> dest stdout\n}\n',
    });
    await startAgent(p);

    const etc = await p.sluice(['deploy', 'etc.flow']);
    expect(etc.code).toBe(1);
    expect(etc.stderr).toMatch(/etc\.flow:2:31: error SL8015 `path` of `file\.csv`: the flow may not read \/etc\/hostname is outside the folders this deployment may use/);
    expect(etc.stderr).toContain('uses a path outside the folders the deployment may use: nothing was deployed');
    const etcJson = JSON.parse((await p.sluice(['deploy', 'etc.flow', '--format', 'json'])).stdout);
    expect(etcJson).toMatchObject({ ok: false, error: { code: 'SL8015' }, diagnostics: [{ code: 'SL8015', severity: 'error', range: { start: { line: 2, column: 31 } } }] });

    const out = await p.sluice(['deploy', 'out.flow']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('error SL8015 `path` of `file.jsonl`: the flow may not write');
    const rej = await p.sluice(['deploy', 'rej.flow']);
    expect(rej.code).toBe(1);
    expect(rej.stderr).toMatch(/rej\.flow:2:36: error SL8015/);
    // A --var value is known at deploy: checked there too.
    const db = await p.sluice(['deploy', 'db.flow', '--var', 'Db=/etc/passwd']);
    expect(db.code).toBe(1);
    expect(db.stderr).toContain('SL8015 `db` of `sqlite.table`: the flow may not read /etc/passwd');
    // The agent's own data (agent.json holds the API token) is refused although it is inside the folder.
    const home = await p.sluice(['deploy', 'home.flow']);
    expect(home.code).toBe(1);
    expect(home.stderr).toContain("is inside the agent's own data");
    expect(JSON.parse((await p.sluice(['deployments', '--all', '--format', 'json'])).stdout).deployments).toEqual([]);

    // Allowed: deployed with the folder kept, and it runs.
    const ok = await p.sluice(['deploy', 'out.flow', '--allow-path', outside, '--format', 'json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).deployed[0]).toMatchObject({ name: 'out', allow_paths: [outside] });
    const run = await p.sluice(['trigger', 'out', '--wait', '--format', 'json']);
    expect(JSON.parse(run.stdout)).toMatchObject({ run: { status: 'succeeded', written: 2 } });
    expect(readFileSync(join(outside, 'o.jsonl'), 'utf8')).toBe(people);
    // The next deploy without the option takes the permission away again.
    expect((await p.sluice(['deploy', 'out.flow'])).code).toBe(1);
  });

  it('fails a run whose path leaves the folder only at run time (a symbolic link made after the deploy)', async () => {
    const outside = tempDir('sluice-outside-');
    const p = project({
      'in.jsonl': people,
      'link.flow': 'flow link {\n  source file.jsonl with path = "in.jsonl" -> dest file.jsonl with path = "data/out.jsonl"\n}\n',
    });
    await startAgent(p);
    expect((await p.sluice(['deploy', 'link.flow'])).code).toBe(0);
    symlinkSync(outside, join(p.dir, 'data'));
    const run = await p.sluice(['trigger', 'link', '--wait', '--format', 'json']);
    const body = JSON.parse(run.stdout);
    expect(body.run.status).toBe('failed');
    expect(body.run.error.code).toBe('SL8015');
    expect(body.run.error.message).toContain(`data/out.jsonl (really ${outside}/out.jsonl) is outside the folders this deployment may use`);
    expect(existsSync(join(outside, 'out.jsonl'))).toBe(false);
    expect((await runs(p, 'link')).map((r) => [r.status, r.error?.code])).toEqual([['failed', 'SL8015']]);
    // Inside the folder again: the same deployment runs.
    mkdirSync(join(p.dir, 'real'));
    const { unlinkSync } = await import('node:fs');
    unlinkSync(join(p.dir, 'data'));
    symlinkSync(join(p.dir, 'real'), join(p.dir, 'data'));
    const again = JSON.parse((await p.sluice(['trigger', 'link', '--wait', '--format', 'json'])).stdout);
    expect(again.run.status).toBe('succeeded');
    expect(readFileSync(join(p.dir, 'real', 'out.jsonl'), 'utf8')).toBe(people);
  });

  it('refuses absolute-form request targets', async () => {
    const p = project();
    const agent = await startAgent(p);
    const host = new URL(agent.url).host;
    const abs = await rawRequest(agent.url, `GET ${agent.url}/api/status HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${agent.token()}\r\nConnection: close\r\n\r\n`);
    expect(abs).toMatch(/^HTTP\/1\.1 400 /);
    expect(abs).toContain('"code":"SL8031"');
    expect(abs).toContain('origin-form');
    const origin = await rawRequest(agent.url, `GET /api/status HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${agent.token()}\r\nConnection: close\r\n\r\n`);
    expect(origin).toMatch(/^HTTP\/1\.1 200 /);
  });
});
