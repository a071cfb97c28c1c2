import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadModel, parseModel } from '../../src/model/index.js';
import { compilePlan } from '../../src/plan/compile.js';
import { formatCidr, parseCidr, parseIPv4 } from '../../src/net/ipv4.js';
import type { Plan, PlanAddress, PlanRoute, PlanRule } from '../../src/plan/types.js';
import {
  buildFibState,
  checkExpectations,
  explainRouteGet,
  formatRouteGet,
  routeGet,
  simulateRouteGet,
} from '../../src/simulate/index.js';
import type { ApplyMode, RouteAnswer, RouteFound, RouteGetQuery, SimRoute } from '../../src/simulate/index.js';
import { REPO } from '../helpers/repo.js';

const example = (name: string): Plan => compilePlan(loadModel(join(REPO, 'examples', name, 'netgen.yaml'), `examples/${name}/netgen.yaml`));
const scenarioA = example('rhel-vip-egress');
const scenarioB = example('gentoo-dual-switch');

const via = (route: SimRoute): string | undefined => (route.origin === 'kernel' ? undefined : route.via);

const get = (plan: Plan, query: RouteGetQuery): string => formatRouteGet(simulateRouteGet(plan, query));

function found(answer: RouteAnswer): RouteFound {
  if (!answer.ok) throw new Error(`expected a route, got ${answer.error} (${answer.why})`);
  return answer;
}

/** A Plan written directly, for cases the model cannot (or need not) express. */
function mkPlan(p: { links: string[]; addresses: [string, string][]; routes?: Partial<PlanRoute>[]; rules?: Partial<PlanRule>[]; tables?: string[] }): Plan {
  const addresses = p.addresses.map(([cidr, device]): PlanAddress => {
    const [address, prefix] = cidr.split('/') as [string, string];
    return { family: 4, address, prefix: Number(prefix), device, onParent: true, secondary: false, appliedBy: 'boot' };
  });
  return {
    host: 'h',
    source: 'h.yaml',
    links: p.links.map((name) => ({ name, kind: 'ethernet', onBoot: true })),
    addresses,
    routes: (p.routes ?? []).map((r) => ({ family: 4, to: 'default', dev: p.links[0]!, metric: 0, table: 'main', origin: 'static', appliedBy: 'boot', ...r }) as PlanRoute),
    rules: (p.rules ?? []).map((r) => ({ family: 4, priority: 100, table: 'main', dev: p.links[0]!, origin: 'static', appliedBy: 'boot', ...r }) as PlanRule),
    tables: (p.tables ?? []).map((name, i) => ({ name, id: 100 + i })),
    removeGlobalGateway: false,
    removeGlobalGateway6: false,
    expectations: [],
    checks: [],
    vrrpInstances: [],
    pacemakerGroups: [],
  };
}

