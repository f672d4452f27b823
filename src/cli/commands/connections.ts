// `sluice connections add|test|list|remove`: the seed's credential panel (Company Url, Api Version,
// Api Token, Validate, Save) as commands. Everything here is about arguments and printing; the rules
// live in src/connections. The token is held in a Secret from the moment it is read, and any text
// that did not come from us is passed through redact() before it is printed.
import { SluiceError, UsageError } from '../../errors.js';
import { flag, formatOption, outputFormat, str, type Command, type OptionSpec, type ParsedArgs } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { errColors, outColors, type CliIO } from '../io.js';
import {
  CONNECTION_ERRORS as E,
  ConnectionError,
  Secret,
  checkApp,
  checkConnectionName,
  checkTokenFormat,
  connectionsPath,
  describeTokenSource,
  envVarsFor,
  isEnvVarName,
  listConnections,
  lookupConnection,
  mask,
  normaliseCompanyUrl,
  parseApiVersion,
  DEFAULT_API_VERSION,
  readStore,
  redact,
  resolveConnection,
  savedConnection,
  updateStore,
  type ApiVersion,
  type TokenSource,
} from '../../connections/index.js';
import type { ProbeResult } from '../../runtime/probe/connection.js';
import { alreadySaved, saveConnection } from '../../connections/save.js';
import { closest } from '../../util/suggest.js';
import { guardedJson } from '../json-errors.js';
import { addDefined, definedApp, testDefined, unknownApp } from './connections-defined.js';

const DEFAULT_APP = 'pipedrive';

const timeoutOption: OptionSpec = { type: 'string', valueName: 'SECONDS', description: 'how long to wait for the server (default 15)' };

const TOKEN_WAYS = [
  '  --api-token-env VAR   read the token from the environment variable VAR (it is not saved; VAR is read at each use)',
  '  --api-token TOKEN     give it on the command line (visible to other users in the process list and kept in shell history)',
  '  (no flag)             type it at a prompt, without echo, when running in a terminal',
].join('\n');

// ---- shared helpers ----

function parseTimeout(args: ParsedArgs): number | undefined {
  const raw = str(args, 'timeout');
  if (raw === undefined) return undefined;
  const s = Number(raw);
  if (!Number.isFinite(s) || s <= 0 || s > 600) throw new UsageError(`--timeout must be a number of seconds between 0 and 600, not \`${raw.slice(0, 20)}\``);
  return Math.round(s * 1000);
}

function tokenSourceJson(source: TokenSource | { kind: 'missing'; variable?: string }): Record<string, string> {
  return source.kind === 'file' ? { kind: 'file', path: source.path } : source.variable ? { kind: source.kind, variable: source.variable } : { kind: source.kind };
}

function describeReached(p: ProbeResult): string {
  const who = p.user.name ?? (p.user.id !== undefined ? `user ${p.user.id}` : 'the user');
  const email = p.user.email ? ` <${p.user.email}>` : '';
  const company = p.company.name ?? (p.company.domain ? p.company.domain : 'the company');
  const extra = [p.company.domain && p.company.domain !== company ? p.company.domain : undefined, p.company.id !== undefined ? `id ${p.company.id}` : undefined].filter(Boolean).join(', ');
  return `${who}${email} at ${company}${extra ? ` (${extra})` : ''}`;
}

const probeJson = (p: ProbeResult) => ({ user: p.user, company: p.company, checked: p.checked, elapsed_ms: p.elapsedMs });

/**
 * Runs a command body; a SluiceError is printed as JSON on stdout in json mode (scripts read one
 * stream), anything else is re-thrown with known secrets redacted from its message and without the
 * original object (whose properties or stack might hold a token).
 */
function guarded(io: CliIO, format: 'text' | 'json', secrets: () => (Secret | string | undefined)[], body: () => Promise<number>): Promise<number> {
  return guardedJson(io, format, body, { transform: (err) => redacted(err, [...secrets(), ...envTokens(io)]) });
}

