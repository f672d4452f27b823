// The agent's panel in a real headless browser: Debian's chromium driven by playwright-core.
// CI installs chromium (.ci/install-chromium.sh); this suite is skipped only when it is missing.
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { DEFAULT_SANDBOX_TOKEN, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { api, killAgents, project, startAgent, type AgentProcess, type Project } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`test/agent/panel.e2e.test.ts: skipped: ${CHROMIUM} is missing (install it with .ci/install-chromium.sh)`);

const WRONG_TOKEN = 'badc0ffee0badc0ffee0badc0ffee0badc0ffee0';
const REJ_V1 = 'flow rej {\n  source file.csv with path = "in.csv" as { id: number, n: string } -> dest file.jsonl with path = "out/r1.jsonl"\n}\n';
const REJ_V2 = 'flow rej {\n  source file.csv with path = "in.csv" as { id: number, n: string } -> map { id: id } -> dest file.jsonl with path = "out/r2.jsonl"\n}\n';
const REJ_V3 = 'flow rej {\n  source file.csv with path = "in.csv" as { id: string, n: string } -> map { id: id } -> dest file.jsonl with path = "out/r2.jsonl", append = true\n}\n';

describe.skipIf(!haveChromium)(`the agent's panel in headless Chromium${haveChromium ? '' : ` (skipped: ${CHROMIUM} is missing)`}`, () => {
  let sb: Sandbox;
  let p: Project;
  let agent: AgentProcess;
  let context: BrowserContext;
  let page: Page;
  /** Every answer of the agent's API the page received, to search for tokens. */
  const apiBodies: string[] = [];

  beforeAll(async () => {
    sb = await startSandbox({ plan: 'premium', clock: 'ticking' });
    p = project({
      'persons.flow': 'flow persons {\n  source pipedrive.persons since ~{CreatedDate}~\n    -> map { id: id, name: name }\n    -> dest file.jsonl with path = "out/persons.jsonl"\n}\n',
      'in.csv': 'id,n\n1,a\nx,b\n3,c\n',
      'rej.flow': REJ_V1,
    });
    agent = await startAgent(p);
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'sluice-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('response', (res) => {
      if (res.url().includes('/api/')) void res.text().then((t) => apiBodies.push(t), () => undefined);
    });
  });

  afterAll(async () => {
    await context?.close();
    killAgents();
    await sb?.close();
  });

  it('asks for the token when opened without it, and refuses a wrong one', async () => {
    await page.goto(agent.url);
    await expect.poll(() => page.locator('#login').isVisible()).toBe(true);
    expect(await page.locator('#main').isVisible()).toBe(false);
    await page.fill('#login-token', 'not-the-token');
    await page.click('#login-form button[type=submit]');
    await expect.poll(() => page.textContent('#login-message')).toContain('The token was not accepted');
  });

  it('opens from the address `sluice agent panel` prints, and keeps the token out of the address bar', async () => {
    const url = (await p.sluice(['agent', 'panel'])).stdout.trim();
    expect(url).toBe(`${agent.url}/#token=${agent.token()}`);
    await page.goto(url);
    await expect.poll(() => page.locator('#main').isVisible()).toBe(true);
    expect(page.url()).toBe(`${agent.url}/`);
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('sluice-agent-token'))).toBe(agent.token());
    await expect.poll(() => page.textContent('#agent-status')).toContain(`pid ${agent.pid}`);
    await expect.poll(() => page.textContent('#conn-table tbody')).toContain('No connections yet');
  });

  it('adds a connection: a bad token shows the error and cannot be saved; a good one shows "Test Connection Successful" and saves', async () => {
    await page.click('#conn-add');
    await page.fill('#conn-url', sb.url);
    await page.check('#conn-insecure');
    await page.fill('#conn-token', WRONG_TOKEN);
    await page.click('#conn-validate');
    await expect.poll(() => page.textContent('#conn-message')).toContain('the API token was not accepted');
    expect(await page.getAttribute('#conn-message', 'class')).toContain('error');
    expect(await page.isDisabled('#conn-save')).toBe(true);

    await page.fill('#conn-token', DEFAULT_SANDBOX_TOKEN);
    await page.click('#conn-validate');
    await expect.poll(() => page.textContent('#conn-message')).toContain('Test Connection Successful');
    expect(await page.isEnabled('#conn-save')).toBe(true);
    // An edit after the validation needs another one.
    await page.selectOption('#conn-version', 'v2');
    expect(await page.isDisabled('#conn-save')).toBe(true);
    await page.selectOption('#conn-version', 'v1');
    await page.click('#conn-validate');
    await expect.poll(() => page.isEnabled('#conn-save')).toBe(true);
    await page.click('#conn-save');
    await expect.poll(() => page.textContent('#conn-table tbody')).toContain(sb.url);
    expect(await page.locator('#conn-form').isVisible()).toBe(false);
    expect(await page.textContent('#conn-status')).toBe(`Saved connection pipedrive (${sb.url}, API v1).`);
    expect(await page.textContent('#conn-table tbody')).toContain('saved');
    expect(await page.inputValue('#conn-token')).toBe('');

    // Saved as `sluice connections add` saves: 0600, usable by the CLI.
    const file = join(p.env.SLUICE_CONFIG_DIR, 'connections.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).connections.pipedrive).toMatchObject({ app: 'pipedrive', company_url: sb.url, api_version: 'v1', token: DEFAULT_SANDBOX_TOKEN, allow_insecure: true });
    const test = await p.sluice(['connections', 'test', 'pipedrive']);
    expect(test.stdout).toContain('Test Connection Successful');
  });

  it('runs a deployment now and shows the run in the history with its counts', async () => {
    const d = await p.sluice(['deploy', 'persons.flow']);
    expect(d.code).toBe(0);
    const row = page.locator('#deploy-table tbody tr[data-deployment="persons"]');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.textContent()).toContain('on demand');
    await row.locator('button', { hasText: 'Run now' }).click();
    await expect.poll(() => page.textContent('#deploy-message')).toContain('Started persons');
    const run = page.locator('#runs-table tbody tr').first();
    await expect.poll(async () => (await run.textContent()) ?? '', { timeout: 10_000 }).toContain('succeeded');
    const cells = await run.locator('td').allTextContents();
    expect(cells.slice(1, 3)).toEqual(['persons v1', 'succeeded']);
    expect(cells.slice(5, 8)).toEqual(['250', '250', '0']);
    expect(lines(join(p.dir, 'out/persons.jsonl'))).toBe(250);
  });

  it('explains a run: counts, pages, HTTP requests and waits; also when opened from a notification link (#run=ID)', async () => {
    const first = page.locator('#runs-table tbody tr[data-run]').first();
    const id = await first.getAttribute('data-run');
    await first.click();
    await expect.poll(() => page.locator('#run-detail').isVisible()).toBe(true);
    expect(await page.textContent('#run-id')).toBe(`#${id}`);
    const field = (k: string) => page.textContent(`#run-fields dd[data-field="${k}"]`);
    expect(await field('Status')).toBe('succeeded');
    expect(await field('Read')).toBe('250');
    expect(await field('Pages')).toBe(String((await api(agent, 'GET', `runs/${id}`)).json.run.details.pages));
    expect(Number(await field('HTTP requests'))).toBeGreaterThanOrEqual(1);
    expect(await field('Retries')).toBe('0');
    expect(await field('Destination')).toContain('out/persons.jsonl');
    // The run's own log: a line per page and the outcome.
    const log = (await page.textContent('#run-log')) ?? '';
    expect(log).toMatch(/^\d\d:\d\d:\d\d\.\d{3} page 1: read \d+, written \d+, rejected 0 so far$/m);
    expect(log).toMatch(/succeeded: read 250, written 250, rejected 0$/m);
    await page.click('#run-close');
    expect(await page.locator('#run-detail').isVisible()).toBe(false);

    // The link a failure notification carries.
    await page.goto(`${agent.url}/#run=${id}`);
    await expect.poll(() => page.locator('#run-detail').isVisible()).toBe(true);
    expect(await page.textContent('#run-id')).toBe(`#${id}`);
  });

  it("shows a deployment's source and versions and its rejected records; pause, resume and undeploy", async () => {
    expect((await p.sluice(['deploy', 'rej.flow'])).code).toBe(0);
    p.write('rej.flow', REJ_V2);
    expect((await p.sluice(['deploy', 'rej.flow'])).code).toBe(0);
    const run = JSON.parse((await p.sluice(['trigger', 'rej', '--wait', '--format', 'json'])).stdout).run;
    expect(run).toMatchObject({ status: 'succeeded', read: 3, written: 2, rejected: 1 });

    const row = page.locator('#deploy-table tbody tr[data-deployment="rej"]');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await row.locator('button', { hasText: 'Details' }).click();
    await expect.poll(() => page.locator('#deployment-detail').isVisible()).toBe(true);
    expect(await page.textContent('#dep-name')).toBe('rej');
    expect(await page.textContent('#dep-source')).toBe(REJ_V2);
    expect(await page.locator('#dep-versions tbody tr').count()).toBe(2);
    await page.click('#dep-versions tr[data-version="1"] button');
    await expect.poll(() => page.textContent('#dep-source')).toBe(REJ_V1);
    expect(await page.textContent('#dep-source-version')).toBe('(v1)');
    const rejected = await page.textContent('#dep-rejected tbody');
    expect(rejected).toContain(String(run.run_id));
    expect(rejected).toContain('"x"');

    // Fixed flow, then Replay from the panel: the record goes through the flow as it is now.
    p.write('rej.flow', REJ_V3);
    expect((await p.sluice(['deploy', 'rej.flow'])).code).toBe(0);
    await page.click('#dep-close');
    await row.locator('button', { hasText: 'Details' }).click();
    await expect.poll(() => page.locator('#dep-rejected tbody tr[data-rejected]').count()).toBe(1);
    await page.click('#dep-rejected button[data-replay]');
    await expect.poll(() => page.textContent('#dep-message')).toBe('Replayed 1 record: 1 sent.');
    await expect.poll(() => page.textContent('#dep-rejected tbody')).toContain('No rejected records.');
    expect(readFileSync(join(p.dir, 'out/r2.jsonl'), 'utf8')).toContain('"x"');

    // Pause: not scheduled, shown as paused, kept across the API; Resume.
    await row.locator('button', { hasText: 'Pause' }).click();
    await expect.poll(() => page.textContent('#deploy-message')).toBe('Paused rej.');
    await expect.poll(async () => (await row.textContent()) ?? '').toContain('(paused)');
    expect((await api(agent, 'GET', 'deployments/rej')).json).toMatchObject({ paused: true, enabled: true, next_run: null });
    await row.locator('button', { hasText: 'Resume' }).click();
    await expect.poll(() => page.textContent('#deploy-message')).toBe('Resumed rej.');
    expect((await api(agent, 'GET', 'deployments/rej')).json).toMatchObject({ paused: false });

    // Undeploy asks once more.
    await row.locator('button', { hasText: 'Undeploy' }).click();
    expect(await page.textContent('#deploy-message')).toContain('Click "Confirm undeploy"');
    expect((await api(agent, 'GET', 'deployments/rej')).json.enabled).toBe(true);
    await row.locator('button', { hasText: 'Confirm undeploy' }).click();
    await expect.poll(() => page.textContent('#deploy-message')).toBe('Undeployed rej (v3).');
    await expect.poll(() => row.count()).toBe(0);
    expect(await page.locator('#deployment-detail').isVisible()).toBe(false);
    expect((await api(agent, 'GET', 'deployments/rej')).json.enabled).toBe(false);
  });

  it('clears the cache', async () => {
    await page.click('#clear-cache');
    await expect.poll(() => page.textContent('#cache-message')).toMatch(/^Cache cleared: \d+ files?, \d+ cached lookups?\.$/);
    expect(await page.getAttribute('#cache-message', 'class')).toContain('ok');
    expect(agent.log()).toContain('cache cleared:');
  });

  it('tests a saved connection again, and removes it after a second click', async () => {
    const row = page.locator('#conn-table tbody tr[data-connection="pipedrive"]');
    await expect.poll(() => row.count()).toBe(1);
    await row.locator('button', { hasText: 'Test' }).click();
    await expect.poll(() => page.textContent('#conn-status')).toContain('pipedrive: Test Connection Successful');
    expect(await page.getAttribute('#conn-status', 'class')).toContain('ok');

    // Discover: the company's custom fields, stored where `sluice describe` and every check find them.
    await row.locator('button', { hasText: 'Discover' }).click();
    await expect.poll(() => page.textContent('#conn-status')).toBe('pipedrive: discovered 12 custom fields (persons 5, deals 4, organizations 3).');
    const described = await p.sluice(['describe', 'pipedrive.persons', '--connection', 'pipedrive']);
    expect(described.stdout).toContain('custom');

    // A company that no longer answers: the test says so, with the cause.
    sb.failNext(503, 10);
    await row.locator('button', { hasText: 'Test' }).click();
    await expect.poll(() => page.getAttribute('#conn-status', 'class')).toContain('error');
    sb.resetFaults();

    await row.locator('button', { hasText: 'Remove' }).click();
    expect(await page.textContent('#conn-status')).toContain('Click "Confirm remove"');
    expect(JSON.parse(readFileSync(join(p.env.SLUICE_CONFIG_DIR, 'connections.json'), 'utf8')).connections.pipedrive).toBeDefined();
    await row.locator('button', { hasText: 'Confirm remove' }).click();
    await expect.poll(() => page.textContent('#conn-status')).toBe(`Removed connection pipedrive (${sb.url}).`);
    await expect.poll(() => row.count()).toBe(0);
    expect(JSON.parse(readFileSync(join(p.env.SLUICE_CONFIG_DIR, 'connections.json'), 'utf8')).connections.pipedrive).toBeUndefined();
    expect((await p.sluice(['connections', 'list'])).stdout).not.toContain(sb.url);
  });

  it('never sent a token to the page', async () => {
    expect(apiBodies.length).toBeGreaterThan(10);
    for (const body of apiBodies) {
      expect(body).not.toContain(DEFAULT_SANDBOX_TOKEN);
      expect(body).not.toContain(WRONG_TOKEN);
      expect(body).not.toContain(`****${DEFAULT_SANDBOX_TOKEN.slice(-4)}`);
      expect(body).not.toContain(agent.token());
    }
    expect(await page.content()).not.toContain(DEFAULT_SANDBOX_TOKEN);
    expect(agent.log()).not.toContain(DEFAULT_SANDBOX_TOKEN);
    expect(agent.stdout()).not.toContain(DEFAULT_SANDBOX_TOKEN);
  });
});

function lines(path: string): number {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).length;
}
