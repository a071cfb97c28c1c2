// A model from YAML text, for tests that need a small model of their own.
import { parseModel } from '../../src/model/index.js';
import type { Model } from '../../src/model/types.js';

/** Parse and validate YAML text as the model file `test.yaml`. */
export function loadModelText(text: string, name = 'test.yaml'): Model {
  return parseModel(text, name);
}
