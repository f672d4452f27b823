// `sluice connections add APP` and `connections test NAME` for apps other than Pipedrive: the
// fields come from the app's definition (`connection.fields`), each given with `--set FIELD=VALUE`,
// `--set-env FIELD=VAR` (read now, so the value never appears in the process list) or, for a
// secret field on a terminal, typed at a hidden prompt. The connection is validated with the
// request the definition names (`connection.test`) before it is saved.
import { loadRegistry } from '../../apps/index.js';
import type { AppDef, OptionDef } from '../../apps/types.js';
import { connectionFromFields, fieldValue, resolveAppConnection } from '../../connections/app-connection.js';
import { CONNECTION_ERRORS as E, ConnectionError, Secret, checkConnectionName, readStore, savedConnection, updateStore, type StoredConnection } from '../../connections/index.js';
import { UsageError } from '../../errors.js';
import { closest } from '../../util/suggest.js';
import { flag, str, type ParsedArgs } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { outColors, type CliIO } from '../io.js';

/** The app `connections add APP` names, when it is a defined app with connection fields. */
export function definedApp(name: string): AppDef | undefined {
  if (name === 'pipedrive') return undefined;
  const app = loadRegistry().app(name);
  return app?.connection ? app : undefined;
}

/** The apps `connections add` accepts, for messages. */
export function appsWithConnections(): string[] {
  return loadRegistry()
    .apps()
    .filter((a) => a.connection !== null)
    .map((a) => a.name);
}

export function unknownApp(name: string): ConnectionError {
  const apps = appsWithConnections();
  const guess = closest(name, apps);
  return new ConnectionError(E.appUnsupported, `\`${name.slice(0, 40)}\` has no connections${guess ? `; did you mean \`${guess}\`?` : ''}: the apps with connections are ${apps.join(', ')}`, 'Your own apps declare theirs in `connection.fields` of their app.json (see stdlib/README.md, "Your own apps").');
}

function pairs(args: ParsedArgs, option: 'set' | 'set-env'): [string, string][] {
  const raw = args.values[option];
  const list = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  return list.map((p) => {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`--${option} takes FIELD=${option === 'set' ? 'VALUE' : 'VAR'}, not \`${p.slice(0, 20)}${p.length > 20 ? '...' : ''}\``);
    return [p.slice(0, i), p.slice(i + 1)];
  });
}

/** The field values given on the command line, from variables and from prompts; secrets found are collected for redaction. */
async function readFields(app: AppDef, args: ParsedArgs, io: CliIO, secrets: Secret[], prompt: (q: string) => Promise<string>): Promise<Record<string, string | number | boolean>> {
  const defs = app.connection!.fields;
  const out: Record<string, string | number | boolean> = {};
  const field = (name: string, option: string): OptionDef => {
    const def = defs[name];
    if (!def) {
      const guess = closest(name, Object.keys(defs));
      throw new UsageError(`${app.name} connections have no field \`${name}\` (${option})${guess ? `; did you mean \`${guess}\`?` : ''}`, `Fields: ${Object.keys(defs).join(', ')}.`);
    }
    return def;
  };
  for (const [name, value] of pairs(args, 'set')) {
    const def = field(name, '--set');
    if (def.secret) secrets.push(new Secret(value));
    out[name] = fieldValue(def, value);
  }
  for (const [name, variable] of pairs(args, 'set-env')) {
    const def = field(name, '--set-env');
    const value = io.env[variable];
    if (value === undefined || value === '') throw new ConnectionError(E.tokenEnvUnset, `the environment variable ${variable} (for ${name}) is not set`, `Set it first (export ${variable}=...).`);
    if (def.secret) secrets.push(new Secret(value));
    out[name] = fieldValue(def, value);
  }
  for (const def of Object.values(defs)) {
    if (out[def.name] !== undefined || !def.required || def.default !== undefined) continue;
    if (def.secret && io.stdin.isTTY) {
      const v = await prompt(`${def.name} (${def.help}; input hidden): `);
      secrets.push(new Secret(v));
      out[def.name] = fieldValue(def, v);
      continue;
    }
    throw new UsageError(`the connection field \`${def.name}\` is required (${def.help})`, `Give it with --set ${def.name}=VALUE${def.secret ? ` or, better for a secret, --set-env ${def.name}=VAR` : ''}.`);
  }
  validateValues(app, out);
  return out;
}

