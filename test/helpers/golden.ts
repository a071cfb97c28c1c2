// Golden-case plumbing shared by the golden and kernel tests: render a case in memory
// exactly as `netgen render --root` would write it into an empty directory.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BACKENDS } from '../../src/backends/index.js';
import type { BackendOptions } from '../../src/backends/types.js';
import { mergeContent } from '../../src/output/merge.js';
import type { Plan } from '../../src/plan/types.js';
import type { Model } from '../../src/model/types.js';
import { planOfModel, renderForEmptyTree } from './backend.js';
import { REPO } from './repo.js';

export { REPO };

export interface GoldenCase {
  /** `examples/rhel-vip-egress` or `test/golden/three-nics`. */
  name: string;
  dir: string;
  model: string;
  /** Back-end options for this case (`options.json` beside the model). */
  options: BackendOptions;
  /** The back-ends this case renders for (`options.json` "backends"; default: all). */
  backends: string[];
}

export interface TreeFile {
  content: string;
  executable: boolean;
}

/** Every example and every test/golden case that has a model. */
export function goldenCases(): GoldenCase[] {
  const out: GoldenCase[] = [];
  for (const parent of ['examples', 'test/golden']) {
    const base = join(REPO, parent);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const dir = join(base, name);
      const model = ['netgen.yaml', 'netgen.json'].map((m) => join(dir, m)).find((m) => existsSync(m));
      if (!model) continue;
      const optionsFile = join(dir, 'options.json');
      const raw = existsSync(optionsFile) ? (JSON.parse(readFileSync(optionsFile, 'utf8')) as BackendOptions & { backends?: string[] }) : {};
      const { backends = BACKENDS.map((b) => b.name), ...options } = raw;
      out.push({ name: `${parent}/${name}`, dir, model, options, backends });
    }
  }
  return out;
}

/** The model's Plan, with the model named as from the repository root (its `locate` rides along for messages). */
export function planOf(c: GoldenCase): Plan & { locate: Model['locate'] } {
  return planOfModel(relative(REPO, c.model));
}

/** The tree `render --root` writes into an empty directory, by relative path. */
export function renderTree(plan: Plan & { locate?: Model['locate'] }, backendName: string, options: BackendOptions = {}): Map<string, TreeFile> {
  const backend = BACKENDS.find((b) => b.name === backendName);
  if (!backend) throw new Error(`no back-end ${backendName}`);
  const tree = new Map<string, TreeFile>();
  for (const f of renderForEmptyTree(backend, plan, options)) {
    tree.set(f.path, { content: mergeContent(f, undefined, plan.source)!, executable: (f.mode & 0o111) !== 0 });
  }
  return tree;
}

/** A checked-in expected tree. */
export function readTree(dir: string): Map<string, TreeFile> {
  const tree = new Map<string, TreeFile>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else tree.set(relative(dir, p).split('\\').join('/'), { content: readFileSync(p, 'utf8'), executable: (st.mode & 0o111) !== 0 });
    }
  };
  if (existsSync(dir)) walk(dir);
  return tree;
}
