// RHEL 6 and IPv6, with the real kernel: the rhel6 back-end's dual-stack files applied the way
// initscripts applies them (ifup-ipv6, route6-, the hooks), and the two things about the real
// scripts that netgen's hooks exist for:
//  - `ifdown` of ANY IPv4 alias runs ifdown-ipv6 for its device, which flushes every IPv6
//    address and route of the device (measured on rhel6-branch): netgen's ifdown-local block
//    puts them back, and without it the host's IPv6 is gone;
//  - ifup-routes adds route6- lines while the addresses are still tentative (DAD), and the
//    kernel refuses a route from a tentative address: netgen's ifup-local block applies them
//    again once DAD is over.
// The Plans are built by hand as the IPv6 contract says compile builds them.
import { expect, it } from 'vitest';
import { compareAnswer, withKernelSession } from '../../src/kernel/index.js';
import { dualStackSourcePlan, dualStackVipPlan, VIP6 } from '../helpers/dual-stack-plan.js';
import { describeKernel } from './gate.js';
import { A6_VIP_GONE, A6_VIP_UP, BOTH6 as BOTH, treeOf as treeFor, v6 } from './ipv6-tables.js';
import { A_VIP_UP, expectClean, expectTable, VIP } from './scenarios.js';
import type { Plan } from '../../src/plan/types.js';

const treeOf = (plan: Plan) => treeFor('rhel6', plan);

describeKernel('rhel6: IPv6 with initscripts', () => {
  it('dual-stack VIP: boot; ifdown eth0:1 keeps IPv6 (and loses it without netgen\'s ifdown-local); the IPv6 VIP down and back', () => {
    const plan = dualStackVipPlan();
    const tree = treeOf(plan);
    withKernelSession({ links: plan.links, addresses: plan.addresses }, (s) => {
      expectClean(s.apply('rhel6', tree), 'boot');
      expect(v6(s)).toEqual(BOTH);
      expectTable(s, A6_VIP_UP, 'IPv6, after boot');
      expectTable(s, A_VIP_UP, 'IPv4, after boot');

      // The IPv4 VIP's failover: ifdown-ipv6 flushes eth0's IPv6, netgen's ifdown-local puts it back.
      const down = s.ifdown(VIP);
      expect(down.failed.map((c) => `${c.origin}: ${c.stderr}`)).toEqual([]);
      expect(down.commands.map((c) => c.argv.join(' '))).toContain('ip -6 addr flush dev eth0 scope global');
      expect(v6(s)).toEqual(BOTH);
      expectTable(s, A6_VIP_UP, 'IPv6, after ifdown eth0:1');
      expect(s.routes('main', 6)).toContain('fe80::/64 dev eth0 proto kernel metric 256 pref medium');
      expectClean(s.up(VIP), 'ifup eth0:1');
      expectTable(s, A6_VIP_UP, 'IPv6, after ifup eth0:1');
      expectTable(s, A_VIP_UP, 'IPv4, after ifup eth0:1');

      // The IPv6 VIP taken away: its routes stay with their src cleared, the primary is the source.
      s.down(VIP6);
      expectTable(s, A6_VIP_GONE, 'IPv6, VIP6 down');
      // Back through ifup eth0 (ifup-ipv6 adds it; route6- lines answer File exists; ifup-local replaces them).
      expectClean(s.up(VIP6), 'ifup eth0 for the IPv6 VIP');
      expect(v6(s)).toEqual(BOTH);
      expectTable(s, A6_VIP_UP, 'IPv6, VIP6 back');
    });

    // The same failover without netgen's ifdown-local: what ifdown-ipv6 does, the emulation does.
    withKernelSession({ links: plan.links, addresses: plan.addresses }, (s) => {
      expectClean(s.apply('rhel6', tree.filter((f) => f.path !== 'sbin/ifdown-local')), 'boot');
      s.ifdown(VIP);
      expect(v6(s)).toEqual([]);
      const got = s.probe({ to: '2001:db8:9::1' });
      expect(got.dev, got.raw).toBe('');
    });
  });

  it('with DAD on, as on a real host: route6- lines from a tentative address fail in ifup-routes, and ifup-local applies them once DAD is over', () => {
    const plan = dualStackVipPlan();
    withKernelSession({ links: plan.links, addresses: plan.addresses, dad: true }, (s) => {
      const boot = s.apply('rhel6', treeOf(plan));
      // What the kernel refuses while the addresses are tentative.
      expect(boot.failed.map((c) => c.origin).filter((o) => o.startsWith('route6-eth0'))).not.toEqual([]);
      expect(boot.failed.filter((c) => !c.origin.startsWith('route6-eth0'))).toEqual([]);
      expect(v6(s)).toEqual(BOTH);
      expectTable(s, A6_VIP_UP, 'IPv6, after boot with DAD');
    });
  });

  it('per-source routing: ip -6 rule from each address in the hooks, tables shared with IPv4 by number', () => {
    const plan = dualStackSourcePlan();
    withKernelSession({ links: plan.links, addresses: plan.addresses }, (s) => {
      expectClean(s.apply('rhel6', treeOf(plan)), 'boot');
      const rules = s
        .rules(6)
        .filter((r) => r.from !== 'all')
        .map((r) => `${r.priority} ${r.from} ${r.table}`);
      expect(rules).toEqual(['1000 2001:db8:1::16 t0', '1001 2001:db8:1::17 t1']);
      const ask = (to: string, from?: string): string[] => compareAnswer(s.probe(from ? { to, from } : { to }), {});
      expect(ask('2001:db8:9::1')).toEqual([]);
      expect(s.probe({ to: '2001:db8:9::1', from: '2001:db8:1::17' })).toMatchObject({ dev: 'eth1', via: 'fe80::3', table: 't1' });
      expect(s.probe({ to: '2001:db8:9::1', from: '2001:db8:1::16' })).toMatchObject({ dev: 'eth0', via: 'fe80::2', table: 't0' });
      expect(s.probe({ to: '2001:db8:9::1' })).toMatchObject({ dev: 'eth0', via: '2001:db8:1::1', src: '2001:db8:1::16' });
      expect(s.probe({ to: '8.8.8.8', from: '1.2.3.17' })).toMatchObject({ dev: 'eth1', via: '1.2.3.3', table: 't1' });
    });
  });
});
