// `npm run bench:language`: how fast the front end is on a 10,000-line flow file, measured against
// js-yaml parsing the same flows written as a YAML config (what other engines make users write),
// how fast `sluice check` starts compared with `node -e 0`, and how long loading the standard
// library takes once the code is warm, against reading and JSON.parse-ing its files alone.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { loadStdlib } from '../src/apps/index.js';
import { defaultStdlibDir } from '../src/apps/locate.js';
import { checkSource } from '../src/check/check-source.js';
import { stdlibEnv } from '../src/check/stdlib-env.js';
import { parse } from '../src/language/parse.js';
import { print } from '../src/language/printer.js';
import { flowText } from './flows.js';

const LINES = 10_000;

function yamlText(i: number): string {
  return `  - name: persons_${i}
    schedule: every 15m
    source:
      action: pipedrive.persons
      where:
        - { key: limit, op: "=", value: ${100 + i} }
        - { key: first_char, op: "=", value: "a" }
      since: "~{CreatedDate}~"
    steps:
      - filter: "primary(email) != null and active_flag == true"
      - lookup: { name: owner, action: pipedrive.users.find, where: [{ key: term, op: "=", value: "owner_name" }] }
      - map: { id: id, name: name, email: "lower(primary(email))", owner: "owner.name ?? \\"nobody\\"", n: "open_deals_count + 1" }
      - dedupe: email
    dest:
      action: file.jsonl
      with: { path: "out/p${i}.jsonl" }
`;
}

const perFlow = flowText(0).split('\n').length - 1;
const flows = Math.ceil(LINES / perFlow);
let text = '';
let yaml = 'flows:\n';
for (let i = 0; i < flows; i++) {
  text += flowText(i);
  yaml += yamlText(i);
}
const lines = text.split('\n').length - 1;

function best(fn: () => void, runs = 7): number {
  fn(); // warm-up: the JIT and the parser's first build are not what a long session pays
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

const parsed = parse(text);
if (parsed.diagnostics.some((d) => d.severity === 'error')) throw new Error(`benchmark input does not parse: ${parsed.diagnostics[0].message}`);
const tParse = best(() => parse(text));
const tFormat = best(() => print(parse(text).program));
const env = stdlibEnv();
const checked = checkSource(text, { fileName: 'bench.flow', env });
if (checked.diagnostics.length > 0) throw new Error(`benchmark input does not check: ${checked.diagnostics[0].message}`);
const tCheck = best(() => checkSource(text, { fileName: 'bench.flow', env }));
const tYaml = best(() => loadYaml(yaml));

// The standard library, warm: the least any loader does is read its JSON files and parse them.
const stdlib = defaultStdlibDir();
const jsonFiles = readdirSync(stdlib, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json')).map((f) => join(stdlib, f));
const tStdlib = best(() => loadStdlib(stdlib), 21);
const tJson = best(() => {
  for (const f of jsonFiles) JSON.parse(readFileSync(f, 'utf8'));
}, 21);

// Cold start: a fresh process checking a small file, against a fresh `node -e 0`.
// npm runs scripts from the package root.
const root = process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
const small = join(dir, 'small.flow');
writeFileSync(small, flowText(1));
const timeProcess = (args: string[]) =>
  best(() => {
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
  }, 10);
const tNode = timeProcess(['-e', '0']);
const tCold = timeProcess([join(root, 'bin', 'sluice.js'), 'check', small]);

const ms = (x: number) => `${x.toFixed(1)} ms`;
console.log(`flow file: ${lines} lines, ${flows} flows, ${(text.length / 1024).toFixed(0)} KiB`);
console.log(`lex + parse + AST     ${ms(tParse)}   (target < 100 ms)`);
console.log(`format (parse+print)  ${ms(tFormat)}`);
console.log(`check (parse + types) ${ms(tCheck)}   (checker's share: ${ms(Math.max(0, tCheck - tParse))}; target < 250 ms)`);
console.log(`js-yaml, same flows   ${ms(tYaml)}   (${(yaml.length / 1024).toFixed(0)} KiB of YAML)`);
console.log(`ratio check / js-yaml ${(tCheck / tYaml).toFixed(2)}x   (target <= 1.0: no slower than YAML)`);
console.log(`ratio parse / js-yaml ${(tParse / tYaml).toFixed(2)}x`);
console.log(`stdlib load, warm     ${ms(tStdlib)}   (read + JSON.parse of its ${jsonFiles.length} files alone: ${ms(tJson)}, ${(tStdlib / tJson).toFixed(2)}x)`);
console.log(`cold start: sluice check small.flow ${ms(tCold)}, node -e 0 ${ms(tNode)}: ${(tCold / tNode).toFixed(2)}x   (target < 3x)`);
