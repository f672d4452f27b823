// Comments anywhere: between any two tokens of any program. `fmt` keeps every one, in order, on
// the same token (the one before it, commas aside) and on that token's line or a line of its own as
// written; it re-parses to the same tree, and a second `fmt` changes nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { format } from '../../src/language/format.js';
import { parse } from '../../src/language/parse.js';
import { attachments } from '../../src/language/comments.js';
import { print } from '../../src/language/printer.js';
import { program, strip } from './ast-arbitrary.js';
import { runs } from '../helpers/runs.js';

/** `text` with a comment `# cN` after each chosen token (a comment runs to the end of its line). */
export function withComments(text: string, picks: number[], ownLine: boolean[]): string {
  const tokens = parse(text).tokens;
  // Not between a number and its unit (`15m`): they are written together.
  const ends = tokens.filter((t, i) => !(t.image.match(/^\d/) && tokens[i + 1]?.startOffset === t.endOffset! + 1)).map((t) => t.endOffset! + 1);
  if (ends.length === 0) return text;
  const at = [...new Set(picks.map((p) => ends[p % ends.length]))].sort((a, b) => a - b);
  let out = '';
  let from = 0;
  at.forEach((pos, i) => {
    out += text.slice(from, pos) + (ownLine[i % ownLine.length] ? '\n' : ' ') + `# c${i}\n`;
    from = pos;
  });
  return out + text.slice(from);
}

const commentTexts = (text: string) => parse(text).program.comments.map((c) => c.text.trim());

/** Each comment with the token it follows (its index and text, commas aside) and whether it shares that token's line. */
export function attachedTo(text: string): { comment: string; after: number; token: string | null; sameLine: boolean }[] {
  const { tokens, program } = parse(text);
  const code = tokens.filter((t) => t.image !== ',');
  return attachments(tokens, program.comments).map((a) => ({ comment: a.comment.text.trim(), after: a.after, token: code[a.after]?.image ?? null, sameLine: a.sameLine }));
}

describe('comments everywhere', () => {
  it('fmt keeps every comment in order, keeps the tree, and is idempotent', () => {
    fc.assert(
      fc.property(program, fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (ast, picks, ownLine) => {
        const text = withComments(print(ast), picks, ownLine);
        const once = format(text);
        expect(once.ok, text).toBe(true);
        if (!once.ok) return;
        expect(commentTexts(once.text), `${text}\n----\n${once.text}`).toEqual(commentTexts(text));
        expect(attachedTo(once.text), `${text}\n----\n${once.text}`).toEqual(attachedTo(text));
        expect(strip(parse(once.text).program), `${text}\n----\n${once.text}`).toEqual(strip(parse(text).program));
        expect(format(once.text), `${text}\n----\n${once.text}`).toEqual(once);
      }),
      { numRuns: runs(300), seed: 14 },
    );
  });
});
