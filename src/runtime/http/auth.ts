// Credentials of one connection as requests carry them, from the app definition's `http.auth`: an
// API key in a header or the query, a bearer token, HTTP basic, or an OAuth2 access token (client
// credentials or refresh token grant), fetched on first use, again before it expires and after a
// 401. Values are templates over connection fields; revealed secrets go into requests only.
import got from 'got';
import type { AppDef, AuthDef } from '../../apps/types.js';
import { expandTemplate } from '../../connections/app-connection.js';
import { redact, type ResolvedConnection } from '../../connections/index.js';
import type { Secret } from '../../connections/secret.js';
import { ApiError, NetworkError, type RequestSite } from './errors.js';
import { classifyNetworkError } from './retry.js';

export interface AuthParts {
  headers: Record<string, string>;
  query: Record<string, string>;
}

/** Seconds before an OAuth2 token's announced expiry at which it is fetched again. */
const EXPIRY_MARGIN_S = 30;

export class Credentials {
  private readonly def: AuthDef | undefined;
  private token: { value: string; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly app: AppDef,
    private readonly connection: ResolvedConnection,
    mode: 'header' | 'query',
  ) {
    const auth = app.http?.auth ?? [];
    // Pipedrive's API key may go in the query instead (a server that ignores the header).
    this.def = auth.find((a) => a.type === 'apiKey' && a.in === mode) ?? (mode === 'header' ? auth.find((a) => !a.fallback) : undefined);
    if (!this.def) throw new RangeError(`${app.name} has no ${mode} authentication`);
  }

  /** Whether an API key goes in the query string (and must be scrubbed from what is printed). */
  get inQuery(): boolean {
    return this.def?.type === 'apiKey' && this.def.in === 'query';
  }

  /** What to add to one request. */
  async parts(signal?: AbortSignal): Promise<AuthParts> {
    const d = this.def!;
    switch (d.type) {
      case 'apiKey': {
        const v = this.fill(d.value);
        return d.in === 'header' ? { headers: { [d.name]: v }, query: {} } : { headers: {}, query: { [d.name]: v } };
      }
      case 'bearer':
        return { headers: { authorization: `Bearer ${this.fill(d.token)}` }, query: {} };
      case 'basic':
        return { headers: { authorization: `Basic ${Buffer.from(`${this.fill(d.username)}:${this.fill(d.password)}`).toString('base64')}` }, query: {} };
      case 'oauth2':
        return { headers: { authorization: `Bearer ${await this.accessToken(signal)}` }, query: {} };
    }
  }

  /**
   * After a 401: an OAuth2 token may have been revoked or expired early; forget it so the next
   * attempt fetches a new one. True when a retry can help (only then).
   */
  unauthorized(): boolean {
    if (this.def?.type !== 'oauth2' || !this.token) return false;
    this.token = undefined;
    return true;
  }

  /** Every secret value this connection may send, for scrubbing messages. */
  secrets(): Secret[] {
    const out: Secret[] = [this.connection.token];
    for (const v of Object.values(this.connection.fields ?? {})) if (typeof v === 'object') out.push(v);
    return out;
  }

  private fill(template: string): string {
    // A Pipedrive-shaped connection has one token: every placeholder is it.
    if (!this.connection.fields) return template.replace(/\{[^}]+\}/g, () => this.connection.token.reveal());
    return expandTemplate(template, this.connection.fields);
  }

  private async accessToken(signal?: AbortSignal): Promise<string> {
    if (this.token && Date.now() < this.token.expiresAt) return this.token.value;
    // Concurrent requests share one token request.
    this.pending ??= this.fetchToken(signal).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetchToken(signal?: AbortSignal): Promise<string> {
    const d = this.def as Extract<AuthDef, { type: 'oauth2' }>;
    const url = this.fill(d.tokenUrl);
    const u = new URL(url);
    const site: RequestSite = { method: 'POST', path: u.pathname, host: u.host };
    const form: Record<string, string> = { grant_type: d.grant };
    if (d.grant === 'refresh_token') form.refresh_token = this.fill(d.refreshToken ?? '{refresh_token}');
    if (d.scope) form.scope = d.scope;
    const headers: Record<string, string> = { accept: 'application/json' };
    const id = this.fill(d.clientId);
    const secret = this.fill(d.clientSecret);
    if (d.clientAuth === 'basic') headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    else Object.assign(form, { client_id: id, client_secret: secret });
    let res;
    try {
      res = await got.post(url, { form, headers, throwHttpErrors: false, retry: { limit: 2, methods: ['POST'] }, followRedirect: false, responseType: 'text', timeout: { request: 30_000 }, ...(signal ? { signal } : {}) });
    } catch (err) {
      signal?.throwIfAborted();
      const f = classifyNetworkError(err);
      throw new NetworkError(site, 1, f.code, f.failure);
    }
    let body: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } = {};
    try {
      body = JSON.parse(res.body) as typeof body;
    } catch {
      // Reported below as an answer without a token.
    }
    if (res.statusCode >= 300 || typeof body.access_token !== 'string') {
      const why = [body.error, body.error_description].filter((x) => typeof x === 'string').join(': ');
      throw new ApiError(site, res.statusCode, 1, why ? redact(why.slice(0, 200), this.secrets()) : 'the OAuth2 token endpoint answered without an access_token');
    }
    const ttl = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    this.token = { value: body.access_token, expiresAt: Date.now() + Math.max(1, ttl - EXPIRY_MARGIN_S) * 1000 };
    return body.access_token;
  }
}
