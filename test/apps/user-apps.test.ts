// A user's own app definitions: `apps/` of the folder sluice runs in, `--apps DIR`, `$SLUICE_APPS`,
// checked by the same meta-schema as the stdlib, and `sluice apps validate` with JSON pointers.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runSluice, tempDir } from '../helpers/cli.js';

const EXAMPLE = join(ROOT, 'examples', 'apps', 'shop');

const GOOD = `source shop.orders where status = "paid" since ~{CreatedDate}~
  -> map { customer: customer ?? "unknown", total: total }
  -> dest shop.orders.create
`;
const TYPO = GOOD.replace('customer ?? "unknown"', 'customr');

/** A project folder with the example shop app in its apps/. */
function project(): string {
  const dir = tempDir('sluice-user-apps-');
  cpSync(EXAMPLE, join(dir, 'apps', 'shop'), { recursive: true });
  writeFileSync(join(dir, 'good.flow'), GOOD);
  writeFileSync(join(dir, 'typo.flow'), TYPO);
  return dir;
}

function editApp(dir: string, edit: (doc: any) => void): void {
  const file = join(dir, 'app.json');
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  edit(doc);
  writeFileSync(file, JSON.stringify(doc, null, 2));
}

describe('user-defined apps', () => {
  it("a project's apps/ is used by flows with full checking: fields, parameters, did-you-mean", async () => {
    const dir = project();
    const good = await runSluice(['check', 'good.flow'], { cwd: dir });
    expect(good.stdout + good.stderr).toContain('0 errors');
    expect(good.code).toBe(0);
    const typo = await runSluice(['check', 'typo.flow', '--format', 'json'], { cwd: dir });
    expect(typo.code).toBe(1);
    const diags = JSON.parse(typo.stdout) as { diagnostics?: { code: string; message: string }[] }[] | { code: string; message: string }[];
    const text = JSON.stringify(diags);
    expect(text).toContain('SL2050');
    expect(text).toContain('did you mean `customer`');
    // A parameter value outside the definition's enum is caught too.
    writeFileSync(join(dir, 'bad.flow'), GOOD.replace('"paid"', '"payed"'));
    const bad = await runSluice(['check', 'bad.flow'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('payed');

    const apps = await runSluice(['apps', '--format', 'json'], { cwd: dir });
    expect((JSON.parse(apps.stdout) as { app: string }[]).map((a) => a.app)).toContain('shop');
    const describeOut = await runSluice(['describe', 'shop.orders'], { cwd: dir });
    expect(describeOut.stdout).toContain('GET /orders');
    expect(describeOut.stdout).toContain('"open" | "paid" | "shipped"');
  });

  it('--apps DIR and $SLUICE_APPS add apps from anywhere; without them the app is unknown', async () => {
    const dir = project();
    const elsewhere = tempDir('sluice-elsewhere-');
    const flow = join(dir, 'good.flow');
    const without = await runSluice(['check', flow], { cwd: elsewhere });
    expect(without.code).toBe(1);
    expect(without.stdout).toContain('unknown app `shop`');
    const withFlag = await runSluice(['check', flow, '--apps', join(dir, 'apps')], { cwd: elsewhere });
    expect(withFlag.code).toBe(0);
    const withFlagFirst = await runSluice(['--apps', join(dir, 'apps'), 'check', flow], { cwd: elsewhere });
    expect(withFlagFirst.code).toBe(0);
    const withEnv = await runSluice(['check', flow], { cwd: elsewhere, env: { SLUICE_APPS: join(dir, 'apps') } });
    expect(withEnv.code).toBe(0);
  });

  it('folders of apps/ without an app.json are not apps; a broken definition stops every command with its file and pointer', async () => {
    const dir = project();
    mkdirSync(join(dir, 'apps', 'node_modules_like'));
    expect((await runSluice(['check', 'good.flow'], { cwd: dir })).code).toBe(0);
    editApp(join(dir, 'apps', 'shop'), (d) => {
      d.actions[1].method = 'SEND';
    });
    const r = await runSluice(['check', 'good.flow'], { cwd: dir });
    expect(r.code).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out).toContain('SL0402');
    expect(out).toContain('apps/shop/app.json: /actions/1/method');
    expect(out).toContain('your apps folder');
  });

  it('sluice apps validate: ok, or FILE#/pointer with the code; JSON for scripts; exit codes 0, 1, 2', async () => {
    const dir = project();
    const ok = await runSluice(['apps', 'validate', 'apps/shop/app.json'], { cwd: dir });
    expect(ok.stdout).toBe('apps/shop/app.json: ok (app `shop`, 2 actions)\n');
    expect(ok.code).toBe(0);

    editApp(join(dir, 'apps', 'shop'), (d) => {
      d.http.pagination.pages.pageSizeMax = 0;
    });
    const bad = await runSluice(['apps', 'validate', 'apps/shop', '--format', 'json'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toEqual([
      { file: 'apps/shop/app.json', ok: false, error: { code: 'SL0402', pointer: '/http/pagination/pages/pageSizeMax', message: expect.stringContaining('>= 1') } },
    ]);

    // A $ref to a schema file that does not exist, in a fresh copy.
    const other = project();
    editApp(join(other, 'apps', 'shop'), (d) => {
      d.actions[0].record = { $ref: 'schemas/missing.json' };
    });
    const ref = await runSluice(['apps', 'validate', 'apps/shop/app.json'], { cwd: other });
    expect(ref.code).toBe(1);
    expect(ref.stdout).toMatch(/^apps\/shop\/app\.json#\/actions\/0\/record\/\$ref: error SL0403 /);

    const missing = await runSluice(['apps', 'validate', 'nope/app.json'], { cwd: dir });
    expect(missing.code).toBe(2);
    const help = await runSluice(['apps', 'validate', '--help'], { cwd: dir });
    expect(help.stdout).toContain('FILE#/json/pointer');
  });

  it('an app may not take the name of a standard app', async () => {
    const dir = tempDir('sluice-clash-');
    cpSync(EXAMPLE, join(dir, 'apps', 'sqlite'), { recursive: true });
    editApp(join(dir, 'apps', 'sqlite'), (d) => {
      d.name = 'sqlite';
    });
    const v = await runSluice(['apps', 'validate', 'apps/sqlite'], { cwd: dir });
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('SL0404');
    expect(v.stdout).toContain('the standard library defines already');
    const list = await runSluice(['apps'], { cwd: dir });
    expect(list.code).toBe(1);
    expect(list.stdout + list.stderr).toContain('stdlib/sqlite/app.json defines already');
  });

  it('`arrival` (how replay looks for an uncertain create) is checked by `sluice apps validate`', async () => {
    const dir = project();
    editApp(join(dir, 'apps', 'shop'), (d) => {
      d.actions[1].arrival = { read: 'orders', by: ['customer'], match: ['customer', 'total'] };
    });
    const ok = await runSluice(['apps', 'validate', 'apps/shop/app.json'], { cwd: dir });
    expect(ok.stdout + ok.stderr).toContain('ok (app `shop`');
    expect(ok.code).toBe(0);

    editApp(join(dir, 'apps', 'shop'), (d) => {
      delete d.actions[1].arrival.match;
    });
    const missing = await runSluice(['apps', 'validate', 'apps/shop', '--format', 'json'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)[0].error).toMatchObject({ code: 'SL0402', pointer: '/actions/1/arrival' });

    const onRead = project();
    editApp(join(onRead, 'apps', 'shop'), (d) => {
      d.actions[0].arrival = { read: 'orders', by: ['customer'], match: ['customer'] };
    });
    const read = await runSluice(['apps', 'validate', 'apps/shop/app.json'], { cwd: onRead });
    expect(read.code).toBe(1);
    expect(read.stdout).toContain('/actions/0/arrival');
    expect(read.stdout).toContain('is only for writes');
  });
});
