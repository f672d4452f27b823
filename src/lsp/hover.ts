// Hover: what the checker knows about the thing under the cursor. Actions show their request, help
// and record schema; fields their type and where they come from; `where` keys whether the API or
// the engine applies them (the same answer as `check --explain`, from plan.ts); templates what they
// will resolve to, read from the state store when there is one.
import { isAbsolute } from 'node:path';
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import { loadRegistry } from '../apps/index.js';
import { BUILTIN_TEMPLATES } from '../check/env.js';
import type { FlowModel } from '../check/model.js';
import type { ResolvedRef } from '../check/plan-types.js';
import { describePlacement, placeCondition } from '../check/plan.js';
import { isNullable, nonNull, nullable, openRecord, show, type Field, type RecordType } from '../check/types.js';
import type { Range } from '../diagnostics.js';
import type * as A from '../language/ast.js';
import { printExpr } from '../language/printer.js';
import { keywordNames } from '../language/tokens.js';
import type { Analysis, Unit } from './document-cache.js';
import { locate, nodePath, tokenAt, tokenRange, unitRange } from './position.js';
import type { StateReader } from './state.js';

export interface HoverOptions {
  /** Reads template values from the state store; without it, templates show only what they mean. */
  state?: StateReader;
}

const MAX_FIELDS = 40;

const KEYWORD_DOCS: Record<string, string> = {
  flow: '`flow NAME { ... }`: a named flow: settings, then one pipeline.',
  source: '`source APP.ACTION [with ...] [as { ... }] [where ...] [since ...]`: where the records come from.',
  dest: '`dest APP.ACTION [with ...]`: where the records go; the last step.',
  with: '`with OPTION = VALUE, ...`: options of the app or action (`connection`, `path`, ...).',
  where: '`where KEY OP VALUE and ...`: a parameter of the action is sent to the API; a field of the record is applied by the engine after fetching.',
  since: '`since VALUE`: only records changed since VALUE, usually `~{CreatedDate}~`.',
  as: '`as { field: type, ... }`: the record type of an untyped source such as `file.csv`.',
  map: '`map { FIELD: EXPR, ... }`: builds a new record; `...` first copies every field of the input.',
  filter: '`filter EXPR`: keeps the records for which EXPR is true.',
  lookup: '`lookup NAME = APP.ACTION where KEY = EXPR`: adds the first result of a read action as field NAME, or null (results are cached).',
  dedupe: '`dedupe by EXPR`: drops records whose EXPR was seen before in this run.',
  by: '`dedupe by EXPR`: drops records whose EXPR was seen before in this run.',
  take: '`take N`: stops after N records.',
  schedule: '`schedule every 15m` (units s m h d) or `schedule cron "*/15 * * * *"`: when the agent runs the flow.',
  every: '`schedule every 15m`: run every 15 minutes (units s m h d).',
  cron: '`schedule cron "*/15 * * * *"`: run on a cron schedule.',
  on: '`on reject APP.ACTION [with ...]`: where records go that a destination refuses (by default they are kept in the state store).',
  reject: '`on reject APP.ACTION [with ...]`: where records go that a destination refuses (by default they are kept in the state store).',
  if: '`if C then A else B`',
  then: '`if C then A else B`',
  else: '`if C then A else B`',
  and: 'true when both sides are; in `where`, joins conditions.',
  or: 'true when either side is.',
  not: 'negation: `not x`.',
  in: '`KEY in [a, b]`: the field is one of the values (applied by the engine).',
  contains: '`KEY contains VALUE`: the text or list holds VALUE (applied by the engine).',
};

export async function hover(a: Analysis, pos: Position, options: HoverOptions = {}): Promise<Hover | null> {
  const { unit, local } = locate(a, pos);
  const path = nodePath(unit.program, local);
  const h = new Hovers(a, unit, path, options);
  return h.run(local);
}

const md = (value: string, range: Hover['range']): Hover => ({ contents: { kind: MarkupKind.Markdown, value }, ...(range ? { range } : {}) });
const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;

class Hovers {
  private readonly flow: FlowModel | undefined;

  constructor(
    private readonly a: Analysis,
    private readonly unit: Unit,
    private readonly path: A.Node[],
    private readonly options: HoverOptions,
  ) {
    const flowNode = path.find((n): n is A.Flow => n.kind === 'Flow');
    this.flow = flowNode ? unit.flows.find((f) => f.flow === flowNode) : undefined;
  }

