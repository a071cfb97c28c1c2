import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseModel } from '../../src/model/index.js';
import { compilePlan } from '../../src/plan/compile.js';
import { formatCidr, formatIPv4, networkOf, splitHalves } from '../../src/net/ipv4.js';
import type { PlanRoute } from '../../src/plan/types.js';

function plan(yaml: string) {
  return compilePlan(parseModel(yaml, 'test.yaml'));
}

function line(r: PlanRoute): string {
  return [r.to, r.via && `via ${r.via}`, `dev ${r.dev}`, r.proto && `proto ${r.proto}`, r.scope && `scope ${r.scope}`, r.src && `src ${r.src}`, `metric ${r.metric}`, r.table !== 'main' && `table ${r.table}`]
    .filter(Boolean)
    .join(' ');
}

const seed = `
host: db
interfaces:
  eth0:
    addresses: [172.16.3.111/24]
    gateway: 172.16.3.1
    aliases:
      eth0:1: { address: 172.16.3.105/24, on-parent: false }
    egress: { prefer: 172.16.3.105 }
`;

describe('VIP egress recipe', () => {
  it('expands the seed host into scenario A\'s four routes, in the seed\'s order', () => {
    const p = plan(seed);
    expect(p.routes.map(line)).toEqual([
      'default via 172.16.3.1 dev eth0 src 172.16.3.111 metric 100',
      '172.16.3.0/25 dev eth0 proto kernel scope link src 172.16.3.105 metric 1',
      '172.16.3.128/25 dev eth0 proto kernel scope link src 172.16.3.105 metric 1',
      'default via 172.16.3.1 dev eth0 src 172.16.3.105 metric 1',
    ]);
    expect(p.removeGlobalGateway).toBe(true);
    expect(p.addresses).toEqual([
      { family: 4, address: '172.16.3.111', prefix: 24, device: 'eth0', onParent: true, secondary: false, appliedBy: 'boot', modelPath: ['interfaces', 'eth0', 'addresses', 0] },
      { family: 4, address: '172.16.3.105', prefix: 24, device: 'eth0', label: 'eth0:1', onParent: false, secondary: true, appliedBy: 'alias', modelPath: ['interfaces', 'eth0', 'aliases', 'eth0:1', 'address'] },
    ]);
    expect(p.routes.map((r) => r.modelPath)).toEqual(Array(4).fill(['interfaces', 'eth0', 'egress']));
    // What names the VIP as src follows it: added by `ifup eth0:1` (ONPARENT=no), not at boot.
    expect(p.routes.map((r) => [r.dependsOn, r.appliedBy])).toEqual([
      [undefined, 'boot'],
      ['172.16.3.105', 'alias'],
      ['172.16.3.105', 'alias'],
      ['172.16.3.105', 'alias'],
    ]);
  });

  it('leaves no metric-0 default for the gateway (it becomes the egress routes only)', () => {
    const p = plan(seed);
    expect(p.routes.filter((r) => r.to === 'default' && r.metric === 0)).toEqual([]);
    expect(p.routes.every((r) => r.to !== 'default' || r.src !== undefined)).toBe(true);
  });

  it('splits the interface subnet for a /32 VIP', () => {
    const p = plan(seed.replace('172.16.3.105/24', '172.16.3.105/32'));
    expect(p.routes.map(line)).toContain('172.16.3.0/25 dev eth0 proto kernel scope link src 172.16.3.105 metric 1');
    expect(p.addresses[1]).toMatchObject({ prefix: 32, secondary: false });
  });

  it('honours the metrics the model gives', () => {
    const p = plan(seed.replace('egress: { prefer: 172.16.3.105 }', 'egress: { prefer: 172.16.3.105, metric: 5, fallback-metric: 50 }'));
    expect(p.routes.map((r) => r.metric)).toEqual([50, 5, 5, 5]);
  });

  it('splits a /30 (primary and VIP are its only hosts: no gateway fits)', () => {
    const p = plan(`host: h
interfaces:
  eth0:
    addresses: [10.9.9.1/30]
    aliases: { eth0:1: { address: 10.9.9.2/30 } }
    egress: { prefer: 10.9.9.2 }
`);
    expect(p.routes.map(line)).toEqual([
      '10.9.9.0/31 dev eth0 proto kernel scope link src 10.9.9.2 metric 1',
      '10.9.9.2/31 dev eth0 proto kernel scope link src 10.9.9.2 metric 1',
    ]);
  });

  it('works for every prefix from /8 to /29 with a gateway, any network', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 29 }), fc.integer({ min: 0, max: 0xffffffff }), (prefix, seedAddr) => {
        // A network in 10.0.0.0/8 space; primary = network+1, VIP = network+2, gateway = broadcast-1.
        const net = networkOf(((10 << 24) | (seedAddr & 0x00ffffff)) >>> 0, prefix);
        const size = 2 ** (32 - prefix);
        const primary = formatIPv4(net + 1);
        const vip = formatIPv4(net + 2);
        const gw = formatIPv4(net + size - 2);
        const p = plan(`host: h
interfaces:
  eth0:
    addresses: [${primary}/${prefix}]
    gateway: ${gw}
    aliases:
      eth0:1: { address: ${vip}/${prefix} }
    egress: { prefer: ${vip} }
`);
        const [lo, hi] = splitHalves(net, prefix);
        expect(p.routes.map(line)).toEqual([
          `default via ${gw} dev eth0 src ${primary} metric 100`,
          `${formatCidr(lo.address, lo.prefix)} dev eth0 proto kernel scope link src ${vip} metric 1`,
          `${formatCidr(hi.address, hi.prefix)} dev eth0 proto kernel scope link src ${vip} metric 1`,
          `default via ${gw} dev eth0 src ${vip} metric 1`,
        ]);
      }),
      { numRuns: 60 },
    );
  });
});

