// Reading definition files and inlining `$ref`s, so that consumers get plain, fully resolved JSON
// Schemas: the checker never needs to know which file a field type came from.
//
// Rules (stdlib/README.md, "References"):
// - `$ref` is a path relative to the file it is written in, with an optional `#/json/pointer`
//   fragment; `#/...` alone points into the same file. Targets must lie inside the stdlib folder,
//   and other files must be schema files (APP/schemas/*.json).
// - A `$ref` alone is replaced by its target. With sibling keywords it is an extension: the
//   target's `properties` and the siblings' are merged, `required` lists are joined, and any other
//   sibling (`description`, `title`, ...) overrides the target's.
// - `$defs`, `$schema`, `$id` and `$comment` are dropped from the result.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { AppDefinitionError, APP_ERROR, ptrToken } from './errors.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses a JSON file; a syntax error names the file, line and column. */
export function parseJsonFile(file: string, display: string, text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const m = /position (\d+)/.exec(msg);
    let where = '';
    if (m) {
      const offset = Number(m[1]);
      const before = text.slice(0, offset);
      const line = before.split('\n').length;
      const column = offset - before.lastIndexOf('\n');
      where = ` (line ${line}, column ${column})`;
    }
    throw new AppDefinitionError(APP_ERROR.syntax, file, display, '', `is not valid JSON: ${msg.replace(/ in JSON at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '')}${where}`);
  }
}

/** Decodes a JSON pointer into tokens; throws on a malformed one. */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`not a JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function getPointer(doc: Json, pointer: string): Json | undefined {
  let cur: Json | undefined = doc;
  for (const t of pointerTokens(pointer)) {
    if (Array.isArray(cur)) cur = /^(0|[1-9]\d*)$/.test(t) ? cur[Number(t)] : undefined;
    else if (isObject(cur)) cur = Object.prototype.hasOwnProperty.call(cur, t) ? cur[t] : undefined;
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Keywords whose values are data, not schemas: copied as they are. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);
/** Keywords whose values map names to schemas. */
const MAP_KEYWORDS = new Set(['properties', 'patternProperties']);
/** Keywords that only matter inside the files. */
const DROPPED = new Set(['$ref', '$defs', '$schema', '$id', '$comment']);

export interface FileStore {
  /** The parsed content of a schema file, or undefined when there is no such file. */
  schemaFile(file: string): Json | undefined;
  display(file: string): string;
}

export class RefResolver {
  private readonly memo = new Map<string, Json>();

  constructor(
    private readonly files: FileStore,
    private readonly root: string,
  ) {}

  /** Resolves `node`, found in `file` at `pointer`, into a schema without references. */
  resolve(node: Json, file: string, pointer: string, doc: Json): Json {
    return this.node(node, file, pointer, doc, new Set());
  }

  private fail(file: string, pointer: string, detail: string): never {
    throw new AppDefinitionError(APP_ERROR.ref, file, this.files.display(file), pointer, detail);
  }

  // Pointers are built for every node but only read in errors: plain concatenation keeps this cheap
  // (loading the whole stdlib resolves a few thousand nodes).
  private node(node: Json, file: string, ptr: string, doc: Json, stack: Set<string>): Json {
    if (Array.isArray(node)) return node.map((x, i) => this.node(x, file, `${ptr}/${i}`, doc, stack));
    if (!isObject(node)) return node;
    let base: Json | undefined;
    if (typeof node.$ref === 'string') base = this.ref(node.$ref, file, `${ptr}/$ref`, doc, stack);
    const out: JsonObject = {};
    for (const k in node) {
      const v = node[k];
      if (DROPPED.has(k)) continue;
      if (DATA_KEYWORDS.has(k)) out[k] = v;
      else if (MAP_KEYWORDS.has(k) && isObject(v)) {
        const m: JsonObject = {};
        for (const name in v) m[name] = this.node(v[name], file, `${ptr}/${k}/${tok(name)}`, doc, stack);
        out[k] = m;
      } else out[k] = this.node(v, file, `${ptr}/${k}`, doc, stack);
    }
    return base === undefined ? out : extend(base, out);
  }

  private ref(ref: string, file: string, refPtr: string, doc: Json, stack: Set<string>): Json {
    const hash = ref.indexOf('#');
    const filePart = hash < 0 ? ref : ref.slice(0, hash);
    let fragment = hash < 0 ? '' : ref.slice(hash + 1);
    try {
      fragment = decodeURIComponent(fragment);
    } catch {
      this.fail(file, refPtr, `has a malformed fragment: "${ref}"`);
    }
    if (fragment !== '' && !fragment.startsWith('/')) this.fail(file, refPtr, `must point with a JSON pointer ("file.json#/$defs/name"), not "${ref}"`);
    let targetFile = file;
    let targetDoc = doc;
    if (filePart !== '') {
      if (/^[a-z][a-z0-9+.-]*:/i.test(filePart) || isAbsolute(filePart)) this.fail(file, refPtr, `must be a relative path inside the stdlib folder, not "${ref}"`);
      targetFile = resolve(dirname(file), filePart);
      const rel = relative(this.root, targetFile);
      if (rel.startsWith('..') || isAbsolute(rel)) this.fail(file, refPtr, `points outside the stdlib folder: "${ref}"`);
      if (!rel.split(sep).includes('schemas')) this.fail(file, refPtr, `must point into a schema file (APP/schemas/*.json): "${ref}"`);
      const loaded = this.files.schemaFile(targetFile);
      if (loaded === undefined) this.fail(file, refPtr, `cannot be resolved: no file ${this.files.display(targetFile)}`);
      targetDoc = loaded;
    }
    const key = `${targetFile}#${fragment}`;
    if (stack.has(key)) this.fail(file, refPtr, `is circular: "${ref}" refers back to itself`);
    const memo = this.memo.get(key);
    if (memo !== undefined) return memo;
    const target = getPointer(targetDoc, fragment);
    if (target === undefined) this.fail(file, refPtr, `cannot be resolved: ${this.files.display(targetFile)} has nothing at ${fragment === '' ? 'the root' : fragment}`);
    stack.add(key);
    const resolved = this.node(target, targetFile, fragment, targetDoc, stack);
    stack.delete(key);
    this.memo.set(key, resolved);
    return resolved;
  }
}

const tok = (name: string): string => (name.includes('~') || name.includes('/') ? ptrToken(name) : name);

/** `$ref` plus siblings: merge properties, join required, let other siblings override. */
function extend(base: Json, ext: JsonObject): Json {
  if (Object.keys(ext).length === 0) return base;
  if (base === false) return false;
  if (!isObject(base)) return ext;
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(ext)) {
    const b = base[k];
    if (k === 'properties' && isObject(b) && isObject(v)) out[k] = { ...b, ...v };
    else if (k === 'required' && Array.isArray(b) && Array.isArray(v)) out[k] = [...new Set([...b, ...v])];
    else out[k] = v;
  }
  return out;
}
