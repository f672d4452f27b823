// `sluice apps`: the apps and actions of the standard library, as a table like the seed document's
// (action, method, path, help) or as JSON.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import { AppDefinitionError, APP_ERROR, defaultStdlibDir, loadRegistry, resolveVariant, type ActionDef, type AppDef, type AppRegistry, type ResolvedAction } from '../../apps/index.js';
import { USER_APP_HINT } from '../../apps/errors.js';
import { loadUserApps } from '../../apps/load.js';
import { UsageError } from '../../errors.js';
import { closest } from '../../util/suggest.js';
import { formatOption, outputFormat, str, type Command, type ParsedArgs } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { outColors, type CliIO } from '../io.js';

/** Left-aligned columns; the last column is cut to `width` when one is given (a terminal). */
export function formatTable(header: string[] | null, rows: string[][], width?: number, bold: (s: string) => string = (s) => s): string {
  const all = header ? [header, ...rows] : rows;
  const cols = Math.max(0, ...all.map((r) => r.length));
  const widths = Array.from({ length: cols - 1 }, (_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => {
    const lead = widths.map((w, i) => (r[i] ?? '').padEnd(w + 2)).join('');
    let last = r[cols - 1] ?? '';
    if (width !== undefined && width > lead.length + 10 && lead.length + last.length > width) last = `${last.slice(0, width - lead.length - 1)}…`;
    return (lead + last).trimEnd();
  };
  const lines = rows.map(line);
  if (header) lines.unshift(bold(line(header)));
  return lines.join('\n') + '\n';
}

/** `GET /v1/persons`-style display of where a variant goes; `-` for apps that are not HTTP. */
export function endpoint(app: AppDef, v: { version: string | null; path: string | null }): string {
  if (v.path === null) return '-';
  return app.http?.baseUrl.includes('{version}') && v.version ? `/${v.version}${v.path}` : v.path;
}

/** The variant to show for an action under `--version` (or the app's default). */
export function shown(app: AppDef, a: ActionDef, version: string | undefined): ResolvedAction {
  return resolveVariant(app, a, version && app.versions.includes(version) ? version : null);
}

/** Unknown app names get "did you mean" and exit 2, like unknown commands. */
export function requireApp(reg: AppRegistry, name: string): AppDef {
  const app = reg.app(name);
  if (app) return app;
  const guess = closest(name, reg.apps().map((a) => a.name));
  throw new UsageError(`unknown app \`${name}\`${guess ? `; did you mean \`${guess}\`?` : ''}`, `The apps are: ${reg.apps().map((a) => a.name).join(', ')}.`);
}

export function versionOption(args: ParsedArgs, reg: AppRegistry): string | undefined {
  const v = str(args, 'version');
  if (v === undefined) return undefined;
  const all = [...new Set(reg.apps().flatMap((a) => a.versions))];
  if (!all.includes(v)) throw new UsageError(`unknown --version \`${v}\``, `Versions: ${all.join(', ')}.`);
  return v;
}

const byName = (a: ActionDef, b: ActionDef) => a.qualifiedName.localeCompare(b.qualifiedName) || a.role.localeCompare(b.role);

async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const format = outputFormat(args);
  const reg = loadRegistry();
  const version = versionOption(args, reg);
  const apps = args.positionals.length > 0 ? args.positionals.map((n) => requireApp(reg, n)) : [...reg.apps()];

  if (format === 'json') {
    const out = apps.map((app) => ({
      app: app.name,
      title: app.title,
      kind: app.kind,
      help: app.help,
      versions: app.versions,
      defaultVersion: app.defaultVersion,
      actions: [...app.actions].sort(byName).map((a) => {
        const v = shown(app, a, version);
        return {
          name: a.name,
          qualifiedName: a.qualifiedName,
          role: a.role,
          help: a.help,
          method: v.method,
          path: v.path,
          version: v.version,
          versions: a.variants.map((x) => ({ version: x.version, method: x.method, path: x.path })),
        };
      }),
    }));
    io.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return EXIT.ok;
  }

  const c = outColors(io);
  const rows: string[][] = [];
  for (const app of apps) {
    for (const a of [...app.actions].sort(byName)) {
      const v = shown(app, a, version);
      // A v1-only action under --version v2 says so: it still answers, from v1.
      const note = version && v.version !== null && v.version !== version ? ` (${v.version} only)` : '';
      rows.push([app.name, a.qualifiedName, a.role, v.method ?? '-', endpoint(app, v) + note, a.variants.map((x) => x.version ?? '-').join(','), a.help]);
    }
  }
  const width = io.stdout.isTTY ? io.stdout.columns : undefined;
  io.stdout.write(formatTable(['APP', 'ACTION', 'ROLE', 'METHOD', 'PATH', 'VERSIONS', 'HELP'], rows, width, c.bold));
  return EXIT.ok;
}