/** Each value against its field's schema (type, enum, pattern, length), before anything is sent. */
function validateValues(app: AppDef, values: Record<string, string | number | boolean>): void {
  for (const [name, v] of Object.entries(values)) {
    const def = app.connection!.fields[name];
    const s = def.schema;
    const show = def.secret ? '' : ` \`${String(v).slice(0, 60)}\``;
    const bad = (why: string) => new UsageError(`the connection field \`${name}\`${show} ${why}`, def.help);
    const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
    if (types.length && !types.some((t) => (t === 'integer' ? Number.isInteger(v) : typeof v === t))) throw bad(`must be ${types.join(' or ')}`);
    if (s.enum && !s.enum.includes(v)) throw bad(`must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`);
    if (typeof v === 'string') {
      if (s.pattern && !new RegExp(s.pattern, 'u').test(v)) throw bad(`does not have the expected form (${s.pattern})`);
      if (s.minLength !== undefined && v.length < s.minLength) throw bad(`must have at least ${s.minLength} characters`);
    }
  }
}

export async function addDefined(app: AppDef, args: ParsedArgs, io: CliIO, format: 'text' | 'json', secrets: Secret[], prompt: (q: string) => Promise<string>, timeoutMs: number | undefined): Promise<number> {
  const name = checkConnectionName(str(args, 'name') ?? app.name);
  for (const f of ['company-url', 'api-version', 'api-token', 'api-token-env', 'plan', 'seats', 'daily-budget'] as const) {
    if (args.values[f] !== undefined) throw new UsageError(`--${f} is for Pipedrive connections; ${app.name} takes its fields with --set FIELD=VALUE`, `Fields: ${Object.keys(app.connection!.fields).join(', ')}.`);
  }
  const existing = savedConnection(readStore(io.env), name);
  if (existing && !flag(args, 'replace')) {
    throw new ConnectionError(E.alreadyExists, `a connection named \`${name}\` is already saved (${existing.app})`, `Add --replace to replace it, choose another --name, or \`sluice connections remove ${name}\` first.`);
  }
  const values = await readFields(app, args, io, secrets, prompt);
  const conn = connectionFromFields(name, app, values, { kind: 'file', path: '' }, 'file');
  let probe: Awaited<ReturnType<typeof import('../../runtime/probe/app.js').probeAppConnection>> | undefined;
  if (!flag(args, 'no-validate')) {
    const { probeAppConnection } = await import('../../runtime/probe/app.js');
    probe = await probeAppConnection(app, conn, { ...(timeoutMs ? { timeoutMs } : {}) });
  }
  const entry: StoredConnection = { app: app.name, company_url: '', api_version: 'auto', fields: values, added_at: new Date().toISOString() };
  const path = updateStore(io.env, (store) => {
    store.connections[name] = entry;
  });
  const shown = shownFields(app, conn);
  if (format === 'json') {
    io.stdout.write(`${JSON.stringify({ ok: true, name, app: app.name, fields: shown, validated: probe !== undefined, ...(probe ? { checked: probe.checked, reached: probe.reached, elapsed_ms: probe.elapsedMs } : {}), saved: true, path }, null, 2)}\n`);
    return EXIT.ok;
  }
  const c = outColors(io);
  if (probe) io.stdout.write(`${c.green('Test Connection Successful')}: ${probe.checked} (${probe.reached})\n`);
  io.stdout.write(`Saved connection \`${name}\`: ${app.name}, ${Object.entries(shown).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  if (!probe) io.stdout.write(`Not validated (--no-validate): run \`sluice connections test ${name}\` to check it.\n`);
  return EXIT.ok;
}

export async function testDefined(app: AppDef, name: string, io: CliIO, format: 'text' | 'json', secrets: Secret[], timeoutMs: number | undefined): Promise<number> {
  const conn = resolveAppConnection(name, app, io.env);
  for (const v of Object.values(conn.fields ?? {})) if (v instanceof Secret) secrets.push(v);
  const { probeAppConnection } = await import('../../runtime/probe/app.js');
  const probe = await probeAppConnection(app, conn, { ...(timeoutMs ? { timeoutMs } : {}) });
  const shown = shownFields(app, conn);
  if (format === 'json') {
    io.stdout.write(`${JSON.stringify({ ok: true, name: conn.name, app: app.name, fields: shown, origin: conn.origin, checked: probe.checked, reached: probe.reached, elapsed_ms: probe.elapsedMs }, null, 2)}\n`);
    return EXIT.ok;
  }
  io.stdout.write(`${outColors(io).green('Test Connection Successful')}: ${probe.checked} (${probe.reached})\n`);
  io.stdout.write(`Connection \`${conn.name}\`: ${app.name}, ${Object.entries(shown).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  return EXIT.ok;
}

/** Field values as they may be shown: secrets masked, a URL's password removed. */
function shownFields(app: AppDef, conn: { fields?: Readonly<Record<string, unknown>> }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const def of Object.values(app.connection!.fields)) {
    const v = conn.fields?.[def.name];
    if (v === undefined) continue;
    out[def.name] = v instanceof Secret ? (app.kind === 'postgres' && def.name === 'url' ? withoutPassword(v.reveal()) : v.masked) : String(v);
  }
  return out;
}

function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return '****';
  }
}
