// Model file -> rendered files: the pure pipeline every command shares.
import { getBackend } from './backends/index.js';
import type { Backend, BackendOptions, FileSpec, RenderedFile } from './backends/types.js';
import { BackendModelError, ModelError } from './errors.js';
import { formatPath } from './model/load.js';
import type { Model } from './model/types.js';
import { loadModel, modelSourceName } from './model/index.js';
import { compilePlan } from './plan/compile.js';
import type { Plan } from './plan/types.js';
import { renderFiles } from './render/index.js';
import { relativeBelow } from './output/paths.js';

export interface Rendered {
  plan: Plan;
  backend: Backend;
  files: RenderedFile[];
}

/** How a model path is shown in messages: relative to the working directory where it is below it, else as given. */
export function shownModelPath(path: string, cwd: string = process.cwd()): string {
  const rel = relativeBelow(cwd, path);
  return (rel === undefined || rel === '' || rel.startsWith('..') ? path : rel).split('\\').join('/');
}

/** The model's name in generated headers (see modelSourceName). */
export function headerModelName(path: string): string {
  return modelSourceName(path);
}

/** Load, validate, compile and render one model for one back-end. */
export function renderModelFile(modelPath: string, distro: string, options: BackendOptions = {}): Rendered {
  const backend = getBackend(distro);
  const model = loadModel(modelPath, shownModelPath(modelPath), headerModelName(modelPath));
  const plan = compilePlan(model);
  return { plan, backend, files: renderFiles(planFilesLocated(backend, plan, options, model)) };
}

/** The back-end's files; a refusal becomes a model error that names its line in the model. */
export function planFilesLocated(backend: Backend, plan: Plan, options: BackendOptions, model: Pick<Model, 'locate'>): FileSpec[] {
  try {
    return backend.planFiles(plan, options);
  } catch (err) {
    if (!(err instanceof BackendModelError)) throw err;
    throw new ModelError([{ ref: model.locate(err.modelPath), path: formatPath(err.modelPath), message: err.message }]);
  }
}

/** Load, validate and compile one model (no back-end). */
export function planModelFile(modelPath: string): Plan {
  return compilePlan(loadModel(modelPath, shownModelPath(modelPath), headerModelName(modelPath)));
}