/** The error with known secrets redacted from its message, never the original object (whose properties or stack might hold a token). */
function redacted(err: unknown, secrets: (Secret | string | undefined)[]): Error {
  if (err instanceof UsageError) return new UsageError(redact(err.message, secrets), err.hint && redact(err.hint, secrets));
  if (err instanceof SluiceError) return new SluiceError(err.code, redact(err.message, secrets), { hint: err.hint && redact(err.hint, secrets), exitCode: err.exitCode });
  return new Error(redact(err instanceof Error ? err.message : String(err), secrets));
}

/** Values of variables that look like they hold tokens (`*TOKEN*`), to redact as a last resort. */
function envTokens(io: CliIO): string[] {
  return Object.entries(io.env)
    .filter(([k, v]) => /TOKEN/i.test(k) && typeof v === 'string' && v.length >= 16)
    .map(([, v]) => v as string);
}

/**
 * Reads a line from a terminal without echoing it. Output goes to stderr so that stdout stays clean
 * for `--format json`; the muted stream swallows readline's echo of each key.
 */
async function promptHidden(io: CliIO, question: string): Promise<string> {
  const { createInterface } = await import('node:readline');
  const { Writable } = await import('node:stream');
  let muted = false;
  const sink = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      if (!muted) io.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: io.stdin, output: sink, terminal: true });
  return new Promise<string>((resolve, reject) => {
    rl.on('SIGINT', () => {
      rl.close();
      io.stderr.write('\n');
      reject(new SluiceError(E.cancelled, 'cancelled; nothing was saved', { exitCode: EXIT.interrupted }));
    });
    rl.question(question, (answer) => {
      rl.close();
      io.stderr.write('\n');
      resolve(answer);
    });
    // Mute after the question is written, so the prompt shows but the typed token does not.
    muted = true;
  });
}

interface TokenInput {
  /** Undefined only with --api-token-env VAR --no-validate when VAR is unset. */
  value?: string;
  tokenEnv?: string;
  via: 'flag' | 'env' | 'prompt';
}

async function readTokenInput(args: ParsedArgs, io: CliIO, validate: boolean): Promise<TokenInput> {
  const tok = str(args, 'api-token');
  const tokEnv = str(args, 'api-token-env');
  if (tok !== undefined && tokEnv !== undefined) {
    throw new UsageError('give the API token one way: --api-token or --api-token-env, not both');
  }
  if (tokEnv !== undefined) {
    if (!isEnvVarName(tokEnv)) {
      throw new UsageError(`--api-token-env takes the name of an environment variable (letters, digits, _), not \`${mask(tokEnv)}\``, 'For example: --api-token-env PIPEDRIVE_TOKEN');
    }
    const value = io.env[tokEnv];
    if (value === undefined || value === '') {
      if (!validate) return { tokenEnv: tokEnv, via: 'env' };
      throw new ConnectionError(E.tokenEnvUnset, `the environment variable ${tokEnv} (from --api-token-env) is not set`, `Set it first (export ${tokEnv}=...), or add --no-validate to save the connection now and set it later.`);
    }
    return { value, tokenEnv: tokEnv, via: 'env' };
  }
  if (tok !== undefined) return { value: tok, via: 'flag' };
  if (io.stdin.isTTY) return { value: await promptHidden(io, 'API token (input hidden): '), via: 'prompt' };
  throw new UsageError('no API token given, and there is no terminal to ask for it', `Give the token one of three ways:\n${TOKEN_WAYS}`);
}

// ---- connections add ----