describe('scenario A: the VIP is the egress source (scenarios.md table)', () => {
  const vip = '172.16.3.105';

  it('VIP up: a remote destination leaves via the gateway from the VIP', () => {
    expect(get(scenarioA, { to: '192.168.1.1' })).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.105');
  });

  it.each(['172.16.3.1', '172.16.3.0', '172.16.3.127', '172.16.3.128'])('VIP up: on-link peer %s sees the VIP', (to) => {
    expect(get(scenarioA, { to })).toBe(`${to} dev eth0 src 172.16.3.105`);
  });

  it('VIP taken away: the fallback default and the connected /24 give the primary', () => {
    expect(get(scenarioA, { to: '192.168.1.1', down: [vip] })).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.111');
    expect(get(scenarioA, { to: '172.16.3.1', down: [vip] })).toBe('172.16.3.1 dev eth0 src 172.16.3.111');
  });

  it('VIP back with ifup (routes re-applied): the VIP again', () => {
    expect(get(scenarioA, { to: '192.168.1.1', down: [vip], up: [vip], reapply: true })).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.105');
    expect(get(scenarioA, { to: '172.16.3.1', down: [vip], up: [vip], reapply: true })).toBe('172.16.3.1 dev eth0 src 172.16.3.105');
  });

  it('VIP back without re-applying: the flushed routes stay gone (as the seed saw)', () => {
    expect(get(scenarioA, { to: '192.168.1.1', down: [vip], up: [vip] })).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.111');
  });

  it('the same answers when the routes are appended (Gentoo) instead of added (RHEL)', () => {
    for (const apply of ['add', 'append', 'replace'] as ApplyMode[]) {
      expect(get(scenarioA, { to: '192.168.1.1', apply })).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.105');
      expect(get(scenarioA, { to: '172.16.3.200', apply, down: [vip] })).toBe('172.16.3.200 dev eth0 src 172.16.3.111');
    }
  });

  it('says which routes lost and why', () => {
    const remote = found(simulateRouteGet(scenarioA, { to: '192.168.1.1' }));
    expect(remote.route).toMatchObject({ origin: 'egress-preferred', src: vip, metric: 1 });
    expect(remote.rule).toMatchObject({ origin: 'kernel', priority: 32766, table: 'main' });
    expect(remote.losers.map((l) => [l.route.origin, l.why])).toEqual([['egress-fallback', 'lower metric wins']]);

    const peer = found(simulateRouteGet(scenarioA, { to: '172.16.3.1' }));
    expect(peer.route).toMatchObject({ origin: 'egress-split', to: '172.16.3.0/25' });
    expect(peer.losers.map((l) => [l.route.to, l.why])).toEqual([
      ['172.16.3.0/24', 'longer prefix wins'],
      ['default', 'longer prefix wins'],
      ['default', 'longer prefix wins'],
    ]);
  });

  it('explains the VIP-down answer with the routes the kernel flushed', () => {
    const lines = explainRouteGet(simulateRouteGet(scenarioA, { to: '172.16.3.1', down: [vip] }));
    expect(lines[1]).toBe('  => 172.16.3.1 dev eth0 src 172.16.3.111');
    expect(lines).toContain('  route: 172.16.3.0/24 dev eth0 proto kernel scope link src 172.16.3.111 (made by the kernel for 172.16.3.111)');
    expect(lines).toContain('  not in the kernel: 172.16.3.0/25 dev eth0 proto kernel scope link src 172.16.3.105 metric 1: its src 172.16.3.105 went down');
  });

  it('a /32 VIP on the alias: the connected subnet is split and the VIP still wins', () => {
    const plan = compilePlan(
      parseModel(
        `host: db
interfaces:
  eth0:
    addresses: [172.16.3.111/24]
    gateway: 172.16.3.1
    aliases:
      eth0:1: { address: 172.16.3.105/32, on-parent: false }
    egress: { prefer: 172.16.3.105 }
`,
        't.yaml',
      ),
    );
    expect(get(plan, { to: '192.168.1.1' })).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.105');
    expect(get(plan, { to: '172.16.3.200' })).toBe('172.16.3.200 dev eth0 src 172.16.3.105');
    expect(get(plan, { to: '192.168.1.1', down: ['172.16.3.105'] })).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.111');
    expect(get(plan, { to: '172.16.3.1', down: ['172.16.3.105'] })).toBe('172.16.3.1 dev eth0 src 172.16.3.111');
  });
});

describe('scenario B: per-source tables (scenarios.md table)', () => {
  it('routes 8.8.8.8 from 1.2.3.17 out of eth1.10 via its own switch', () => {
    const a = found(simulateRouteGet(scenarioB, { to: '8.8.8.8', from: '1.2.3.17' }));
    expect(formatRouteGet(a)).toBe('8.8.8.8 from 1.2.3.17 via 1.2.3.3 dev eth1.10 table e1v10');
    expect(a.rule).toMatchObject({ from: '1.2.3.17', table: 'e1v10' });
    expect(a.src).toBe('1.2.3.17');
  });

  it('routes 8.8.8.8 from 1.2.3.16 out of eth0.10', () => {
    expect(get(scenarioB, { to: '8.8.8.8', from: '1.2.3.16' })).toBe('8.8.8.8 from 1.2.3.16 via 1.2.3.2 dev eth0.10 table e0v10');
  });

  it('routes 10.9.9.9 from 10.1.1.17 via 10.1.1.1 out of eth1.11', () => {
    expect(get(scenarioB, { to: '10.9.9.9', from: '10.1.1.17' })).toBe('10.9.9.9 from 10.1.1.17 via 10.1.1.1 dev eth1.11 table e1v11');
  });

  it('routes 8.8.8.8 without a source through main: the VRRP address on eth0.10', () => {
    const a = found(simulateRouteGet(scenarioB, { to: '8.8.8.8' }));
    expect(formatRouteGet(a)).toBe('8.8.8.8 via 1.2.3.1 dev eth0.10 src 1.2.3.16');
    expect(a.trace.filter((s) => s.outcome === 'selector does not match')).toHaveLength(4);
    expect(a.notes.join('\n')).toContain('a TCP connect() looks up again from 1.2.3.16, which takes rule 1000 to table e0v10');
  });

  it('ip rule: one `from <addr> lookup <table>` per address, each with its own priority', () => {
    const rules = buildFibState(scenarioB).rules.filter((r): r is PlanRule => r.origin !== 'kernel');
    expect(rules.map((r) => `from ${r.from} lookup ${r.table}`)).toEqual([
      'from 1.2.3.16 lookup e0v10',
      'from 10.1.1.16 lookup e0v11',
      'from 1.2.3.17 lookup e1v10',
      'from 10.1.1.17 lookup e1v11',
    ]);
    expect(new Set(rules.map((r) => r.priority)).size).toBe(4);
  });

  it('with a custom rule, an own address answers from table local', () => {
    expect(get(scenarioB, { to: '1.2.3.17' })).toBe('local 1.2.3.17 dev lo table local src 1.2.3.17');
    expect(get(scenarioB, { to: '1.2.3.255' })).toBe('broadcast 1.2.3.255 dev eth0.10 table local src 1.2.3.16');
  });
});

