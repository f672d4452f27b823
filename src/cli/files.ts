// Turns the FILE|DIR arguments of `check` and `fmt` into a list of .flow files.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve, relative } from 'node:path';
import { UsageError } from '../errors.js';

const SKIP = new Set(['node_modules', '.git', '.sluice', 'dist']);

export function collectFlowFiles(args: string[], cwd: string): string[] {
  const out: string[] = [];
  for (const a of args) {
    const abs = resolve(cwd, a);
    let st;
    try {
      st = statSync(abs);
    } catch {
      throw new UsageError(`no such file or folder: ${a}`, 'Give .flow files or folders that hold them.');
    }
    if (st.isDirectory()) walk(abs, out);
    else out.push(abs);
  }
  // Paths inside the working folder are shown relative to it, others as absolute paths.
  return [...new Set(out)].map((f) => {
    const rel = relative(cwd, f);
    return rel && !rel.startsWith('..') ? rel : f;
  });
}

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (SKIP.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && e.name.endsWith('.flow')) out.push(p);
  }
}
