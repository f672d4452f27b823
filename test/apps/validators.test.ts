// The precompiled validators must come from the current meta-schemas; otherwise every start of
// `sluice` silently pays ~100 ms to compile them with ajv.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_FILE, generateValidatorsSource } from '../../src/apps/generate-validators.js';
import { STDLIB } from './helpers.js';

describe('src/apps/validators.generated.ts', () => {
  it('is up to date with stdlib/app.schema.json and stdlib/functions.schema.json (run `npx tsx src/apps/generate-validators.ts`)', () => {
    expect(readFileSync(GENERATED_FILE, 'utf8') === generateValidatorsSource(STDLIB)).toBe(true);
  });
});