describe('checkExpectations', () => {
  it.each([
    ['rhel-vip-egress', scenarioA],
    ['gentoo-dual-switch', scenarioB],
  ])('every expectation of %s passes', (_name, plan) => {
    const results = checkExpectations(plan);
    expect(results.length).toBe(plan.expectations.length);
    expect(results.filter((r) => !r.pass).map((r) => [r.expectation.path, r.mismatches])).toEqual([]);
  });

  it('reports each field that differs', () => {
    const plan = { ...scenarioA, expectations: [{ ...scenarioA.expectations[0]!, src: '172.16.3.111', table: 'e0v10' }] };
    const [r] = checkExpectations(plan);
    expect(r?.pass).toBe(false);
    expect(r?.mismatches).toEqual([
      { field: 'src', expected: '172.16.3.111', actual: '172.16.3.105' },
      { field: 'table', expected: 'e0v10', actual: 'main' },
    ]);
  });

  it('reports an unreachable destination', () => {
    const plan = { ...scenarioB, expectations: [{ ...scenarioB.expectations[0]!, from: '9.9.9.9' }] };
    expect(checkExpectations(plan)[0]?.mismatches).toEqual([{ field: 'route', expected: 'a route', actual: 'RTNETLINK answers: Network is unreachable' }]);
  });
});

describe('source selection', () => {
  it('a secondary alias is never picked; its local route names the primary', () => {
    const plan = mkPlan({ links: ['eth0'], addresses: [['10.0.0.10/24', 'eth0'], ['10.0.0.20/24', 'eth0']], routes: [{ via: '10.0.0.1' }] });
    expect(get(plan, { to: '8.8.8.8' })).toBe('8.8.8.8 via 10.0.0.1 dev eth0 src 10.0.0.10');
    expect(get(plan, { to: '10.0.0.50' })).toBe('10.0.0.50 dev eth0 src 10.0.0.10');
    expect(get(plan, { to: '10.0.0.20' })).toBe('local 10.0.0.20 dev lo src 10.0.0.10');
    expect(buildFibState(plan).devices.find((d) => d.name === 'eth0')?.addresses.map((a) => a.secondary)).toEqual([false, true]);
  });

  it('a /32 VIP gets a local route only, and is used only when a route names it', () => {
    const plan = mkPlan({
      links: ['eth0'],
      addresses: [['10.0.0.10/24', 'eth0'], ['203.0.113.9/32', 'eth0']],
      routes: [{ via: '10.0.0.1' }, { to: '198.51.100.0/24', via: '10.0.0.1', src: '203.0.113.9' }],
    });
    const state = buildFibState(plan);
    expect(state.tables.get('main')?.some((e) => e.route.to === '203.0.113.9/32')).toBe(false);
    expect(get(plan, { to: '8.8.8.8' })).toBe('8.8.8.8 via 10.0.0.1 dev eth0 src 10.0.0.10');
    expect(get(plan, { to: '198.51.100.7' })).toBe('198.51.100.7 via 10.0.0.1 dev eth0 src 203.0.113.9');
    expect(get(plan, { to: '203.0.113.9' })).toBe('local 203.0.113.9 dev lo src 203.0.113.9');
  });

  it('with a gateway: the first primary whose subnet holds it; without: the first primary, whatever the destination', () => {
    const plan = mkPlan({
      links: ['eth0'],
      addresses: [['10.1.0.10/24', 'eth0'], ['192.168.7.5/24', 'eth0']],
      routes: [{ to: '172.20.0.0/16', via: '192.168.7.1' }, { to: '192.168.0.0/16' }],
    });
    expect(get(plan, { to: '172.20.1.1' })).toBe('172.20.1.1 via 192.168.7.1 dev eth0 src 192.168.7.5');
    expect(get(plan, { to: '192.168.9.1' })).toBe('192.168.9.1 dev eth0 src 10.1.0.10');
    expect(found(simulateRouteGet(plan, { to: '192.168.9.1' })).srcWhy).toContain('does not look at the destination');
  });

  it('two devices in one subnet: the first address added wins the connected route', () => {
    const plan = mkPlan({ links: ['eth0', 'eth1'], addresses: [['10.1.0.10/24', 'eth0'], ['10.1.0.11/24', 'eth1']], routes: [{ to: '10.9.0.0/16', via: '10.1.0.1', dev: 'eth1' }] });
    const a = found(simulateRouteGet(plan, { to: '10.1.0.50' }));
    expect(formatRouteGet(a)).toBe('10.1.0.50 dev eth0 src 10.1.0.10');
    expect(a.losers).toEqual([{ route: expect.objectContaining({ origin: 'kernel', dev: 'eth1' }), why: 'inserted earlier' }]);
    expect(get(plan, { to: '10.9.1.1' })).toBe('10.9.1.1 via 10.1.0.1 dev eth1 src 10.1.0.11');
    expect(get(plan, { to: '10.1.0.50', from: '10.1.0.11' })).toBe('10.1.0.50 from 10.1.0.11 dev eth0');
    const swapped = mkPlan({ links: ['eth0', 'eth1'], addresses: [['10.1.0.11/24', 'eth1'], ['10.1.0.10/24', 'eth0']] });
    expect(get(swapped, { to: '10.1.0.50' })).toBe('10.1.0.50 dev eth1 src 10.1.0.11');
  });

  it('a device without address borrows the first primary of the host', () => {
    const plan = mkPlan({ links: ['eth0', 'eth3'], addresses: [['10.1.0.10/24', 'eth0']], routes: [{ to: '10.0.0.0/8', dev: 'eth3' }] });
    expect(get(plan, { to: '10.7.7.7' })).toBe('10.7.7.7 dev eth3 src 10.1.0.10');
  });
});

