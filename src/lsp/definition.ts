// Go to definition. The language has no references between flows yet, so "definition" means:
// - an action name (`source pipedrive.persons`, `on reject file.jsonl`, ...): its definition in the
//   standard library, the JSON file and pointer the registry loaded it from (the app's file when the
//   cursor is on the app part of `app.action`);
// - a function name: its entry in stdlib/functions.json;
// - a template naming a variable of the file (`~{rep}~`): its `var` declaration;
// - a flow name given twice: the first flow of that name (what the duplicate-name error points at);
// - a field name: the `map` entry, `lookup` or `as { ... }` field that made it, or the source action
//   whose records carry it;
// - anywhere else inside a diagnostic that has related locations (a setting given twice: the first
//   one; a destination missing a field: the destination): those locations.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Location, Position } from 'vscode-languageserver';
import { loadRegistry, type AppRegistry, type SourceRef } from '../apps/index.js';
import type { ResolvedRef } from '../check/plan-types.js';
import type * as A from '../language/ast.js';
import type { Analysis, Unit } from './document-cache.js';
import { locate, nodePath, toLspRange, touches, unitRange } from './position.js';

export function definition(a: Analysis, pos: Position): Location[] | null {
  const { unit, local, offset } = locate(a, pos);
  const path = nodePath(unit.program, local);
  const node = path[path.length - 1];
  const parent = path[path.length - 2];
  const flowNode = path.find((n): n is A.Flow => n.kind === 'Flow');
  const flow = flowNode ? unit.flows.find((f) => f.flow === flowNode) : undefined;

  if (node?.kind === 'Name' && parent?.kind === 'Flow' && parent.name === node) {
    const first = firstFlowNamed(a, node.value);
    if (first && !(first.unit === unit && first.flow === parent)) return [{ uri: a.uri, range: unitRange(a, first.unit, first.flow.name!.range) }];
  }
  const ref = node?.kind === 'ActionRef' ? node : node?.kind === 'Name' && parent?.kind === 'ActionRef' ? parent : undefined;
  if (ref && flow) {
    const r = [flow.source, flow.dest, ...(flow.tee ?? []), flow.onReject, ...flow.lookups.values()].find((x) => x?.ref === ref);
    const onApp = node?.kind === 'Name' && ref.parts[0] === node && ref.parts.length > 1;
    const loc = r ? actionLocation(r, onApp) : null;
    if (loc) return [loc];
  }
  if (node?.kind === 'Name' && parent?.kind === 'Call' && parent.callee === node) {
    const fn = registry()?.function(node.value);
    const loc = fn ? stdlibLocation(fn.source) : null;
    if (loc) return [loc];
  }
  if (node?.kind === 'Template') {
    const v = unit.vars.get(node.name);
    if (v) return [{ uri: a.uri, range: unitRange(a, unit, v.decl.name.range) }];
  }
  if (node?.kind === 'FieldRef' && flowNode) {
    const loc = fieldOrigin(a, unit, flowNode, path, node.name, flow ? [flow.source].filter((x): x is ResolvedRef => x !== undefined) : []);
    if (loc) return [loc];
  }
  // A diagnostic's related locations, e.g. the first of two `schedule` settings.
  const related = a.diagnostics.filter((d) => d.related?.length && touches(d.range, offset)).flatMap((d) => d.related!);
  if (related.length > 0) return related.map((r) => ({ uri: a.uri, range: toLspRange(a.doc, r.range) }));
  return null;
}

function firstFlowNamed(a: Analysis, name: string): { unit: Unit; flow: A.Flow } | undefined {
  for (const u of a.units) for (const f of u.program.flows) if (f.name?.value === name) return { unit: u, flow: f };
  return undefined;
}

