// The values of `~{Name}~` templates for one run of one source (LANGUAGE.md, "Templates"):
// - CreatedDate: the source's watermark (the largest cursor value the destination accepted); on the
//   first run the value of `--since`, else the beginning of time.
// - LastRunTime: when the last successful run started (same fallbacks).
// - Now: when this run started, so that every use in one run sees the same instant.
// - anything else: `--var Name=value`.
// Times are ISO 8601 UTC with milliseconds; the interpreter formats them for the API parameter.
import { normaliseCursor } from './cursor.js';
import { STATE_ERRORS as E, StateError } from './errors.js';
import type { FlowKey } from './keys.js';
import type { StateReader } from './store.js';

export const BUILTIN_TEMPLATES = ['CreatedDate', 'LastRunTime', 'Now'] as const;
export const BEGINNING_OF_TIME = '1970-01-01T00:00:00.000Z';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses repeated `--var Name=value` arguments. Usage errors (exit 2) name the bad argument. */
export function parseVarArgs(args: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (eq < 0 || !NAME.test(name)) {
      throw new StateError(E.varMalformed, `--var takes Name=value, with a name of letters, digits and _; got \`${arg.slice(0, 60)}\``, {
        hint: 'For example: --var Owner=42 (used as ~{Owner}~ in the flow).',
        exitCode: 2,
      });
    }
    if ((BUILTIN_TEMPLATES as readonly string[]).includes(name)) {
      throw new StateError(E.varBuiltin, `--var cannot set ~{${name}}~: Sluice computes it from the state of the flow`, {
        hint: name === 'CreatedDate' ? 'Use --since for the first run, or `sluice state reset FLOW` and --since to start again from a date.' : undefined,
        exitCode: 2,
      });
    }
    vars[name] = arg.slice(eq + 1);
  }
  return vars;
}

export interface TemplateContext {
  values: Record<string, string>;
  /** No watermark yet for this source: the interpreter must not rely on /v1/recents (DESIGN.md). */
  firstRun: boolean;
}

/**
 * Computes the template values for a run. `store` may be null (no state database yet): that is a
 * first run. `since` (the `--since` option) must be a time; it only applies before the first commit.
 */
export async function templateValues(
  store: Pick<StateReader, 'watermark' | 'lastSuccessfulRun'> | null,
  key: FlowKey,
  source: string,
  options: { now: Date; since?: string; vars?: Record<string, string> },
): Promise<TemplateContext> {
  let since: string | undefined;
  if (options.since !== undefined) {
    const c = normaliseCursor(options.since);
    if (c.kind !== 'time') {
      throw new StateError(E.cursorInvalid, `--since needs a time such as 2026-01-01 or 2026-01-01T00:00:00Z, not \`${options.since.slice(0, 60)}\``, { exitCode: 2 });
    }
    since = c.value;
  }
  const mark = store ? await store.watermark(key, source) : null;
  const last = store ? await store.lastSuccessfulRun(key) : null;
  const fallback = since ?? BEGINNING_OF_TIME;
  return {
    values: {
      ...(options.vars ?? {}),
      CreatedDate: mark?.value ?? fallback,
      LastRunTime: last?.startedAt ?? fallback,
      Now: options.now.toISOString(),
    },
    firstRun: mark?.value === null || mark === null,
  };
}
