// `sluice describe NAME`: everything a flow author needs about an action (help, request, parameters
// with types and limits, options, how `since` works, the record or input fields), an app (connection,
// rate limits, actions) or a function (signature).
import {
  AUTO_VERSION,
  constraintsLabel,
  loadRegistry,
  resolveVariant,
  schemaFields,
  typeLabel,
  typeSpecLabel,
  type ActionDef,
  type AppDef,
  type AuthDef,
  type AppRegistry,
  type FunctionDef,
  type OptionDef,
  type ParamDef,
  type ResolvedAction,
  type Role,
  type SinceDef,
} from '../../apps/index.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { describeFile, fileText } from '../describe-file.js';
import { closest } from '../../util/suggest.js';
import { formatOption, outputFormat, str, type Command, type ParsedArgs } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { outColors, type CliIO } from '../io.js';
import { endpoint, formatTable, shown, versionOption } from './apps.js';

type Palette = ReturnType<typeof outColors>;

function roleOption(args: ParsedArgs): Role | undefined {
  const r = str(args, 'role');
  if (r === undefined) return undefined;
  if (r !== 'read' && r !== 'write') throw new UsageError(`unknown --role \`${r}\``, 'Use --role read (a source or lookup) or --role write (a dest).');
  return r;
}

export function sinceText(s: SinceDef | null): string {
  if (s === null) return 'not supported (a `since` clause is an error)';
  const fmt = s.fieldFormat ? `, ${s.fieldFormat}` : '';
  switch (s.kind) {
    case 'param':
      return `sent as the parameter ${s.param} (${s.format})${s.params ? `, with ${Object.entries(s.params).map(([k, v]) => `${k}=${String(v)}`).join('&')}` : ''}; watermark field ${s.field}${fmt}`;
    case 'sort':
      return `sorts newest first (${Object.entries(s.params).map(([k, v]) => `${k}=${String(v)}`).join('&')}) and stops at the first record older than the watermark; field ${s.field}${fmt}`;
    case 'client':
      return `fetches everything and keeps records whose ${s.field} is at or after the watermark${fmt}`;
  }
}

function paginationText(a: ResolvedAction): string {
  const p = a.pagination;
  if (p.type === 'none') return 'none (one request)';
  if (p.type === 'offset') return `${p.style}: ${p.startParam}/${p.limitParam}, at most ${p.pageSizeMax} a page`;
  if (p.type === 'cursor') return `${p.style}: ${p.cursorParam}/${p.limitParam}, at most ${p.pageSizeMax} a page`;
  if (p.type === 'page') return `${p.style}: page ${p.pageParam}/${p.limitParam}, at most ${p.pageSizeMax} a page`;
  return `${p.style}: the next page's URL from ${p.type === 'link' ? 'the Link header' : 'the answer'}${p.pageSizeMax ? `, at most ${p.pageSizeMax} a page` : ''}`;
}

function authText(x: AuthDef): string {
  if (x.type === 'apiKey') return `${x.fallback ? 'or ' : ''}${x.in} ${x.name}`;
  if (x.type === 'oauth2') return `OAuth2 ${x.grant.replace('_', ' ')}`;
  return x.type;
}

function paramRows(params: ParamDef[]): string[][] {
  return params.map((p) => {
    const flags = [p.in === 'query' ? '' : p.in, p.required ? 'required' : '', p.kind === 'limit' ? 'total to fetch' : '', p.sendDefault ? 'sent by default' : '']
      .filter(Boolean)
      .join(', ');
    const cons = constraintsLabel(p.schema);
    return [p.name, typeLabel(p.schema) + (cons ? `, ${cons}` : ''), flags, p.help];
  });
}

function optionRows(options: OptionDef[]): string[][] {
  return options.map((o) => {
    const cons = constraintsLabel(o.schema);
    const flags = [o.required ? 'required' : '', o.secret ? 'secret' : '', o.env ? `env ${o.env}` : ''].filter(Boolean).join(', ');
    return [o.name, typeLabel(o.schema) + (cons ? `, ${cons}` : ''), flags, o.help];
  });
}

/** Indents every line of a block. */
const indent = (s: string, by = '  '): string =>
  s
    .split('\n')
    .map((l) => (l ? by + l : l))
    .join('\n');