/** The app folder a `validate` argument names: the folder itself, or the folder of its app.json. */
function appFolder(arg: string): string {
  const path = resolvePath(arg);
  if (!existsSync(path)) throw new UsageError(`no such file or folder: ${arg}`);
  if (statSync(path).isDirectory()) {
    if (!existsSync(join(path, 'app.json'))) throw new UsageError(`${arg} has no app.json`, 'Give an app folder (with app.json) or its app.json.');
    return path;
  }
  if (basename(path) !== 'app.json') throw new UsageError(`${arg} is not an app.json`, 'Give an app folder or its app.json (actions/*.json and schemas/*.json are checked with it).');
  return dirname(path);
}

interface Validated {
  file: string;
  ok: boolean;
  app?: string;
  actions?: number;
  error?: { code: string; pointer: string; message: string };
}

function validateOne(arg: string): Validated {
  const folder = appFolder(arg);
  const file = join(folder, 'app.json');
  try {
    const [app] = loadUserApps(dirname(folder), { only: basename(folder) });
    // The name must not hide an app of the standard library.
    const std = loadRegistry({ stdlibDir: defaultStdlibDir() }).app(app.name);
    if (std) throw new AppDefinitionError(APP_ERROR.semantic, file, app.source.display, '/name', `is "${app.name}", which the standard library defines already: give this app another name (and folder)`, USER_APP_HINT);
    return { file: app.source.display, ok: true, app: app.name, actions: app.actions.length };
  } catch (err) {
    if (!(err instanceof AppDefinitionError)) throw err;
    return { file: err.displayPath, ok: false, error: { code: err.code, pointer: err.pointer, message: err.detail } };
  }
}

async function validate(args: ParsedArgs, io: CliIO): Promise<number> {
  const format = outputFormat(args);
  if (args.positionals.length === 0) throw new UsageError('missing FILE', 'Give an app.json (or its folder) to check: `sluice apps validate apps/shop/app.json`.');
  const results = args.positionals.map(validateOne);
  if (format === 'json') io.stdout.write(JSON.stringify(results, null, 2) + '\n');
  else {
    const c = outColors(io);
    for (const r of results) {
      if (r.ok) io.stdout.write(`${r.file}: ${c.bold('ok')} (app \`${r.app}\`, ${r.actions} action${r.actions === 1 ? '' : 's'})\n`);
      else io.stdout.write(`${r.file}#${r.error!.pointer}: error ${r.error!.code} ${r.error!.message}\n`);
    }
  }
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
}

export const commands: Command[] = [
  {
    name: 'apps validate',
    summary: 'check your own app definitions against the published format',
    usage: 'apps validate [--format text|json] FILE|DIR...',
    details: [
      'FILE is an app.json (or DIR its folder); its actions/*.json and schemas/*.json are checked with it, by the',
      'meta-schema stdlib/app.schema.json and the loader\'s own rules (the same checks as for the standard library).',
      'A problem is printed as FILE#/json/pointer: error CODE what is wrong (SL0401-SL0405, see stdlib/README.md).',
      'Exit 0 when every definition is valid, 1 otherwise.',
      'Apps in ./apps, or in a folder given with `--apps DIR` (any command), are used by flows like the standard ones.',
    ].join('\n'),
    options: { format: formatOption },
    positionals: true,
    run: validate,
  },
  {
    name: 'apps',
    summary: 'list the apps and actions of the standard library and your own (./apps, --apps DIR)',
    usage: 'apps [--version VERSION] [--format text|json] [APP...]',
    details: [
      'Each row is an action a flow can name: `source APP.ACTION` (role read) or `dest APP.ACTION` (role write).',
      'PATH is shown for the app\'s default API version, or for --version; VERSIONS lists the versions an action exists in.',
      'Run `sluice describe APP.ACTION` for parameters, options and the record schema.',
      'Your own apps (./apps, or --apps DIR) are listed too; `sluice apps validate FILE` checks a definition.',
    ].join('\n'),
    options: {
      version: { type: 'string', valueName: 'VERSION', description: 'show each action as in this API version (e.g. v2)' },
      format: formatOption,
    },
    positionals: true,
    run,
  },
];