describe('rules and tables', () => {
  const twoTables = (rules: Partial<PlanRule>[]): Plan =>
    mkPlan({
      links: ['eth0', 'eth1'],
      addresses: [['10.1.0.10/24', 'eth0'], ['10.2.0.10/24', 'eth1']],
      tables: ['a', 'b'],
      routes: [
        { via: '10.1.0.1', dev: 'eth0' },
        { via: '10.1.0.2', dev: 'eth0', table: 'a' },
        { via: '10.2.0.2', dev: 'eth1', table: 'b' },
      ],
      rules,
    });

  it('the lower priority decides', () => {
    const plan = twoTables([
      { priority: 200, from: '10.1.0.10', table: 'a' },
      { priority: 100, from: '10.1.0.0/24', table: 'b' },
    ]);
    const a = found(simulateRouteGet(plan, { to: '8.8.8.8', from: '10.1.0.10' }));
    expect(formatRouteGet(a)).toBe('8.8.8.8 from 10.1.0.10 via 10.2.0.2 dev eth1 table b');
    expect(a.rule.priority).toBe(100);
  });

  it('a `from` rule does not match a lookup without source; a `to` rule does', () => {
    const plan = twoTables([{ priority: 100, from: '10.1.0.10', table: 'a' }, { priority: 200, to: '8.8.4.0/24', table: 'b' }]);
    expect(get(plan, { to: '8.8.8.8' })).toBe('8.8.8.8 via 10.1.0.1 dev eth0 src 10.1.0.10');
    expect(get(plan, { to: '8.8.4.4' })).toBe('8.8.4.4 via 10.2.0.2 dev eth1 table b src 10.2.0.10');
  });

  it('a rule whose table has no route falls through to the next', () => {
    const plan = twoTables([{ priority: 100, from: '10.1.0.10', table: 'a' }]);
    expect(get(plan, { to: '10.2.0.9', from: '10.1.0.10' })).toBe('10.2.0.9 from 10.1.0.10 via 10.1.0.2 dev eth0 table a');
    const onlyB = twoTables([{ priority: 100, to: '8.8.8.8', table: 'a' }]);
    expect(found(simulateRouteGet(onlyB, { to: '10.2.0.9' })).table).toBe('main');
  });

  it('without custom rules local and main are merged: no `table local` in the answer', () => {
    const plan = mkPlan({ links: ['eth0'], addresses: [['10.1.0.10/24', 'eth0']] });
    const a = found(simulateRouteGet(plan, { to: '10.1.0.10' }));
    expect(formatRouteGet(a)).toBe('local 10.1.0.10 dev lo src 10.1.0.10');
    expect([a.table, a.kernelTable]).toEqual(['local', 'main']);
    expect(get(plan, { to: '10.1.0.255' })).toBe('broadcast 10.1.0.255 dev eth0 src 10.1.0.10');
    expect(get(plan, { to: '127.0.0.5' })).toBe('local 127.0.0.5 dev lo src 127.0.0.1');
  });

  it('a rule that duplicates one with the same priority and table is refused', () => {
    const plan = twoTables([{ priority: 100, from: '10.1.0.0/24', table: 'a' }, { priority: 100, table: 'a' }]);
    const state = buildFibState(plan);
    expect(state.refusedRules.map((r) => r.why)).toEqual(['RTNETLINK answers: File exists']);
    const a = found(simulateRouteGet(plan, { to: '8.8.8.8' }));
    expect(a.table).toBe('main');
    expect(a.notes.join('\n')).toContain('is not in the kernel (RTNETLINK answers: File exists)');
  });
});

