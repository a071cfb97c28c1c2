// The IPv6 simulator (src/simulate/fib6.ts, lookup6.ts) on Plans written directly: the
// answers `ip -6 route get` gave in scratch namespaces (Linux 6.18, iproute2 6.1), the
// same facts test/kernel/ipv6-facts.test.ts proves against the kernel.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/index.js';
import { compilePlan } from '../../src/plan/compile.js';
import type { Plan } from '../../src/plan/types.js';
import { buildFibState6, checkExpectations, describeRule, explainRouteGet, formatRouteGet, simulateRouteGet } from '../../src/simulate/index.js';
import type { RouteAnswer, RouteFound, RouteGetQuery } from '../../src/simulate/index.js';
import { GW6, PRIMARY6, VIP6, mkPlan6, scenarioA6 } from '../helpers/plan6.js';
import { REPO } from '../helpers/repo.js';

const get = (plan: Plan, query: RouteGetQuery): string => formatRouteGet(simulateRouteGet(plan, query));

function found(answer: RouteAnswer): RouteFound {
  if (!answer.ok) throw new Error(`expected a route, got ${answer.error} (${answer.why})`);
  return answer;
}

const down = [{ op: 'down' as const, address: VIP6 }];

describe('scenario A for IPv6: the VIP is the egress source (IPV6.md recipe)', () => {
  const plan = scenarioA6();

  it('VIP up: a remote destination leaves via the gateway from the VIP', () => {
    expect(get(plan, { to: '2001:db8:7::1' })).toBe(`2001:db8:7::1 from :: via ${GW6} dev eth0 src ${VIP6} metric 1 pref medium`);
  });

  it.each(['2001:db8:3::1', '2001:db8:3::', '2001:db8:3:0:7fff:ffff:ffff:ffff', '2001:db8:3:0:8000::'])('VIP up: on-link peer %s sees the VIP through a /65 half', (to) => {
    expect(get(plan, { to })).toBe(`${to} from :: dev eth0 proto kernel src ${VIP6} metric 1 pref medium`);
  });

  it('VIP taken away (ip -6 addr del): the routes stay with their src cleared, and the kernel picks the primary', () => {
    const a = found(simulateRouteGet(plan, { to: '2001:db8:7::1', steps: down }));
    expect(formatRouteGet(a)).toBe(`2001:db8:7::1 from :: via ${GW6} dev eth0 src ${PRIMARY6} metric 1 pref medium`);
    expect(a.route).toMatchObject({ origin: 'egress-preferred', metric: 1 });
    expect(a.srcWhy).toMatch(/^the route's src 2001:db8:3::105 was cleared when that address was deleted/);
    expect(a.missing).toEqual([]);
    expect(get(plan, { to: '2001:db8:3::1', steps: down })).toBe(`2001:db8:3::1 from :: dev eth0 proto kernel src ${PRIMARY6} metric 1 pref medium`);
  });

  it('VIP added back alone: no src comes back, and the deprecated VIP is not picked (rule 3)', () => {
    const a = found(simulateRouteGet(plan, { to: '2001:db8:7::1', steps: [...down, { op: 'add', address: VIP6 }] }));
    expect(a.src).toBe(PRIMARY6);
    expect(a.srcRules?.find((s) => s.loser === VIP6)).toEqual({ rule: 3, name: 'avoid deprecated', loser: VIP6, why: `${VIP6} is deprecated` });
    expect(explainRouteGet(a)).toContain(
      `  source ${PRIMARY6}: the route's src ${VIP6} was cleared when that address was deleted (the kernel keeps the route); so by source selection: rule 3, avoid deprecated: ${VIP6} is deprecated; rule 2, prefer appropriate scope: ::1 (scope link, the destination's global), eth0's link-local address (scope link, the destination's global)`,
    );
  });

  it('a VIP that is not deprecated steals the source when added back: the most recently added address wins a tie', () => {
    const a = found(simulateRouteGet(scenarioA6({ deprecated: false }), { to: '2001:db8:7::1', steps: [...down, { op: 'add', address: VIP6 }] }));
    expect(a.src).toBe(VIP6);
    expect(a.srcRules?.find((s) => s.loser === PRIMARY6)).toMatchObject({ rule: 0, why: `${VIP6} was added after ${PRIMARY6} (most recently added first)` });
  });

  it('VIP back through its applier: netgen re-applies the routes that name it with replace, so the src is back', () => {
    expect(get(plan, { to: '2001:db8:7::1', steps: [...down, { op: 'up', address: VIP6 }] })).toBe(`2001:db8:7::1 from :: via ${GW6} dev eth0 src ${VIP6} metric 1 pref medium`);
    expect(get(plan, { to: '2001:db8:3::1', steps: [...down, { op: 'up', address: VIP6 }] })).toBe(`2001:db8:3::1 from :: dev eth0 proto kernel src ${VIP6} metric 1 pref medium`);
  });

  it('VIP back through a consumer that only adds: the lines fail with File exists and the src stays cleared', () => {
    for (const restore6 of ['add', 'append'] as const) {
      const a = found(simulateRouteGet(plan, { to: '2001:db8:7::1', steps: [...down, { op: 'up', address: VIP6 }], restore6 }));
      expect(a.src, restore6).toBe(PRIMARY6);
    }
  });

  it('a keepalived VIP: leaving MASTER deletes its routes first, so they are gone (not cleared); MASTER again adds them fresh', () => {
    const k = scenarioA6({ appliedBy: 'keepalived' });
    const gone = found(simulateRouteGet(k, { to: '2001:db8:7::1', steps: down }));
    expect(formatRouteGet(gone)).toBe(`2001:db8:7::1 from :: via ${GW6} dev eth0 src ${PRIMARY6} metric 100 pref medium`);
    expect(gone.route).toMatchObject({ origin: 'egress-fallback' });
    expect(gone.missing.map((m) => [m.route.origin, m.why])).toEqual([
      ['egress-preferred', `keepalived deleted it with ${VIP6}`],
    ]);
    expect(get(k, { to: '2001:db8:3::1', steps: down })).toBe(`2001:db8:3::1 from :: dev eth0 proto kernel src ${PRIMARY6} metric 256 pref medium`);
    expect(get(k, { to: '2001:db8:7::1', steps: [...down, { op: 'up', address: VIP6 }] })).toBe(`2001:db8:7::1 from :: via ${GW6} dev eth0 src ${VIP6} metric 1 pref medium`);
  });

  it('IPv4 steps do not touch the IPv6 state, and IPv6 steps not the IPv4 one', () => {
    const dual = mkPlan6({ links: ['eth0'], addresses: [['10.0.0.10/24', 'eth0'], [`${PRIMARY6}/64`, 'eth0']], routes: [{ family: 4, via: '10.0.0.1' }, { via: GW6 }] });
    expect(get(dual, { to: '2001:db8:7::1', steps: [{ op: 'down', address: '10.0.0.10' }] })).toBe(`2001:db8:7::1 from :: via ${GW6} dev eth0 src ${PRIMARY6} metric 1024 pref medium`);
    expect(get(dual, { to: '8.8.8.8', steps: [{ op: 'down', address: PRIMARY6 }] })).toBe('8.8.8.8 via 10.0.0.1 dev eth0 src 10.0.0.10');
  });
});

describe('the kernel’s own IPv6 routes and rules', () => {
  const plan = mkPlan6({ links: ['eth0', 'eth1'], addresses: [[`${PRIMARY6}/64`, 'eth0'], ['2001:db8:3::200/128', 'eth1']] });

  it('two rules: 0 local, 32766 main (no 32767 default)', () => {
    expect(buildFibState6(plan).rules.map((r) => `${r.priority} ${r.table}`)).toEqual(['0 local', '32766 main']);
  });

  it('per address a local route and a prefix route with metric 256 (a /128 too); per device fe80::/64 and ff00::/8', () => {
    const s = buildFibState6(plan);
    const show = (t: string): string[] => (s.tables.get(t) ?? []).map((e) => `${e.route.to} ${e.dev} ${e.metric} ${e.type}`);
    expect(show('main')).toEqual(['fe80::/64 eth0 256 unicast', 'fe80::/64 eth1 256 unicast', '2001:db8:3::/64 eth0 256 unicast', '2001:db8:3::200/128 eth1 256 unicast']);
    expect(show('local')).toEqual(['::1/128 lo 0 local', 'ff00::/8 eth0 256 multicast', 'ff00::/8 eth1 256 multicast', `${PRIMARY6}/128 eth0 0 local`, '2001:db8:3::200/128 eth1 0 local']);
  });

  it('an address of the host answers local, through lo, from itself', () => {
    expect(get(plan, { to: PRIMARY6 })).toBe(`local ${PRIMARY6} from :: dev lo table local proto kernel src ${PRIMARY6} metric 0 pref medium`);
    expect(get(plan, { to: '::1' })).toBe('local ::1 from :: dev lo table local proto kernel src ::1 metric 0 pref medium');
  });

  it('on-link through the kernel prefix route; nothing else is unreachable', () => {
    expect(get(plan, { to: '2001:db8:3::9' })).toBe(`2001:db8:3::9 from :: dev eth0 proto kernel src ${PRIMARY6} metric 256 pref medium`);
    const a = simulateRouteGet(plan, { to: '2001:db8:7::1' });
    expect(formatRouteGet(a)).toBe('RTNETLINK answers: Network is unreachable');
    expect(a.trace.map((t) => `${t.rule.priority} ${t.outcome}`)).toEqual(['0 no route in table', '32766 no route in table']);
  });

  it('multicast and link-local destinations take the first device; its link-local source when the MAC is known', () => {
    expect(get(plan, { to: 'ff02::1' })).toBe('multicast ff02::1 from :: dev eth0 table local proto kernel metric 256 pref medium');
    const withMac = mkPlan6({ links: ['eth0'], macs: { eth0: '52:54:00:12:34:56' }, addresses: [[`${PRIMARY6}/64`, 'eth0']] });
    expect(get(withMac, { to: 'fe80::1' })).toBe('fe80::1 from :: dev eth0 proto kernel src fe80::5054:ff:fe12:3456 metric 256 pref medium');
    expect(get(withMac, { to: 'ff02::1' })).toBe('multicast ff02::1 from :: dev eth0 table local proto kernel src fe80::5054:ff:fe12:3456 metric 256 pref medium');
  });

  it('taking the last address of a prefix away takes its prefix route; another address of the prefix keeps it', () => {
    const two = mkPlan6({ links: ['eth0'], addresses: [[`${PRIMARY6}/64`, 'eth0'], [`${VIP6}/64`, 'eth0']] });
    expect(get(two, { to: '2001:db8:3::9', steps: [{ op: 'down', address: VIP6 }] })).toBe(`2001:db8:3::9 from :: dev eth0 proto kernel src ${PRIMARY6} metric 256 pref medium`);
    expect(get(two, { to: '2001:db8:3::9', steps: [{ op: 'down', address: VIP6 }, { op: 'down', address: PRIMARY6 }] })).toBe('RTNETLINK answers: Network is unreachable');
  });

  it('the address’s prefix route that goes with it is the first route of that prefix and device in main, which may be a Plan route', () => {
    const p = mkPlan6({ links: ['eth0', 'eth1'], addresses: [[`${PRIMARY6}/64`, 'eth0'], ['2001:db8:9::5/64', 'eth1']], routes: [{ to: '2001:db8:3::/64', dev: 'eth0', metric: 100 }] });
    expect(get(p, { to: '2001:db8:3::9' })).toBe(`2001:db8:3::9 from :: dev eth0 src ${PRIMARY6} metric 100 pref medium`);
    const a = found(simulateRouteGet(p, { to: '2001:db8:3::9', steps: [{ op: 'down', address: PRIMARY6 }] }));
    expect(formatRouteGet(a)).toBe('2001:db8:3::9 from :: dev eth0 proto kernel src 2001:db8:9::5 metric 256 pref medium');
    expect(a.missing.map((m) => m.why)).toEqual([`the kernel deleted it as the prefix route of ${PRIMARY6} when that address went (it takes the first route of the prefix and device, not its own)`]);
  });

  it('a device without address keeps its routes (IPv6 flushes nothing on address removal)', () => {
    const p = mkPlan6({ links: ['eth0'], addresses: [[`${PRIMARY6}/64`, 'eth0']], routes: [{ to: '2001:db8:71::/64', via: GW6 }] });
    expect(get(p, { to: '2001:db8:71::1', steps: [{ op: 'down', address: PRIMARY6 }] })).toBe(`2001:db8:71::1 from :: via ${GW6} dev eth0 metric 1024 pref medium`);
  });
});

describe('source selection: RFC 6724 as Linux applies it', () => {
  const base = { links: ['eth0', 'eth1'], routes: [{ via: GW6, dev: 'eth0' }] };

  it('rule 3: a deprecated address is avoided even when it is the newest', () => {
    const p = mkPlan6({ ...base, addresses: [[`${PRIMARY6}/64`, 'eth0'], { cidr: `${VIP6}/64`, dev: 'eth0', deprecated: true }] });
    const a = found(simulateRouteGet(p, { to: '2001:db8:7::1' }));
    expect(a.src).toBe(PRIMARY6);
    expect(a.srcWhy).toMatch(new RegExp(`^rule 3, avoid deprecated: ${VIP6} is deprecated; `));
  });

  it('rule 3 does not apply to a route that names the deprecated address as src', () => {
    const p = mkPlan6({ ...base, addresses: [[`${PRIMARY6}/64`, 'eth0'], { cidr: `${VIP6}/64`, dev: 'eth0', deprecated: true }], routes: [{ to: '2001:db8:70::/64', via: GW6, src: VIP6 }] });
    expect(found(simulateRouteGet(p, { to: '2001:db8:70::1' })).src).toBe(VIP6);
  });

  it('rule 5: an address of the outgoing device beats a longer match on another device', () => {
    const p = mkPlan6({ ...base, addresses: [[`${PRIMARY6}/64`, 'eth0'], ['2001:db8:7::5/64', 'eth1']], routes: [{ to: '2001:db8:7:1::/64', via: GW6, dev: 'eth0' }] });
    const a = found(simulateRouteGet(p, { to: '2001:db8:7:1::9' }));
    expect(a.src).toBe(PRIMARY6);
    expect(a.srcRules?.find((s) => s.loser === '2001:db8:7::5')).toMatchObject({ rule: 5, why: '2001:db8:7::5 is on eth1, not on the outgoing eth0' });
  });

  it('rule 5 does not help when no address is on the outgoing device: the longest match anywhere wins (rule 8)', () => {
    const p = mkPlan6({ links: ['eth0', 'eth1'], addresses: [[`${PRIMARY6}/64`, 'eth0'], ['2001:db8:8000::5/64', 'eth0']], routes: [{ to: '2001:db8:88::/64', dev: 'eth1' }] });
    const a = found(simulateRouteGet(p, { to: '2001:db8:88::1' }));
    expect(formatRouteGet(a)).toBe(`2001:db8:88::1 from :: dev eth1 src ${PRIMARY6} metric 1024 pref medium`);
    expect(a.srcRules?.find((s) => s.loser === '2001:db8:8000::5')).toMatchObject({ rule: 8, why: '2001:db8:8000::5 shares 32 leading bits with the destination, the chosen one 40' });
  });

  it('rule 6: a source with the destination’s label (Linux’s table: 2002::/16 is 2, fc00::/7 is 5)', () => {
    const p = mkPlan6({ ...base, addresses: [[`${PRIMARY6}/64`, 'eth0'], ['2002:1::5/64', 'eth0'], ['fd00:1::5/64', 'eth0']] });
    expect(found(simulateRouteGet(p, { to: '2002:9::1' })).src).toBe('2002:1::5');
    expect(found(simulateRouteGet(p, { to: 'fd00:9::1' })).src).toBe('fd00:1::5');
    expect(found(simulateRouteGet(p, { to: '2003::1' })).src).toBe(PRIMARY6);
  });

  it('rule 8: the longest matching prefix, capped at the address’s own prefix length', () => {
    const p = mkPlan6({ ...base, addresses: [[`${PRIMARY6}/64`, 'eth0'], ['2001:db8:8000::5/64', 'eth0']] });
    expect(found(simulateRouteGet(p, { to: '2001:db8:8000:1::1' })).src).toBe('2001:db8:8000::5');
    expect(found(simulateRouteGet(p, { to: '2001:db8:4::1' })).src).toBe(PRIMARY6);
    // Both share 64+ bits with a destination inside 2001:db8:3::/64, capped at 64: a tie, the newer wins.
    const q = mkPlan6({ ...base, addresses: [['2001:db8:3::1:0/64', 'eth0'], ['2001:db8:3::9/64', 'eth0']], routes: [{ to: '2001:db8:3:0:1::/80', via: GW6 }] });
    expect(found(simulateRouteGet(q, { to: '2001:db8:3:0:1::1' })).src).toBe('2001:db8:3::9');
  });

  it('with from, the rules see the source, any address is taken, and src is still the route’s preferred source', () => {
    const p = mkPlan6({
      links: ['eth0', 'eth1'],
      addresses: [[`${PRIMARY6}/64`, 'eth0'], [`${VIP6}/64`, 'eth0'], ['2001:db8:7::5/64', 'eth1']],
      rules: [{ priority: 100, from: VIP6, table: 't100', dev: 'eth0' }],
      routes: [{ via: GW6 }, { via: '2001:db8:7::1', dev: 'eth1', table: 't100' }],
      tables: ['t100'],
    });
    expect(get(p, { to: '2001:db8:99::1', from: VIP6 })).toBe(`2001:db8:99::1 from ${VIP6} via 2001:db8:7::1 dev eth1 table t100 src 2001:db8:7::5 metric 1024 pref medium`);
    expect(get(p, { to: '2001:db8:99::1' })).toBe(`2001:db8:99::1 from :: via ${GW6} dev eth0 src ${VIP6} metric 1024 pref medium`);
    expect(get(p, { to: '2001:db8:99::1', from: '2001:db8:99::5' })).toBe(`2001:db8:99::1 from 2001:db8:99::5 via ${GW6} dev eth0 src ${VIP6} metric 1024 pref medium`);
    // Without from the rules see ::, but the connect() that follows sees the VIP: said in a note.
    expect(found(simulateRouteGet(p, { to: '2001:db8:99::1' })).notes.join('\n')).toContain(`a TCP connect() looks up again from ${VIP6}, which takes rule 100 to table t100`);
  });
});

describe('adding IPv6 routes: what ip -6 route add|append|replace refuses', () => {
  const addrs: [string, string][] = [[`${PRIMARY6}/64`, 'eth0'], ['2001:db8:9::5/64', 'eth1']];
  const refused = (plan: Plan, apply?: 'add' | 'append'): string[] => buildFibState6(plan, apply === undefined ? {} : { apply }).refused.map((m) => `${m.route.to}: ${m.why}`);

  it('a second route with the same table, prefix and metric is refused by add whatever its device', () => {
    const p = mkPlan6({ links: ['eth0', 'eth1'], addresses: addrs, routes: [{ to: '2001:db8:56::/64', dev: 'eth0' }, { to: '2001:db8:56::/64', dev: 'eth1' }, { to: '2001:db8:56::/64', dev: 'eth1', metric: 5 }] });
    expect(refused(p)).toEqual(['2001:db8:56::/64: RTNETLINK answers: File exists']);
    expect(get(p, { to: '2001:db8:56::1' })).toBe('2001:db8:56::1 from :: dev eth1 src 2001:db8:9::5 metric 5 pref medium');
  });

  it('append refuses only the same device and gateway; two gateways become one multipath route', () => {
    const p = mkPlan6({ links: ['eth0', 'eth1'], addresses: addrs, routes: [{ via: GW6, dev: 'eth0' }, { via: '2001:db8:9::1', dev: 'eth1' }, { via: GW6, dev: 'eth0', src: PRIMARY6 }] });
    expect(refused(p, 'append')).toEqual(['default: RTNETLINK answers: File exists']);
    expect(found(simulateRouteGet(p, { to: '2001:db8:7::1', apply: 'append' })).notes.join('\n')).toContain('one multipath route');
  });

  it('a src the host does not have, and a gateway not on-link on the device, are refused; a link-local gateway is taken', () => {
    const p = mkPlan6({
      links: ['eth0', 'eth1'],
      addresses: addrs,
      routes: [
        { to: '2001:db8:52::/64', via: GW6, src: '2001:db8:99::1' },
        { to: '2001:db8:53::/64', via: '2001:db8:77::1' },
        { to: '2001:db8:54::/64', via: '2001:db8:9::1', dev: 'eth0' },
        { to: '2001:db8:55::/64', via: 'fe80::1', dev: 'eth1' },
      ],
    });
    expect(refused(p)).toEqual([
      '2001:db8:52::/64: Error: Invalid source address.',
      '2001:db8:53::/64: RTNETLINK answers: No route to host',
      '2001:db8:54::/64: RTNETLINK answers: No route to host',
    ]);
    expect(get(p, { to: '2001:db8:55::1' })).toBe('2001:db8:55::1 from :: via fe80::1 dev eth1 src 2001:db8:9::5 metric 1024 pref medium');
  });

  it('a gateway that is the host’s own address is refused; a rule is a duplicate when it agrees on priority, table and every selector it names', () => {
    const p = mkPlan6({
      links: ['eth0'],
      addresses: [[`${PRIMARY6}/64`, 'eth0']],
      routes: [{ to: '2001:db8:5::/64', via: PRIMARY6 }, { to: '2001:db8:6::/64', via: GW6, table: 't100' }],
      rules: [
        { priority: 100, from: '2001:db8:3::/64', table: 't100' },
        { family: 6, priority: 100, table: 't100' },
        { priority: 100, from: '2001:db8:3::/65', table: 't100' },
      ],
      tables: ['t100'],
    });
    const s = buildFibState6(p);
    expect(s.refused.map((m) => `${m.route.to}: ${m.why}`)).toEqual(['2001:db8:5::/64: Error: Gateway can not be a local address.']);
    expect(s.refusedRules.map((r) => `${r.rule.from ?? 'all'}: ${r.why}`)).toEqual(['all: RTNETLINK answers: File exists']);
    expect(s.rules.map((r) => describeRule(r))).toEqual(['0: from all lookup local', '100: from 2001:db8:3::/64 lookup t100', '100: from 2001:db8:3::/65 lookup t100', '32766: from all lookup main']);
  });

  it('a metric 0 is stored as 1024', () => {
    const p = mkPlan6({ links: ['eth0'], addresses: [[`${PRIMARY6}/64`, 'eth0']], routes: [{ to: '2001:db8:55::/64', metric: 0 }] });
    expect(get(p, { to: '2001:db8:55::1' })).toBe(`2001:db8:55::1 from :: dev eth0 src ${PRIMARY6} metric 1024 pref medium`);
  });
});

describe('IPv6 beside IPv4', () => {
  it('an IPv4 lookup gives the same answers when the Plan also holds IPv6 entries', () => {
    const a = compilePlan(loadModel(join(REPO, 'examples/rhel-vip-egress/netgen.yaml'), 'examples/rhel-vip-egress/netgen.yaml'));
    const six = scenarioA6();
    const dual: Plan = { ...a, addresses: [...a.addresses, ...six.addresses], routes: [...a.routes, ...six.routes], rules: [...a.rules, { family: 6, priority: 50, from: VIP6, table: 'main', dev: 'eth0', origin: 'static', appliedBy: 'boot' }] };
    for (const to of ['192.168.1.1', '172.16.3.1', '172.16.3.111', '172.16.3.255']) {
      for (const steps of [[], [{ op: 'down' as const, address: '172.16.3.105' }]]) {
        expect(simulateRouteGet(dual, { to, steps })).toEqual(simulateRouteGet(a, { to, steps }));
      }
    }
  });

  it('expectations of either family are checked (the family of a lookup is that of to)', () => {
    const plan = scenarioA6();
    const ref = { file: 'h.yaml', line: 1, col: 1 };
    plan.expectations = [
      { to: '2001:db8:7::1', src: VIP6, via: GW6, dev: 'eth0', steps: [], ref, path: 'expect[0]' },
      { to: '2001:db8:7::1', src: VIP6, steps: down, ref, path: 'expect[1]' },
    ];
    const [ok, bad] = checkExpectations(plan);
    expect(ok?.pass).toBe(true);
    expect(bad?.mismatches).toEqual([{ field: 'src', expected: VIP6, actual: PRIMARY6 }]);
  });

  it('an address written in ip’s spelling: ::/96 keeps its dotted quad, as ip -6 prints it', () => {
    const p = mkPlan6({ links: ['eth0'], addresses: [[`${PRIMARY6}/64`, 'eth0']], routes: [{ via: GW6 }] });
    expect(get(p, { to: '::102:304' })).toBe(`::1.2.3.4 from :: via ${GW6} dev eth0 src ${PRIMARY6} metric 1024 pref medium`);
  });
});

describe('many addresses, routes and rules (lookups read indexes, not every entry)', () => {
  // 500 addresses 2001:db8:0:N::1/64 on eth0, N = 1..500 (0x1f4), added in that order.
  const addresses = Array.from({ length: 500 }, (_, i) => ({ cidr: `2001:db8:0:${(i + 1).toString(16)}::1/64`, dev: 'eth0' }));
  const plan = mkPlan6({ links: ['eth0'], macs: { eth0: '02:00:00:00:00:01' }, addresses, routes: [{ to: 'default', via: 'fe80::1' }] });

  it('source selection: the address sharing the longest prefix with the destination, at most its own prefix length', () => {
    // 2001:db8:0:7b::1 shares its whole /64 with the destination; 2001:db8:0:7a::1 only 63 bits.
    const a = found(simulateRouteGet(plan, { to: '2001:db8:0:7b::99' }));
    expect(a.src).toBe('2001:db8:0:7b::1');
    // Every other candidate lost: ::1 (lo) and eth0's link-local address by scope, the 499 others by prefix.
    expect(a.srcRules!.map((s) => s.rule).sort()).toEqual([...Array(2).fill(2), ...Array(499).fill(8)]);
    // Added last, 2001:db8:0:7b:8000::1/48 is the first candidate and shares 64 bits with the
    // destination too, but counts only its 48: the /64 address still wins.
    const capped = mkPlan6({ links: ['eth0'], macs: { eth0: '02:00:00:00:00:01' }, addresses: [...addresses, { cidr: '2001:db8:0:7b:8000::1/48', dev: 'eth0' }], routes: [{ to: 'default', via: 'fe80::1' }] });
    const b = found(simulateRouteGet(capped, { to: '2001:db8:0:7b::99' }));
    expect(b.src).toBe('2001:db8:0:7b::1');
    expect(b.srcRules!.find((s) => s.loser === '2001:db8:0:7b:8000::1')?.why).toBe('2001:db8:0:7b:8000::1 shares 48 leading bits with the destination, the chosen one 64');
  });

  it('source selection: on a full tie the first candidate stays, the most recently added address', () => {
    // 3fff::1 shares its first 3 bits with every 2001:db8:: address, and has their label.
    const a = found(simulateRouteGet(plan, { to: '3fff::1' }));
    expect(a.src).toBe('2001:db8:0:1f4::1');
    expect(a.srcRules!.filter((s) => s.rule === 0)).toHaveLength(499);
    expect(a.srcWhy).toContain('no rule tells them apart, the kernel keeps its first candidate: 2001:db8:0:1f4::1 was added after 2001:db8:0:1f3::1');
  });

  it('the steps of source selection, and the trace, are made when read: verify keeps neither', () => {
    const [r] = checkExpectations(plan, {}, [{ to: '3fff::1', steps: [], ref: { file: 'h.yaml', line: 1, col: 1 }, path: 'expect[0]' }]);
    const answer = r!.answer!;
    for (const key of ['trace', 'srcWhy', 'srcRules']) expect(typeof Object.getOwnPropertyDescriptor(answer, key)?.get, key).toBe('function');
    expect(JSON.parse(JSON.stringify(answer)).srcRules).toHaveLength(501);
  });

  it('1,000 rules from 1,000 /64s: a lookup from an address takes its own, a lookup without source passes them all', () => {
    const rules = addresses.flatMap((a, i) => [
      { priority: 1000 + 2 * i, from: a.cidr.replace('::1/64', '::/64'), table: 't0' },
      { priority: 1001 + 2 * i, from: a.cidr.replace('::1/64', '::/64'), table: 't1' },
    ]);
    const p = mkPlan6({
      links: ['eth0'],
      addresses,
      tables: ['t0', 't1'],
      rules,
      routes: [
        { to: 'default', via: 'fe80::1' },
        { to: 'default', via: 'fe80::2', table: 't1' },
      ],
    });
    const a = found(simulateRouteGet(p, { to: '3fff::1', from: '2001:db8:0:7b::1' }));
    expect(a.via).toBe('fe80::2');
    expect(a.rule.priority).toBe(1001 + 2 * 0x7a);
    const steps = a.trace.map((s) => `${s.rule.priority} ${s.outcome}`);
    expect(steps).toHaveLength(1 + 2 * 0x7a + 1);
    expect(steps.filter((s) => s.endsWith('no route in table'))).toEqual(['0 no route in table', `${1000 + 2 * 0x7a} no route in table`]);
    const b = found(simulateRouteGet(p, { to: '3fff::1' }));
    expect(b.rule.priority).toBe(32766);
    expect(b.trace).toHaveLength(1001);
  });
});
