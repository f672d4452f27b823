// A user's own apps: app definitions in the standard library's format, in a project's `apps/`
// folder (the folder sluice runs in) and in the folders of `--apps DIR` / `$SLUICE_APPS`. They join
// the registry beside the stdlib's apps, so flows use them with the same checking, completion and
// hover. They are validated like the stdlib (same meta-schema, same semantic checks) but never
// snapshotted: they change while their author works on them.
import { existsSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { AppDefinitionError, APP_ERROR, USER_APP_HINT } from './errors.js';
import { loadUserApps, type LoadedStdlib } from './load.js';
import type { AppDef } from './types.js';

/** The folders user apps are read from: `$SLUICE_APPS` (a path list; `--apps` sets it), then `./apps`. */
export function userAppDirs(env: Record<string, string | undefined> = process.env, cwd: string = process.cwd()): string[] {
  const dirs = (env.SLUICE_APPS ?? '')
    .split(delimiter)
    .filter((d) => d !== '')
    .map((d) => resolve(cwd, d));
  const project = join(cwd, 'apps');
  if (!dirs.includes(project) && existsSync(project) && statSync(project).isDirectory()) dirs.push(project);
  return dirs;
}

/** The stdlib with the apps of `dirs` added; an app named like one already loaded is an error. */
export function withUserApps(loaded: LoadedStdlib, dirs: readonly string[]): LoadedStdlib {
  if (dirs.length === 0) return loaded;
  const byName = new Map<string, AppDef>(loaded.apps.map((a) => [a.name, a]));
  const apps = [...loaded.apps];
  for (const dir of dirs) {
    for (const app of loadUserApps(dir, { stdlibDir: loaded.stdlibDir })) {
      const clash = byName.get(app.name);
      if (clash) {
        throw new AppDefinitionError(APP_ERROR.semantic, app.source.file, app.source.display, '/name', `is "${app.name}", which ${clash.source.display} defines already: give this app another name (and folder)`, USER_APP_HINT);
      }
      byName.set(app.name, app);
      apps.push(app);
    }
  }
  apps.sort((a, b) => a.name.localeCompare(b.name));
  return { ...loaded, apps };
}
