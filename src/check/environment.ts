// The checker's environment, built in one place for every front end (cli, lsp, agent): the standard
// library and your own apps, the saved connections (their names, apps and API versions), the
// custom-field schemas `sluice discover` stored, and the --var names.
import type { AppRegistry } from '../apps/index.js';
import { listConnections } from '../connections/resolve.js';
import { loadSchemas, schemasHome, type StoredSchema } from '../apps/custom-fields.js';
import type { CheckEnv, ConnectionInfo } from './env.js';
import { stdlibEnv } from './stdlib-env.js';

type ProcessEnv = Record<string, string | undefined>;

/** What the environment depends on outside the flow files, read once (cheap: JSON files only). */
export interface EnvironmentInputs {
  /** Undefined when the connections file cannot be read: names are then not checked. */
  connections?: ConnectionInfo[];
  /** Discovered custom-field schemas, by connection name. */
  schemas: ReadonlyMap<string, StoredSchema>;
  /** Stored schemas that could not be read (each a line for the user). */
  problems: string[];
}

/** `schemasFrom`: the folder `sluice discover` writes to (default: the config folder of `processEnv`; null: none). */
export function readEnvironmentInputs(processEnv: ProcessEnv, schemasFrom: string | null = schemasHome(processEnv)): EnvironmentInputs {
  let connections: ConnectionInfo[] | undefined;
  try {
    connections = listConnections(processEnv);
  } catch {
    // An unreadable or unsafe connections file is reported by the commands that use it; checking a
    // flow must still work (connection names are then not checked).
    connections = undefined;
  }
  const { schemas, problems } = schemasFrom === null ? { schemas: new Map<string, StoredSchema>(), problems: [] } : loadSchemas(schemasFrom);
  return { ...(connections ? { connections } : {}), schemas, problems };
}

export interface EnvironmentOptions {
  /** Where connections and schemas are found (SLUICE_CONFIG_DIR, SLUICE_<NAME>_URL...). */
  processEnv: ProcessEnv;
  /** The --var names. */
  vars?: Iterable<string>;
  registry?: AppRegistry;
  /** Already read (the agent keys its cache on them); default: read now. */
  inputs?: EnvironmentInputs;
  /** Where a problem with the stored schemas is told (a warning, never an error). */
  warn?: (line: string) => void;
}

export function checkerEnvironment(o: EnvironmentOptions): CheckEnv {
  const inputs = o.inputs ?? readEnvironmentInputs(o.processEnv);
  for (const p of inputs.problems) o.warn?.(`warning: custom fields: ${p}`);
  return stdlibEnv({
    ...(o.registry ? { registry: o.registry } : {}),
    ...(inputs.connections ? { connections: inputs.connections } : {}),
    vars: o.vars ?? [],
    ...(inputs.schemas.size ? { customSchemas: inputs.schemas } : {}),
  });
}