/** Where a field of the records at this point was made: walks back through the steps before it. */
function fieldOrigin(a: Analysis, unit: Unit, flow: A.Flow, path: A.Node[], name: string, source: ResolvedRef[]): Location | null {
  const p = flow.pipeline;
  if (!p) return null;
  const steps: (A.Step | A.Dest)[] = [...p.steps, ...(p.tee ? p.tee.dests : p.dest ? [p.dest] : [])];
  const current = steps.findIndex((s) => path.includes(s));
  if (current < 0) return null;
  for (let i = current - 1; i >= 0; i--) {
    const s = steps[i];
    if (s.kind === 'Map') {
      const entry = s.entries.find((e): e is A.FieldEntry => e.kind === 'FieldEntry' && e.key.value === name);
      if (entry) return { uri: a.uri, range: unitRange(a, unit, entry.key.range) };
      // A map without `...` makes a record of its own entries only.
      if (!s.entries.some((e) => e.kind === 'Spread')) return null;
    } else if (s.kind === 'Lookup' && s.name.value === name) return { uri: a.uri, range: unitRange(a, unit, s.name.range) };
  }
  const declared = p.source?.recordType?.fields.find((f) => f.key.value === name);
  if (declared) return { uri: a.uri, range: unitRange(a, unit, declared.key.range) };
  return source[0] ? actionLocation(source[0], false) : null;
}

function actionLocation(r: ResolvedRef, onApp: boolean): Location | null {
  const reg = registry();
  if (!reg || !r.app) return null;
  if (onApp || !r.action) {
    const app = reg.app(r.app);
    return app ? stdlibLocation(app.source) : null;
  }
  const action = reg.action(r.action.qualified, r.role, r.action.version ?? null);
  return action ? stdlibLocation(action.source) : null;
}

function registry(): AppRegistry | undefined {
  try {
    return loadRegistry();
  } catch {
    return undefined;
  }
}

const files = new Map<string, string | null>();

/** The place a stdlib definition was loaded from, as an LSP location in its JSON file. */
export function stdlibLocation(src: SourceRef): Location | null {
  let text = files.get(src.file);
  if (text === undefined) {
    try {
      text = readFileSync(src.file, 'utf8');
    } catch {
      text = null;
    }
    files.set(src.file, text);
  }
  if (text === null) return null;
  const at = pointerOffset(text, src.pointer);
  const p = positionIn(text, at);
  return { uri: pathToFileURL(src.file).href, range: { start: p, end: p } };
}

function positionIn(text: string, offset: number): Position {
  let line = 0;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, character: offset - start };
}

/**
 * The offset of the member a JSON pointer names in a JSON text: its key for an object member, the
 * value for an array element. As deep as the text allows: a pointer that goes nowhere gives the
 * deepest part that exists (the start of the file at worst).
 */
export function pointerOffset(text: string, pointer: string): number {
  const segments = pointer === '' ? [] : pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  };
  const str = (): string => {
    const s = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    try {
      return JSON.parse(text.slice(s, i)) as string;
    } catch {
      return '';
    }
  };
  const skip = () => {
    ws();
    if (text[i] === '"') {
      str();
      return;
    }
    if (text[i] === '{' || text[i] === '[') {
      let depth = 0;
      while (i < text.length) {
        const c = text[i];
        if (c === '"') {
          str();
          continue;
        }
        if (c === '{' || c === '[') depth++;
        else if ((c === '}' || c === ']') && --depth === 0) {
          i++;
          return;
        }
        i++;
      }
      return;
    }
    while (i < text.length && !',}] \t\r\n'.includes(text[i])) i++;
  };
  ws();
  let target = i;
  for (const seg of segments) {
    ws();
    if (text[i] === '{') {
      i++;
      let found = false;
      for (;;) {
        ws();
        if (text[i] !== '"') return target;
        const keyAt = i;
        const key = str();
        ws();
        if (text[i] !== ':') return target;
        i++;
        if (key === seg) {
          target = keyAt;
          found = true;
          break;
        }
        skip();
        ws();
        if (text[i] !== ',') return target;
        i++;
      }
      if (!found) return target;
    } else if (text[i] === '[') {
      i++;
      const index = Number(seg);
      for (let n = 0; ; n++) {
        ws();
        if (text[i] === ']' || i >= text.length) return target;
        if (n === index) {
          target = i;
          break;
        }
        skip();
        ws();
        if (text[i] !== ',') return target;
        i++;
      }
    } else return target;
  }
  return target;
}