describe('per-source routing recipe', () => {
  const two = `
host: box
tables: { t0: 1, t1: auto }
interfaces:
  eth0:
    addresses: [1.2.3.16/24]
    gateway: 1.2.3.1
    aliases:
      eth0:1: { address: 1.2.3.20/32 }
    source-routing: { table: t0, gateway: 1.2.3.2 }
  eth1:
    addresses: [1.2.3.17/24]
    source-routing: { table: t1, gateway: 1.2.3.3, routes: [ { to: 10.0.0.0/8, via: 1.2.3.9, metric: 10 } ] }
`;
  it('gives each interface its own table and every address (aliases too) its own rule', () => {
    const p = plan(two);
    expect(p.tables).toEqual([
      { name: 't0', id: 1 },
      { name: 't1', id: 100 },
    ]);
    expect(p.routes.map(line)).toEqual([
      'default via 1.2.3.1 dev eth0 metric 0',
      '1.2.3.0/24 dev eth0 scope link metric 0 table t0',
      'default via 1.2.3.2 dev eth0 metric 0 table t0',
      '1.2.3.0/24 dev eth1 scope link metric 0 table t1',
      'default via 1.2.3.3 dev eth1 metric 0 table t1',
      '10.0.0.0/8 via 1.2.3.9 dev eth1 metric 10 table t1',
    ]);
    expect(p.rules).toEqual([
      { family: 4, priority: 1000, from: '1.2.3.16', table: 't0', dev: 'eth0', origin: 'source-table', appliedBy: 'boot' },
      { family: 4, priority: 1001, from: '1.2.3.20', table: 't0', dev: 'eth0', origin: 'source-table', appliedBy: 'boot', dependsOn: '1.2.3.20' },
      { family: 4, priority: 1002, from: '1.2.3.17', table: 't1', dev: 'eth1', origin: 'source-table', appliedBy: 'boot' },
    ]);
  });

  it('allocates the same numbers for the same model, skipping numbers the model took', () => {
    const p1 = plan(two.replace('t0: 1', 't0: 100'));
    expect(p1.tables).toEqual([
      { name: 't0', id: 100 },
      { name: 't1', id: 101 },
    ]);
    const p2 = plan(two.replace('source-routing: { table: t0, gateway: 1.2.3.2 }', 'source-routing: { table: t0, gateway: 1.2.3.2, priority: 1001 }'));
    expect(p2.rules.map((r) => [r.priority, r.from])).toEqual([
      [1000, '1.2.3.17'],
      [1001, '1.2.3.16'],
      [1002, '1.2.3.20'],
    ]);
    expect(plan(two)).toEqual(plan(two));
  });

  it('never allocates a priority the model gives explicitly, wherever it comes in model order', () => {
    // Issue 11: without the allocator's skip, the explicit 1000 of eth1's rule and the
    // allocated first per-source rule of eth0 (model order: before it) both got 1000.
    const p = plan(
      two.replace(
        "source-routing: { table: t1, gateway: 1.2.3.3, routes: [ { to: 10.0.0.0/8, via: 1.2.3.9, metric: 10 } ] }",
        'routing-policy: [ { to: 10.9.0.0/16, table: main, priority: 1000 }, { to: 10.8.0.0/16, table: main, priority: 1002 } ]',
      ),
    );
    expect(p.rules.map((r) => `${r.priority} ${r.from ?? 'all'} ${r.to ?? 'all'} ${r.table}`)).toEqual([
      '1000 all 10.9.0.0/16 main',
      '1001 1.2.3.16 all t0',
      '1002 all 10.8.0.0/16 main',
      '1003 1.2.3.20 all t0',
    ]);
  });

  it('renders the dual-switch seed host as scenario B describes', () => {
    const p = compilePlan(parseModel(readFileSync('examples/gentoo-dual-switch/netgen.yaml', 'utf8'), 'x.yaml'));
    const byTable = (t: string) => p.routes.filter((r) => r.table === t).map(line);
    expect(byTable('e0v10')).toEqual(['1.2.3.0/24 dev eth0.10 scope link metric 0 table e0v10', 'default via 1.2.3.2 dev eth0.10 metric 0 table e0v10']);
    expect(byTable('e1v11')).toEqual(['10.1.1.0/24 dev eth1.11 scope link metric 0 table e1v11', '10.0.0.0/8 via 10.1.1.1 dev eth1.11 metric 0 table e1v11']);
    expect(byTable('main')).toEqual(['default via 1.2.3.1 dev eth0.10 metric 0', '10.0.0.0/8 via 10.1.1.1 dev eth0.11 metric 0']);
    expect(p.rules.map((r) => `${r.priority} from ${r.from} lookup ${r.table}`)).toEqual([
      '1000 from 1.2.3.16 lookup e0v10',
      '1001 from 10.1.1.16 lookup e0v11',
      '1002 from 1.2.3.17 lookup e1v10',
      '1003 from 10.1.1.17 lookup e1v11',
    ]);
    expect(p.tables.map((t) => `${t.id} ${t.name}`)).toEqual(['1 e0v10', '2 e0v11', '3 e1v10', '4 e1v11']);
  });
});