  private range(r: Range) {
    return unitRange(this.a, this.unit, r);
  }

  private up(k: number): A.Node | undefined {
    return this.path[this.path.length - 1 - k];
  }

  async run(local: number): Promise<Hover | null> {
    const node = this.up(0);
    const parent = this.up(1);
    if (!node) return null;
    switch (node.kind) {
      case 'Template':
        return this.template(node);
      case 'FieldRef':
        return this.fieldRef(node);
      case 'ActionRef':
        return this.action(node);
      case 'Name':
        if (parent?.kind === 'Var' && parent.name === node) return this.variable(parent.name.value, this.range(node.range));
        if (parent) {
          const r = this.name(node, parent);
          if (r !== undefined) return r;
        }
        break;
      case 'String':
        if (parent?.kind === 'FieldEntry' && parent.key === node) return this.mapKey(parent);
        break;
      default:
        break;
    }
    const t = tokenAt(this.unit.lexed().tokens, local);
    if (t && keywordNames.has(t.image) && KEYWORD_DOCS[t.image]) return md(KEYWORD_DOCS[t.image], this.range(tokenRange(t)));
    return null;
  }

  private name(n: A.Name, parent: A.Node): Hover | null | undefined {
    switch (parent.kind) {
      case 'ActionRef':
        return this.action(parent);
      case 'Option':
        return this.option(parent, n);
      case 'Condition':
        return this.whereKey(parent);
      case 'FieldEntry':
        return this.mapKey(parent);
      case 'Lookup':
        return parent.name === n ? this.lookupName(parent) : undefined;
      case 'Call':
        return this.call(parent);
      case 'Member':
        return this.member(parent);
      case 'Flow':
        return this.flowName(parent);
      default:
        return undefined;
    }
  }

  private refOf(ref: A.ActionRef): ResolvedRef | undefined {
    const f = this.flow;
    if (!f) return undefined;
    return [f.source, f.dest, ...(f.tee ?? []), f.onReject, ...f.lookups.values()].find((r) => r?.ref === ref);
  }

  // ---- actions and their options

  private action(ref: A.ActionRef): Hover | null {
    const r = this.refOf(ref);
    const range = this.range(ref.range);
    if (!r?.app) return null;
    const action = r.action;
    if (!action) {
      const app = safeRegistry()?.app(r.app);
      if (!app) return null;
      const names = this.a.env.actions(r.app).filter((x) => x.roles.includes(r.role) && x.name !== '').map((x) => x.name);
      return md([`**${app.name}** · ${app.title}`, app.help, names.length ? `Actions for a ${r.role === 'read' ? 'source or lookup' : 'destination'}: ${names.map(code).join(', ')}` : ''].filter(Boolean).join('\n\n'), range);
    }
    const lines: string[] = [];
    lines.push(`**${action.qualified}** · ${action.role === 'read' ? 'read' : 'write'}${action.version ? ` · ${action.version}` : ''}${r.connection ? ` · connection ${code(r.connection.name)}` : ''}`);
    if (action.method) lines.push(code(`${action.method} ${action.path ?? ''}`.trim()));
    if (action.help) lines.push(action.help);
    const params = [...action.pathParams.keys(), ...action.params.keys()];
    if (params.length) lines.push(`Parameters (\`where\`): ${params.map(code).join(', ')}`);
    const options = [...action.options.keys()];
    if (options.length) lines.push(`Options (\`with\`): ${options.map(code).join(', ')}`);
    const rec = action.role === 'read' ? action.record : action.input;
    if (rec) lines.push(`**${action.role === 'read' ? 'Record' : 'Input'}**\n\n${schemaBlock(rec, action.role === 'write')}`);
    return md(lines.join('\n\n'), range);
  }

  private ownerRef(): ResolvedRef | undefined {
    const f = this.flow;
    if (!f) return undefined;
    for (let k = 1; k < this.path.length; k++) {
      const n = this.up(k);
      if (!n) break;
      if (n.kind === 'Source') return f.source;
      if (n.kind === 'Dest') return f.tee?.[f.flow.pipeline?.tee?.dests.indexOf(n) ?? -1] ?? f.dest;
      if (n.kind === 'OnReject') return f.onReject;
      if (n.kind === 'Lookup') return f.lookups.get(n);
    }
    return undefined;
  }

