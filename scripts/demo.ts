// `npm run demo`: Sluice end to end on the built-in Pipedrive sandbox.
// 1. check the example flows and explain what each asks of the API;
// 2. start the sandbox on a free port and save a validated connection to it (the seed's
//    "Validate" then "Save"), in a demo folder;
// 3. run every example flow (on API v2 where Pipedrive has it, the connection's default `auto`):
//    persons to JSONL, persons to SQLite, new persons to leads, recent changes with `items` and `since`;
// 4. change some persons in the sandbox and run again: only the changes are read and written.
// Everything it writes is under demo/ (git-ignored).
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { startSandbox } from '../src/sandbox/index.js';

const root = process.cwd();
const bin = resolve(root, 'bin/sluice.js');
const demo = resolve(root, 'demo');
rmSync(demo, { recursive: true, force: true });
mkdirSync(demo, { recursive: true });
const plain = process.env.NO_COLOR !== undefined || !process.stdout.isTTY;
const bold = (s: string) => (plain ? s : `\u001b[1m${s}\u001b[0m`);
const env: Record<string, string | undefined> = { ...process.env, SLUICE_CONFIG_DIR: resolve(demo, 'config'), SLUICE_HOME: resolve(demo, '.sluice') };

function step(title: string): void {
  process.stdout.write(`\n${bold(`== ${title}`)}\n`);
}

/** Runs the CLI as a child process (asynchronously: the sandbox answers from this process). */
async function sluice(args: string[], options: { allowFail?: boolean; quietStdout?: boolean } = {}): Promise<string> {
  process.stdout.write(`$ sluice ${args.join(' ')}\n`);
  const child = spawn(process.execPath, [bin, ...args], { cwd: demo, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const status = await new Promise<number | null>((res) => child.on('close', res));
  if (options.quietStdout) {
    const lines = out.split('\n').filter(Boolean);
    const brief = lines.slice(0, 3).map((l) => {
      const r = JSON.parse(l) as { item?: string; id?: number; data?: { name?: string; title?: string; update_time?: string } };
      return `{"item":"${r.item}","id":${r.id},"data":{"name or title":${JSON.stringify(r.data?.name ?? r.data?.title)},"update_time":"${r.data?.update_time}", ...}}`;
    });
    process.stdout.write(`${brief.join('\n')}\n  ... ${lines.length} records printed in all (shortened here)\n`);
  } else process.stdout.write(out);
  if (status !== 0 && !options.allowFail) {
    console.error(`demo: \`sluice ${args.join(' ')}\` exited ${status}`);
    process.exit(1);
  }
  return out;
}

const flows = resolve(root, 'flows');
step('Check the example flows, and explain what each asks of the API');
await sluice(['check', '--explain', flows]);

step('Start the local Pipedrive sandbox (plan premium: 100 requests per 2 seconds)');
// The sandbox's clock starts now, so that its records are recent, as in a live account.
const sandbox = await startSandbox({ plan: 'premium', seed: 1, now: Date.now() });
const leadsBefore = sandbox.data.leads.all().length;
console.log(`sandbox listening on ${sandbox.url} with ${sandbox.data.persons.all().length} persons`);

try {
  step('A bad token is refused, and nothing is saved');
  await sluice(['connections', 'add', 'pipedrive', '--company-url', sandbox.url, '--api-token', '0'.repeat(40), '--allow-insecure'], { allowFail: true });

  step('Validate, then save the sandbox connection (the token comes from the environment)');
  env.DEMO_PIPEDRIVE_TOKEN = sandbox.token;
  await sluice(['connections', 'add', 'pipedrive', '--company-url', sandbox.url, '--api-token-env', 'DEMO_PIPEDRIVE_TOKEN', '--allow-insecure']);
  await sluice(['connections', 'list']);

  step('Run the example flows');
  await sluice(['run', resolve(flows, 'persons_to_jsonl.flow')]);
  await sluice(['run', resolve(flows, 'persons_to_sqlite.flow')]);
  await sluice(['run', resolve(flows, 'new_persons_to_leads.flow')]);
  const weekAgo = new Date(sandbox.clock.now() - 7 * 86400_000).toISOString();
  await sluice(['run', resolve(flows, 'recents.flow'), '--since', weekAgo], { quietStdout: true });

  step('Change the CRM: rename three persons and add two, a minute later');
  sandbox.clock.advance(60_000);
  const ids = sandbox.data.persons.all().slice(0, 3).map((p) => p.id);
  for (const id of ids) sandbox.data.persons.update(id, { name: `Renamed ${id}` });
  sandbox.data.persons.create({ name: 'Grace Hopper', email: [{ value: 'grace@example.com', primary: true, label: 'work' }] });
  sandbox.data.persons.create({ name: 'Alan Turing', email: [{ value: 'alan@example.com', primary: true, label: 'work' }] });
  console.log(`renamed persons ${ids.join(', ')}; added Grace Hopper and Alan Turing`);

  step('Run again: only the five changed persons are written');
  await sluice(['run', resolve(flows, 'persons_to_sqlite.flow')]);
  await sluice(['run', resolve(flows, 'new_persons_to_leads.flow')]);

  step('Run history and state');
  await sluice(['runs', '--limit', '6']);

  step('Where the output is');
  const db = new Database(resolve(demo, 'out/crm.db'), { readonly: true });
  const count = (db.prepare('SELECT COUNT(*) AS n FROM persons').get() as { n: number }).n;
  const renamed = db.prepare('SELECT id, name FROM persons WHERE name LIKE ? ORDER BY id').all('Renamed %');
  db.close();
  const jsonl = readFileSync(resolve(demo, 'out/persons.jsonl'), 'utf8').split('\n').filter(Boolean).length;
  console.log(`${resolve(demo, 'out/persons.jsonl')}: ${jsonl} persons (the seed's limit = 10)`);
  console.log(`${resolve(demo, 'out/crm.db')}: table persons with ${count} rows, renamed: ${JSON.stringify(renamed)}`);
  console.log(`sandbox: ${sandbox.data.leads.all().length - leadsBefore} leads created by new_persons_to_leads (${leadsBefore} were there before)`);
  console.log(`state, run history and rejected records: ${resolve(demo, '.sluice/state.db')} (sluice state show, sluice runs)`);
} finally {
  await sandbox.close();
}