const add: Command = {
  name: 'connections add',
  summary: 'validate and save a connection (company URL, API version, API token)',
  usage: 'connections add APP --company-url URL [--name NAME] [--api-version auto|v1|v2] [--api-token-env VAR | --api-token TOKEN] [options]\n       connections add APP [--name NAME] [--set FIELD=VALUE | --set-env FIELD=VAR]... [options]   (other apps: their definition\'s fields)',
  positionals: true,
  options: {
    name: { type: 'string', valueName: 'NAME', description: 'name of the connection (default: the app, e.g. pipedrive)' },
    'company-url': { type: 'string', valueName: 'URL', description: 'your company address, https://COMPANY.pipedrive.com' },
    'api-version': { type: 'string', valueName: 'auto|v1|v2', description: 'Pipedrive API version: auto (default: v2 where Pipedrive has it, v1 elsewhere), or v1 / v2 wherever an action has it' },
    'api-token-env': { type: 'string', valueName: 'VAR', description: 'read the API token from environment variable VAR (not saved)' },
    'api-token': { type: 'string', valueName: 'TOKEN', description: 'the API token (prefer --api-token-env or the prompt)' },
    'allow-insecure': { type: 'boolean', description: 'allow an http:// loopback URL (127.0.0.1, localhost): the local sandbox' },
    plan: { type: 'string', valueName: 'PLAN', description: "the company's Pipedrive plan (lite, growth, premium, ultimate; unlimited for the sandbox): paces requests from the first one" },
    seats: { type: 'string', valueName: 'N', description: "the company's seats (users): the daily token budget is 30,000 x plan multiplier x seats (default 1)" },
    'daily-budget': { type: 'string', valueName: 'TOKENS', description: "the company's whole daily token budget, when known (with top-ups); overrides plan x seats" },
    set: { type: 'string', multiple: true, valueName: 'FIELD=VALUE', description: 'apps other than Pipedrive: a connection field of the app\'s definition (`sluice describe APP` lists them)' },
    'set-env': { type: 'string', multiple: true, valueName: 'FIELD=VAR', description: 'apps other than Pipedrive: a field read now from environment variable VAR (for secrets: not in the process list)' },
    'no-validate': { type: 'boolean', description: 'save without testing the connection' },
    replace: { type: 'boolean', description: 'replace a saved connection of the same name' },
    timeout: timeoutOption,
    format: formatOption,
  },
  details: [
    'Validation sends GET /api/v1/users/me (and, for auto and v2, GET /api/v2/persons?limit=1) with the token',
    'in the x-api-token header, prints "Test Connection Successful" with the user and company it reached,',
    'then saves. If anything is wrong, nothing is saved.',
    '',
    'The API token can be given three ways:',
    TOKEN_WAYS,
    '',
    'Connections are saved in $SLUICE_CONFIG_DIR/connections.json (default ~/.config/sluice), mode 0600.',
    '',
    'Examples:',
    '  sluice connections add pipedrive --company-url https://acme.pipedrive.com --api-token-env PIPEDRIVE_TOKEN',
    '  sluice connections add pipedrive --name sandbox --company-url http://127.0.0.1:8080 --allow-insecure',
    '',
    'Any other app with `connection.fields` in its definition (PostgreSQL, your own apps) takes those fields',
    'with --set/--set-env (a secret field left out is asked for on a terminal), is validated with the',
    'request its definition names in `connection.test` (PostgreSQL: SELECT current_user), and is saved:',
    '  sluice connections add inventory --set base_url=https://api.example.com --set-env api_key=INVENTORY_KEY',
    '  sluice connections add postgres --name warehouse --set-env url=WAREHOUSE_URL',
    'Flows then use it with `with connection = "NAME"` (default: the connection named like the app).',
  ].join('\n'),
  async run(args, io) {
    const format = outputFormat(args);
    let token: Secret | undefined;
    const tokenEnv = str(args, 'api-token-env');
    const fieldSecrets: Secret[] = [];
    return guarded(io, format, () => [token, str(args, 'api-token'), tokenEnv ? io.env[tokenEnv] : undefined, ...fieldSecrets], async () => {
      if (args.positionals.length === 0) throw new UsageError('missing the app to connect to', `Usage: sluice ${add.usage}\nFor example: sluice connections add pipedrive --company-url https://acme.pipedrive.com`);
      if (args.positionals.length > 1) throw new UsageError(`unexpected argument \`${mask(args.positionals[1])}\``, `Usage: sluice ${add.usage}`);
      const defined = definedApp(args.positionals[0]);
      if (defined) return addDefined(defined, args, io, format, fieldSecrets, (q) => promptHidden(io, q), parseTimeout(args));
      if (args.positionals[0] !== 'pipedrive') throw unknownApp(args.positionals[0]);
      const app = checkApp(args.positionals[0]);
      const name = checkConnectionName(str(args, 'name') ?? app);
      const rawUrl = str(args, 'company-url');
      if (rawUrl === undefined) throw new UsageError('--company-url is required', 'Give the address you use to open Pipedrive, e.g. --company-url https://acme.pipedrive.com');
      const allowInsecure = flag(args, 'allow-insecure');
      const validate = !flag(args, 'no-validate');
      const timeoutMs = parseTimeout(args);
      // Everything that can be checked locally is checked before asking for the token, so that
      // nobody types a token only to learn that the URL had a typo.
      const url = normaliseCompanyUrl(rawUrl, { allowInsecure });
      const apiVersion: ApiVersion = parseApiVersion(str(args, 'api-version') ?? DEFAULT_API_VERSION);
      const existing = savedConnection(readStore(io.env), name);
      const replaceHint = `Add --replace to replace it, choose another --name, or \`sluice connections remove ${name}\` first.`;
      if (existing && !flag(args, 'replace')) throw alreadySaved(name, existing.company_url, replaceHint);

      const input = await readTokenInput(args, io, validate);
      if (input.value !== undefined) {
        const from = input.via === 'env' ? `the API token in ${input.tokenEnv}` : 'the API token';
        token = new Secret(checkTokenFormat(input.value, from));
      }
      const err = errColors(io);
      if (input.via === 'flag' && format === 'text') {
        io.stderr.write(`${err.yellow('note')}: a token given with --api-token is visible to other users in the process list and stays in shell history; --api-token-env or the prompt avoid that.\n`);
      }

      let probe: ProbeResult | undefined;
      if (validate && token) {
        const { probeConnection } = await import('../../runtime/probe/connection.js');
        const plan = str(args, 'plan');
        probe = await probeConnection({ baseUrl: url.url, apiVersion, token, ...(plan ? { plan: checkPlanName(plan) } : {}) }, { timeoutMs });
      }

      const { path } = saveConnection(io.env, {
        name,
        app,
        url,
        apiVersion,
        ...(input.tokenEnv ? { tokenEnv: input.tokenEnv } : { token: token! }),
        ...(str(args, 'plan') ? { plan: checkPlanName(str(args, 'plan')!) } : {}),
        ...(str(args, 'seats') ? { seats: checkWholeNumber('seats', str(args, 'seats')!) } : {}),
        ...(str(args, 'daily-budget') ? { dailyBudget: checkWholeNumber('daily-budget', str(args, 'daily-budget')!) } : {}),
        replace: flag(args, 'replace'),
        replaceHint,
      });
      const tokenSource: TokenSource = input.tokenEnv ? { kind: 'env', variable: input.tokenEnv } : { kind: 'file', path };

      if (format === 'json') {
        io.stdout.write(
          `${JSON.stringify(
            {
              ok: true,
              name,
              app,
              company_url: url.url,
              api_version: apiVersion,
              token: token ? token.masked : null,
              token_source: tokenSourceJson(tokenSource),
              validated: probe !== undefined,
              ...(probe ? probeJson(probe) : {}),
              saved: true,
              path,
            },
            null,
            2,
          )}\n`,
        );
        return EXIT.ok;
      }
      const c = outColors(io);
      if (probe) io.stdout.write(`${c.green('Test Connection Successful')}: ${describeReached(probe)}\n`);
      const tokenText = token ? `token ${token.masked} (${describeTokenSource(tokenSource)})` : `token from ${input.tokenEnv} (not set now)`;
      io.stdout.write(`Saved connection \`${name}\`: ${app}, ${url.url}, API ${apiVersion}, ${tokenText}\n`);
      if (!probe) io.stdout.write(`Not validated (--no-validate): run \`sluice connections test ${name}\` to check it.\n`);
      if (input.tokenEnv) io.stdout.write(`The token is not saved: ${input.tokenEnv} must be set wherever flows use this connection.\n`);
      return EXIT.ok;
    });
  },
};