  private option(o: A.Option, n: A.Name): Hover | null {
    if (o.key !== n) return null;
    const r = this.ownerRef();
    const spec = r?.action?.options.get(o.key.value);
    if (!r?.action || !spec) return null;
    const lines = [`**${spec.name}**: ${code(show(spec.type))} · ${spec.required ? 'required ' : ''}option of ${code(r.action.qualified)}`];
    if (spec.help) lines.push(spec.help);
    return md(lines.join('\n\n'), this.range(o.key.range));
  }

  private whereKey(c: A.Condition): Hover | null {
    const r = this.ownerRef();
    const action = r?.action;
    if (!action) return null;
    const record: RecordType = action.record ?? openRecord();
    const p = placeCondition(action, record, c);
    const range = this.range({ start: c.key[0].range.start, end: c.key[c.key.length - 1].range.end });
    const lines = [describePlacement(p, c) + '.'];
    if (p.kind === 'api' || p.kind === 'path' || p.kind === 'limit') {
      lines.unshift(`**${p.param.name}**: ${code(show(p.param.type))} · ${p.param.required ? 'required ' : ''}parameter of ${code(action.qualified)}`);
      if (p.param.help) lines.push(p.param.help);
    } else if (p.kind === 'engine') {
      const key = c.key.map((k) => k.value).join('.');
      lines.unshift(`**${key}**: ${code(show(p.fieldType))} · field of ${code(action.qualified)} records`);
      const help = record.fields.get(c.key[0].value)?.help;
      if (help) lines.push(help);
    }
    return md(lines.join('\n\n'), range);
  }

  // ---- fields

  private fieldText(name: string, type: string, field: Field | undefined, where: string): string {
    const lines = [`**${name}**: ${code(type)}`];
    const origin = this.unit.origin(field?.origin);
    lines.push(origin ? `${where}, from ${origin}.` : `${where}.`);
    if (field?.help) lines.push(field.help);
    return lines.join('\n\n');
  }

  private fieldRef(e: A.FieldRef): Hover | null {
    const f = this.flow;
    if (!f) return null;
    const scope = f.scopes.get(e);
    const t = f.types.get(e);
    if (!scope || !t) return null;
    const field = scope.fields.get(e.name);
    if (!field && !scope.open && t.kind === 'any') return md(`**${e.name}**: unknown field`, this.range(e.range));
    return md(this.fieldText(e.name, show(t), field, field ? 'A field of the records here' : 'A field of untyped records'), this.range(e.range));
  }

  private member(m: A.Member): Hover | null {
    const f = this.flow;
    if (!f) return null;
    const t = f.types.get(m);
    const obj = f.types.get(m.object);
    if (!t) return null;
    const base = obj ? nonNull(obj) : undefined;
    const field = base?.kind === 'record' ? base.fields.get(m.property.value) : undefined;
    const of = code(printExpr(m.object));
    const note = obj && isNullable(obj) ? `A field of ${of} (null when ${of} is null)` : `A field of ${of}`;
    return md(this.fieldText(m.property.value, show(t), field, note), this.range(m.property.range));
  }

  private mapKey(entry: A.FieldEntry): Hover | null {
    const f = this.flow;
    const map = this.path.find((n): n is A.MapStep => n.kind === 'Map');
    if (!f || !map) return null;
    const t = f.types.get(entry.value);
    const lines = [`**${entry.key.value}**: ${code(t ? show(t) : 'any')}`, 'A field of the record this `map` builds.'];
    const laterMap = f.flow.pipeline?.steps.some((s) => s.kind === 'Map' && s.range.start.offset > map.range.start.offset);
    const input = f.dest?.action?.input;
    if (input && !laterMap) {
      const target = input.fields.get(entry.key.value);
      const q = code(f.dest!.action!.qualified);
      if (target) lines.push(`${q} takes it as ${code(show(target.type))}${target.required ? ' (required)' : ''}.${target.help ? `\n\n${target.help}` : ''}`);
      else if (!input.open) lines.push(`${q} does not take a field of this name.`);
    }
    return md(lines.join('\n\n'), this.range(entry.key.range));
  }

  private lookupName(step: A.LookupStep): Hover | null {
    const r = this.flow?.lookups.get(step);
    const rec = r?.action?.record;
    const lines = [`**${step.name.value}**: ${code(show(nullable(rec ?? openRecord())))}`, `The first result of ${code(step.action.name)} for each record, or null; added to the record as a field.`];
    if (rec) lines.push(schemaBlock(rec, false));
    return md(lines.join('\n\n'), this.range(step.name.range));
  }

