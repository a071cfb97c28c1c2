// gentoo-legacy's files on both generations of Gentoo (consumers.md, "Generations of
// Gentoo"): baselayout-1 sources /etc/conf.d/local.start; OpenRC 0.6.4 and later never
// read it and run the executable /etc/local.d/*.start instead. The policy rules must be
// there on both, and a restart of `local` must fail nothing and leave one of each.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { gentoo, gentooLegacy } from '../../src/backends/gentoo.js';
import type { Backend } from '../../src/backends/types.js';
import { consumersOf, materialiseTree, readTreeFromDir, withKernelSession, type Consumer, type KernelSession, type TreeFile } from '../../src/kernel/index.js';
import { loadModel } from '../../src/model/index.js';
import { compilePlan } from '../../src/plan/compile.js';
import { renderFiles } from '../../src/render/index.js';
import { REPO } from '../helpers/repo.js';
import { describeKernel } from './gate.js';
import { B_LINKS, B_PROBES, B_RULES, expectClean, expectTable, FIXTURES } from './scenarios.js';

const DUAL = 'examples/gentoo-dual-switch/netgen.yaml';
const LOCAL_START = 'etc/conf.d/local.start';

function rendered(backend: Backend): TreeFile[] {
  const plan = compilePlan(loadModel(join(REPO, DUAL), DUAL));
  return materialiseTree(renderFiles(backend.planFiles(plan, {})), plan.source);
}

/** The per-source rules in the namespace, as `from table` pairs sorted, duplicates kept. */
function sourceRules(s: KernelSession): string[] {
  return s
    .rules()
    .filter((r) => r.from !== 'all')
    .map((r) => `from ${r.from} table ${r.table}`)
    .sort();
}

const WANTED = B_RULES.map((r) => `from ${r.from} table ${r.table}`).sort();

describeKernel('gentoo-legacy output on both generations of Gentoo', () => {
  const cases: [string, Consumer, Backend][] = [
    ...consumersOf('gentoo-legacy').map((c): [string, Consumer, Backend] => [`gentoo-legacy output, consumer ${c}`, c, gentooLegacy]),
    ['gentoo output, consumer gentoo', 'gentoo', gentoo],
  ];
  for (const [name, consumer, backend] of cases) {
    it(`${name}: boot adds every rule; restarting local twice fails nothing and leaves one of each`, () => {
      withKernelSession({ links: B_LINKS }, (s) => {
        expectClean(s.apply(consumer, rendered(backend)), 'boot');
        expect(sourceRules(s)).toEqual(WANTED);
        expectTable(s, B_PROBES, 'booted');
        for (const n of [1, 2]) {
          const restart = s.restartLocal();
          expect(restart.commands.length, 'the local service ran netgen\'s script').toBeGreaterThan(0);
          expectClean(restart, `local restart ${n}`);
          expect(sourceRules(s)).toEqual(WANTED);
        }
        expectTable(s, B_PROBES, 'after two restarts of local');
      });
    });
  }

  it('consumer gentoo-legacy runs local.start, not /etc/local.d; gentoo-legacy-openrc runs /etc/local.d, not local.start', () => {
    const tree = rendered(gentooLegacy);
    const ran = (consumer: Consumer): string[] =>
      withKernelSession({ links: B_LINKS }, (s) => {
        const boot = s.apply(consumer, tree);
        return [...new Set(boot.commands.map((c) => c.origin).filter((o) => o.includes('local')))];
      });
    expect(ran('gentoo-legacy')).toEqual([LOCAL_START]);
    expect(ran('gentoo-legacy-openrc')).toEqual(['etc/local.d/netgen.start']);
  });

  it('OpenRC never reads local.start: the seed tree (rules only there) boots with no rule, and traffic from 1.2.3.17 leaves by the main table', () => {
    const tree = readTreeFromDir(join(FIXTURES, 'scenario-b-gentoo-legacy'));
    withKernelSession({ links: B_LINKS }, (s) => {
      // Silently, as on the host: `local` still prints [ ok ].
      expectClean(s.apply('gentoo-legacy-openrc', tree), 'boot');
      expect(sourceRules(s)).toEqual([]);
      const a = s.probe({ to: '8.8.8.8', from: '1.2.3.17' });
      expect([a.dev, a.via]).toEqual(['eth0.10', '1.2.3.1']);
    });
  });

  it('baselayout-1: a local.start that adds rules without deleting them first fails on a restart of local (File exists)', () => {
    const tree = rendered(gentooLegacy).map((f) =>
      f.path === LOCAL_START ? { ...f, content: f.content.split('\n').filter((l) => !l.includes(' rule del ')).join('\n') } : f,
    );
    withKernelSession({ links: B_LINKS }, (s) => {
      expectClean(s.apply('gentoo-legacy', tree), 'boot');
      const restart = s.restartLocal();
      expect(restart.failed.map((c) => c.origin)).toEqual([LOCAL_START]);
      expect(restart.failed[0]!.stderr).toMatch(/File exists/);
    });
  });
});
