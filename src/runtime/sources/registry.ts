// The source components, keyed by kind: `APPKIND:ACTION` (`file:csv`) or, for every action of an
// app kind, `APPKIND` (`http`); `webhook` reads every action fed by webhooks. A new kind of source
// is a new file and one line here.
import { SluiceError } from '../../errors.js';
import { RUNTIME } from '../codes.js';
import type { ComponentContext } from '../component.js';
import { webhookSource } from './events.js';
import { csvSource, jsonlSource } from './files.js';
import { httpSource } from './http.js';
import { postgresSource } from './postgres.js';
import type { Source, SourceRequest } from './source.js';
import type { SourceComponent } from '../component.js';
import { sqliteSource } from './sqlite.js';

export const SOURCES: Readonly<Record<string, SourceComponent>> = {
  http: httpSource,
  'file:jsonl': jsonlSource,
  'file:csv': csvSource,
  'sqlite:table': sqliteSource,
  'postgres:table': postgresSource,
  'postgres:query': postgresSource,
  webhook: webhookSource,
};

/** The component that reads `action` of `app`, if this build has one. */
export function sourceComponent(kind: string, action: string, table: Readonly<Record<string, SourceComponent>> = SOURCES): SourceComponent | undefined {
  return table[`${kind}:${action}`] ?? table[kind];
}

export function openSource(req: SourceRequest, ctx: ComponentContext): Source {
  // An action fed by webhooks (`webhook` in its definition) is read from the events received, whatever its app's kind.
  const c = req.action.webhook ? SOURCES.webhook : sourceComponent(req.app.kind, req.action.name);
  if (!c) throw new SluiceError(RUNTIME.noComponent, `\`${req.action.qualifiedName}\` cannot be read by this version of Sluice`);
  return c.open(req, ctx);
}