describe('metrics and insertion order', () => {
  const routes: Partial<PlanRoute>[] = [
    { via: '10.1.0.1', metric: 5 },
    { via: '10.1.0.2', metric: 1 },
    { via: '10.1.0.3', metric: 1 },
  ];
  const plan = mkPlan({ links: ['eth0'], addresses: [['10.1.0.10/24', 'eth0']], routes });

  it('the lower metric wins; `ip route add` refuses an equal (table, prefix, metric)', () => {
    const a = found(simulateRouteGet(plan, { to: '8.8.8.8' }));
    expect(a.via).toBe('10.1.0.2');
    expect(a.losers.map((l) => [via(l.route), l.why])).toEqual([['10.1.0.1', 'lower metric wins']]);
    expect(a.missing.map((m) => [via(m.route), m.why])).toEqual([['10.1.0.3', 'RTNETLINK answers: File exists']]);
  });

  it('with `append` both stay and the one added first wins', () => {
    const a = found(simulateRouteGet(plan, { to: '8.8.8.8', apply: 'append' }));
    expect(a.via).toBe('10.1.0.2');
    expect(a.losers.map((l) => [via(l.route), l.why])).toEqual([
      ['10.1.0.3', 'inserted earlier'],
      ['10.1.0.1', 'lower metric wins'],
    ]);
    expect(a.notes.join('\n')).toContain('may switch between them by ARP state');
  });

  it('a longer prefix wins whatever its metric', () => {
    const p = mkPlan({ links: ['eth0'], addresses: [['10.1.0.10/24', 'eth0']], routes: [{ via: '10.1.0.1' }, { to: '8.8.0.0/16', via: '10.1.0.9', metric: 9999 }] });
    expect(found(simulateRouteGet(p, { to: '8.8.8.8' })).via).toBe('10.1.0.9');
  });

  it('the kernel refuses a route with a foreign src or an unreachable gateway', () => {
    const p = mkPlan({
      links: ['eth0'],
      addresses: [['10.1.0.10/24', 'eth0']],
      routes: [{ via: '10.1.0.1', src: '10.1.0.99' }, { to: '8.8.0.0/16', via: '10.77.0.1' }, { to: '9.9.0.0/16', via: '10.1.0.1', scope: 'link' }],
    });
    expect(buildFibState(p).refused.map((m) => m.why)).toEqual([
      'Error: Invalid prefsrc address.',
      'Error: Nexthop has invalid gateway.',
      'Error: Nexthop has invalid gateway.',
    ]);
  });
});

describe('down: addresses taken away after boot', () => {
  it('flushes the main-table routes whose src was the address, not other tables', () => {
    const plan = mkPlan({
      links: ['eth0'],
      addresses: [['10.1.0.10/24', 'eth0'], ['10.1.0.20/24', 'eth0']],
      tables: ['t'],
      routes: [
        { via: '10.1.0.1', metric: 100 },
        { via: '10.1.0.1', src: '10.1.0.20', metric: 1 },
        { to: '10.5.0.0/16', via: '10.1.0.1', src: '10.1.0.20', table: 't' },
      ],
      rules: [{ priority: 10, to: '10.5.0.0/16', table: 't' }],
    });
    expect(get(plan, { to: '8.8.8.8' })).toBe('8.8.8.8 via 10.1.0.1 dev eth0 src 10.1.0.20');
    expect(get(plan, { to: '8.8.8.8', down: ['10.1.0.20'] })).toBe('8.8.8.8 via 10.1.0.1 dev eth0 src 10.1.0.10');
    // The kernel keeps the table-t route and still answers with the vanished address.
    const stale = found(simulateRouteGet(plan, { to: '10.5.1.1', down: ['10.1.0.20'] }));
    expect(formatRouteGet(stale)).toBe('10.5.1.1 via 10.1.0.1 dev eth0 table t src 10.1.0.20');
    expect(stale.notes.join('\n')).toContain('flushes routes with a vanished src from table main only');
    expect(get(plan, { to: '8.8.8.8', from: '10.1.0.20', down: ['10.1.0.20'] })).toBe('RTNETLINK answers: Network is unreachable');
  });

  it('deleting a primary deletes its secondaries unless promote_secondaries is on', () => {
    const plan = mkPlan({
      links: ['eth0'],
      addresses: [['10.1.0.10/24', 'eth0'], ['192.168.7.5/24', 'eth0'], ['10.1.0.20/24', 'eth0']],
      routes: [{ via: '10.1.0.1', metric: 5 }],
    });
    const off = buildFibState(plan, { down: ['10.1.0.10'] });
    expect(off.devices.find((d) => d.name === 'eth0')?.addresses.map((a) => a.address)).toEqual(['192.168.7.5']);
    expect(off.events).toEqual(['deleting primary 10.1.0.10 deleted its secondaries 10.1.0.20 (promote_secondaries off)']);
    // The default route is not checked again; the source falls back to the first primary.
    expect(formatRouteGet(routeGet(off, { to: '8.8.8.8' }))).toBe('8.8.8.8 via 10.1.0.1 dev eth0 src 192.168.7.5');

    const on = buildFibState(plan, { down: ['10.1.0.10'], promoteSecondaries: true });
    expect(on.devices.find((d) => d.name === 'eth0')?.addresses.map((a) => [a.address, a.secondary])).toEqual([
      ['192.168.7.5', false],
      ['10.1.0.20', false],
    ]);
    expect(formatRouteGet(routeGet(on, { to: '8.8.8.8' }))).toBe('8.8.8.8 via 10.1.0.1 dev eth0 src 10.1.0.20');
    expect(formatRouteGet(routeGet(on, { to: '10.1.0.99' }))).toBe('10.1.0.99 dev eth0 src 10.1.0.20');
  });

  it('the last address of a device takes every route through it, in every table', () => {
    const plan = mkPlan({
      links: ['eth0', 'eth1'],
      addresses: [['10.1.0.10/24', 'eth0'], ['10.9.0.5/24', 'eth1']],
      tables: ['t'],
      routes: [{ via: '10.1.0.1' }, { to: '10.50.0.0/16', via: '10.9.0.1', dev: 'eth1', table: 't' }, { to: '10.52.0.0/16', via: '10.9.0.1', dev: 'eth1' }],
      rules: [{ priority: 10, table: 't', to: '10.50.0.0/16' }],
    });
    expect(get(plan, { to: '10.50.1.1' })).toBe('10.50.1.1 via 10.9.0.1 dev eth1 table t src 10.9.0.5');
    expect(get(plan, { to: '10.50.1.1', down: ['10.9.0.5'] })).toBe('10.50.1.1 via 10.1.0.1 dev eth0 src 10.1.0.10');
    const a = simulateRouteGet(plan, { to: '10.52.1.1', down: ['10.9.0.5'] });
    expect(a.missing.map((m) => m.why)).toContain('eth1 has no IPv4 address left');
  });
});

