// The publish-on-commit file both file destinations use: text goes to a temp file beside the
// target (a copy of the old file when appending), and commit() fsyncs it and renames it over the
// target, so a failed or interrupted run leaves the old file whole and never a half-written one.
//
// A run killed before its commit leaves its temp file behind (`.NAME.<pid>.<hex>.tmp` beside the
// target). The next run writing that target removes those of dead processes, and so does
// `sluice cache clear`, which finds them through a note in `$SLUICE_HOME/tmp` (see outputNote).
import { closeSync, copyFileSync, createWriteStream, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { basename, dirname, join } from 'node:path';
import { tempOwner, tempPathFor } from '../../util/atomic-write.js';
import { pidAlive } from '../../util/process.js';
import { tempFile } from '../cache/diskCache.js';

/** The owner's PID when `candidate` is one of the temp files tempPathFor() names beside `target`. */
function isTempOf(target: string, candidate: string): number | null {
  const prefix = `.${basename(target)}.`;
  if (!candidate.startsWith(prefix) || !/^\d{1,10}\.[0-9a-f]+\.tmp$/.test(candidate.slice(prefix.length))) return null;
  return tempOwner(candidate);
}

/** Removes the temp files of `target` left by processes that are gone; returns how many. */
export function removeStaleTemps(target: string): number {
  let names: string[];
  try {
    names = readdirSync(dirname(target));
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const pid = isTempOf(target, name);
    if (pid === null || pid === process.pid || pidAlive(pid)) continue;
    rmSync(join(dirname(target), name), { force: true });
    removed++;
  }
  return removed;
}

/** The prefix of the notes in `$SLUICE_HOME/tmp` that name a temp file beside an output. */
export const OUTPUT_NOTE_PREFIX = 'output';

export class TempFile {
  private readonly tmp: string;
  private stream: WriteStream | undefined;
  /** Whether the temp file started as a copy of an existing target (append mode). */
  private appended = false;
  private note: string | undefined;

  constructor(
    readonly path: string,
    private readonly append: boolean,
    /** `$SLUICE_HOME`, where the note for `sluice cache clear` goes; none: no note. */
    private readonly home?: string,
  ) {
    this.tmp = tempPathFor(path);
  }

  /** True once opened in append mode on an existing file (a CSV header is then not repeated). */
  get continuesExisting(): boolean {
    this.open();
    return this.appended;
  }

  /** Whether anything was written (or the file opened) in this run. */
  get opened(): boolean {
    return this.stream !== undefined;
  }

  private open(): WriteStream {
    if (this.stream) return this.stream;
    mkdirSync(dirname(this.path), { recursive: true });
    removeStaleTemps(this.path);
    if (this.home) {
      this.note = tempFile(this.home, OUTPUT_NOTE_PREFIX);
      writeFileSync(this.note, this.tmp);
    }
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
    // Appending nothing to an existing file: it stays as it is (no copy, no rename).
    if (!this.stream && this.append && existsSync(this.path)) {
      removeStaleTemps(this.path);
      return;
    }
    const s = this.open();
    await new Promise<void>((res, rej) => s.end((err?: Error | null) => (err ? rej(err) : res())));
    const fd = openSync(this.tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(this.tmp, this.path);
    this.dropNote();
  }

  async abort(): Promise<void> {
    if (this.stream && !this.stream.closed) await new Promise<void>((res) => this.stream!.end(() => res()));
    rmSync(this.tmp, { force: true });
    this.dropNote();
  }

  private dropNote(): void {
    if (this.note) rmSync(this.note, { force: true });
    this.note = undefined;
  }
}
