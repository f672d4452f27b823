// Variables declared in the file, in the editor: no SL2040, hover, completion.
import { describe, expect, it } from 'vitest';
import { completion } from '../../src/lsp/completion.js';
import { hover } from '../../src/lsp/hover.js';
import { at } from './helpers.js';

const FLOW = `var rep: string = "Eva Olsen"
var since_date: date

flow a {
  source pipedrive.persons since ~{since_date}~
    -> filter owner_name == ~{$0rep}~
    -> dest stdout
}
`;

const hoverText = async (marked: string) => {
  const { a, position } = at(marked);
  const h = await hover(a, position);
  return (h?.contents as { value: string } | undefined)?.value;
};

describe('declared variables in the editor', () => {
  it('are no unknown templates', () => {
    const { a } = at(FLOW);
    // SL2005: the seeded connection uses v1, whose persons endpoint is out of support since
    // 2026-08-01 (a date-dependent warning this test is not about).
    expect(a.diagnostics.map((d) => d.code).filter((c) => c !== 'SL2005')).toEqual([]);
  });

  it('hover on a use shows the type, the default and --var', async () => {
    const text = await hoverText(FLOW);
    expect(text).toContain('**~{rep}~** · variable of this file (line 1)');
    expect(text).toContain('`string`, default `"Eva Olsen"`');
    expect(text).toContain('`--var rep=VALUE`');
  });

  it('hover on the declaration, and on one without a default', async () => {
    expect(await hoverText(FLOW.replace('$0', '').replace('var since_date', 'var since_$0date'))).toContain('no default');
    expect(await hoverText(FLOW.replace('$0', '').replace('var rep', 'var r$0ep'))).toContain('variable of this file');
  });

  it('completes declared variables inside ~{ and as whole templates', () => {
    const inside = at(FLOW.replace('~{$0rep}~', '~{r$0'));
    const items = completion(inside.a, inside.position);
    const rep = items.find((i) => i.label === 'rep');
    expect(rep?.detail).toBe('var rep: string = "Eva Olsen"');
    expect(items.map((i) => i.label)).toContain('since_date');
    const whole = at(FLOW.replace('~{$0rep}~', '~$0'));
    expect(completion(whole.a, whole.position).map((i) => i.label)).toContain('~{rep}~');
  });
});

describe('declared variables, go to definition', () => {
  it('from a use to its declaration', async () => {
    const { definition } = await import('../../src/lsp/definition.js');
    const { a, position } = at(FLOW);
    const locs = definition(a, position);
    expect(locs?.map((l) => [l.range.start.line, l.range.start.character, l.range.end.character])).toEqual([[0, 4, 7]]);
  });
});

describe('declared variables, highlighted', () => {
  it('`var` is a keyword and the name a declared variable', async () => {
    const { tokensOf } = await import('../../src/lsp/semantic-tokens.js');
    const line2 = 'source pipedrive.persons -> map { var: ~{rep}~ } -> dest stdout';
    const { a } = at(`$0var rep: string = "x"\n${line2}\n`);
    const first = tokensOf(a).filter((t) => t.line === 0);
    expect(first.slice(0, 2).map((t) => [t.character, t.type, t.modifiers])).toEqual([
      [0, 'keyword', []],
      [4, 'variable', ['declaration']],
    ]);
    const second = tokensOf(a).filter((t) => t.line === 1);
    expect(second.find((t) => t.character === line2.indexOf('var'))?.type).toBe('property');
  });
});
