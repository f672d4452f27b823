// The bytes of JSON text the records scanners (json-records.ts, json-project.ts) look at, and how
// they skip a string: by indexOf over the bytes, which in whole runs costs less than a loop.

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;

export const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * The next backslash at or after `i` (`n`: none), from the one found before (`known`, -1 at first):
 * looked for again only once passed, since backslashes are rare.
 */
export function nextBackslash(chunk: Buffer, i: number, n: number, known: number): number {
  if (known >= i) return known;
  const b = chunk.indexOf(BACKSLASH, i);
  return b < 0 ? n : b;
}

/** Where a string being read from `i` stops: its closing quote or the backslash at `backslash`, whichever comes first (`n`: neither in the chunk). */
export function stringStop(chunk: Buffer, i: number, backslash: number): number {
  const quote = chunk.indexOf(QUOTE, i);
  return quote < 0 || quote > backslash ? backslash : quote;
}
