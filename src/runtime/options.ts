// A component's `with` options, evaluated (options may hold templates and expressions), and the
// typed reads every component makes of them.
import { resolve } from 'node:path';
import type { Value } from './eval.js';
import type { IoContext } from './io.js';

export type OptionValues = Record<string, Value>;

export const optString = (o: OptionValues, k: string, d?: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : d);
export const optBool = (o: OptionValues, k: string, d: boolean): boolean => (typeof o[k] === 'boolean' ? (o[k] as boolean) : d);
/** A name or a list of names (`key = "id"` or `key = ["a", "b"]`). */
export const optNames = (o: OptionValues, k: string): string[] | undefined => {
  const v = o[k];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
};

/** A file option resolved against the working folder, and passed through the agent's confinement. */
export function optPath(ctx: IoContext, o: OptionValues, k: string, use: 'read' | 'write'): string {
  const p = resolve(ctx.cwd, optString(o, k) ?? '');
  ctx.confine?.(p, use);
  return p;
}