// ---- connections test ----

const test: Command = {
  name: 'connections test',
  summary: 'validate a saved (or environment) connection against the server',
  usage: 'connections test [NAME] [--timeout SECONDS] [--format text|json]',
  positionals: true,
  options: { timeout: timeoutOption, format: formatOption },
  details: [
    'NAME defaults to `pipedrive`. The connection may be saved, or given by environment variables',
    '(SLUICE_<NAME>_URL, SLUICE_<NAME>_TOKEN, SLUICE_<NAME>_API_VERSION), which also override saved values.',
  ].join('\n'),
  async run(args, io) {
    const format = outputFormat(args);
    let token: Secret | undefined;
    const fieldSecrets: Secret[] = [];
    return guarded(io, format, () => [token, ...fieldSecrets], async () => {
      if (args.positionals.length > 1) throw new UsageError(`\`connections test\` takes one connection name, got ${args.positionals.length}`, `Usage: sluice ${test.usage}`);
      const name = checkConnectionName(args.positionals[0] ?? DEFAULT_APP);
      const timeoutMs = parseTimeout(args);
      const app = lookupConnection(name, io.env)?.app ?? (definedApp(name) ? name : DEFAULT_APP);
      const defined = definedApp(app);
      if (defined) return testDefined(defined, name, io, format, fieldSecrets, timeoutMs);
      const conn = resolveConnection(name, app, io.env);
      token = conn.token;
      const { probeConnection } = await import('../../runtime/probe/connection.js');
      const probe = await probeConnection({ baseUrl: conn.baseUrl, apiVersion: conn.apiVersion, token: conn.token, ...(conn.plan !== undefined ? { plan: conn.plan } : {}) }, { timeoutMs });
      if (format === 'json') {
        io.stdout.write(
          `${JSON.stringify(
            {
              ok: true,
              name: conn.name,
              app: conn.app,
              company_url: conn.baseUrl,
              api_version: conn.apiVersion,
              token: conn.token.masked,
              token_source: tokenSourceJson(conn.tokenSource),
              origin: conn.origin,
              ...probeJson(probe),
            },
            null,
            2,
          )}\n`,
        );
        return EXIT.ok;
      }
      const c = outColors(io);
      io.stdout.write(`${c.green('Test Connection Successful')}: ${describeReached(probe)}\n`);
      io.stdout.write(`Connection \`${conn.name}\`: ${conn.app}, ${conn.baseUrl}, API ${conn.apiVersion}, token ${conn.token.masked} (${describeTokenSource(conn.tokenSource)})\n`);
      return EXIT.ok;
    });
  },
};

