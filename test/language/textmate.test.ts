// The TextMate grammar, run by the engine VS Code uses, gives the scopes an editor shows.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';

const require = createRequire(import.meta.url);
let grammar: vsctm.IGrammar;

beforeAll(async () => {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p), createOnigString: (s: string) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) =>
      scope === 'source.flow' ? vsctm.parseRawGrammar(readFileSync(new URL('../../grammar/flow.tmLanguage.json', import.meta.url), 'utf8'), 'flow.tmLanguage.json') : null,
  });
  grammar = (await registry.loadGrammar('source.flow'))!;
});

/** The innermost scope of each token on one line, as [text, scope]. */
function scopes(line: string): [string, string][] {
  const r = grammar.tokenizeLine(line, vsctm.INITIAL);
  return r.tokens.map((t) => [line.slice(t.startIndex, t.endIndex), t.scopes[t.scopes.length - 1]] as [string, string]).filter(([s]) => s.trim() !== '');
}
const scopeOf = (line: string, text: string) => scopes(line).find(([s]) => s === text)?.[1];

describe('TextMate grammar scopes', () => {
  const seed = 'source pipedrive.persons where limit = 10 since ~{CreatedDate}~ -> map { name: name } -> dest file.jsonl with path = "out/p.jsonl" # done';
  it.each([
    ['source', 'keyword.control.step.flow'],
    ['pipedrive.persons', 'entity.name.type.action.flow'],
    ['where', 'keyword.other.clause.flow'],
    ['10', 'constant.numeric.flow'],
    ['CreatedDate', 'variable.other.constant.template.flow'],
    ['->', 'keyword.operator.pipe.flow'],
    ['file.jsonl', 'entity.name.type.action.flow'],
    ['#', 'punctuation.definition.comment.flow'],
    [' done', 'comment.line.number-sign.flow'],
  ])('%s is %s', (text, scope) => {
    expect(scopeOf(seed, text)).toBe(scope);
  });

  it('flow names, durations, functions and escapes', () => {
    expect(scopeOf('flow new_leads {', 'new_leads')).toBe('entity.name.function.flow');
    expect(scopeOf('  schedule every 15m', '15m')).toBe('constant.numeric.duration.flow');
    expect(scopeOf('-> filter primary(email) != null', 'primary')).toBe('support.function.flow');
    expect(scopeOf('-> filter primary(email) != null', 'null')).toBe('constant.language.null.flow');
    expect(scopeOf('-> map { a: "x\\ty" }', '\\t')).toBe('constant.character.escape.flow');
    expect(scopeOf('-> map { a: "x\\qy" }', '\\q')).toBe('invalid.illegal.escape.flow');
  });

  it('variable declarations; `var` elsewhere is a plain name', () => {
    const line = 'var rep: string = "Eva Olsen"';
    expect(scopeOf(line, 'var')).toBe('storage.type.var.flow');
    expect(scopeOf(line, 'rep')).toBe('variable.other.constant.declaration.flow');
    expect(scopeOf(line, 'string')).toBe('support.type.flow');
    expect(scopeOf('-> map { a: var }', 'var')).toBe('variable.other.field.flow');
  });
});
