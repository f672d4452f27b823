// Runs dependency-cruiser with the repository's rules (.dependency-cruiser.cjs) on a tree, in
// process, and returns each violation as `rule: from -> to`.
import { resolve } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface Violation {
  rule: string;
  from: string;
  to: string;
}

/** The violations of the rules in `baseDir`'s `src/` (baseDir: the repository, or a fixture tree in its shape). */
export async function violations(baseDir: string): Promise<Violation[]> {
  const options = await extractDepcruiseOptions(resolve(ROOT, '.dependency-cruiser.cjs'));
  const tsConfig = extractTSConfig(resolve(ROOT, 'tsconfig.json'));
  const output = await cruise(['src'], { ...options, baseDir, validate: true }, undefined, { tsConfig });
  const result = output.output as ICruiseResult;
  return result.summary.violations.map((v) => ({
    rule: v.rule.name,
    from: v.from,
    to: v.cycle ? v.cycle.map((c) => c.name).join(' -> ') : packageName(v.to),
  }));
}

export function listed(found: readonly Violation[]): string {
  return found.map((v) => `${v.rule}: ${v.from} -> ${v.to}`).join('\n');
}

/** `../node_modules/better-sqlite3/lib/index.js` as `better-sqlite3/lib/index.js`, wherever node_modules is. */
function packageName(resolved: string): string {
  const at = resolved.lastIndexOf('node_modules/');
  return at < 0 ? resolved : resolved.slice(at + 'node_modules/'.length);
}