  // ---- functions, flows, templates

  private call(c: A.Call): Hover | null {
    const fn = this.a.env.functions.get(c.callee.value);
    if (!fn) return null;
    const params = fn.params.map((p, i) => `${p.name}${fn.variadic && i === fn.params.length - 1 ? '...' : ''}: ${show(p.type)}`).join(', ');
    return md(`\`\`\`\n${fn.name}(${params}): ${show(fn.returns)}\n\`\`\`\n\n${fn.help}`, this.range(c.callee.range));
  }

  private flowName(flow: A.Flow): Hover | null {
    const f = this.unit.flows.find((x) => x.flow === flow);
    if (!f || !flow.name) return null;
    const p = flow.pipeline;
    const parts = [p?.source?.action.name, ...(p?.steps ?? []).map((s) => s.kind.toLowerCase()), p?.dest?.action.name].filter(Boolean);
    const schedule = flow.settings.find((s) => s.kind === 'ScheduleEvery' || s.kind === 'ScheduleCron');
    const when = schedule?.kind === 'ScheduleEvery' ? `every ${schedule.amount}${schedule.unit}` : schedule?.kind === 'ScheduleCron' ? `cron ${code(schedule.expression.value)}` : 'when run';
    return md(`**flow ${flow.name.value}** · ${when}\n\n${parts.map((x) => code(String(x))).join(' → ')}`, this.range(flow.name.range));
  }

  /** A variable declared in the file: its type, its default, how to set it. */
  private variable(name: string, range: Hover['range']): Hover | null {
    const v = this.unit.vars.get(name);
    if (!v) return null;
    const line = this.unit.toDoc(v.decl.range.start).line;
    const dflt = v.decl.default ? `default ${code(printExpr(v.decl.default))}` : v.decl.type.nullable ? 'default `null`' : 'no default: `sluice run` needs it';
    return md(`**~{${name}}~** · variable of this file (line ${line})\n\n${code(show(v.type))}, ${dflt}. Set it with ${code(`--var ${name}=VALUE`)}.`, range);
  }

  private async template(t: A.Template): Promise<Hover | null> {
    const range = this.range(t.range);
    const head = `**~{${t.name}}~**`;
    const builtin = BUILTIN_TEMPLATES[t.name];
    if (this.unit.vars.has(t.name)) return this.variable(t.name, range);
    if (!builtin) {
      return md(this.a.env.vars.has(t.name) ? `${head}: given with \`--var ${t.name}=VALUE\` when the flow runs.` : `${head}: unknown template. Give it with \`--var ${t.name}=VALUE\`.`, range);
    }
    const lines = [`${head}: ${builtin}.`];
    if (t.name === 'Now') lines.push('Resolves to the time the run starts (the same value everywhere in one run).');
    else if (!isAbsolute(this.a.fileName)) lines.push('Save the file to see the value its state gives.');
    else if (this.options.state && this.flow) {
      const src = this.flow.source;
      const source = src ? `${src.ref.name}${src.connection ? `@${src.connection.name}` : ''}` : undefined;
      const s = await this.options.state.templateValue(t.name as 'CreatedDate' | 'LastRunTime', this.a.fileName, this.flow.name, this.flow.stateId, source);
      lines.push(s.value ? `Resolves to ${code(s.value)} now. ${s.note}` : s.note);
    }
    return md(lines.join('\n\n'), range);
  }
}

/** A record's fields, one per line, as a code block (at most MAX_FIELDS). */
function schemaBlock(rec: RecordType, input: boolean): string {
  if (rec.fields.size === 0 && rec.open) return input ? 'Takes records of any shape.' : 'Records of any shape (untyped).';
  const rows = [...rec.fields].map(([name, f]) => `${name}: ${show(f.type)}${input && f.required ? '  (required)' : ''}`);
  const shown = rows.slice(0, MAX_FIELDS);
  if (rows.length > MAX_FIELDS) shown.push(`... and ${rows.length - MAX_FIELDS} more`);
  if (rec.open) shown.push('... (other fields may exist)');
  if (input && rec.requiredOneOf?.length) shown.push(`one of: ${rec.requiredOneOf.map((g) => g.join(' + ')).join(' | ')}`);
  return shown.length ? `\`\`\`\n${shown.join('\n')}\n\`\`\`` : '(no fields)';
}

function safeRegistry() {
  try {
    return loadRegistry();
  } catch {
    return undefined;
  }
}
