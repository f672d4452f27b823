// The token prompt needs a real terminal: util-linux `script` gives the CLI a pseudo-terminal. The
// token is typed only after the prompt shows, as a person would (typed earlier, the terminal itself
// would still be in echo mode). Skipped where `script` is missing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, tempDir } from '../helpers/cli.js';

const TOKEN = 'facade0123456789abcdef0123456789abcd5eed';
const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function inTerminal(args: string[], env: Record<string, string>, keys: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const cmd = [process.execPath, BIN, ...args].map(quote).join(' ');
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let typed = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const onData = (d: Buffer) => {
      output += d.toString('utf8');
      if (!typed && output.includes('API token (input hidden):')) {
        typed = true;
        // A moment for readline to switch the terminal to raw mode after writing the prompt.
        setTimeout(() => child.stdin.write(keys), 200);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe.skipIf(!hasScript)('token prompt in a terminal', () => {
  it('asks for the token without echoing it, then saves it', async () => {
    const config = tempDir('sluice-config-');
    const r = await inTerminal(['connections', 'add', 'pipedrive', '--company-url', 'https://acme.pipedrive.com', '--no-validate'], { SLUICE_CONFIG_DIR: config, SLUICE_HOME: tempDir() }, `${TOKEN}\r`);
    expect(r.output).toContain('API token (input hidden):');
    expect(r.output).toContain('Saved connection `pipedrive`');
    expect(r.output).toContain('****5eed');
    expect(r.output).not.toContain(TOKEN);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(config, 'connections.json'), 'utf8')).connections.pipedrive.token).toBe(TOKEN);
  });

  it('Ctrl-C at the prompt cancels and saves nothing', async () => {
    const config = tempDir('sluice-config-');
    const r = await inTerminal(['connections', 'add', 'pipedrive', '--company-url', 'https://acme.pipedrive.com', '--no-validate'], { SLUICE_CONFIG_DIR: config }, 'abc\u0003');
    expect(r.output).toContain('cancelled; nothing was saved');
    expect(r.code).toBe(130);
    expect(existsSync(join(config, 'connections.json'))).toBe(false);
  });

  it('a malformed typed token is refused without echo', async () => {
    const config = tempDir('sluice-config-');
    const r = await inTerminal(['connections', 'add', 'pipedrive', '--company-url', 'https://acme.pipedrive.com', '--no-validate'], { SLUICE_CONFIG_DIR: config }, 'secret-but-short\r');
    expect(r.output).toContain('error SL5020: the API token has 16 characters, not 40');
    expect(r.output).not.toContain('secret-but-short');
    expect(r.code).toBe(1);
    expect(existsSync(join(config, 'connections.json'))).toBe(false);
  });
});
