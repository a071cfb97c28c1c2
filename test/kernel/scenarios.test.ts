// Scenario A and B (design/scenarios.md) in a real kernel: every case's files applied the way
// its consumer applies them, then the scenario's `ip route get` table and `ip rule`.
import { expect, it } from 'vitest';
import { withKernelSession, type KernelSession } from '../../src/kernel/index.js';
import { describeKernel } from './gate.js';
import {
  A_FIXTURES,
  A_VIP_GONE,
  A_VIP_UP,
  B_FIXTURES,
  B_PROBES,
  B_RULES,
  expectClean,
  expectTable,
  renderedCases,
  VIP,
  type KernelCase,
} from './scenarios.js';

function session<T>(c: KernelCase, fn: (s: KernelSession) => T): T {
  return withKernelSession({ links: c.links, addresses: c.hints }, fn);
}

describeKernel('scenario A: the VIP is the egress source', () => {
  for (const c of [...renderedCases('rhel-vip-egress'), ...A_FIXTURES]) {
    it(c.name, () => {
      session(c, (s) => {
        // The expectation is fixed by the model (or the fixture's files), not by what happened.
        expect(c.vipAtBoot, `${c.name} says whether the VIP comes up at boot`).toBeDefined();
        const boot = s.apply(c.consumer, c.tree());
        expect(s.addresses().some((a) => a.address === VIP), 'the VIP is up after boot exactly when the model says so').toBe(c.vipAtBoot);
        if (c.vipAtBoot === true) {
          expectClean(boot, 'boot');
        } else {
          // ONPARENT=no: the lines with `src VIP` fail at boot and only those (consumers.md).
          expect(boot.problems).toEqual([]);
          expect(boot.failed.length).toBeGreaterThan(0);
          for (const f of boot.failed) expect(f.argv.join(' ')).toContain(`src ${VIP}`);
          expectTable(s, A_VIP_GONE, 'boot, VIP not up yet');
          expectClean(s.up(VIP), 'bringing the VIP up');
        }
        expectTable(s, A_VIP_UP, 'VIP up');

        expect(s.down(VIP).status).toBe(0);
        expectTable(s, A_VIP_GONE, 'VIP taken away');

        expectClean(s.up(VIP), 'VIP back');
        expectTable(s, A_VIP_UP, 'VIP back');
      });
    });
  }
});

describeKernel('scenario B: two NICs in the same subnets, per-source tables', () => {
  for (const c of [...renderedCases('gentoo-dual-switch'), ...B_FIXTURES]) {
    it(c.name, () => {
      session(c, (s) => {
        expectClean(s.apply(c.consumer, c.tree()), 'boot');
        expectTable(s, B_PROBES, 'booted');

        const rules = s.rules().filter((r) => r.from !== 'all');
        expect(rules.map((r) => ({ from: r.from, table: r.table })).sort(byFrom)).toEqual([...B_RULES].sort(byFrom));
        const priorities = rules.map((r) => r.priority);
        expect(new Set(priorities).size, `each rule has its own priority: ${rules.map((r) => r.raw).join(', ')}`).toBe(rules.length);
        for (const p of priorities) expect(p).toBeLessThan(32766);
      });
    });
  }
});

function byFrom(a: { from: string }, b: { from: string }): number {
  return a.from < b.from ? -1 : a.from > b.from ? 1 : 0;
}
