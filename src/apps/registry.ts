// The registry of apps, actions and functions: the one way the checker, the runtime, the CLI and the
// language server look definitions up. Loaded once per process and cached (loadRegistry()).
import { closest } from '../util/suggest.js';
import { loadStdlib, type LoadedStdlib } from './load.js';
import { defaultStdlibDir } from './locate.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';
import { pickVariant } from './versions.js';
import { userAppDirs, withUserApps } from './user-apps.js';
import type { ActionDef, AppDef, FunctionDef, ResolvedAction, Role, VariantDef } from './types.js';

export type * from './types.js';
export { AppDefinitionError, APP_ERROR } from './errors.js';
export { hasField } from './load.js';

/** The answer of `AppRegistry.resolve()` for the dotted name of a source, lookup or dest. */
export type ResolveResult =
  | {
      ok: true;
      app: AppDef;
      /** The action's name inside the app (`''` for the app's default action). */
      name: string;
      /** The action for the role asked for, or the only one when no role was given. */
      action: ActionDef;
      /** Every action of that name (a read and a write may share it). */
      actions: ActionDef[];
    }
  | { ok: false; reason: 'unknown-app'; app: string; suggestion?: string }
  | { ok: false; reason: 'unknown-action'; app: AppDef; name: string; suggestion?: string }
  | {
      ok: false;
      reason: 'wrong-role';
      app: AppDef;
      name: string;
      role: Role;
      /** The roles the name does have. */
      available: Role[];
      /** An action of the wanted role to use instead (`persons` as a dest: `pipedrive.persons.create`). */
      suggestion?: string;
    };

export class AppRegistry {
  private readonly byApp = new Map<string, AppDef>();
  /** `app` -> action name -> actions (one per role). */
  private readonly byName = new Map<string, Map<string, ActionDef[]>>();
  private readonly fns = new Map<string, FunctionDef>();

  constructor(private readonly loaded: LoadedStdlib) {
    for (const app of loaded.apps) {
      this.byApp.set(app.name, app);
      const names = new Map<string, ActionDef[]>();
      for (const a of app.actions) names.set(a.name, [...(names.get(a.name) ?? []), a]);
      this.byName.set(app.name, names);
    }
    for (const f of loaded.functions) this.fns.set(f.name, f);
  }

  /** The stdlib folder this registry was loaded from. */
  get stdlibDir(): string {
    return this.loaded.stdlibDir;
  }

  /** How long loading took and how the files were validated. */
  get stats(): { ms: number; validation: LoadedStdlib['validation'] } {
    return { ms: this.loaded.ms, validation: this.loaded.validation };
  }

  apps(): readonly AppDef[] {
    return this.loaded.apps;
  }

  app(name: string): AppDef | undefined {
    return this.byApp.get(name);
  }

  actionsOf(app: string | AppDef): readonly ActionDef[] {
    return (typeof app === 'string' ? this.byApp.get(app) : app)?.actions ?? [];
  }

  /** Every action as `[qualifiedName, role]`, e.g. for completion or "did you mean". */
  qualifiedNames(role?: Role): string[] {
    const out = new Set<string>();
    for (const app of this.loaded.apps) for (const a of app.actions) if (!role || a.role === role) out.add(a.qualifiedName);
    return [...out];
  }

  /**
   * The action `qualifiedName` (`pipedrive.users.find`, `file.csv`, `stdout`) for a role, with the
   * variant for `version` merged in. Without a version the app's default version is asked for; for
   * `auto`, or when the action has no variant for the version asked (Pipedrive keeps leads, users,
   * notes and recents in v1), the newest variant the action has is used.
   */
  action(qualifiedName: string, role: Role, version?: string | null): ResolvedAction | undefined {
    const r = this.resolve(qualifiedName.split('.'), role);
    if (!r.ok) return undefined;
    return resolveVariant(r.app, r.action, version ?? null);
  }