function describeAction(app: AppDef, a: ResolvedAction, c: Palette): string {
  const out: string[] = [];
  out.push(`${c.bold(a.qualifiedName)}  ${a.role}  ${a.help}`);
  if (a.details) out.push('', a.details);
  const facts: string[][] = [];
  if (a.method) facts.push(['Request', `${a.method} ${endpoint(app, a)}`]);
  if (a.versions.length > 1 || a.versions[0] !== null) {
    const byDefault = app.defaultVersion === AUTO_VERSION ? a.versions[a.versions.length - 1] : app.defaultVersion;
    const vs = a.versions
      .map((v) => {
        const tags = [v === byDefault ? 'default' : '', v === a.version && a.versions.length > 1 ? 'shown' : ''].filter(Boolean);
        return tags.length ? `${v} (${tags.join(', ')})` : v;
      })
      .join(', ');
    const note = a.requestedVersion !== a.version && a.requestedVersion !== AUTO_VERSION ? `; a ${a.requestedVersion} connection uses ${a.version}` : '';
    if (a.unsupportedSince) facts.push(['Support', `${endpoint(app, a)} is out of support since ${a.unsupportedSince}`]);
    facts.push(['Versions', vs + note]);
  }
  if (a.role === 'read') {
    if (app.kind === 'http') facts.push(['Pagination', paginationText(a)]);
    facts.push(['Since', sinceText(a.since)]);
    if (a.cursorField) facts.push(['Cursor', a.cursorField]);
  } else {
    facts.push(['Idempotent', a.idempotent ? 'yes (safe to retry)' : 'no (retried only when it cannot have been applied)']);
  }
  if (a.key) facts.push(['Key', a.key.join(', ')]);
  if (a.cost) {
    facts.push(['Cost', `${a.cost}${a.tokens !== null ? `, ${a.tokens} daily-budget tokens` : ''}`]);
  }
  if (a.as) facts.push(['Record type', a.as === 'optional' ? 'untyped unless the source declares `as { ... }`' : 'the source must declare `as { ... }`']);
  out.push('', formatTable(null, facts).trimEnd().split('\n').map((l) => `  ${l}`).join('\n'));

  const params = [...Object.values(a.pathParams), ...Object.values(a.params)];
  if (params.length > 0) out.push('', c.bold('Parameters') + c.dim(' (where KEY = VALUE)'), indent(formatTable(null, paramRows(params)).trimEnd()));
  const options = Object.values(a.options);
  if (options.length > 0) out.push('', c.bold('Options') + c.dim(' (with KEY = VALUE)'), indent(formatTable(null, optionRows(options)).trimEnd()));

  const schema = a.role === 'read' ? a.record : a.input;
  const fields = schemaFields(schema);
  const title = a.role === 'read' ? 'Record' : 'Input';
  const s = typeof schema === 'object' && schema !== null ? schema : {};
  const extra: string[] = [];
  if (s.anyOf && s.anyOf.every((b) => typeof b === 'object' && b.required && !b.properties)) {
    extra.push(`also requires one of: ${s.anyOf.map((b) => (typeof b === 'object' ? (b.required ?? []).join(' + ') : '')).join(', ')}`);
  }
  if (fields.length === 0) {
    const open = s.additionalProperties === undefined ? 'any fields' : `any fields of type ${typeLabel(s.additionalProperties)}`;
    out.push('', `${c.bold(`${title}:`)} ${s.description ?? open}`);
  } else {
    const rows = fields.map((f) => ['  '.repeat(f.depth) + f.path, f.type, f.nullable ? 'null' : '', f.required ? 'required' : '', f.description ?? '']);
    const count = `${fields.filter((f) => f.depth === 0).length} fields`;
    out.push('', `${c.bold(`${title}:`)} ${[s.title, count, ...extra].filter(Boolean).join(', ')}`);
    out.push(indent(formatTable(['FIELD', 'TYPE', 'NULL', 'REQUIRED', 'DESCRIPTION'], rows, undefined, c.dim).trimEnd()));
  }
  if (a.examples.length > 0) out.push('', c.bold('Examples'), ...a.examples.map((e) => `  ${e}`));
  return out.join('\n') + '\n';
}

