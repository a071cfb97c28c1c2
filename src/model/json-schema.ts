// The JSON Schema editors use, generated from the same zod schema the validator runs.
import { z } from 'zod';
import { modelSchema } from './schema.js';

/** The model's JSON Schema as stable, pretty-printed text. */
export function modelJsonSchema(): string {
  const schema = z.toJSONSchema(modelSchema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' });
  return JSON.stringify(schema, null, 2) + '\n';
}
