// `source file.jsonl` and `source file.csv`: streamed, a page at a time. Rows that do not fit the
// declared record type are rejected with the line number, not dropped.
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RecordType } from '../../check/types.js';
import { SluiceError } from '../../errors.js';
import type { Rec } from '../eval.js';
import type { Rejection } from '../dests/destination.js';
import { conform } from './declared.js';
import { optBool, optPath, optString } from '../options.js';
import { PAGE, type Source } from './source.js';
import type { SourceComponent } from '../component.js';
import { RUNTIME } from '../codes.js';

function missing(path: string): SluiceError {
  return new SluiceError(RUNTIME.sourceMissing, `cannot read ${path}: no such file`, { hint: 'Check the `path` option; it is relative to the folder you run sluice in.' });
}

export class JsonlSource implements Source {
  onReject?: (r: Rejection) => void;
  constructor(
    private readonly path: string,
    private readonly declared: RecordType | undefined,
  ) {}

  get describe(): string {
    return this.path;
  }

  async *pages(): AsyncIterable<Rec[]> {
    if (!existsSync(this.path)) throw missing(this.path);
    const rl = createInterface({ input: createReadStream(this.path, 'utf8'), crlfDelay: Infinity });
    let page: Rec[] = [];
    let line = 0;
    for await (const text of rl) {
      line++;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        this.onReject?.({ record: { line, text }, reason: `line ${line} is not JSON`, code: 'invalid' });
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        this.onReject?.({ record: { line, text }, reason: `line ${line} is not a JSON object`, code: 'invalid' });
        continue;
      }
      let rec = value as Rec;
      if (this.declared) {
        const r = conform(rec, this.declared.fields, false);
        if (!r.ok) {
          this.onReject?.({ record: rec, reason: `line ${line}: ${r.reason}`, code: 'invalid' });
          continue;
        }
        rec = r.record;
      }
      page.push(rec);
      if (page.length >= PAGE) {
        yield page;
        page = [];
      }
    }
    if (page.length) yield page;
  }
}

export class CsvSource implements Source {
  onReject?: (r: Rejection) => void;
  constructor(
    private readonly path: string,
    private readonly options: { delimiter: string; header: boolean },
    private readonly declared: RecordType | undefined,
  ) {}

  get describe(): string {
    return this.path;
  }

  async *pages(): AsyncIterable<Rec[]> {
    if (!existsSync(this.path)) throw missing(this.path);
    const names = this.declared ? [...this.declared.fields.keys()] : undefined;
    // Loaded here: a run that reads no CSV never holds the parser in memory.
    const { parse: parseCsv } = await import('csv-parse');
    const parser = createReadStream(this.path).pipe(
      parseCsv({
        delimiter: this.options.delimiter,
        columns: this.options.header ? true : (names ?? ((first: string[]) => first.map((_, i) => `col${i + 1}`))),
        skip_empty_lines: true,
        relax_column_count: true,
        bom: true,
        info: true,
      }),
    );
    let page: Rec[] = [];
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      let rec: Rec = record;
      if (this.declared) {
        const r = conform(rec, this.declared.fields, true);
        if (!r.ok) {
          this.onReject?.({ record: rec, reason: `line ${info.lines}: ${r.reason}`, code: 'invalid' });
          continue;
        }
        rec = r.record;
      }
      page.push(rec);
      if (page.length >= PAGE) {
        yield page;
        page = [];
      }
    }
    if (page.length) yield page;
  }
}

export const jsonlSource: SourceComponent = {
  open: (req, ctx) => new JsonlSource(optPath(ctx.io, req.options, 'path', 'read'), req.declared),
};

export const csvSource: SourceComponent = {
  open: (req, ctx) =>
    new CsvSource(optPath(ctx.io, req.options, 'path', 'read'), { delimiter: optString(req.options, 'delimiter', ',')!, header: optBool(req.options, 'header', true) }, req.declared),
};