// ---- connections list ----

const list: Command = {
  name: 'connections list',
  summary: 'list connections with masked tokens and where each token comes from',
  usage: 'connections list [--format text|json]',
  options: { format: formatOption },
  details: 'Lists saved connections and environment-only ones (SLUICE_<NAME>_URL and SLUICE_<NAME>_TOKEN both set).\nTokens are shown masked (at most their last 4 characters).',
  async run(args, io) {
    const format = outputFormat(args);
    return guarded(io, format, () => [], async () => {
      const conns = listConnections(io.env);
      const where = (s: (typeof conns)[number]['tokenSource']): string =>
        s.kind === 'file' ? 'saved' : s.kind === 'env' ? `env ${s.variable}` : s.variable ? `missing: ${s.variable} not set` : 'missing';
      if (format === 'json') {
        const rows = conns.map((x) => ({
          name: x.name,
          app: x.app,
          company_url: x.companyUrl ?? null,
          api_version: x.apiVersion,
          token: x.tokenMasked ?? null,
          token_source: tokenSourceJson(x.tokenSource),
          origin: x.origin,
          ...(x.allowInsecure ? { allow_insecure: true } : {}),
          ...(x.addedAt ? { added_at: x.addedAt } : {}),
        }));
        io.stdout.write(`${JSON.stringify({ path: connectionsPath(io.env), connections: rows }, null, 2)}\n`);
        return EXIT.ok;
      }
      if (conns.length === 0) {
        io.stdout.write(`No connections. Add one with:\n  sluice connections add pipedrive --company-url https://COMPANY.pipedrive.com --api-token-env PIPEDRIVE_TOKEN\nor set SLUICE_PIPEDRIVE_URL and SLUICE_PIPEDRIVE_TOKEN.\n`);
        return EXIT.ok;
      }
      const c = outColors(io);
      const header = ['NAME', 'APP', 'COMPANY URL', 'API', 'TOKEN', 'TOKEN FROM'];
      const rows = conns.map((x) => [x.name, x.app, x.companyUrl ?? '-', x.apiVersion, x.tokenMasked ?? '-', where(x.tokenSource) + (x.origin === 'env' ? ' (env-only connection)' : '')]);
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      const line = (r: string[]) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]))).join('  ').trimEnd();
      io.stdout.write(`${c.bold(line(header))}\n${rows.map(line).join('\n')}\n`);
      if (conns.some((x) => x.origin === 'file')) io.stdout.write(`${c.dim(`Saved in ${connectionsPath(io.env)}`)}\n`);
      return EXIT.ok;
    });
  },
};

