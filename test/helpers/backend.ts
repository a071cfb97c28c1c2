// Rendering a Plan through a back-end as `render --root` would into an empty directory,
// shared by the back-end unit tests and the golden cases.
import { join } from 'node:path';
import type { Backend, BackendOptions, RenderedFile } from '../../src/backends/types.js';
import { loadModel } from '../../src/model/index.js';
import type { Model } from '../../src/model/types.js';
import { mergeContent } from '../../src/output/merge.js';
import { planFilesLocated } from '../../src/pipeline.js';
import { compilePlan } from '../../src/plan/compile.js';
import type { Plan } from '../../src/plan/types.js';
import { renderFiles } from '../../src/render/index.js';
import { REPO } from './repo.js';

/** A model of the repository (`examples/.../netgen.yaml`), compiled; named as given in headers. */
export function planOfModel(relPath: string): Plan & { locate: Model['locate'] } {
  const model = loadModel(join(REPO, relPath), relPath);
  return Object.assign(compilePlan(model), { locate: model.locate });
}

/**
 * The rendered files that exist after rendering into an empty tree (an empty managed
 * block makes no file). Contents are as rendered; `mergeContent` gives the bytes on disk.
 */
export function renderForEmptyTree(backend: Backend, plan: Plan & { locate?: Model['locate'] }, options: BackendOptions = {}): RenderedFile[] {
  const locate = plan.locate ?? (() => ({ file: plan.source, line: 1, col: 1 }));
  return renderFiles(planFilesLocated(backend, plan, options, { locate })).filter((f) => mergeContent(f, undefined, plan.source) !== undefined);
}

/** The same, by path. */
export function renderedByPath(backend: Backend, plan: Plan, options: BackendOptions = {}): Map<string, RenderedFile> {
  return new Map(renderForEmptyTree(backend, plan, options).map((f) => [f.path, f]));
}

/** One rendered file's content; says what was rendered instead when it is missing. */
export function contentOf(files: Map<string, RenderedFile>, path: string): string {
  const f = files.get(path);
  if (!f) throw new Error(`${path} was not rendered; got ${[...files.keys()].join(', ')}`);
  return f.content;
}
