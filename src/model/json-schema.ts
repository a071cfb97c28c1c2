// The JSON Schema editors use, generated from the same schema the validator runs.
import { modelSchema } from './schema.js';

/** The model's JSON Schema as stable, pretty-printed text. */
export function modelJsonSchema(): string {
  const schema = { $schema: 'https://json-schema.org/draft/2020-12/schema', ...modelSchema.jsonSchema() };
  return JSON.stringify(schema, null, 2) + '\n';
}
