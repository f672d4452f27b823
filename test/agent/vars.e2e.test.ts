// Variables declared in a flow file, deployed to the agent: a variable without a value is refused at
// deploy time; --var values given at deploy are read as the declared type in every run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAgents, project, startAgent } from './helpers.js';

afterEach(() => killAgents());

const FLOW = `var min: integer
var tag: string = "kept"
source file.jsonl with path = "in.jsonl" as { id: integer }
  -> filter id >= ~{min}~
  -> map { id: id, tag: ~{tag}~ }
  -> dest file.jsonl with path = "out/v.jsonl"
`;

describe('sluice deploy with declared variables', () => {
  it('refuses a variable without a value, then runs with the --var given at deploy', async () => {
    const p = project({ 'in.jsonl': '{"id":1}\n{"id":2}\n{"id":3}\n', 'v.flow': FLOW });
    await startAgent(p);
    const refused = await p.sluice(['deploy', 'v.flow']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('SL8010');
    expect(refused.stderr).toContain('the variable `min` has no value: give it with --var min=VALUE: nothing was deployed');
    const wrong = await p.sluice(['deploy', 'v.flow', '--var', 'min=two']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('`min` is declared as integer');
    const ok = await p.sluice(['deploy', 'v.flow', '--var', 'min=2']);
    expect(ok.code).toBe(0);
    const ran = await p.sluice(['trigger', 'v', '--wait', '--format', 'json']);
    expect(JSON.parse(ran.stdout)).toMatchObject({ ok: true, run: { status: 'succeeded', read: 3, written: 2 } });
    expect(readFileSync(join(p.dir, 'out/v.jsonl'), 'utf8')).toBe('{"id":2,"tag":"kept"}\n{"id":3,"tag":"kept"}\n');
  });
});