describe('failures', () => {
  const plan = mkPlan({ links: ['eth0'], addresses: [['10.1.0.10/24', 'eth0']] });

  it('no route: Network is unreachable, with every rule tried', () => {
    const a = simulateRouteGet(plan, { to: '8.8.8.8' });
    expect(formatRouteGet(a)).toBe('RTNETLINK answers: Network is unreachable');
    expect(a.ok).toBe(false);
    expect(a.trace.map((s) => s.rule.priority)).toEqual([0, 32766, 32767]);
    expect(explainRouteGet(a)).toContain("  no rule's table has a route to 8.8.8.8");
  });

  it('a source that is not the host\'s: Network is unreachable', () => {
    expect(simulateRouteGet(plan, { to: '10.1.0.5', from: '10.1.0.99' })).toMatchObject({ ok: false, type: 'unreachable' });
  });

  it('bad input and what we do not model', () => {
    expect(simulateRouteGet(plan, { to: '10.1.0.300' })).toMatchObject({ ok: false, type: 'invalid' });
    expect(simulateRouteGet(plan, { to: '224.0.0.5' })).toMatchObject({ ok: false, type: 'unsupported' });
    expect(get(plan, { to: '255.255.255.255', from: '10.1.0.10' })).toBe('netgen: not simulated');
  });

  it('is pure: the same question gives the same answer and leaves the Plan alone', () => {
    const before = JSON.stringify(scenarioA);
    const q = { to: '172.16.3.1', down: ['172.16.3.105'] };
    expect(simulateRouteGet(scenarioA, q)).toEqual(simulateRouteGet(scenarioA, q));
    expect(JSON.stringify(scenarioA)).toBe(before);
  });
});