function describeApp(app: AppDef, c: Palette): string {
  const out: string[] = [`${c.bold(app.name)}  ${app.title} (${app.kind})`, app.help];
  const facts: string[][] = [];
  if (app.http) {
    facts.push(['Base URL', app.http.baseUrl]);
    facts.push(['Auth', app.http.auth.map(authText).join(', ')]);
    const styles = Object.values(app.http.pagination).map((p) =>
      p.type === 'none' ? p.style : `${p.style} (${p.style === p.type ? '' : `${p.type}, `}${p.pageSizeMax ? `at most ${p.pageSizeMax} a page` : 'server-sized pages'})`,
    );
    if (styles.length) facts.push(['Pagination', styles.join('; ')]);
    const rl = app.http.rateLimit;
    if (rl) {
      const plans = Object.entries(rl.plans)
        .filter(([, p]) => !p.legacy)
        .map(([n, p]) => `${n} ${p.burst}`)
        .join(', ');
      const classes = Object.entries(rl.classes).map(([n, p]) => `${n} ${p?.burst}`);
      facts.push(['Rate limit', `per ${rl.scope} and ${rl.windowSeconds} s: ${plans}${classes.length ? `; ${classes.join(', ')} on every plan` : ''} (default plan ${rl.defaultPlan})`]);
      if (rl.daily) facts.push(['Daily budget', `${rl.daily.baseTokens} tokens x plan multiplier${rl.daily.perSeat ? ' x seats' : ''}`]);
    }
  }
  if (app.versions.length) {
    const auto = app.defaultVersion === AUTO_VERSION ? '; default auto: each action on the newest version it has' : '';
    facts.push(['Versions', app.versions.map((v) => (v === app.defaultVersion ? `${v} (default)` : v)).join(', ') + auto]);
  }
  if (facts.length) out.push('', indent(formatTable(null, facts).trimEnd()));
  if (app.connection) {
    out.push('', c.bold('Connection fields'), indent(formatTable(null, optionRows(Object.values(app.connection.fields))).trimEnd()));
  }
  const options = Object.values(app.options);
  if (options.length) out.push('', c.bold('Options') + c.dim(' (with KEY = VALUE, every action)'), indent(formatTable(null, optionRows(options)).trimEnd()));
  const rows = [...app.actions]
    .sort((x, y) => x.qualifiedName.localeCompare(y.qualifiedName) || x.role.localeCompare(y.role))
    .map((x) => {
      const v = shown(app, x, undefined);
      return [x.qualifiedName, x.role, v.method ?? '-', endpoint(app, v), x.help];
    });
  out.push('', c.bold('Actions'), indent(formatTable(null, rows).trimEnd()));
  return out.join('\n') + '\n';
}

export function signature(f: FunctionDef): string {
  const ps = f.params.map((p, i) => `${p.name}: ${typeSpecLabel(p.type)}${f.variadic && i === f.params.length - 1 ? ', ...' : ''}`);
  return `${f.name}(${ps.join(', ')}) -> ${typeSpecLabel(f.returns)}`;
}

function describeFunction(f: FunctionDef, c: Palette): string {
  const rule = {
    propagate: 'a null argument gives null',
    coalesce: 'null only when every argument is null',
    none: 'as the return type says',
  }[f.nullability];
  const out = [c.bold(signature(f)), f.help, '', `  Null        ${rule}`];
  if (!f.pure) out.push('  Pure        no: the result depends on more than the arguments');
  for (const p of f.params) if (p.help) out.push(`  ${p.name.padEnd(10)}  ${p.help}`);
  if (f.examples.length) out.push('', c.bold('Examples'), ...f.examples.map((e) => `  ${e}`));
  return out.join('\n') + '\n';
}

/** Turns a failed lookup into a usage error with "did you mean". */
function notFound(reg: AppRegistry, name: string, role: Role | undefined): never {
  const parts = name.split('.');
  const r = reg.resolve(parts, role);
  if (r.ok) throw new Error('unreachable');
  if (r.reason === 'unknown-app') {
    const fn = closest(name, reg.functions().map((f) => f.name));
    const guess = r.suggestion ?? fn;
    throw new UsageError(`unknown app or function \`${name}\`${guess ? `; did you mean \`${guess}\`?` : ''}`, 'Run `sluice apps` for the list of apps and actions.');
  }
  if (r.reason === 'unknown-action') {
    throw new UsageError(`unknown action \`${name}\`${r.suggestion ? `; did you mean \`${r.suggestion}\`?` : ''}`, `Run \`sluice apps ${r.app.name}\` for its actions.`);
  }
  throw new UsageError(
    `\`${name}\` has no ${r.role} action (it is ${r.available.join(' and ')} only)${r.suggestion ? `; did you mean \`${r.suggestion}\`?` : ''}`,
    `Run \`sluice apps ${r.app.name}\` for its actions.`,
  );
}

