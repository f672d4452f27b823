// The agent's panel in a real headless browser: Debian's chromium driven by playwright-core.
// CI installs chromium (.ci/install-chromium.sh); this suite is skipped only when it is missing.
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { DEFAULT_SANDBOX_TOKEN, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { killAgents, project, startAgent, type AgentProcess, type Project } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`test/agent/panel.e2e.test.ts: skipped: ${CHROMIUM} is missing (install it with .ci/install-chromium.sh)`);

const WRONG_TOKEN = 'badc0ffee0badc0ffee0badc0ffee0badc0ffee0';

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

  it('clears the cache', async () => {
    await page.click('#clear-cache');
    await expect.poll(() => page.textContent('#cache-message')).toMatch(/^Cache cleared: \d+ files?, \d+ cached lookups?\.$/);
    expect(await page.getAttribute('#cache-message', 'class')).toContain('ok');
    expect(agent.log()).toContain('cache cleared:');
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
