// The rules for what a user types into the credential panel: company URL, API version, API token and
// the connection's name. Each rule fails with its own code and a hint, before any request is made,
// so that a typo is never answered with a vague network error.
import { isIP } from 'node:net';
import { CONNECTION_ERRORS as E, ConnectionError } from './errors.js';
import { mask, scrubTokenLike } from './secret.js';

/**
 * `auto`: each action on v2 where Pipedrive has it, v1 where it has only v1 (leads, recents, users,
 * notes). `v1` / `v2` ask for that version wherever an action has it.
 */
export const API_VERSIONS = ['auto', 'v1', 'v2'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];
/**
 * What a new connection uses, and what `sluice check` assumes without one: Pipedrive took the v1
 * persons, deals, organizations, activities, pipelines and stages out of support on 2026-08-01.
 */
export const DEFAULT_API_VERSION: ApiVersion = 'auto';

/** The apps that have connections today. */
export const CONNECTION_APPS = ['pipedrive'] as const;
export type ConnectionApp = (typeof CONNECTION_APPS)[number];

export interface CompanyUrlOptions {
  /** Allows `http://` and `https://` on loopback addresses only (the local sandbox). */
  allowInsecure?: boolean;
}

export interface NormalisedCompanyUrl {
  /** `https://acme.pipedrive.com` or `http://127.0.0.1:PORT`: origin only, no trailing slash. */
  url: string;
  /** `acme.pipedrive.com` or `127.0.0.1:PORT`: how messages name the company. */
  host: string;
  /** `acme`, or undefined for a loopback URL. */
  company?: string;
  loopback: boolean;
}

const COMPANY_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Hosts under pipedrive.com that are Pipedrive's own, not a company's. */
const NOT_COMPANIES = new Set(['www', 'api', 'app', 'developers', 'oauth', 'support', 'status', 'marketplace']);

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

const urlExample = 'https://COMPANY.pipedrive.com';

/** Checks and normalises a company URL; throws a ConnectionError naming what is wrong. */
export function normaliseCompanyUrl(raw: string, options: CompanyUrlOptions = {}): NormalisedCompanyUrl {
  try {
    return checkCompanyUrl(raw, options);
  } catch (err) {
    // The messages quote parts of the input (host, guesses); a token pasted into the URL, even as a
    // host label, must not come back out. One scrub here covers every message below.
    if (err instanceof ConnectionError) throw new ConnectionError(err.code as never, scrubTokenLike(err.message), err.hint && scrubTokenLike(err.hint));
    throw err;
  }
}

function checkCompanyUrl(raw: string, options: CompanyUrlOptions): NormalisedCompanyUrl {
  const input = raw.trim();
  // Echo what the user typed, but never a token pasted into it by mistake.
  const shown = scrubTokenLike(input.length > 80 ? `${input.slice(0, 77)}...` : input);
  if (input === '') {
    throw new ConnectionError(E.urlMalformed, 'the company URL is empty', `Give it as ${urlExample}, the address you use to open Pipedrive.`);
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) {
    const guess = /^[a-z0-9-]+\.pipedrive\.com(?:[/:]|$)/i.test(input) ? ` Did you mean https://${input.split(/[/:]/)[0].toLowerCase()}?` : '';
    throw new ConnectionError(E.urlMalformed, `the company URL \`${shown}\` is not a URL: it needs the https:// scheme`, `Give it as ${urlExample}.${guess}`);
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new ConnectionError(E.urlMalformed, `the company URL \`${shown}\` is malformed`, `Give it as ${urlExample}.`);
  }
  if (url.username !== '' || url.password !== '') {
    // Never repeat it: the part before @ is a credential.
    throw new ConnectionError(E.urlMalformed, 'the company URL must not contain a user name or password', `Give it as ${urlExample}; the API token goes in --api-token-env or the prompt.`);
  }
  const hostname = url.hostname.replace(/\.$/, '').toLowerCase();
  const loopback = isLoopbackHost(hostname);
  const hostPort = url.port ? `${url.hostname.replace(/\.$/, '')}:${url.port}` : url.hostname.replace(/\.$/, '');
  const scheme = url.protocol.replace(/:$/, '');

  if (loopback) {
    if (scheme !== 'http' && scheme !== 'https') {
      throw new ConnectionError(E.urlNotHttps, `the company URL must use https, not ${scheme}`, `Give it as ${urlExample}.`);
    }
    if (!options.allowInsecure) {
      const what = scheme === 'http' ? `\`${scheme}://${hostPort}\` is not https` : `\`${scheme}://${hostPort}\` is not a Pipedrive company URL`;
      throw new ConnectionError(scheme === 'http' ? E.urlNotHttps : E.urlNotPipedrive, `the company URL ${what}`, 'For the local sandbox (`sluice sandbox pipedrive`), add --allow-insecure; it only allows loopback addresses.');
    }
    return { url: `${scheme}://${hostPort}`, host: hostPort, loopback: true };
  }

  if (scheme !== 'https') {
    if (scheme === 'http' && options.allowInsecure) {
      throw new ConnectionError(E.urlInsecureNotLoopback, `--allow-insecure only allows loopback addresses (127.0.0.1, localhost, ::1), not \`${hostname}\``, 'A token sent over plain http to another machine can be read on the way. Use https.');
    }
    const fix = hostname.endsWith('.pipedrive.com') ? ` Use https://${hostname}.` : '';
    throw new ConnectionError(E.urlNotHttps, `the company URL must use https, not ${scheme}`, `The API token would travel unencrypted.${fix}`);
  }
  const m = /^([^.]+)\.pipedrive\.com$/.exec(hostname);
  if (!m || !COMPANY_LABEL.test(m[1])) {
    throw new ConnectionError(E.urlNotPipedrive, `\`${hostname}\` is not a Pipedrive company address`, `The company URL has the form ${urlExample}: the address you see in the browser when you use Pipedrive.`);
  }
  if (NOT_COMPANIES.has(m[1])) {
    throw new ConnectionError(E.urlNotPipedrive, `\`${hostname}\` is one of Pipedrive's own addresses, not a company's`, `Use your company's address, ${urlExample}, as shown in the browser when you use Pipedrive.`);
  }
  if (url.port !== '') {
    throw new ConnectionError(E.urlNotPipedrive, `the company URL must not name a port (\`:${url.port}\`)`, `Give it as https://${hostname}.`);
  }
  return { url: `https://${hostname}`, host: hostname, company: m[1], loopback: false };
}