  /**
   * Splits a dotted name into app and action: `['pipedrive', 'users', 'find']` is the action
   * `users.find` of `pipedrive`; `['stdout']` is the default action (empty name) of `stdout`.
   */
  resolve(parts: readonly string[], role?: Role): ResolveResult {
    const [appName, ...rest] = parts;
    const name = rest.join('.');
    const app = appName === undefined ? undefined : this.byApp.get(appName);
    if (!app) {
      const guessApp = closest(appName ?? '', this.byApp.keys());
      let suggestion: string | undefined;
      if (guessApp) {
        const exists = this.byName.get(guessApp)?.has(name);
        suggestion = exists ? [guessApp, ...rest].join('.') : guessApp;
      } else {
        // `dest persons`: perhaps the app was left out.
        suggestion = this.loaded.apps.find((a) => a.actions.some((x) => x.name === parts.join('.') && (!role || x.role === role)))?.name;
        if (suggestion) suggestion = `${suggestion}.${parts.join('.')}`;
      }
      return { ok: false, reason: 'unknown-app', app: appName ?? '', ...(suggestion ? { suggestion } : {}) };
    }
    const actions = this.byName.get(app.name)?.get(name) ?? [];
    if (actions.length === 0) {
      const candidates = app.actions.filter((a) => !role || a.role === role).map((a) => a.name);
      const guess = closest(name, candidates.filter((c) => c !== ''));
      return { ok: false, reason: 'unknown-action', app, name, ...(guess !== undefined ? { suggestion: qualify(app.name, guess) } : {}) };
    }
    let action = role ? actions.find((a) => a.role === role) : actions[0];
    // LANGUAGE.md: one name reads as a source and writes as a dest. `dest pipedrive.persons`
    // creates, as `dest pipedrive.leads` does: the write is the family's `NAME.create`.
    if (!action && role === 'write') {
      const create = this.byName.get(app.name)?.get(`${name}.create`)?.find((a) => a.role === 'write');
      if (create) return { ok: true, app, name: create.name, action: create, actions: [create] };
    }
    if (!action) {
      const wanted = role as Role;
      const sameFamily = app.actions.filter((a) => a.role === wanted && a.name.startsWith(name === '' ? '' : `${name}.`)).map((a) => a.name);
      // A write named `persons.create` is the usual stand-in for `persons` as a dest.
      const pick = sameFamily.find((n) => n.endsWith('.create')) ?? sameFamily[0];
      return {
        ok: false,
        reason: 'wrong-role',
        app,
        name,
        role: wanted,
        available: actions.map((a) => a.role),
        ...(pick !== undefined ? { suggestion: qualify(app.name, pick) } : {}),
      };
    }
    return { ok: true, app, name, action, actions };
  }

  functions(): readonly FunctionDef[] {
    return this.loaded.functions;
  }

  function(name: string): FunctionDef | undefined {
    return this.fns.get(name);
  }
}

const qualify = (app: string, name: string): string => (name === '' ? app : `${app}.${name}`);

/** Picks the variant for `version` (see AppRegistry.action) and merges it into the action. */
export function resolveVariant(app: AppDef, action: ActionDef, version: string | null): ResolvedAction {
  const requested = version ?? app.defaultVersion;
  const variant: VariantDef = pickVariant(action, requested);
  const { variants, ...shared } = action;
  const { source: variantSource, ...v } = variant;
  return { ...shared, ...v, requestedVersion: requested, versions: variants.map((x) => x.version), variantSource };
}

const registries = new Map<string, AppRegistry>();

/**
 * The registry of the standard library (or of `stdlibDir`), loaded on first use and cached for the
 * process. `fresh` reloads (the language server after a stdlib file changed, tests).
 * Throws AppDefinitionError when a definition is broken.
 */
export function loadRegistry(options: { stdlibDir?: string; fresh?: boolean } = {}): AppRegistry {
  const dir = options.stdlibDir ?? defaultStdlibDir();
  // A user's apps (./apps, --apps) join the default registry; an explicit stdlibDir is loaded alone.
  const userDirs = options.stdlibDir ? [] : userAppDirs();
  const cacheKey = [dir, ...userDirs].join('\0');
  const hit = registries.get(cacheKey);
  if (hit && !options.fresh) return hit;
  // A snapshot of an unchanged stdlib skips validation; `fresh` (tests, the language server after
  // an edit) always loads from the files.
  const snap = options.fresh ? { key: '' } : readSnapshot(dir);
  let loaded = snap.loaded;
  if (!loaded) {
    loaded = loadStdlib(dir);
    writeSnapshot(snap.key, loaded);
  }
  const reg = new AppRegistry(withUserApps(loaded, userDirs));
  registries.set(cacheKey, reg);
  return reg;
}
