// `npm run bench:sandbox`: is the sandbox ever the bottleneck of a benchmark?
//
// The sandbox runs in its own process (plan unlimited, 50,000 persons). A concurrent client with a
// keep-alive agent fetches 500-record v1 persons pages for a few seconds without parsing them, which
// measures what the sandbox can serve; then the same client parses one such page in a loop, which
// measures what one client core can consume. The ratio says how much headroom the sandbox leaves.
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { fmt } from './common.js';

const PERSONS = Number(process.env.BENCH_PERSONS ?? 50_000);
const LIMIT = 500;
const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 8);
const SERVE_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PARSE_SECONDS = 3;

interface Ready {
  url: string;
  token: string;
  seedMs: number;
}

async function serve(): Promise<void> {
  const { startSandbox } = await import('../src/sandbox/index.js');
  const t = performance.now();
  const sb = await startSandbox({ plan: 'unlimited', persons: PERSONS });
  const seedMs = performance.now() - t;
  let cpu = process.cpuUsage();
  process.on('message', (m: unknown) => {
    if (m === 'cpu') {
      const d = process.cpuUsage(cpu);
      cpu = process.cpuUsage();
      process.send!({ cpuMs: (d.user + d.system) / 1000, stats: sb.stats() });
    } else if (m === 'stop') {
      void sb.close().then(() => process.exit(0));
    }
  });
  process.send!({ url: sb.url, token: sb.token, seedMs } satisfies Ready);
}

function ask<T>(child: ChildProcess, message: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(message);
  });
}

/** One page; its bytes are kept only when asked, so that the client does as little as possible. */
function get(agent: Agent, url: string, token: string, keep = false): Promise<{ length: number; body?: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { 'x-api-token': token } }, (res) => {
      const chunks: Buffer[] = [];
      let length = 0;
      res.on('data', (c: Buffer) => {
        length += c.length;
        if (keep) chunks.push(c);
      });
      res.on('end', () => (res.statusCode === 200 ? resolve({ length, body: keep ? Buffer.concat(chunks) : undefined }) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}


async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Ready));
    child.once('exit', (code) => reject(new Error(`sandbox process exited with ${code}`)));
  });
  const agent = new Agent({ keepAlive: true, maxSockets: SOCKETS });
  const pages = Math.ceil(PERSONS / LIMIT);
  const pageUrl = (i: number): string => `${ready.url}/api/v1/persons?start=${(i % pages) * LIMIT}&limit=${LIMIT}`;
  console.log(`sandbox: ${fmt(PERSONS)} persons generated in ${fmt(ready.seedMs)} ms; ${SOCKETS} keep-alive sockets, ${LIMIT}-record pages`);

  // Cold pass: every record is serialised once and cached.
  let t = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: SOCKETS }, async () => {
    while (next < pages) await get(agent, pageUrl(next++), ready.token);
  }));
  console.log(`cold pass (first serialisation of all ${pages} pages): ${fmt(performance.now() - t)} ms`);

  // Served: fetch bodies, do not parse them.
  await ask(child, 'cpu');
  let served = 0;
  let bytes = 0;
  const deadline = performance.now() + SERVE_SECONDS * 1000;
  t = performance.now();
  await Promise.all(Array.from({ length: SOCKETS }, async (_, w) => {
    let i = w * 17;
    while (performance.now() < deadline) {
      const page = await get(agent, pageUrl(i), ready.token);
      i += SOCKETS;
      served++;
      bytes += page.length;
    }
  }));
  const servedSeconds = (performance.now() - t) / 1000;
  const server = await ask<{ cpuMs: number }>(child, 'cpu');
  const servedRate = served / servedSeconds;
  const serverCpuRate = served / (server.cpuMs / 1000);

  // Consumed: one client core parsing such a page.
  const sample = (await get(agent, pageUrl(0), ready.token, true)).body!;
  const text = sample.toString('utf8');
  let parsed = 0;
  const parseDeadline = performance.now() + PARSE_SECONDS * 1000;
  t = performance.now();
  while (performance.now() < parseDeadline) {
    const page = JSON.parse(text) as { data: unknown[] };
    if (page.data.length !== LIMIT) throw new Error('unexpected page');
    parsed++;
  }
  const parseRate = parsed / ((performance.now() - t) / 1000);

  console.log('');
  console.log(`served:   ${fmt(servedRate, 1)} pages/s  (${fmt(servedRate * LIMIT)} records/s, ${fmt((bytes / servedSeconds) / 1e6, 1)} MB/s; page = ${fmt(sample.length / 1024)} KiB)`);
  console.log(`          sandbox CPU ${fmt(server.cpuMs)} ms for ${fmt(served)} pages = ${fmt(serverCpuRate, 1)} pages per sandbox-CPU-second`);
  console.log(`consumed: ${fmt(parseRate, 1)} pages/s  (${fmt(parseRate * LIMIT)} records/s) by one client core doing JSON.parse alone`);
  console.log(`ratio:    the sandbox serves ${fmt(servedRate / parseRate, 1)}x what one client core can parse ` +
    `(${fmt(serverCpuRate / parseRate, 1)}x per CPU-second)`);
  console.log(servedRate > parseRate ? 'verdict:  the sandbox is not the bottleneck' : 'verdict:  WARNING: the sandbox is slower than a client parsing its pages');

  agent.destroy();
  child.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));
}

if (process.argv.includes('--serve')) await serve();
else await main();
