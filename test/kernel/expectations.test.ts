// Every model with `expect:` entries (examples and golden cases), rendered by every back-end
// and applied by its consumer: the kernel must give the answers the model expects.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { BACKENDS } from '../../src/backends/index.js';
import type { BackendOptions } from '../../src/backends/types.js';
import { NetgenError } from '../../src/errors.js';
import { checkExpectations, consumersOf, generationOf, materialiseTree, withKernelSession, type Consumer, type TreeFile } from '../../src/kernel/index.js';
import { loadModel } from '../../src/model/index.js';
import { compilePlan } from '../../src/plan/compile.js';
import type { Plan } from '../../src/plan/types.js';
import { renderFiles } from '../../src/render/index.js';
import { REPO } from '../helpers/repo.js';
import { describeKernel } from './gate.js';
import { expectClean } from './scenarios.js';

interface Rendered {
  name: string;
  consumer: Consumer;
  plan: Plan;
  tree?: TreeFile[];
  refused?: string;
}

function models(): string[] {
  const out: string[] = [];
  for (const top of ['examples', join('test', 'golden')]) {
    for (const d of readdirSync(join(REPO, top)).sort()) {
      const p = join(top, d, 'netgen.yaml');
      if (existsSync(join(REPO, p))) out.push(p);
    }
  }
  return out;
}

function renderAll(): Rendered[] {
  const out: Rendered[] = [];
  for (const rel of models()) {
    const plan = compilePlan(loadModel(join(REPO, rel), rel));
    if (plan.expectations.length === 0) continue;
    for (const backend of BACKENDS) {
      const variants: [string, BackendOptions][] = backend.name === 'gentoo' ? [['', {}], [' native rules_', { gentooRules: 'native' }]] : [['', {}]];
      for (const [suffix, options] of variants) {
        for (const consumer of consumersOf(backend.name)) {
          const generation = generationOf(consumer);
          const r: Rendered = { name: `${rel} for ${backend.name}${suffix}${generation === undefined ? '' : ` on ${generation}`}`, consumer, plan };
          try {
            r.tree = materialiseTree(renderFiles(backend.planFiles(plan, options)), plan.source);
          } catch (err) {
            // A back-end may refuse a model it cannot spell safely; that is its documented answer.
            if (!(err instanceof NetgenError) || err.kind !== 'model') throw err;
            r.refused = err.message;
          }
          out.push(r);
        }
      }
    }
  }
  return out;
}

describeKernel('model expectations hold in the kernel', () => {
  for (const r of renderAll()) {
    if (r.refused !== undefined) {
      // Nothing to apply: the refusal (a model error naming the reason) is the answer checked.
      it(`${r.name}: refused by the back-end`, () => expect(r.refused).toMatch(/\S/));
      continue;
    }
    it(r.name, () => {
      withKernelSession({ links: r.plan.links, addresses: r.plan.addresses }, (s) => {
        const boot = s.apply(r.consumer, r.tree!);
        const later = r.plan.addresses.filter((a) => !a.onParent).map((a) => a.address);
        // Lines naming a not-yet-up address as src fail at boot, as on the real host; nothing else may.
        expectClean({ ...boot, failed: boot.failed.filter((c) => !later.some((a) => c.argv.join(' ').includes(`src ${a}`))) }, 'boot');
        const check = checkExpectations(s, r.plan.expectations, r.plan.addresses);
        for (const u of check.broughtUp) expectClean(u.report, `bringing ${u.address} up`);
        const bad = check.results.filter((x) => x.mismatches.length > 0).map((x) => `${x.expectation.path}: ${x.mismatches.join('; ')} [${x.answer.raw.split('\n')[0]}]`);
        expect(bad).toEqual([]);
      });
    });
  }
});
