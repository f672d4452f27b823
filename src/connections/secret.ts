// A token that cannot leak by accident. The raw value sits in a private field, so it is not an own
// property: JSON.stringify, util.inspect, console.log, template strings, structuredClone and error
// serialisers all see only the masked form (`****abcd`). Code that really needs the value (the HTTP
// client setting the `x-api-token` header) must call `reveal()`, which is easy to grep for.
import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';

/** Shortest token of which the last four characters may be shown: below this, four would be most of it. */
const MIN_LENGTH_TO_SHOW_TAIL = 16;

/** `****abcd`: at most the last 4 characters, none for short values. */
export function mask(value: string): string {
  return value.length >= MIN_LENGTH_TO_SHOW_TAIL ? `****${value.slice(-4)}` : '****';
}

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    Object.freeze(this);
  }

  /** The raw value. Only for the place that sends it (a request header); never for messages. */
  reveal(): string {
    return this.#value;
  }

  get masked(): string {
    return mask(this.#value);
  }

  /**
   * A stable, non-reversible identifier of the value for keys (rate limiter per token, cache keys):
   * a keyed hash, truncated. The token is 160 random bits, so the hash cannot be reversed by search.
   */
  fingerprint(): string {
    return createHmac('sha256', 'sluice/token-fingerprint/v1').update(this.#value).digest('hex').slice(0, 16);
  }

  equals(other: Secret): boolean {
    return other.#value === this.#value;
  }

  toString(): string {
    return this.masked;
  }

  toJSON(): string {
    return this.masked;
  }

  [Symbol.toPrimitive](): string {
    return this.masked;
  }

  [inspect.custom](): string {
    return `Secret(${this.masked})`;
  }
}

/**
 * Replaces every occurrence of the given secrets in `text` (raw and URL-encoded) with their masked
 * form. A last line of defence for text that came from elsewhere (a library's error message).
 */
export function redact(text: string, secrets: Iterable<Secret | string | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (s === undefined) continue;
    const raw = typeof s === 'string' ? s : s.reveal();
    // Very short strings would redact ordinary words; a real token is never this short.
    if (raw.length < 4) continue;
    const masked = mask(raw);
    for (const form of new Set([raw, encodeURIComponent(raw)])) out = out.split(form).join(masked);
  }
  return out;
}

/**
 * Masks anything that looks like a Pipedrive token (40 hex characters) in text the user typed and
 * that we echo back, e.g. a malformed company URL into which a token was pasted by mistake.
 */
export function scrubTokenLike(text: string): string {
  return text.replace(/[0-9a-f]{40}/gi, (m) => mask(m));
}
