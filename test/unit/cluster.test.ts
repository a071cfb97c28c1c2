// The cluster files (src/backends/cluster.ts) for IPv6 VIPs: keepalived's virtual_ipaddress
// is one family per instance, so the other family's VIPs go to virtual_ipaddress_excluded;
// IPv6 VIPs are deprecated there and in IPaddr2; defaults are spelt per family; and the
// Route agent's missing metric is 1024 for IPv6. The Plans are built as the IPv6 contract says.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { KEEPALIVED_CONF_PATH, PACEMAKER_SCRIPT_PATH, formatKeepalivedRoute, formatKeepalivedRule } from '../../src/backends/cluster.js';
import { rhel6 } from '../../src/backends/rhel6.js';
import { parseKeepalivedConf } from '../../src/kernel/apply-cluster.js';
import { compilePlan } from '../../src/plan/compile.js';
import { contentOf, renderedByPath } from '../helpers/backend.js';
import { loadModelText } from '../helpers/model-text.js';
import { dualStackVipPlan } from '../helpers/dual-stack-plan.js';

describe('cluster files: IPv6 VIPs', () => {
  it('keepalived: one instance, both families: the IPv4 VIP announced, the IPv6 VIP in virtual_ipaddress_excluded, deprecated', () => {
    const conf = contentOf(renderedByPath(rhel6, dualStackVipPlan('keepalived')), KEEPALIVED_CONF_PATH);
    expect(conf).toContain(
      [
        '    virtual_ipaddress {',
        '        172.16.3.105/24 dev eth0 label eth0:1',
        '    }',
        '    virtual_ipaddress_excluded {',
        '        2001:db8:3::105/64 dev eth0 preferred_lft 0',
        '    }',
      ].join('\n'),
    );
    const [inst] = parseKeepalivedConf(conf);
    expect(inst!.routes.slice(3)).toEqual([
      'src 2001:db8:3::105 to 2001:db8:3::/65 dev eth0 scope link metric 1',
      'src 2001:db8:3::105 to 2001:db8:3:0:8000::/65 dev eth0 scope link metric 1',
      'src 2001:db8:3::105 to ::/0 via 2001:db8:3::1 dev eth0 metric 1',
    ]);
  });

  it('keepalived: an instance with only IPv6 VIPs announces them', () => {
    const model = [
      'host: h',
      'interfaces:',
      '  eth0:',
      '    addresses: [2001:db8:3::111/64]',
      '    aliases:',
      '      eth0:2: { address: 2001:db8:3::105/64, managed-by: keepalived, vrrp: { instance: v6, router-id: 60, priority: 100 } }',
    ].join('\n');
    const conf = contentOf(renderedByPath(rhel6, compilePlan(loadModelText(model))), KEEPALIVED_CONF_PATH);
    expect(conf).toContain('    virtual_ipaddress {\n        2001:db8:3::105/64 dev eth0 preferred_lft 0\n    }\n');
    expect(conf).not.toContain('virtual_ipaddress_excluded');
  });

  it('keepalived rule and route spelling for IPv6', () => {
    expect(formatKeepalivedRule({ family: 6, priority: 300, from: '2001:db8:3::105', table: 't6', dev: 'eth0', origin: 'source-table', appliedBy: 'keepalived' })).toBe(
      'from 2001:db8:3::105 table t6 priority 300',
    );
    expect(formatKeepalivedRoute({ family: 6, to: 'default', dev: 'eth0', metric: 1024, table: 'main', origin: 'static', appliedBy: 'keepalived' })).toBe('to ::/0 dev eth0 metric 1024');
  });

  it('Pacemaker: IPaddr2 with preferred_lft=0 and an id without colons; Route with ::/0; valid sh', () => {
    const files = renderedByPath(rhel6, dualStackVipPlan('pacemaker'));
    const script = contentOf(files, PACEMAKER_SCRIPT_PATH);
    const pcs = script.split('\n').filter((l) => l.startsWith('pcs '));
    const g = 'netgen-db-dual-stack';
    expect(pcs[1]).toBe(`pcs resource create ${g}-vip-2001-db8-3--105 ocf:heartbeat:IPaddr2 ip=2001:db8:3::105 cidr_netmask=64 nic=eth0 preferred_lft=0 --group ${g}`);
    expect(pcs.slice(5)).toEqual([
      `pcs resource create ${g}-route-4 ocf:heartbeat:Route destination=2001:db8:3::/65 device=eth0 source=2001:db8:3::105 --group ${g}`,
      `pcs resource create ${g}-route-5 ocf:heartbeat:Route destination=2001:db8:3:0:8000::/65 device=eth0 source=2001:db8:3::105 --group ${g}`,
      `pcs resource create ${g}-route-6 ocf:heartbeat:Route destination=::/0 device=eth0 gateway=2001:db8:3::1 source=2001:db8:3::105 --group ${g}`,
    ]);
    expect(script).toContain('IPv6 routes get ip -6\'s own metric, 1024');
    expect(spawnSync('sh', ['-n', '-c', script]).status).toBe(0);
  });

  it('Pacemaker: a route whose metric the Route agent cannot give is an internal error (compile gives IPv6 ones 1024)', () => {
    const plan = dualStackVipPlan('pacemaker');
    expect(plan.routes.filter((r) => r.appliedBy === 'pacemaker').map((r) => `${r.family} ${r.metric}`)).toEqual(['4 0', '4 0', '4 0', '6 1024', '6 1024', '6 1024']);
    plan.routes = plan.routes.map((r) => (r.family === 6 && r.origin === 'egress-preferred' ? { ...r, metric: 1 } : r));
    expect(() => renderedByPath(rhel6, plan)).toThrow(/metric 1, but ocf:heartbeat:Route takes no metric and adds it with 1024/);
  });
});