export function parseApiVersion(raw: string): ApiVersion {
  const v = raw.trim().toLowerCase();
  if ((API_VERSIONS as readonly string[]).includes(v)) return v as ApiVersion;
  const shown = scrubTokenLike(raw.length > 20 ? `${raw.slice(0, 17)}...` : raw);
  const near = /^v?1(\.0)?$/.test(v) ? ' Did you mean v1?' : /^v?2(\.0)?$/.test(v) ? ' Did you mean v2?' : '';
  throw new ConnectionError(E.versionInvalid, `the API version \`${shown}\` is not one Sluice knows: use auto, v1 or v2`, `auto (the default) uses v2 wherever Pipedrive has it and v1 elsewhere; v1 forces the v1 endpoints, which Pipedrive no longer supports for persons, deals, organizations, activities, pipelines and stages.${near}`);
}

const TOKEN = /^[0-9a-f]{40}$/i;

/**
 * Checks the form of a token (40 hex characters) without ever including it in the message: the
 * message says what is wrong with it (length, characters), which is enough to spot a bad paste.
 * Surrounding whitespace (a newline from a copy) is trimmed.
 */
export function checkTokenFormat(raw: string, from = 'the API token'): string {
  const t = raw.trim();
  // Returned as given: the server decides about case, and a silent rewrite would hide a bad paste.
  if (TOKEN.test(t)) return t;
  let what: string;
  if (t.length === 0) what = 'is empty';
  else if (/\s/.test(t)) what = 'contains spaces';
  else if (t.length !== 40) what = `has ${t.length} characters, not 40`;
  else what = 'contains characters other than 0-9 and a-f';
  throw new ConnectionError(E.tokenMalformed, `${from} ${what}: a Pipedrive API token is 40 hexadecimal characters`, 'Copy it again from Pipedrive: your user menu > Personal preferences > API. (Nothing was sent to Pipedrive.)');
}

const NAME = /^[a-z][a-z0-9_-]{0,62}$/;

export function checkConnectionName(raw: string): string {
  if (NAME.test(raw)) return raw;
  const shown = scrubTokenLike(raw.length > 40 ? `${raw.slice(0, 37)}...` : raw);
  const lower = raw.toLowerCase();
  const hint = NAME.test(lower) ? `Did you mean \`${lower}\`?` : 'For example `pipedrive`, `acme` or `acme-eu`.';
  throw new ConnectionError(E.nameInvalid, `the connection name \`${shown}\` is not valid: use lowercase letters, digits, - and _, starting with a letter (at most 63 characters)`, hint);
}

export function checkApp(raw: string): ConnectionApp {
  if ((CONNECTION_APPS as readonly string[]).includes(raw)) return raw as ConnectionApp;
  throw new ConnectionError(E.appUnsupported, `\`${scrubTokenLike(raw)}\` has no connections: the apps with connections are ${CONNECTION_APPS.join(', ')}`, 'Use `sluice connections add pipedrive ...`.');
}

/** Environment variable names, as POSIX shells accept them. */
export function isEnvVarName(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s);
}

/** The prefix of the environment variables that configure a connection: `acme-eu` -> `SLUICE_ACME_EU`. */
export function envPrefix(name: string): string {
  return `SLUICE_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export { mask };
