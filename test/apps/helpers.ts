// Shared by the app-definition tests: a private copy of stdlib/ to break, and ajv for checking that
// the resolved schemas are usable by any consumer.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AppDefinitionError, loadStdlib, packageRoot } from '../../src/apps/index.js';

export const STDLIB = join(packageRoot(), 'stdlib');

const copies: string[] = [];

/** A fresh copy of stdlib/ in a temporary folder, also named `stdlib` so that messages read the same. */
export function stdlibCopy(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'sluice-stdlib-')), 'stdlib');
  cpSync(STDLIB, dir, { recursive: true });
  copies.push(dirname(dir));
  return dir;
}

/** Removes the copies made by stdlibCopy (call from afterAll). */
export function removeCopies(): void {
  for (const d of copies.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Edits a JSON file of a stdlib copy in place. */
export function editJson(dir: string, file: string, edit: (doc: any) => void): void {
  const path = join(dir, file);
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  edit(doc);
  writeFileSync(path, JSON.stringify(doc, null, 2));
}

/** Loads a stdlib folder and returns the error it throws (failing the test if it loads). */
export function loadError(dir: string): AppDefinitionError {
  try {
    loadStdlib(dir);
  } catch (err) {
    if (err instanceof AppDefinitionError) return err;
    throw err;
  }
  throw new Error(`expected ${dir} to fail loading`);
}

const require = createRequire(import.meta.url);

/** A strict ajv (2020-12, with formats), as a consumer of the record schemas would use (`anyOf: [{required: [a]}, {required: [b]}]` needs strictRequired off). */
export function consumerAjv() {
  const Ajv2020 = require('ajv/dist/2020.js').default;
  const addFormats = require('ajv-formats').default;
  const ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false, allErrors: true });
  addFormats(ajv);
  return ajv as { compile(schema: unknown): ((data: unknown) => boolean) & { errors?: unknown[] | null } };
}
