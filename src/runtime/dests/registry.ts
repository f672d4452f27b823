// The destination components, keyed by kind: `APPKIND:ACTION` (`file:csv`) or, for every action of
// an app kind, `APPKIND` (`http`). A new kind of destination is a new file and one line here.
import { SluiceError } from '../../errors.js';
import { RUNTIME } from '../codes.js';
import type { ComponentContext } from '../component.js';
import { csvDest } from './csv.js';
import type { DestRequest, Destination } from './destination.js';
import type { DestComponent } from '../component.js';
import { dryDestination } from './dry-run.js';
import { httpDest } from './http.js';
import { jsonlDest } from './jsonl.js';
import { postgresDest } from './postgres.js';
import { sqliteDest } from './sqlite.js';
import { stdoutDest } from './stdout.js';

export const DESTINATIONS: Readonly<Record<string, DestComponent>> = {
  http: httpDest,
  'file:jsonl': jsonlDest,
  'file:csv': csvDest,
  'sqlite:table': sqliteDest,
  'postgres:table': postgresDest,
  stdout: stdoutDest,
};

/** The component that writes `action` of `app`, if this build has one. */
export function destComponent(kind: string, action: string, table: Readonly<Record<string, DestComponent>> = DESTINATIONS): DestComponent | undefined {
  return table[`${kind}:${action}`] ?? table[kind];
}

/** Opens the destination; in a dry run, one that only says what it would write unless the component previews. */
export function openDestination(req: DestRequest, ctx: ComponentContext): Destination {
  const c = destComponent(req.app.kind, req.action.name);
  if (!c) throw new SluiceError(RUNTIME.noComponent, `\`${req.action.qualifiedName}\` cannot be written by this version of Sluice`);
  if (ctx.dryRun && !c.previews) return dryDestination(req.action.qualifiedName, ctx.log);
  return c.open(req, ctx);
}
