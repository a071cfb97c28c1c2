// Writes schema/netgen.schema.json from src/model/schema.ts (npm run schema).
import { writeFileSync } from 'node:fs';
import { modelJsonSchema } from '../src/model/json-schema.js';

writeFileSync(new URL('../schema/netgen.schema.json', import.meta.url), modelJsonSchema());
