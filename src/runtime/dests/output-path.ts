// Where a file destination writes: the `path` option with `{run_started}` filled in, confined like
// every path a deployed flow touches; and whether it appends.
import { resolve } from 'node:path';
import type { ComponentContext } from '../component.js';
import { runStartedStamp } from '../io.js';
import { optBool, optString } from '../options.js';
import type { DestRequest } from './destination.js';

export function outputPath(req: DestRequest, ctx: ComponentContext): string {
  const p = resolve(ctx.io.cwd, optString(req.options, 'path') ?? '').replaceAll('{run_started}', runStartedStamp(req.run.started));
  ctx.io.confine?.(p, 'write');
  return p;
}

/** An incremental run brings only the changes: replacing the file would drop what earlier runs wrote. */
export const fileAppends = (req: DestRequest): boolean => optBool(req.options, 'append', req.run.incremental);
