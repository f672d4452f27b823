// `sluice discover CONNECTION`: reads the company's custom fields (persons, deals, organizations) and
// stores them in $SLUICE_CONFIG_DIR/schemas/CONNECTION.json, so that flows using that connection can read
// and write custom fields by name (src/check/custom-fields/README.md). Also the custom-field section of
// `sluice describe APP.ACTION --connection NAME`.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadRegistry, typeLabel, type AppRegistry } from '../../apps/index.js';
import { checkConnectionName, lookupConnection, resolveConnection } from '../../connections/index.js';
import { discoverSchema } from '../../runtime/custom-fields/discover.js';
import { CUSTOM, namedFields, writtenAs } from '../../check/custom-fields/names.js';
import { CUSTOM_FIELD_ERRORS, entityOfAction, loadSchema, saveSchema, schemaPath, schemasHome, SCHEMAS_DIR } from '../../apps/custom-fields.js';
import { SluiceError, UsageError } from '../../errors.js';
import { ApiClient } from '../../runtime/http/index.js';
import { formatOption, outputFormat, type Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { outColors, type CliIO } from '../io.js';
import { formatTable } from './apps.js';
import { guardedJson } from '../json-errors.js';

const discover: Command = {
  name: 'discover',
  summary: "read a company's custom fields so that flows can use them by name",
  usage: 'discover CONNECTION [--format text|json]',
  positionals: true,
  options: { format: formatOption },
  details: `Reads personFields, dealFields and organizationFields (every page) through the connection and
stores the custom fields (names, hash keys, types, options) with the time they were read in
$SLUICE_CONFIG_DIR/schemas/CONNECTION.json, beside the connections. From then on \`sluice check\` and \`sluice run\` let flows that use
the connection read and write custom fields by name: \`Segment\` or \`custom["Lead source"]\`.
Run it again after custom fields change in Pipedrive: a run whose schema is stale stops with a
clear error before it reads or writes anything.

Examples:
  sluice discover pipedrive
  sluice describe pipedrive.persons --connection pipedrive   the custom fields as flows name them

Exit codes: 0 stored; 1 the connection or the API failed; 2 usage error.`,
  async run(args, io) {
    const format = outputFormat(args);
    if (args.positionals.length !== 1) throw new UsageError('give one connection name, e.g. `sluice discover pipedrive`', `Usage: sluice ${discover.usage}`);
    return guardedJson(io, format, async () => {
      const name = checkConnectionName(args.positionals[0]);
      const app = lookupConnection(name, io.env)?.app ?? 'pipedrive';
      if (app !== 'pipedrive') throw new UsageError(`connection \`${name}\` is for ${app}: only Pipedrive connections have custom fields`);
      const conn = resolveConnection(name, app, io.env);
      const registry = loadRegistry();
      const client = new ApiClient(registry.app('pipedrive')!, conn);
      const schema = await discoverSchema(client, registry);
      const home = schemasHome(io.env);
      mkdirSync(join(home, SCHEMAS_DIR), { recursive: true, mode: 0o700 });
      const file = saveSchema(home, schema);
      const entities = Object.keys(schema.entities);
      const counts = Object.fromEntries(entities.map((e) => [e, schema.entities[e].custom.length]));
      if (format === 'json') {
        io.stdout.write(`${JSON.stringify({ ok: true, connection: name, company_url: schema.companyUrl, read_at: schema.readAt, file, custom_fields: counts }, null, 2)}\n`);
        return EXIT.ok;
      }
      const c = outColors(io);
      const total = entities.reduce((n, e) => n + counts[e], 0);
      io.stdout.write(`${c.green('Discovered')} ${total} custom field${total === 1 ? '' : 's'} of \`${name}\` (${schema.companyUrl}):\n`);
      io.stdout.write(formatTable(null, entities.map((e) => [`  ${e}s`, String(counts[e])])));
      io.stdout.write(`Stored in ${file}\nSee them as flows name them: sluice describe pipedrive.persons --connection ${name}\n`);
      return EXIT.ok;
    });
  },
};

export const commands: Command[] = [discover];

/**
 * The custom fields of an action as a flow names them, for `sluice describe ... --connection NAME`:
 * text to append and JSON to add. Throws SL9001 when the connection has no stored schema.
 */
export function customFieldsSection(io: CliIO, registry: AppRegistry, actionName: string, connection: string): { text: string; json: unknown } {
  const home = schemasHome(io.env);
  const schema = loadSchema(home, checkConnectionName(connection));
  if (!schema) {
    throw new SluiceError(CUSTOM_FIELD_ERRORS.noSchema, `no custom fields are stored for connection \`${connection}\` (${schemaPath(home, connection)})`, {
      hint: `Run \`sluice discover ${connection}\` first.`,
    });
  }
  const entity = entityOfAction(registry.app(schema.app), actionName);
  const c = outColors(io);
  const title = `Custom fields (connection \`${connection}\`, discovered ${schema.readAt} from ${schema.companyUrl})`;
  if (!entity) return { text: `\n${c.bold(title)}\n  none: ${actionName} has no custom fields\n`, json: { connection, read_at: schema.readAt, fields: [] } };
  const fields = namedFields(registry, schema, entity);
  const rows = fields.map((f) => [writtenAs(f), typeLabel(f.schema), f.fieldType, f.key]);
  const text = fields.length
    ? `\n${c.bold(title)}\n${formatTable(['IN A FLOW', 'TYPE', 'PIPEDRIVE TYPE', 'KEY'], rows, undefined, c.dim)
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n')}\n  Every one is also under \`${CUSTOM}\` by its name in Pipedrive.\n`
    : `\n${c.bold(title)}\n  none\n`;
  return {
    text,
    json: {
      connection,
      company_url: schema.companyUrl,
      read_at: schema.readAt,
      fields: fields.map((f) => ({ name: f.name, key: f.key, in_flow: writtenAs(f), field_type: f.fieldType, schema: f.schema, ...(f.options ? { options: f.options } : {}) })),
    },
  };
}