describe('properties', () => {
  const hosts = ['10.0.0.1', '10.0.0.77', '10.0.1.9', '10.0.1.254', '172.16.3.1', '172.16.3.200', '192.168.5.9', '8.8.8.8', '10.9.1.1'];
  const subnets: [string, number][] = [['10.0.0', 24], ['10.0.1', 24], ['10.0.0', 23], ['172.16.3', 24], ['172.16.3', 25], ['203.0.113', 32]];
  const arbAddress = fc.record({ net: fc.constantFrom(...subnets), host: fc.integer({ min: 1, max: 120 }), dev: fc.integer({ min: 0, max: 2 }) });
  const arbRoute = fc.record({
    to: fc.constantFrom('default', '10.9.0.0/16', '8.8.0.0/16', '10.0.0.0/25', '10.0.0.0/24', '172.16.3.128/25'),
    via: fc.option(fc.constantFrom('10.0.0.1', '10.0.1.1', '172.16.3.1'), { nil: undefined }),
    src: fc.option(fc.nat(10), { nil: undefined }),
    dev: fc.integer({ min: 0, max: 2 }),
    metric: fc.constantFrom(0, 1, 100),
    table: fc.constantFrom('main', 'main', 't1', 't2'),
  });
  const arbRule = fc.record({ priority: fc.integer({ min: 100, max: 140 }), from: fc.option(fc.nat(10), { nil: undefined }), table: fc.constantFrom('t1', 't2') });
  const arbCase = fc.record({
    addresses: fc.array(arbAddress, { minLength: 1, maxLength: 6 }),
    routes: fc.array(arbRoute, { maxLength: 6 }),
    rules: fc.array(arbRule, { maxLength: 3 }),
    down: fc.array(fc.nat(10), { maxLength: 2 }),
    apply: fc.constantFrom<ApplyMode>('add', 'append'),
    to: fc.constantFrom(...hosts),
    from: fc.option(fc.nat(10), { nil: undefined }),
  });

  type Case = typeof arbCase extends fc.Arbitrary<infer T> ? T : never;

  function toPlan(c: Case) {
    const links = ['eth0', 'eth1', 'eth2'];
    const seen = new Set<string>();
    const addresses: [string, string][] = [];
    for (const a of c.addresses) {
      const address = a.net[1] === 32 ? `${a.net[0]}.${a.host % 20}` : `${a.net[0]}.${a.host}`;
      if (seen.has(address)) continue;
      seen.add(address);
      addresses.push([`${address}/${a.net[1]}`, links[a.dev]!]);
    }
    const addr = (i: number | undefined): string | undefined => (i === undefined ? undefined : addresses[i % addresses.length]![0].split('/')[0]);
    const plan = mkPlan({
      links,
      addresses,
      tables: ['t1', 't2'],
      routes: c.routes.map((r) => {
        const route: Partial<PlanRoute> = { to: r.to, dev: links[r.dev]!, metric: r.metric, table: r.table };
        if (r.via !== undefined) route.via = r.via;
        const src = addr(r.src);
        if (src !== undefined) route.src = src;
        return route;
      }),
      rules: c.rules
        .map((r) => {
          const rule: Partial<PlanRule> = { priority: r.priority, table: r.table };
          const from = addr(r.from);
          if (from !== undefined) rule.from = from;
          return rule;
        })
        .sort((a, b) => a.priority! - b.priority!),
    });
    const down = [...new Set(c.down.map((i) => addr(i)!))];
    return { plan, down };
  }

  it('the source of an answer is an address of the host, except a non-main route naming a vanished one', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { plan, down } = toPlan(c);
        const state = buildFibState(plan, { down, apply: c.apply });
        const from = c.from === undefined ? undefined : plan.addresses[c.from % plan.addresses.length]!.address;
        const a = routeGet(state, from === undefined ? { to: c.to } : { to: c.to, from });
        if (!a.ok || a.src === undefined) return;
        const up = state.devices.some((d) => d.addresses.some((x) => x.address === a.src));
        if (!up) {
          expect(a.table).not.toBe('main');
          expect(a.route.origin !== 'kernel' && a.route.src).toBe(a.src);
        }
        if (from !== undefined) expect(a.src).toBe(from);
        expect(formatRouteGet(a)).not.toContain('undefined');
      }),
      { numRuns: 400 },
    );
  });

  it('a longer prefix in the deciding table beats the winner, whatever its metric', () => {
    fc.assert(
      fc.property(arbCase, fc.integer({ min: 1, max: 32 }), (c, extra) => {
        const { plan, down } = toPlan(c);
        const a = simulateRouteGet(plan, { to: c.to, down, apply: c.apply });
        if (!a.ok || a.table === 'local' || a.type !== 'unicast') return;
        const winner = a.route.to === 'default' ? { address: 0, prefix: 0 } : parseCidr(a.route.to)!;
        if (winner.prefix >= 32) return;
        const prefix = Math.min(32, winner.prefix + extra);
        const dest = parseIPv4(c.to)!;
        const longer: PlanRoute = { family: 4, to: formatCidr(dest, prefix), dev: a.dev, metric: 4000000000, table: a.table, scope: 'link', origin: 'static', appliedBy: 'boot' };
        const b = found(simulateRouteGet({ ...plan, routes: [...plan.routes, longer] }, { to: c.to, down, apply: c.apply }));
        expect(b.route).toBe(longer);
        expect(b.losers.some((l) => isDeepStrictEqual(l.route, a.route) && l.why === 'longer prefix wins')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('many rules, routes and addresses (lookups read indexes, not every entry)', () => {
  // 1,000 rules: rule i is `from 10.A.B.0/24` (A.B = i) to table t(i % 3); every 100th
  // rule instead is `to 198.51.100.0/24`, to the empty table t0 below i = 500, to t2 from there.
  const rules: Partial<PlanRule>[] = [];
  for (let i = 0; i < 1000; i++) {
    const to = i % 100 === 0;
    rules.push({ priority: 1000 + i, ...(to ? { to: '198.51.100.0/24', table: i < 500 ? 't0' : 't2' } : { from: `10.${i >> 8}.${i & 255}.0/24`, table: `t${i % 3}` }) });
  }
  const plan = mkPlan({
    links: ['eth0'],
    addresses: [['10.1.0.1/8', 'eth0']],
    tables: ['t0', 't1', 't2'],
    rules,
    routes: [
      { to: 'default', via: '10.0.0.254' },
      { to: 'default', via: '10.0.0.253', table: 't1' },
      { to: '198.51.100.0/24', via: '10.0.0.252', table: 't2' },
    ],
  });
  const outcomes = (a: RouteAnswer): string[] => a.trace.map((s) => `${s.rule.priority} ${s.outcome}`);

  it('a lookup no rule selects passes them all to main, and the trace names each', () => {
    const a = found(simulateRouteGet(plan, { to: '8.8.8.8' }));
    expect(formatRouteGet(a)).toBe('8.8.8.8 via 10.0.0.254 dev eth0 src 10.1.0.1');
    expect(a.rule.priority).toBe(32766);
    expect(outcomes(a)).toEqual(['0 no route in table', ...rules.map((r) => `${r.priority} selector does not match`)]);
  });

  it('rules whose selectors match but whose table is empty are passed; the first with a route decides', () => {
    const a = found(simulateRouteGet(plan, { to: '198.51.100.7' }));
    expect(formatRouteGet(a)).toBe('198.51.100.7 via 10.0.0.252 dev eth0 table t2 src 10.1.0.1');
    expect(a.rule.priority).toBe(1500);
    const want = ['0 no route in table', ...rules.slice(0, 500).map((r) => `${r.priority} ${r.to !== undefined ? 'no route in table' : 'selector does not match'}`)];
    expect(outcomes(a)).toEqual(want);
  });

  it('with a source, its own /24 rule decides (the 257th), not an earlier one', () => {
    const a = found(simulateRouteGet(plan, { to: '8.8.8.8', from: '10.1.0.1' }));
    expect(formatRouteGet(a)).toBe('8.8.8.8 from 10.1.0.1 via 10.0.0.253 dev eth0 table t1');
    expect(a.rule).toMatchObject({ priority: 1256, from: '10.1.0.0/24' });
    expect(outcomes(a)).toEqual(['0 no route in table', ...rules.slice(0, 256).map((r) => `${r.priority} selector does not match`)]);
  });

  it('verify keeps no step per rule: an answer makes its trace when it is read (route get --explain and --json read it)', () => {
    const [r] = checkExpectations(plan, {}, [{ to: '8.8.8.8', steps: [], ref: { file: 'h.yaml', line: 1, col: 1 }, path: 'expect[0]' }]);
    const answer = r!.answer!;
    expect(typeof Object.getOwnPropertyDescriptor(answer, 'trace')?.get).toBe('function');
    expect(answer.trace).toHaveLength(1001);
    expect(JSON.parse(JSON.stringify(answer)).trace).toHaveLength(1001);
    expect(explainRouteGet(answer).filter((l) => l.startsWith('  rule '))).toHaveLength(1001);
  });

  it('2,000 routes: each destination takes its own /24; the losers are the routes holding it, longest prefix first', () => {
    const routes: Partial<PlanRoute>[] = [{ to: 'default', via: '10.0.0.254' }, { to: '100.0.0.0/16', via: '10.0.0.253', metric: 5 }];
    for (let i = 0; i < 2000; i++) routes.push({ to: `100.${i >> 8}.${i & 255}.0/24`, via: '10.0.0.254', metric: i % 7 });
    routes.push({ to: '100.0.7.0/24', via: '10.0.0.253', metric: 9 });
    const p = mkPlan({ links: ['eth0'], addresses: [['10.1.0.1/8', 'eth0']], routes });
    const a = found(simulateRouteGet(p, { to: '100.0.7.1' }));
    expect(formatRouteGet(a)).toBe('100.0.7.1 via 10.0.0.254 dev eth0 src 10.1.0.1');
    expect(a.losers.map((l) => `${l.route.to} ${via(l.route)} ${l.why}`)).toEqual([
      '100.0.7.0/24 10.0.0.253 lower metric wins',
      '100.0.0.0/16 10.0.0.253 longer prefix wins',
      'default 10.0.0.254 longer prefix wins',
    ]);
    expect(get(p, { to: '100.7.207.9' })).toBe('100.7.207.9 via 10.0.0.254 dev eth0 src 10.1.0.1');
    expect(found(simulateRouteGet(p, { to: '100.7.208.9' })).losers).toEqual([]);
  });
});
