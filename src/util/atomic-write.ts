// Files are replaced atomically: write a temp file beside the target, fsync, rename. A crash leaves
// either the old file or the new one, never half of one.
import { chmodSync, closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync, mkdirSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface AtomicWriteOptions {
  /** File mode for the new file, e.g. 0o600 for secrets. */
  mode?: number;
}

export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** The PID in a name tempPathFor() made (`.NAME.<pid>.<hex>.tmp`), or null for any other name. */
export function tempOwner(name: string): number | null {
  const m = /^\..+\.(\d{1,10})\.[0-9a-f]+\.tmp$/.exec(name);
  return m ? Number(m[1]) : null;
}

export function writeFileAtomic(target: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  const fd = openSync(tmp, 'wx', options.mode ?? 0o666);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  // The umask may have narrowed the mode at creation; the caller's mode is what the file must have.
  if (options.mode !== undefined) chmodSync(tmp, options.mode);
  try {
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
