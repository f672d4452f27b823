// One place that knows how the meta-schemas are compiled, used by the build-time generator of the
// precompiled validators (generate-validators.ts) and by the loader when that output is stale.
// Compiling costs ~100 ms (loading ajv ~25 ms + compiling ~75 ms), which is why it is not the normal path.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type Ajv2020Module from 'ajv/dist/2020.js';
import type addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';

// ajv is required lazily (and synchronously, so that loading the stdlib stays synchronous): the
// normal path uses the precompiled validators and never pays for importing ajv.
const requireCjs = createRequire(import.meta.url);

/** The validators the loader needs, one per kind of definition file. */
export interface MetaValidators {
  app: ValidateFunction;
  actionFile: ValidateFunction;
  schemaFile: ValidateFunction;
  functions: ValidateFunction;
}

export const APP_SCHEMA_ID = 'https://sluice.dev/stdlib/app.schema.json';
export const FUNCTIONS_SCHEMA_ID = 'https://sluice.dev/stdlib/functions.schema.json';

/** Export name -> schema reference, shared by the runtime compile and the standalone generator. */
export const VALIDATOR_REFS: Record<keyof MetaValidators, string> = {
  app: APP_SCHEMA_ID,
  actionFile: `${APP_SCHEMA_ID}#/$defs/actionFile`,
  schemaFile: `${APP_SCHEMA_ID}#/$defs/schemaFile`,
  functions: FUNCTIONS_SCHEMA_ID,
};

/** Identifies the meta-schema text a set of precompiled validators was generated from. */
export function metaSchemaHash(appSchemaText: string, functionsSchemaText: string): string {
  // Line endings are normalised so that a CRLF checkout does not look stale.
  const norm = (s: string) => s.replace(/\r\n/g, '\n');
  return createHash('sha256').update(norm(appSchemaText)).update('\0').update(norm(functionsSchemaText)).digest('hex');
}

type AjvCtor = typeof Ajv2020Module.default;
type AddFormats = typeof addFormatsModule.default;
/** ajv and ajv-formats are CommonJS modules that also set `exports.default`. */
const cjsDefault = <T>(m: unknown): T => ((m as { default?: T }).default ?? m) as T;

/**
 * A configured ajv instance with both meta-schemas added. `standalone` keeps the generated source
 * for ajv's standalone code generator.
 */
export function createMetaAjv(appSchema: object, functionsSchema: object, standalone = false): InstanceType<AjvCtor> {
  const Ajv2020 = cjsDefault<AjvCtor>(requireCjs('ajv/dist/2020.js'));
  const addFormats = cjsDefault<AddFormats>(requireCjs('ajv-formats'));
  const ajv = new Ajv2020({
    // The first error is enough to name the file and pointer; allErrors would slow validation.
    allErrors: false,
    discriminator: true,
    // Unknown keywords in the meta-schema are mistakes; the type/required checks are too noisy for
    // a meta-schema that deliberately splits keyword lists across $defs.
    strictSchema: true,
    strictTypes: false,
    strictRequired: false,
    strictTuples: false,
    code: standalone ? { source: true, esm: true } : {},
  });
  addFormats(ajv);
  ajv.addSchema(appSchema);
  ajv.addSchema(functionsSchema);
  return ajv;
}

export function compileMetaValidators(appSchema: object, functionsSchema: object): MetaValidators {
  const ajv = createMetaAjv(appSchema, functionsSchema);
  const get = (ref: string): ValidateFunction => {
    const v = ajv.getSchema(ref);
    if (!v) throw new Error(`meta-schema reference not found: ${ref}`);
    return v;
  };
  return {
    app: get(VALIDATOR_REFS.app),
    actionFile: get(VALIDATOR_REFS.actionFile),
    schemaFile: get(VALIDATOR_REFS.schemaFile),
    functions: get(VALIDATOR_REFS.functions),
  };
}
