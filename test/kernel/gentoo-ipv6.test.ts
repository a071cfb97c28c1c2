// Gentoo and IPv6, with the real kernel: the gentoo and gentoo-legacy back-ends' dual-stack
// files applied the way netifrc (or baselayout-1) and the local service apply them: IPv6
// lines of config_ (the VIP with preferred_lft 0) and routes_, rules6_ or `ip -6 rule` in the
// local scripts, and conf.d/net's postup(), which adds the IPv6 routes that name a source
// again once duplicate address detection is over (netifrc adds routes_ while the addresses
// are tentative, and the kernel refuses those routes then).
import { expect, it } from 'vitest';
import { withKernelSession, type KernelSession } from '../../src/kernel/index.js';
import { dualStackSourcePlan, dualStackVipPlan, VIP6 } from '../helpers/dual-stack-plan.js';
import { describeKernel } from './gate.js';
import { A6_VIP_GONE, A6_VIP_UP, BOTH6, treeOf, v6 } from './ipv6-tables.js';
import { A_VIP_UP, expectClean, expectTable } from './scenarios.js';

function rules6(s: KernelSession): string[] {
  return s
    .rules(6)
    .filter((r) => r.from !== 'all')
    .map((r) => `${r.priority} ${r.from} ${r.table}`);
}

describeKernel('gentoo: IPv6 with netifrc and the local scripts', () => {
  // Boot and `down` on every Gentoo consumer are in expectations.test.ts (examples/dual-stack-vip);
  // here the way back: routes_ answers File exists for the routes whose src was cleared, postup replaces them.
  it('dual-stack VIP: the IPv6 VIP down (src cleared, the primary answers) and back through conf.d/net', () => {
    const plan = dualStackVipPlan();
    withKernelSession({ links: plan.links, addresses: plan.addresses }, (s) => {
      expectClean(s.apply('gentoo', treeOf('gentoo', plan)), 'boot');
      expect(v6(s)).toEqual(BOTH6);
      expectTable(s, A6_VIP_UP, 'IPv6 after boot');
      expectTable(s, A_VIP_UP, 'IPv4 after boot');
      s.down(VIP6);
      expectTable(s, A6_VIP_GONE, 'VIP6 down');
      const back = s.up(VIP6);
      expectClean(back, 'VIP6 back');
      expect(back.commands.map((c) => c.origin)).toContain('net.eth0 (postup)');
      expect(v6(s)).toEqual(BOTH6);
      expectTable(s, A6_VIP_UP, 'VIP6 back');
    });
  });

  it('with DAD on, as on a real host: routes_ lines from a tentative address fail, and postup adds them afterwards', () => {
    const plan = dualStackVipPlan();
    withKernelSession({ links: plan.links, addresses: plan.addresses, dad: true }, (s) => {
      const boot = s.apply('gentoo', treeOf('gentoo', plan));
      expect(boot.failed.map((c) => c.origin).filter((o) => o.includes('src 2001:db8:3::'))).not.toEqual([]);
      expect(boot.failed.filter((c) => !c.origin.includes('src 2001:db8:3::'))).toEqual([]);
      expectTable(s, A6_VIP_UP, 'IPv6 after boot with DAD');
    });
  });

  it('per-source routing: rules6_ (native), `ip -6 rule` in local.d and in local.start', () => {
    const plan = dualStackSourcePlan();
    const want = ['1000 2001:db8:1::16 t0', '1001 2001:db8:1::17 t1'];
    const cases = [
      { consumer: 'gentoo', tree: treeOf('gentoo', plan, { gentooRules: 'native' }) },
      { consumer: 'gentoo', tree: treeOf('gentoo', plan) },
      { consumer: 'gentoo-legacy', tree: treeOf('gentoo-legacy', plan) },
    ] as const;
    for (const c of cases) {
      withKernelSession({ links: plan.links, addresses: plan.addresses }, (s) => {
        expectClean(s.apply(c.consumer, c.tree), `${c.consumer}: boot`);
        expect(rules6(s), c.consumer).toEqual(want);
        expect(s.probe({ to: '2001:db8:9::1', from: '2001:db8:1::17' })).toMatchObject({ dev: 'eth1', via: 'fe80::3', table: 't1' });
        expect(s.probe({ to: '2001:db8:9::1' })).toMatchObject({ dev: 'eth0', via: '2001:db8:1::1', src: '2001:db8:1::16' });
        expect(s.probe({ to: '8.8.8.8', from: '1.2.3.17' })).toMatchObject({ dev: 'eth1', via: '1.2.3.3', table: 't1' });
      });
    }
  });
});
