// RHEL: `ifdown` of an alias runs `ifdown-routes <parent> <alias>`, which deletes every line
// of rule-<parent> too (consumers.md, "Aliases coming up and going down"). netgen therefore
// keeps policy rules in the /sbin/ifup-local and /sbin/ifdown-local hooks, which get the
// device name: taking one address away never removes another address's rule. The harness
// does what ifdown-routes and the hooks do, so the old placement in rule-<dev> fails here.
import { expect, it } from 'vitest';
import { BACKENDS } from '../../src/backends/index.js';
import { materialiseTree, withKernelSession, type KernelSession, type TreeFile } from '../../src/kernel/index.js';
import { formatRhel6Rule } from '../../src/backends/rhel6.js';
import { compilePlan } from '../../src/plan/compile.js';
import type { Plan } from '../../src/plan/types.js';
import { planFilesLocated } from '../../src/pipeline.js';
import { renderFiles } from '../../src/render/index.js';
import { formatRouteGet, simulateRouteGet } from '../../src/simulate/index.js';
import { loadModelText } from '../helpers/model-text.js';
import { describeKernel } from './gate.js';
import { expectClean } from './scenarios.js';

const MODEL = `
host: two-nics
interfaces:
  eth0:
    addresses: [1.2.3.16/24]
    gateway: 1.2.3.1
    source-routing: { table: t0, gateway: 1.2.3.2 }
  eth1:
    addresses: [1.2.3.17/24]
    aliases:
      eth1:0: { address: 1.2.3.20/24 }
      eth1:1: { address: 1.2.3.21/24, on-parent: false }
    source-routing: { table: t1, gateway: 1.2.3.3 }
tables: { t0: 10, t1: 11 }
`;

function treeOf(plan: Plan): TreeFile[] {
  const rhel6 = BACKENDS.find((b) => b.name === 'rhel6')!;
  return materialiseTree(renderFiles(planFilesLocated(rhel6, plan, {}, { locate: () => ({ file: plan.source, line: 1, col: 1 }) })), plan.source);
}

/** `from ADDR` rules in the kernel, each as `ADDR table`, sorted. */
function fromRules(s: KernelSession): string[] {
  return s
    .rules()
    .filter((r) => r.from !== 'all')
    .map((r) => `${r.from} ${r.table}`)
    .sort();
}

function answer(s: KernelSession, to: string, from: string): string {
  return s.probe({ to, from }).raw.split('\n')[0]!.replace(/\s+uid \d+.*$/, '').trim();
}

describeKernel('rhel6: ip rules in the ifup-local and ifdown-local hooks', () => {
  it('ifdown of an alias leaves every other address\'s rule; ifup brings its own back, once', () => {
    const plan = compilePlan(loadModelText(MODEL));
    withKernelSession({ links: plan.links, addresses: plan.addresses }, (s) => {
      expectClean(s.apply('rhel6', treeOf(plan)), 'boot');
      expectClean(s.up('1.2.3.21'), 'ifup eth1:1');
      const all = ['1.2.3.16 t0', '1.2.3.17 t1', '1.2.3.20 t1', '1.2.3.21 t1'];
      expect(fromRules(s)).toEqual(all);

      for (const [alias, address] of [['eth1:0', '1.2.3.20'], ['eth1:1', '1.2.3.21']] as const) {
        const down = s.ifdown(address);
        expect(down.failed, JSON.stringify(down.failed)).toEqual([]);
        expect(down.commands.map((c) => c.origin)).toContain(`sbin/ifdown-local ${alias}`);
        expect(fromRules(s), `after ifdown ${alias}`).toEqual(all.filter((r) => !r.startsWith(address)));
        // eth1's own address still leaves through eth1, as its rule says; so does the simulator.
        expect(answer(s, '8.8.8.8', '1.2.3.17')).toBe('8.8.8.8 from 1.2.3.17 via 1.2.3.3 dev eth1 table t1');
        expect(answer(s, '8.8.8.8', '1.2.3.17')).toBe(formatRouteGet(simulateRouteGet(plan, { to: '8.8.8.8', from: '1.2.3.17', steps: [{ op: 'down', address }] })));
        expectClean(s.up(address), `ifup ${alias}`);
        expect(fromRules(s), `after ifup ${alias}`).toEqual(all);
      }

      // `service network restart` of eth1: no rule lost, none doubled.
      expect(s.ifdown('1.2.3.17').failed).toEqual([]);
      expect(fromRules(s)).toEqual(['1.2.3.16 t0']);
      expectClean(s.up('1.2.3.17'), 'ifup eth1');
      expectClean(s.up('1.2.3.21'), 'ifup eth1:1');
      expect(fromRules(s)).toEqual(all);
    });
  });

  it('the old placement (rules in rule-eth1) loses eth1\'s own rule when an alias goes down: the emulation does what ifdown-routes does', () => {
    const plan = compilePlan(loadModelText(MODEL));
    const tree = treeOf(plan).filter((f) => !f.path.startsWith('sbin/'));
    const old = (dev: string): TreeFile => ({
      path: `etc/sysconfig/network-scripts/rule-${dev}`,
      mode: 0o644,
      content: plan.rules.filter((r) => r.dev === dev).map((r) => formatRhel6Rule(r) + '\n').join(''),
    });
    withKernelSession({ links: plan.links, addresses: plan.addresses }, (s) => {
      expectClean(s.apply('rhel6', [...tree, old('eth0'), old('eth1')]), 'boot');
      s.ifdown('1.2.3.20');
      expect(fromRules(s)).toEqual(['1.2.3.16 t0']);
      // eth1's own address now leaves through the main table's default: eth0, the wrong NIC.
      expect(answer(s, '8.8.8.8', '1.2.3.17')).toBe('8.8.8.8 from 1.2.3.17 via 1.2.3.1 dev eth0');
    });
  });
});
