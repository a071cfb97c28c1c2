import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { modelJsonSchema } from '../../src/model/json-schema.js';

describe('JSON Schema for editors', () => {
  it('is the one generated from the validator\'s schema (run `npm run schema` after changing it)', () => {
    const shipped = readFileSync(new URL('../../schema/netgen.schema.json', import.meta.url), 'utf8');
    expect(shipped).toBe(modelJsonSchema());
  });

  it('refuses unknown keys, like the validator', () => {
    const schema = JSON.parse(modelJsonSchema()) as { additionalProperties: unknown; required: string[] };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['host', 'interfaces']);
  });
});
