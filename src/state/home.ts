// `$SLUICE_HOME` itself. Kept apart from db.ts so that the cache can create the folder without
// loading SQLite (a native module) for `sluice cache clear`.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_ERRORS as E, StateError } from './errors.js';

/**
 * Creates `$SLUICE_HOME` (mode 0700: rejected records are customer data) with a `.gitignore` of
 * `*`, so that state, cache and temp files are never committed by accident. The `.gitignore` is
 * written only into a folder Sluice creates or that is empty: SLUICE_HOME may point at an existing
 * folder of the user's, where a `*` would hide everything from git.
 */
export function ensureHome(home: string): void {
  try {
    const fresh = !existsSync(home);
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const gitignore = join(home, '.gitignore');
    if (fresh || (readdirSync(home).length === 0 && !existsSync(gitignore))) {
      writeFileSync(gitignore, '# Sluice state, cache and temp files: local to this machine.\n*\n', { flag: 'wx' });
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    throw new StateError(E.cannotOpen, `cannot create the Sluice data folder ${home} (${code ?? 'error'})`, {
      hint: 'Set SLUICE_HOME to a folder you can write to.',
    });
  }
}

