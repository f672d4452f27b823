// `dest stdout`: one JSON object per line (or indented with format = "pretty").
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import type { Rec } from '../eval.js';
import type { Destination, WriteResult } from './destination.js';
import type { DestComponent } from '../component.js';
import { optString } from '../options.js';

export class StdoutDestination implements Destination {
  readonly durability = 'batch' as const;
  readonly describe = 'stdout';

  constructor(
    private readonly out: Writable,
    private readonly pretty: boolean,
  ) {}

  async write(batch: Rec[]): Promise<WriteResult> {
    const text = batch.map((r) => (this.pretty ? `${JSON.stringify(r, null, 2)}\n\n` : `${JSON.stringify(r)}\n`)).join('');
    if (text && !this.out.write(text)) await once(this.out, 'drain');
    return { accepted: batch, rejected: [] };
  }

  async commit(): Promise<void> {}
  async abort(): Promise<void> {}
}

export const stdoutDest: DestComponent = {
  open: (req, ctx) => new StdoutDestination(ctx.io.stdout, optString(req.options, 'format') === 'pretty'),
};
