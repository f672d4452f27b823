// `dest file.csv`: RFC 4180 via csv-stringify, columns from the first record, temp file renamed on
// commit. A record with a list or object value is rejected (kept), not flattened silently.
import { createWriteStream, mkdirSync, renameSync, rmSync, openSync, fsyncSync, closeSync, existsSync, copyFileSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { stringify } from 'csv-stringify/sync';
import { tempPathFor } from '../../util/atomic-write.js';
import type { Rec } from '../eval.js';
import type { Destination, Rejection, WriteResult } from './destination.js';

export class CsvDestination implements Destination {
  readonly durability = 'commit' as const;
  private readonly tmp: string;
  private stream: WriteStream | undefined;
  private columns: string[] | undefined;

  constructor(
    private readonly path: string,
    private readonly options: { delimiter: string; header: boolean; append: boolean },
  ) {
    this.tmp = tempPathFor(path);
  }

  get describe(): string {
    return this.path;
  }

  async write(batch: Rec[]): Promise<WriteResult> {
    const accepted: Rec[] = [];
    const rejected: Rejection[] = [];
    const rows: unknown[][] = [];
    for (const r of batch) {
      const bad = Object.entries(r).find(([, v]) => v !== null && typeof v === 'object');
      if (bad) {
        rejected.push({ record: r, reason: `field \`${bad[0]}\` is a ${Array.isArray(bad[1]) ? 'list' : 'object'}; CSV cells hold text, numbers, booleans or null (map it with to_string)`, code: 'invalid' });
        continue;
      }
      this.columns ??= Object.keys(r);
      rows.push(this.columns.map((c) => r[c] ?? ''));
      accepted.push(r);
    }
    if (rows.length === 0) return { accepted, rejected };
    const s = this.open();
    if (!s.write(stringify(rows, { delimiter: this.options.delimiter, cast: { boolean: (b) => String(b) } }))) await once(s, 'drain');
    return { accepted, rejected };
  }

  private open(): WriteStream {
    if (this.stream) return this.stream;
    mkdirSync(dirname(this.path), { recursive: true });
    const appending = this.options.append && existsSync(this.path);
    if (appending) copyFileSync(this.path, this.tmp);
    this.stream = createWriteStream(this.tmp, { flags: appending ? 'a' : 'w' });
    if (this.options.header && !appending && this.columns) this.stream.write(stringify([this.columns], { delimiter: this.options.delimiter }));
    return this.stream;
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
