// `dest file.jsonl`: one JSON object per line, published when the run commits (see temp-file.ts).
// With `append = true` (the default in an incremental flow) the new records follow the old file's.
import type { Rec } from '../eval.js';
import type { Destination, WriteResult } from './destination.js';
import type { DestComponent } from '../component.js';
import { fileAppends, outputPath } from './output-path.js';
import { TempFile } from './temp-file.js';

export class JsonlDestination implements Destination {
  readonly durability = 'commit' as const;
  private readonly file: TempFile;

  constructor(path: string, append: boolean, home?: string) {
    this.file = new TempFile(path, append, home);
  }

  get describe(): string {
    return this.file.path;
  }

  async write(batch: Rec[]): Promise<WriteResult> {
    let chunk = '';
    for (const r of batch) chunk += `${JSON.stringify(r)}\n`;
    await this.file.write(chunk);
    return { accepted: batch, rejected: [] };
  }

  commit(): Promise<void> {
    return this.file.commit();
  }

  abort(): Promise<void> {
    return this.file.abort();
  }
}

export const jsonlDest: DestComponent = {
  open: (req, ctx) => new JsonlDestination(outputPath(req, ctx), fileAppends(req), ctx.io.home),
};
