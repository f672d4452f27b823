// The checker's world for a CLI command: the standard library, the saved connections (when they
// can be read) and the --var names.
import type { CheckEnv } from '../check/env.js';
import { stdlibEnv } from '../check/stdlib-env.js';
import { loadSchemas, schemasHome } from '../custom-fields/schema.js';
import { listConnections } from '../connections/index.js';
import type { CliIO } from './io.js';

/** `varNames`: the names given with --var (parse them with parseVarArgs from the state store). */
export function checkEnvFor(io: CliIO, varNames: Iterable<string>): CheckEnv {
  let connections;
  try {
    connections = listConnections(io.env);
  } catch {
    // An unreadable or unsafe connections file is reported by the commands that use it; checking a
    // flow must still work (connection names are then not checked).
    connections = undefined;
  }
  // Custom fields stored by `sluice discover` (JSON only, cheap). Without any, checking is as before.
  const { schemas, problems } = loadSchemas(schemasHome(io.env), io.env);
  for (const p of problems) io.stderr.write(`warning: custom fields: ${p}\n`);
  return stdlibEnv({ ...(connections ? { connections } : {}), vars: varNames, ...(schemas.size ? { customSchemas: schemas } : {}) });
}
