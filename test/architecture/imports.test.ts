// The import rules of ARCHITECTURE.md hold for src/: a failure lists each import that breaks one.
import { describe, expect, it } from 'vitest';
import { listed, ROOT, violations } from './cruise.js';

describe('architecture', () => {
  it('src/ breaks none of the import rules in .dependency-cruiser.cjs', async () => {
    const found = await violations(ROOT);
    expect(listed(found), 'imports that break a rule of ARCHITECTURE.md (rule: from -> to)').toBe('');
  }, 120_000);
});