// ---- connections remove ----

const remove: Command = {
  name: 'connections remove',
  summary: 'remove a saved connection',
  usage: 'connections remove NAME [--format text|json]',
  positionals: true,
  options: { format: formatOption },
  async run(args, io) {
    const format = outputFormat(args);
    return guarded(io, format, () => [], async () => {
      if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? 'missing the name of the connection to remove' : '`connections remove` takes one name', `Usage: sluice ${remove.usage}`);
      const name = checkConnectionName(args.positionals[0]);
      const store = readStore(io.env);
      const saved = savedConnection(store, name);
      if (!saved) {
        const vars = envVarsFor(name);
        if (io.env[vars.url]) {
          throw new ConnectionError(E.notFound, `connection \`${name}\` is not saved: it comes from the environment (${vars.url})`, `Unset ${vars.url} and ${vars.token} to remove it.`);
        }
        const guess = closest(name, Object.keys(store.connections));
        throw new ConnectionError(E.notFound, `no saved connection named \`${name}\`${guess ? `; did you mean \`${guess}\`?` : ''}`, 'Run `sluice connections list` to see them.');
      }
      const path = updateStore(io.env, (s) => {
        delete s.connections[name];
      });
      if (format === 'json') {
        io.stdout.write(`${JSON.stringify({ ok: true, removed: name, company_url: saved.company_url, path }, null, 2)}\n`);
      } else {
        io.stdout.write(`Removed connection \`${name}\` (${saved.app}, ${saved.company_url}).\n`);
        if (saved.token) io.stdout.write('Its token was deleted from this machine; it is still valid in Pipedrive until you regenerate it there.\n');
      }
      return EXIT.ok;
    });
  },
};

export const commands: Command[] = [add, test, list, remove];

function checkWholeNumber(flag: string, raw: string): number {
  const n = Number(raw.trim());
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${flag} takes a whole number of at least 1, not \`${raw.slice(0, 20)}\``);
  return n;
}

/** A plan name as the app definitions spell them; which plans exist is checked when a flow runs. */
function checkPlanName(plan: string): string {
  const p = plan.trim().toLowerCase();
  if (!/^[a-z][a-z0-9_-]*$/.test(p)) throw new UsageError(`--plan takes a plan name such as premium, not \`${plan.slice(0, 40)}\``, 'Plans: lite, growth, premium, ultimate (or unlimited for the sandbox).');
  return p;
}
