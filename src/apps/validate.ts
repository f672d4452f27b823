// Validating definition files against the meta-schemas, and turning ajv's first error into a message
// that names the JSON pointer of the offending value.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { closest } from '../util/suggest.js';
import { compileMetaValidators, metaSchemaHash, type MetaValidators } from './ajv.js';
import * as generated from './validators.generated.js';
import { ptrJoin } from './errors.js';
import { isObject, type Json } from './refs.js';

export interface ChosenValidators {
  validators: MetaValidators;
  /** `precompiled`: the generated standalone code; `compiled`: ajv at run time (the meta-schema changed). */
  mode: 'precompiled' | 'compiled';
  /** Every property name the meta-schemas know, for "did you mean" on unknown properties (computed on first use). */
  knownKeys: () => string[];
}

const cache = new Map<string, ChosenValidators>();

/**
 * The validators for these meta-schema texts: the precompiled ones when they were generated from
 * the same text (compared by hash), else compiled now with ajv. `parse` parses the two texts; it is
 * called only when needed (compiling, or an error message), since the normal path does not need it.
 */
export function chooseValidators(appSchemaText: string, functionsSchemaText: string, parse: () => [Json, Json]): ChosenValidators {
  const hash = metaSchemaHash(appSchemaText, functionsSchemaText);
  const hit = cache.get(hash);
  if (hit) return hit;
  let keys: string[] | undefined;
  const knownKeys = (): string[] => {
    if (!keys) {
      const [a, f] = parse();
      keys = [...new Set([...propertyNames(a), ...propertyNames(f)])];
    }
    return keys;
  };
  let chosen: ChosenValidators;
  if (generated.META_SCHEMA_HASH === hash) {
    const g = generated as unknown as MetaValidators;
    chosen = { mode: 'precompiled', knownKeys, validators: { app: g.app, actionFile: g.actionFile, schemaFile: g.schemaFile, functions: g.functions } };
  } else {
    const [a, f] = parse();
    chosen = { mode: 'compiled', knownKeys, validators: compileMetaValidators(a as object, f as object) };
  }
  cache.set(hash, chosen);
  return chosen;
}

function propertyNames(schema: Json, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(schema)) for (const x of schema) propertyNames(x, out);
  else if (isObject(schema)) {
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'properties' && isObject(v)) for (const name of Object.keys(v)) out.add(name);
      propertyNames(v, out);
    }
  }
  return out;
}

/** Runs a validator; on failure returns the pointer and message of the most useful error. */
export function validateWith(validate: ValidateFunction, data: Json, knownKeys: () => readonly string[]): { pointer: string; detail: string } | null {
  if (validate(data)) return null;
  const errors = validate.errors ?? [];
  // anyOf/oneOf failures come last, after the errors of their branches; a branch's error says more.
  const best = errors.find((e) => !['anyOf', 'oneOf', 'allOf', 'if', 'not'].includes(e.keyword)) ?? errors[0];
  if (!best) return { pointer: '', detail: 'does not match the meta-schema' };
  return describe(best, knownKeys);
}

function describe(e: ErrorObject, knownKeys: () => readonly string[]): { pointer: string; detail: string } {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const prop = String(p.additionalProperty ?? p.unevaluatedProperty);
      const guess = closest(prop, knownKeys());
      return { pointer: ptrJoin(e.instancePath, prop), detail: `is not a known property${guess ? `; did you mean "${guess}"?` : ''}` };
    }
    case 'required':
      return { pointer: e.instancePath, detail: `must have the property "${String(p.missingProperty)}"` };
    case 'enum':
      return { pointer: e.instancePath, detail: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { pointer: e.instancePath, detail: `must be ${JSON.stringify(p.allowedValue)}` };
    case 'discriminator':
      return {
        pointer: ptrJoin(e.instancePath, String(p.tag)),
        detail: p.error === 'mapping' ? `${JSON.stringify(p.tagValue)} is not one of the kinds allowed here` : 'must be a string naming the kind',
      };
    default:
      return { pointer: e.instancePath, detail: e.message ?? `fails ${e.keyword}` };
  }
}