describe('IPv6: the same two recipes, per family', () => {
  const dual = readFileSync(new URL('../../examples/dual-stack-vip/netgen.yaml', import.meta.url), 'utf8');

  it('expands an IPv6 VIP into the same four routes as IPv4, /64 split into /65 halves, beside the IPv4 ones', () => {
    const p = plan(dual);
    expect(p.routes.filter((r) => r.family === 6).map(line)).toEqual([
      'default via 2001:db8:3::1 dev eth0 src 2001:db8:3::111 metric 100',
      '2001:db8:3::/65 dev eth0 proto kernel scope link src 2001:db8:3::105 metric 1',
      '2001:db8:3:0:8000::/65 dev eth0 proto kernel scope link src 2001:db8:3::105 metric 1',
      'default via 2001:db8:3::1 dev eth0 src 2001:db8:3::105 metric 1',
    ]);
    expect(p.routes.filter((r) => r.family === 4).map(line)).toEqual([
      'default via 172.16.3.1 dev eth0 src 172.16.3.111 metric 100',
      '172.16.3.0/25 dev eth0 proto kernel scope link src 172.16.3.105 metric 1',
      '172.16.3.128/25 dev eth0 proto kernel scope link src 172.16.3.105 metric 1',
      'default via 172.16.3.1 dev eth0 src 172.16.3.105 metric 1',
    ]);
    expect(p.removeGlobalGateway).toBe(true);
    expect(p.removeGlobalGateway6).toBe(true);
    // The IPv6 VIP is deprecated so that the kernel never picks it by itself; IPv6 has no secondaries.
    expect(p.addresses.map((a) => [a.family, a.address, a.label ?? '-', a.secondary, a.deprecated ?? false])).toEqual([
      [4, '172.16.3.111', '-', false, false],
      [4, '172.16.3.105', 'eth0:1', true, false],
      [6, '2001:db8:3::111', '-', false, false],
      [6, '2001:db8:3::105', 'eth0:2', false, true],
    ]);
    // Three built-in checks (here, gone, back) per destination, for each family.
    expect(new Set(p.checks.map((c) => c.src))).toEqual(new Set(['172.16.3.105', '172.16.3.111', '2001:db8:3::105', '2001:db8:3::111']));
  });

  it('gives IPv6 routes without a metric the kernel\'s 1024, and a plain IPv6 gateway that metric too', () => {
    const p = plan(`
host: h
interfaces:
  eth0:
    addresses: [2001:db8:3::111/64]
    gateway: 2001:db8:3::1
    routes:
      - { to: 2001:db8:9::/48, via: 2001:db8:3::9 }
`);
    expect(p.routes.map((r) => `${r.family} ${line(r)}`)).toEqual(['6 default via 2001:db8:3::1 dev eth0 metric 1024', '6 2001:db8:9::/48 via 2001:db8:3::9 dev eth0 metric 1024']);
    expect(p.removeGlobalGateway).toBe(false);
    expect(p.removeGlobalGateway6).toBe(true);
  });

  it('routes each family by source through the same table, numbering ip -4 and ip -6 rules apart', () => {
    const p = plan(readFileSync(new URL('../../examples/dual-stack-two-nic/netgen.yaml', import.meta.url), 'utf8'));
    expect(p.rules.map((r) => `${r.family} ${r.priority} from ${r.from} lookup ${r.table}`)).toEqual([
      '4 1000 from 1.2.3.16 lookup e0v10',
      '4 1001 from 10.1.1.16 lookup e0v11',
      '4 1002 from 1.2.3.17 lookup e1v10',
      '4 1003 from 10.1.1.17 lookup e1v11',
      '6 1000 from 2001:db8:10::16 lookup e0v10',
      '6 1001 from fd00:11::16 lookup e0v11',
      '6 1002 from 2001:db8:10::17 lookup e1v10',
      '6 1003 from fd00:11::17 lookup e1v11',
    ]);
    expect(p.routes.filter((r) => r.table === 'e1v10').map((r) => `${r.family} ${line(r)}`)).toEqual([
      '4 1.2.3.0/24 dev eth1.10 scope link metric 0 table e1v10',
      '4 default via 1.2.3.3 dev eth1.10 metric 0 table e1v10',
      '6 2001:db8:10::/64 dev eth1.10 scope link metric 1024 table e1v10',
      '6 default via 2001:db8:10::3 dev eth1.10 metric 1024 table e1v10',
    ]);
  });

  it('takes priority 32767 for an IPv6 rule: `ip -6 rule` has no 32767 `default` rule', () => {
    const p = plan(`
host: db
interfaces:
  eth0:
    addresses: [172.16.3.111/24, 2001:db8:3::111/64]
    routing-policy:
      - { from: 2001:db8:3::111, table: t1, priority: 32767 }
tables:
  t1: 10
`);
    expect(p.rules.map((r) => `${r.family} ${r.priority} from ${r.from} lookup ${r.table}`)).toEqual(['6 32767 from 2001:db8:3::111 lookup t1']);
  });

  it('adds a Pacemaker IPv6 VIP\'s routes at 1024, what its Route agent gets from the kernel', () => {
    const p = plan(`
host: h
interfaces:
  eth0:
    addresses: [2001:db8:3::111/64]
    gateway: 2001:db8:3::1
    aliases:
      eth0:1: { address: 2001:db8:3::105/64, managed-by: pacemaker }
    egress: { prefer: 2001:db8:3::105, fallback-metric: 2048 }
`);
    expect(p.routes.map((r) => [r.origin, r.metric, r.appliedBy])).toEqual([
      ['egress-fallback', 2048, 'boot'],
      ['egress-split', 1024, 'pacemaker'],
      ['egress-split', 1024, 'pacemaker'],
      ['egress-preferred', 1024, 'pacemaker'],
    ]);
    expect(p.pacemakerGroups).toEqual([{ name: 'netgen-h', prefix: 'netgen-h', addresses: ['2001:db8:3::105'] }]);
  });
});