async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const format = outputFormat(args);
  if (args.positionals.length !== 1) {
    throw new UsageError('`sluice describe` takes one name, e.g. `pipedrive.persons`', 'Usage: sluice describe APP.ACTION|APP|FUNCTION|FILE.flow [--role read|write] [--version VERSION]');
  }
  const name = args.positionals[0].replace(/\(\)$/, '');
  const c = outColors(io);
  if (name.endsWith('.flow')) {
    let text: string;
    try {
      text = readFileSync(resolve(io.cwd, name), 'utf8');
    } catch {
      throw new UsageError(`no such file: ${name}`);
    }
    const d = describeFile(name, text);
    io.stdout.write(format === 'json' ? `${JSON.stringify(d, null, 2)}\n` : fileText(d, c));
    return EXIT.ok;
  }
  const reg = loadRegistry();
  const version = versionOption(args, reg);
  const role = roleOption(args);
  const write = (text: string, json: unknown) => io.stdout.write(format === 'json' ? JSON.stringify(json, null, 2) + '\n' : text);

  const r = reg.resolve(name.split('.'));
  if (!r.ok) {
    // A bare app name without a default action describes the app; a function name, the function.
    if (r.reason === 'unknown-action' && r.name === '' && !role) {
      const { actions, ...app } = r.app;
      write(describeApp(r.app, c), { kind: 'app', app, actions: actions.map((a) => ({ name: a.qualifiedName, role: a.role, help: a.help })) });
      return EXIT.ok;
    }
    const fn = r.reason === 'unknown-app' && !name.includes('.') ? reg.function(name) : undefined;
    if (fn) {
      write(describeFunction(fn, c), { kind: 'function', signature: signature(fn), function: fn });
      return EXIT.ok;
    }
    notFound(reg, name, role);
  }
  let found = r;
  let actions: ActionDef[] = role ? r.actions.filter((a) => a.role === role) : r.actions;
  if (actions.length === 0 && role) {
    // `pipedrive.persons --role write` is the write a flow reaches by that name: `persons.create`.
    const byRole = reg.resolve(name.split('.'), role);
    if (byRole.ok) {
      found = byRole;
      actions = byRole.actions;
    }
  }
  if (actions.length === 0) notFound(reg, name, role);
  if (version !== undefined && !r.app.versions.includes(version)) {
    throw new UsageError(`${r.app.name} has no version \`${version}\``, r.app.versions.length ? `Versions: ${r.app.versions.join(', ')}.` : `${r.app.name} is not versioned.`);
  }
  const resolved = actions.map((a) => resolveVariant(r.app, a, version ?? null));
  // `--connection NAME`: the custom fields `sluice discover NAME` stored, as flows name them.
  const connection = str(args, 'connection');
  const custom = connection === undefined ? undefined : (await import('./discover.js')).customFieldsSection(io, reg, found.action.name, connection);
  write(resolved.map((a) => describeAction(found.app, a, c)).join('\n') + (custom?.text ?? ''), {
    kind: 'action',
    name: found.action.qualifiedName,
    actions: resolved.map((a) => ({ ...a, fields: schemaFields(a.role === 'read' ? a.record : a.input) })),
    ...(custom ? { custom_fields: custom.json } : {}),
  });
  return EXIT.ok;
}

export const commands: Command[] = [
  {
    name: 'describe',
    summary: 'show an action\'s parameters, options and record schema (or an app, a function, a flow file)',
    usage: 'describe APP.ACTION|APP|FUNCTION|FILE.flow [--role read|write] [--version VERSION] [--connection NAME] [--format text|json]',
    details: [
      'Examples:',
      '  sluice describe pipedrive.persons             help, parameters, how since works, the record fields',
      '  sluice describe pipedrive.persons --version v2 the same for API v2 (other fields)',
      '  sluice describe pipedrive.leads --role write   only the dest form (create)',
      '  sluice describe pipedrive.persons --connection acme   also the custom fields of acme (sluice discover acme)',
      '  sluice describe pipedrive                      connection, rate limits, actions',
      '  sluice describe primary                        a function\'s signature',
      '  sluice describe flows/leads.flow               a file\'s variables (--var) and flows',
    ].join('\n'),
    options: {
      role: { type: 'string', valueName: 'read|write', description: 'only the read (source) or write (dest) form of a name' },
      version: { type: 'string', valueName: 'VERSION', description: 'the API version to describe (default: the app\'s default)' },
      connection: { type: 'string', valueName: 'NAME', description: 'also list the custom fields `sluice discover NAME` stored, as flows name them' },
      format: formatOption,
    },
    positionals: true,
    run,
  },
];
