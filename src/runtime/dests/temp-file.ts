// The publish-on-commit file both file destinations use: text goes to a temp file beside the
// target (a copy of the old file when appending), and commit() fsyncs it and renames it over the
// target, so a failed or interrupted run leaves the old file whole and never a half-written one.
import { closeSync, copyFileSync, createWriteStream, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { tempPathFor } from '../../util/atomic-write.js';

export class TempFile {
  private readonly tmp: string;
  private stream: WriteStream | undefined;
  /** Whether the temp file started as a copy of an existing target (append mode). */
  private appended = false;

  constructor(
    readonly path: string,
    private readonly append: boolean,
  ) {
    this.tmp = tempPathFor(path);
  }

  /** True once opened in append mode on an existing file (a CSV header is then not repeated). */
  get continuesExisting(): boolean {
    this.open();
    return this.appended;
  }

  private open(): WriteStream {
    if (this.stream) return this.stream;
    mkdirSync(dirname(this.path), { recursive: true });
    this.appended = this.append && existsSync(this.path);
    if (this.appended) copyFileSync(this.path, this.tmp);
    this.stream = createWriteStream(this.tmp, { flags: this.appended ? 'a' : 'w' });
    return this.stream;
  }

  /** Writes text, waiting for the file to drain rather than buffering a whole run in memory. */
  async write(text: string): Promise<void> {
    const s = this.open();
    if (text && !s.write(text)) await once(s, 'drain');
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
