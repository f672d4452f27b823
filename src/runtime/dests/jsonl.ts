// `dest file.jsonl`: one JSON object per line, written to a temp file beside the target and renamed
// over it when the run commits, so a failed run leaves the old file whole. With `append = true`
// the temp file starts as a copy of the old one.
import { createWriteStream, existsSync, mkdirSync, copyFileSync, renameSync, rmSync, openSync, fsyncSync, closeSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { tempPathFor } from '../../util/atomic-write.js';
import type { Rec } from '../eval.js';
import type { Destination, WriteResult } from './destination.js';

export class JsonlDestination implements Destination {
  readonly durability = 'commit' as const;
  private readonly tmp: string;
  private stream: WriteStream | undefined;

  constructor(
    private readonly path: string,
    private readonly append: boolean,
  ) {
    this.tmp = tempPathFor(path);
  }

  get describe(): string {
    return this.path;
  }

  private open(): WriteStream {
    if (this.stream) return this.stream;
    mkdirSync(dirname(this.path), { recursive: true });
    if (this.append && existsSync(this.path)) copyFileSync(this.path, this.tmp);
    this.stream = createWriteStream(this.tmp, { flags: this.append ? 'a' : 'w' });
    return this.stream;
  }

  async write(batch: Rec[]): Promise<WriteResult> {
    const s = this.open();
    let chunk = '';
    for (const r of batch) chunk += `${JSON.stringify(r)}\n`;
    // Backpressure: wait for the file to drain rather than buffer a whole run in memory.
    if (!s.write(chunk)) await once(s, 'drain');
    return { accepted: batch, rejected: [] };
  }

  async commit(): Promise<void> {
    const s = this.open();
    await new Promise<void>((res, rej) => s.end((err?: Error | null) => (err ? rej(err) : res())));
    const fd = openSync(this.tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(this.tmp, this.path);
  }

  async abort(): Promise<void> {
    if (this.stream && !this.stream.closed) await new Promise<void>((res) => this.stream!.end(() => res()));
    rmSync(this.tmp, { force: true });
  }
}
