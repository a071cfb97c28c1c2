// keepalived and Pacemaker with an IPv6 VIP beside the IPv4 one, with the real kernel: the
// cluster files applied as keepalived (emulated on one node: virtual_ipaddress, then
// _excluded, routes, rules) and Pacemaker's real OCF agents (IPaddr2 with preferred_lft=0,
// Route for IPv6) apply them, on boot files of rhel6. The IPv6 VIP is deprecated and its
// routes come and go with it.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { KEEPALIVED_CONF_PATH } from '../../src/backends/cluster.js';
import { runProgram } from '../../src/kernel/exec.js';
import { withKernelSession } from '../../src/kernel/index.js';
import { dualStackVipPlan, VIP6 } from '../helpers/dual-stack-plan.js';
import { describeKernel } from './gate.js';
import { A6_VIP_GONE, A6_VIP_UP, BOTH6, treeOf, v6 } from './ipv6-tables.js';
import { A_VIP_GONE, A_VIP_UP, expectClean, expectTable, PRIMARY, VIP } from './scenarios.js';
import { PRIMARY6 } from '../helpers/dual-stack-plan.js';

const OCF_DIR = '/usr/lib/ocf/resource.d/heartbeat';

describeKernel('keepalived and Pacemaker with an IPv6 VIP', () => {
  it('keepalived: one instance moves both VIPs and both families\' routes', () => {
    const plan = dualStackVipPlan('keepalived');
    const tree = treeOf('rhel6', plan);
    withKernelSession({ links: plan.links, addresses: plan.addresses }, (s) => {
      // The real keepalived reads the file without a complaint (a VIP of the other family in
      // virtual_ipaddress would be "ignoring"d).
      if (runProgram(['keepalived', '--version']).status === 0 || process.env['NETGEN_KERNEL_TESTS'] === 'required') {
        const conf = join(s.scratch, 'keepalived.conf');
        writeFileSync(conf, tree.find((f) => f.path === KEEPALIVED_CONF_PATH)!.content);
        const t = runProgram(s.commandArgv(['keepalived', '-t', '-l', '-D', '-f', conf]));
        expect(t.status, t.stderr).toBe(0);
        expect((t.stdout + t.stderr).split('\n').filter((l) => /ignoring|error/i.test(l))).toEqual([]);
      }
      expectClean(s.apply('rhel6', tree), 'boot');
      expect(v6(s)).toEqual([`${PRIMARY6}/64`]);
      expectClean(s.up(VIP), 'MASTER');
      expect(v6(s)).toEqual(BOTH6);
      expectTable(s, A6_VIP_UP, 'IPv6, MASTER');
      expectTable(s, A_VIP_UP, 'IPv4, MASTER');
      expectClean(s.release(VIP6), 'leaves MASTER');
      expect(s.addresses().filter((a) => a.dev === 'eth0').map((a) => a.address).sort()).toEqual([PRIMARY, PRIMARY6].sort());
      expectTable(s, A6_VIP_GONE, 'IPv6, BACKUP');
      expectTable(s, A_VIP_GONE, 'IPv4, BACKUP');
      expectClean(s.up(VIP6), 'MASTER again');
      expectTable(s, A6_VIP_UP, 'IPv6, MASTER again');
    });
  });

  it('Pacemaker, with the real OCF agents: IPaddr2 adds the IPv6 VIP deprecated, Route its routes (fallback metric above 1024)', () => {
    const ocf = existsSync(join(OCF_DIR, 'IPaddr2')) && existsSync(join(OCF_DIR, 'Route'));
    if (!ocf && process.env['NETGEN_KERNEL_TESTS'] === 'required') throw new Error('the OCF agents (Debian package resource-agents) are not installed');
    const plan = dualStackVipPlan('pacemaker');
    withKernelSession({ links: plan.links, addresses: plan.addresses, ...(ocf ? { ocfDir: OCF_DIR } : {}) }, (s) => {
      expectClean(s.apply('rhel6', treeOf('rhel6', plan)), 'boot');
      expectClean(s.up(VIP6), 'group started');
      expect(v6(s)).toEqual(BOTH6);
      expectTable(s, A6_VIP_UP, 'IPv6, group here');
      expectTable(s, A_VIP_UP, 'IPv4, group here');
      expectClean(s.release(VIP6), 'group stopped');
      expectTable(s, A6_VIP_GONE, 'IPv6, group gone');
    });
  });
});
