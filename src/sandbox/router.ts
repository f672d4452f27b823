// Method + path matching for `/api/v1/...` and `/api/v2/...`. Static segments beat parameters, so
// `/leads/archived` is not taken for a lead id.
import type { Reply } from './reply.js';
import type { CostKind } from './rate-limit.js';
import { badRequest } from './errors.js';
import type { World } from './world.js';

export type ApiVersion = 'v1' | 'v2';
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteSettings {
  /** Where /v1/leads puts its pagination object (unconfirmed in PIPEDRIVE.md; both are served). */
  leadsPagination: 'nested' | 'flat';
}

export interface Req {
  method: string;
  version: ApiVersion;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  world: World;
  settings: RouteSettings;
}

export interface Route {
  method: Method;
  version: ApiVersion;
  path: string;
  cost: CostKind;
  /** Daily-budget tokens, where Pipedrive's `x-token-cost` differs from the kind's usual price. */
  tokens?: number;
  handler: (req: Req) => Reply;
}

interface Compiled {
  route: Route;
  segments: string[];
  params: number;
}

export type Match = { route: Route; params: Record<string, string> } | undefined;

export class Router {
  private readonly table = new Map<string, Compiled[]>();

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      const segments = route.path.split('/').filter(Boolean);
      const key = `${route.method} ${route.version}`;
      const list = this.table.get(key) ?? [];
      list.push({ route, segments, params: segments.filter((s) => s.startsWith(':')).length });
      this.table.set(key, list);
    }
    for (const list of this.table.values()) list.sort((a, b) => a.params - b.params);
  }

  match(method: string, version: ApiVersion, path: string): Match {
    const list = this.table.get(`${method} ${version}`);
    if (!list) return undefined;
    const parts = path.split('/').filter(Boolean);
    outer: for (const c of list) {
      if (c.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < parts.length; i++) {
        const seg = c.segments[i];
        if (seg.startsWith(':')) params[seg.slice(1)] = decodeURIComponent(parts[i]);
        else if (seg !== parts[i]) continue outer;
      }
      return { route: c.route, params };
    }
    return undefined;
  }
}

/** A numeric path id; anything else is a 400 naming the parameter. */
export function intId(req: Req, name = 'id'): number {
  const raw = req.params[name];
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw badRequest(req.version === 'v1' ? `Invalid value for field '${name}': must be an integer.` : `Validation failed: ${name}: Expected integer, received string`);
  }
  return Number(raw);
}
