// Semantic tokens: keywords, names by their role, literals, templates, operators and comments.
import { describe, expect, it } from 'vitest';
import { semanticTokens, tokensOf, TOKEN_TYPES } from '../../src/lsp/semantic-tokens.js';
import { analyse } from './helpers.js';

function roles(text: string): string[] {
  const a = analyse(text);
  return tokensOf(a).map((t) => {
    const line = a.text.split('\n')[t.line];
    return `${line.slice(t.character, t.character + t.length)}:${t.type}${t.modifiers.length ? `.${t.modifiers.join('.')}` : ''}`;
  });
}

describe('semantic tokens', () => {
  it('colors each token by its role', () => {
    const text = `# why
flow leads {
  schedule every 15m
  source pipedrive.users.find with connection = "acme" where term = "x" since ~{CreatedDate}~
    -> lookup owner = pipedrive.users.find where term = name
    -> map { source: lower(name) + 1, o: owner.id }
    -> dest stdout
}`;
    expect(roles(text)).toEqual([
      '# why:comment',
      'flow:keyword',
      'leads:class.declaration',
      'schedule:keyword',
      'every:keyword',
      '15:number',
      'm:number',
      'source:keyword',
      'pipedrive:namespace',
      'users:method',
      'find:method',
      'with:keyword',
      'connection:parameter',
      '=:operator',
      '"acme":string',
      'where:keyword',
      'term:parameter',
      '=:operator',
      '"x":string',
      'since:keyword',
      '~{CreatedDate}~:macro',
      '->:operator',
      'lookup:keyword',
      'owner:variable.declaration',
      '=:operator',
      'pipedrive:namespace',
      'users:method',
      'find:method',
      'where:keyword',
      'term:parameter',
      '=:operator',
      'name:property',
      '->:operator',
      'map:keyword',
      'source:property.declaration',
      'lower:function.defaultLibrary',
      'name:property',
      '+:operator',
      '1:number',
      'o:property.declaration',
      'owner:property',
      'id:property',
      '->:operator',
      'dest:keyword',
      'stdout:method',
    ]);
  });

  it('colors broken text from its tokens', () => {
    expect(roles('source pipedrive. -> filter "x -> ~{Now')).toEqual([
      'source:keyword',
      'pipedrive:namespace',
      '->:operator',
      'filter:keyword',
      '"x -> ~{Now:string',
    ]);
  });

  it('encodes tokens relative to the previous one, across blocks and lines', () => {
    const text = 'flow a {\n  source x.y -> dest stdout\n}\nflow b {\n  source x.y -> dest stdout\n}\n';
    const { data } = semanticTokens(analyse(text));
    expect(data.length % 5).toBe(0);
    // The second `flow` keyword: 3 lines after the last token of the first block's line 2.
    const decoded: [number, number, number, string][] = [];
    let line = 0;
    let char = 0;
    for (let i = 0; i < data.length; i += 5) {
      line += data[i];
      char = data[i] === 0 ? char + data[i + 1] : data[i + 1];
      decoded.push([line, char, data[i + 2], TOKEN_TYPES[data[i + 3]]]);
    }
    expect(decoded.filter((d) => d[3] === 'keyword' && d[2] === 4 && d[1] === 0).map((d) => d[0])).toEqual([0, 3]);
    expect(decoded.find((d) => d[0] === 4 && d[3] === 'namespace')).toEqual([4, 9, 1, 'namespace']);
  });
});
