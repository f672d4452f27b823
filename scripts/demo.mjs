// `npm run demo`: what Sluice does today, end to end, on the built-in Pipedrive sandbox.
// 1. check and explain the example flows, 2. check their format, 3. start the sandbox, save a
// connection to it (validated first, as the seed's "Validate" then "Save"), test and list it.
// Everything it writes goes under demo/ (git-ignored).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(new URL('..', import.meta.url).pathname);
const bin = resolve(root, 'bin/sluice.js');
const demo = resolve(root, 'demo');
rmSync(demo, { recursive: true, force: true });
mkdirSync(demo, { recursive: true });
const env = { ...process.env, SLUICE_CONFIG_DIR: resolve(demo, 'config'), SLUICE_HOME: resolve(demo, '.sluice') };

function step(title) {
  process.stdout.write(`\n\u001b[1m== ${title}\u001b[0m\n`);
}
function sluice(args, { allowFail = false } = {}) {
  process.stdout.write(`$ sluice ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, env, stdio: 'inherit' });
  if (r.status !== 0 && !allowFail) {
    console.error(`demo: \`sluice ${args.join(' ')}\` exited ${r.status}`);
    process.exit(1);
  }
  return r.status;
}

step('Check the example flows, and explain what each asks of the API');
sluice(['check', '--explain', 'flows']);

step('Their format is canonical');
sluice(['fmt', '--check', 'flows']);

step('Start the local Pipedrive sandbox');
const sandbox = spawn(process.execPath, [bin, 'sandbox', 'pipedrive', '--port', '0', '--plan', 'premium'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
const first = await new Promise((res, rej) => {
  const rl = createInterface({ input: sandbox.stdout });
  rl.once('line', res);
  sandbox.once('exit', (code) => rej(new Error(`the sandbox exited (${code}) before it listened`)));
});
console.log(first);
const m = /listening on (\S+) \(token: ([0-9a-f]{40})\)/.exec(first);
if (!m) throw new Error(`unexpected first line from the sandbox: ${first}`);
const [, url, token] = m;

try {
  step('A bad token is refused, and nothing is saved');
  sluice(['connections', 'add', 'pipedrive', '--name', 'pipedrive', '--company-url', url, '--api-version', 'v1', '--api-token', '0'.repeat(40), '--allow-insecure'], { allowFail: true });

  step('Validate, then save the sandbox connection (the token comes from the environment here)');
  env.DEMO_PIPEDRIVE_TOKEN = token;
  sluice(['connections', 'add', 'pipedrive', '--name', 'pipedrive', '--company-url', url, '--api-version', 'v1', '--api-token-env', 'DEMO_PIPEDRIVE_TOKEN', '--allow-insecure']);
  sluice(['connections', 'test', 'pipedrive']);
  sluice(['connections', 'list']);

  step('The flows check against the saved connection (its API version chooses the schemas)');
  sluice(['check', 'flows']);
} finally {
  sandbox.kill('SIGTERM');
}
console.log(`\nDone. The demo's configuration is in ${demo}. \`sluice run\` (issue #6) will run these flows next.`);
