// `npm run bench:lsp`: the language server over stdio on a 2,000-line flow file, as an editor
// drives it. Measures the time from a one-character edit to its published diagnostics, and the
// latency of completion and hover requests; prints p50 and p95 against the targets (diagnostics
// p95 < 50 ms, completion and hover p95 < 20 ms).
import { spawnSync } from 'node:child_process';
import { CompletionRequest, HoverRequest } from 'vscode-languageserver-protocol/node.js';
import { checkSource } from '../src/check/check-source.js';
import { stdlibEnv } from '../src/check/stdlib-env.js';
import { LspClient } from '../test/lsp/client.js';
import { ROOT } from '../test/helpers/cli.js';
import { flowText } from './flows.js';

const LINES = 2_000;
const EDITS = 100;
const REQUESTS = 100;
const WARMUP = 20;

const perFlow = flowText(0).split('\n').length - 1;
const flows = Math.ceil(LINES / perFlow);
let text = '';
for (let i = 0; i < flows; i++) text += flowText(i);
const lines = text.split('\n');
/** Line (0-based) of `needle` in flow `i`, and its column. */
function at(i: number, needle: string, lineInFlow: number): { line: number; character: number } {
  const line = i * perFlow + lineInFlow;
  const character = lines[line].indexOf(needle);
  if (character < 0) throw new Error(`\`${needle}\` not on line ${line}: ${lines[line]}`);
  return { line, character };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const ms = (n: number): string => `${n.toFixed(1)} ms`;

const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);

const uri = 'file:///bench/persons.flow';
const client = LspClient.spawn();
try {
  await client.initialize(null);
  let t0 = performance.now();
  const opened = await client.open(uri, text);
  const openMs = performance.now() - t0;
  if (opened.diagnostics.length !== 0) throw new Error(`the generated file should check clean: ${JSON.stringify(opened.diagnostics[0])}`);

  // One-character edits spread over the file: type a character into a field name (an error), then
  // delete it (clean again); each must publish diagnostics for its own version.
  let version = 1;
  const edit: number[] = [];
  let errorsSeen = 0;
  for (let k = 0; k < WARMUP + EDITS; k++) {
    // Even edits type `x` into the `name` of a flow's lookup (`term = naxme`); odd ones delete it again.
    const flow = (Math.floor(k / 2) * 37) % flows;
    const p = at(flow, 'term = name', 5);
    const insert = k % 2 === 0;
    const start = { line: p.line, character: p.character + 'term = na'.length };
    const change = insert ? { range: { start, end: start }, text: 'x' } : { range: { start, end: { line: start.line, character: start.character + 1 } }, text: '' };
    version++;
    t0 = performance.now();
    const d = await client.change(uri, version, [change]);
    const took = performance.now() - t0;
    if (insert && d && d.diagnostics.length > 0) errorsSeen++;
    if (k >= WARMUP) edit.push(took);
  }
  if (errorsSeen !== (WARMUP + EDITS) / 2) throw new Error(`expected an error after each insertion, saw ${errorsSeen}`);

  const timed = async (n: number, send: (i: number) => Promise<unknown>, check: (r: unknown) => boolean): Promise<number[]> => {
    const out: number[] = [];
    for (let k = 0; k < WARMUP + n; k++) {
      const s = performance.now();
      const r = await send(k);
      const took = performance.now() - s;
      if (!check(r)) throw new Error(`unexpected answer: ${JSON.stringify(r).slice(0, 200)}`);
      if (k >= WARMUP) out.push(took);
    }
    return out;
  };

  // Completion after `owner.` (fields of the looked-up user) and at a map value (fields and functions).
  const completion = await timed(
    REQUESTS,
    (k) => {
      const flow = (k * 53) % flows;
      const p = k % 2 === 0 ? at(flow, 'owner.name', 6) : at(flow, 'name: name', 6);
      const position = k % 2 === 0 ? { line: p.line, character: p.character + 'owner.'.length } : { line: p.line, character: p.character + 'name: '.length };
      return client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position });
    },
    (r) => Array.isArray(r) && r.length > 0,
  );
  // Hover on a field (its type and origin) and on an action (request, help, record schema).
  const hover = await timed(
    REQUESTS,
    (k) => {
      const flow = (k * 71) % flows;
      const p = k % 2 === 0 ? at(flow, 'open_deals_count', 6) : at(flow, 'pipedrive.users.find', 5);
      return client.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: p.line, character: p.character + 3 } });
    },
    (r) => r !== null && typeof r === 'object' && 'contents' in (r as object),
  );

  const rows: [string, number[], number][] = [
    ['edit -> diagnostics', edit, 50],
    ['completion', completion, 20],
    ['hover', hover, 20],
  ];
  console.log(`sluice lsp --stdio on a ${lines.length - 1}-line file (${flows} flows); open -> first diagnostics ${ms(openMs)}`);
  console.log('');
  console.log(`${'what'.padEnd(22)}${'n'.padStart(5)}${'p50'.padStart(11)}${'p95'.padStart(11)}${'max'.padStart(11)}   target p95`);
  let ok = true;
  for (const [name, xs, target] of rows) {
    const p95 = pct(xs, 95);
    const met = p95 < target;
    ok &&= met;
    console.log(`${name.padEnd(22)}${String(xs.length).padStart(5)}${ms(pct(xs, 50)).padStart(11)}${ms(p95).padStart(11)}${ms(Math.max(...xs)).padStart(11)}   < ${target} ms ${met ? 'met' : 'NOT MET'}`);
  }
  // For scale: what each edit would cost if the server checked the whole file (it re-checks only
  // the flow block that changed; see src/lsp/document-cache.ts).
  const env = stdlibEnv();
  const whole: number[] = [];
  for (let k = 0; k < 15; k++) {
    const s = performance.now();
    checkSource(text, { fileName: 'persons.flow', env });
    if (k >= 5) whole.push(performance.now() - s);
  }
  console.log('');
  console.log(`(a whole-file check of the same text, in process: p50 ${ms(pct(whole, 50))}, max ${ms(Math.max(...whole))})`);
  console.log(ok ? 'All targets met.' : 'Some targets not met.');
  const code = await client.stop();
  if (code !== 0) throw new Error(`the server exited with ${code} after shutdown/exit`);
} catch (err) {
  client.kill();
  console.error(err);
  console.error(client.stderr.join(''));
  process.exit(1);
}
