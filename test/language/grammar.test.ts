// The grammar's self-checks (skipped at start-up for speed) and the reference docs kept in step.
import { readFileSync } from 'node:fs';
import { Lexer } from 'chevrotain';
import { describe, expect, it } from 'vitest';
import { renderDiagrams } from '../../src/language/diagrams.js';
import { FlowParser } from '../../src/language/parser.js';
import { allTokens } from '../../src/language/tokens.js';

const ebnf = readFileSync(new URL('../../grammar/flow.ebnf', import.meta.url), 'utf8');

describe('grammar', () => {
  it('passes chevrotain self-analysis with validations on (no ambiguity, no left recursion)', () => {
    process.env.SLUICE_VALIDATE_GRAMMAR = '1';
    try {
      expect(() => new FlowParser()).not.toThrow();
    } finally {
      delete process.env.SLUICE_VALIDATE_GRAMMAR;
    }
  });

  it('lexer definition passes validation', () => {
    const lexer = new Lexer(allTokens, { positionTracking: 'full', skipValidations: false, ensureOptimizations: false });
    expect(lexer.lexerDefinitionErrors).toEqual([]);
  });

  it('grammar/flow.ebnf names exactly the parser rules', () => {
    const productions = [...ebnf.replace(/\(\*[\s\S]*?\*\)/g, '').matchAll(/^([a-z][A-Za-z]*)\s*=/gm)].map((m) => m[1]).sort();
    const rules = Object.keys(new FlowParser().getGAstProductions()).sort();
    expect(productions).toEqual(rules);
  });

  it('grammar/diagrams.html is generated from the current parser (run `npm run grammar`)', () => {
    const committed = readFileSync(new URL('../../grammar/diagrams.html', import.meta.url), 'utf8');
    expect(committed).toBe(renderDiagrams());
  });
});
