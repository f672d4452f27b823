// Railroad diagrams of the grammar, generated from the parser's own description of itself.
import { createSyntaxDiagramsCode } from 'chevrotain';
import { flowParser } from './parser.js';

export function renderDiagrams(): string {
  return createSyntaxDiagramsCode(flowParser().getSerializedGastProductions(), { css: undefined });
}
