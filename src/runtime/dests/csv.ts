// `dest file.csv`: RFC 4180 via csv-stringify, columns from the first record, published when the
// run commits (see temp-file.ts). A record with a list or object value is rejected (kept), not
// flattened silently.
import type { stringify as Stringify } from 'csv-stringify/sync';
import type { Rec } from '../eval.js';
import type { Destination, Rejection, WriteResult } from './destination.js';
import type { DestComponent } from '../component.js';
import { optBool, optString } from '../options.js';
import { fileAppends, outputPath } from './output-path.js';
import { TempFile } from './temp-file.js';

/** csv-stringify, loaded by the first CSV write: a run that writes no CSV never holds it in memory. */
let stringifyModule: Promise<typeof Stringify> | undefined;
const loadStringify = (): Promise<typeof Stringify> => (stringifyModule ??= import('csv-stringify/sync').then((m) => m.stringify));

export class CsvDestination implements Destination {
  readonly durability = 'commit' as const;
  private readonly file: TempFile;
  private columns: string[] | undefined;

  constructor(
    path: string,
    private readonly options: { delimiter: string; header: boolean; append: boolean; columns?: string[] },
    home?: string,
  ) {
    this.file = new TempFile(path, options.append, home);
  }

  get describe(): string {
    return this.file.path;
  }

  async write(batch: Rec[]): Promise<WriteResult> {
    const accepted: Rec[] = [];
    const stringify = await loadStringify();
    const rejected: Rejection[] = [];
    const rows: unknown[][] = [];
    let header = '';
    for (const r of batch) {
      const bad = Object.entries(r).find(([, v]) => v !== null && typeof v === 'object');
      if (bad) {
        rejected.push({ record: r, reason: `field \`${bad[0]}\` is a ${Array.isArray(bad[1]) ? 'list' : 'object'}; CSV cells hold text, numbers, booleans or null (map it with to_string)`, code: 'invalid' });
        continue;
      }
      if (!this.columns) {
        this.columns = Object.keys(r);
        // Appending to an existing file continues its rows: its header is already there.
        if (this.options.header && !this.file.continuesExisting) header = stringify([this.columns], { delimiter: this.options.delimiter });
      }
      rows.push(this.columns.map((c) => r[c] ?? ''));
      accepted.push(r);
    }
    if (rows.length > 0) await this.file.write(header + stringify(rows, { delimiter: this.options.delimiter, cast: { boolean: (b) => String(b) } }));
    return { accepted, rejected };
  }

  async commit(): Promise<void> {
    // A replaced file with no rows still says what its columns are (when the flow's type knows them).
    if (!this.columns && !this.options.append && this.options.header && this.options.columns?.length) {
      const stringify = await loadStringify();
      await this.file.write(stringify([this.options.columns], { delimiter: this.options.delimiter }));
    }
    return this.file.commit();
  }

  abort(): Promise<void> {
    return this.file.abort();
  }
}

export const csvDest: DestComponent = {
  open: (req, ctx) =>
    new CsvDestination(
      outputPath(req, ctx),
      {
        delimiter: optString(req.options, 'delimiter', ',')!,
        header: optBool(req.options, 'header', true),
        append: fileAppends(req),
        ...(req.run.columns ? { columns: req.run.columns } : {}),
      },
      ctx.io.home,
    ),
};
