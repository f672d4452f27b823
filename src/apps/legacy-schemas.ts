// Older versions of `sluice discover` wrote a connection's custom fields into the project's data
// folder (`$SLUICE_HOME/schemas`), so a flow checked from another folder did not see them. They now
// live beside the connections; the first load of the schemas moves an old file there. When both
// places have one, the newer discovery (beside the connections) is used and the old file is left
// for the user to remove: nothing is deleted that was not copied.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Moves `<legacyDir>/<connection>.json` into `dir`; one line for the user per file moved or left. */
export function moveLegacySchemas(legacyDir: string, dir: string): string[] {
  if (resolve(legacyDir) === resolve(dir)) return [];
  let names: string[];
  try {
    names = readdirSync(legacyDir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  } catch {
    return [];
  }
  const notes: string[] = [];
  for (const name of names.sort()) {
    const from = join(legacyDir, name);
    const to = join(dir, name);
    if (existsSync(to)) {
      notes.push(`not moved: ${to} is used; remove ${from}, which an older version wrote`);
      continue;
    }
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      move(from, to);
      chmodSync(to, 0o600);
      notes.push(`moved ${from} to ${to}: discovered fields now live beside the connections, for every folder`);
    } catch (err) {
      notes.push(`could not move ${from} to ${to} (${(err as NodeJS.ErrnoException).code ?? String(err)}); run \`sluice discover ${name.slice(0, -'.json'.length)}\` again`);
    }
  }
  try {
    rmdirSync(legacyDir);
  } catch {
    // Not empty (a file left in place, or the user's own): it stays.
  }
  return notes;
}

function move(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    // Another file system: copy (refusing to replace a file written meanwhile), then remove.
    copyFileSync(from, to, 1 /* COPYFILE_EXCL */);
    unlinkSync(from);
  }
}
