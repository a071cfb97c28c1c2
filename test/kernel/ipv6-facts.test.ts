// The IPv6 kernel facts of IPV6.md ("Kernel facts for IPv6", "Failover for IPv6"), each
// proved against the real kernel in a throw-away namespace and compared with the
// simulator's answer for the same Plan in the same state. The Plan's IPv6 half is applied
// with `ip` directly (test/helpers/apply6.ts: DAD off, addresses `nodad`, deprecated ones
// `preferred_lft 0`), so what is tested is the kernel and the simulator, not a back-end.
// One namespace per fact, all commands and probes of a phase in one process.
import { expect, it } from 'vitest';
import { withKernelSession, type KernelSession } from '../../src/kernel/index.js';
import type { FailoverStep, Plan } from '../../src/plan/types.js';
import { buildFibState6, describeRoute, describeRule, formatRouteGet, simulateRouteGet, type StateOptions } from '../../src/simulate/index.js';
import { bootLines, namedTables, probeLines6, routeLine, runLines, stepLines, type Ran } from '../helpers/apply6.js';
import { GW6, PRIMARY6, VIP6, mkPlan6, scenarioA6 } from '../helpers/plan6.js';
import { describeKernel } from './gate.js';

function session<T>(plan: Plan, fn: (s: KernelSession) => T): T {
  return withKernelSession({ links: plan.links }, fn);
}

function mustAll(ran: Ran[]): void {
  const failed = ran.filter((r) => r.status !== 0);
  expect(failed.map((r) => `${r.cmd}: ${r.out}`), 'every command succeeded').toEqual([]);
}

/** Probe the kernel and the simulator (state `sim`) with the same questions; both columns side by side. */
function compare(s: KernelSession, plan: Plan, probes: readonly { to: string; from?: string }[], sim: StateOptions): { kernel: string[]; simulator: string[] } {
  const kernel = runLines(s, probeLines6(plan, probes)).map((r) => namedTables(plan, r.out.split('\n')[0]!.replace(/\s+/g, ' ').trim()));
  const simulator = probes.map((p) => formatRouteGet(simulateRouteGet(plan, { ...sim, ...p })));
  return { kernel, simulator };
}

const REMOTE = '2001:db8:7::1';
const down: FailoverStep = { op: 'down', address: VIP6 };

describeKernel('IPv6 kernel facts (IPV6.md), kernel and simulator', () => {
  it('fact 1: ip -6 addr del keeps every route that named the address, in every table, with its src cleared; adding it back restores no src', () => {
    const base = scenarioA6();
    const plan: Plan = {
      ...base,
      tables: [{ name: 't100', id: 100 }],
      rules: [{ family: 6, priority: 100, from: '2001:db8:3::/64', to: '2001:db8:51::/64', table: 't100', dev: 'eth0', origin: 'static', appliedBy: 'boot' }],
      routes: [...base.routes, { family: 6, to: '2001:db8:51::/64', via: GW6, dev: 'eth0', src: VIP6, metric: 1024, table: 't100', origin: 'static', appliedBy: 'alias', dependsOn: VIP6 }],
    };
    const probes = [{ to: REMOTE }, { to: '2001:db8:3::1' }, { to: '2001:db8:3:0:8000::1' }, { to: '2001:db8:51::1', from: PRIMARY6 }];
    session(plan, (s) => {
      mustAll(runLines(s, bootLines(plan)));
      const before = runLines(s, ['ip -6 route show table all'])[0]!.out.split('\n').filter((l) => l.includes(` src ${VIP6} `));
      expect(before.length, 'four routes name the VIP').toBe(4);
      mustAll(runLines(s, stepLines(plan, down)));
      const after = runLines(s, ['ip -6 route show table all'])[0]!.out.split('\n');
      expect(after.filter((l) => l.includes(VIP6)), 'no route names the VIP any more').toEqual([]);
      // Every one of them is still there, without src: in main and in table 100.
      for (const l of before) expect(after, 'kept, src cleared').toContain(l.replace(` src ${VIP6}`, ''));
      const gone = compare(s, plan, probes, { steps: [down] });
      expect(gone.kernel).toEqual(gone.simulator);
      expect(gone.kernel[0]).toBe(`${REMOTE} from :: via ${GW6} dev eth0 src ${PRIMARY6} metric 1 pref medium`);
      // Back alone: the routes stay without src, and the deprecated VIP is not picked.
      mustAll(runLines(s, stepLines(plan, { op: 'add', address: VIP6 })));
      expect(runLines(s, ['ip -6 route show table all'])[0]!.out).not.toContain(`src ${VIP6}`);
      const back = compare(s, plan, probes, { steps: [down, { op: 'add', address: VIP6 }] });
      expect(back.kernel).toEqual(back.simulator);
      expect(back.kernel[0]).toContain(`src ${PRIMARY6}`);
    });
  });

  it('fact 2: ip -6 route add of a route that exists (table, prefix, metric) fails with File exists; replace restores the src (the up of IPV6.md)', () => {
    const plan = scenarioA6();
    const split = plan.routes.find((r) => r.origin === 'egress-split')!;
    session(plan, (s) => {
      mustAll(runLines(s, [...bootLines(plan), ...stepLines(plan, down)]));
      // What a consumer that only adds does on up: the lines that survived fail.
      const added = runLines(s, [...stepLines(plan, { op: 'up', address: VIP6 }, 'add', 'add')]);
      expect(added[0]!.status, 'the address comes back').toBe(0);
      expect(added.slice(1).map((r) => [r.status !== 0, r.out])).toEqual(added.slice(1).map(() => [true, 'RTNETLINK answers: File exists']));
      const probes = [{ to: REMOTE }, { to: '2001:db8:3::1' }];
      const stale = compare(s, plan, probes, { steps: [down, { op: 'up', address: VIP6 }], restore6: 'add' });
      expect(stale.kernel).toEqual(stale.simulator);
      expect(stale.kernel[1]).toContain(`src ${PRIMARY6}`);
      // Another device, same table, prefix and metric: refused too (IPv6 add compares no device).
      expect(runLines(s, [routeLine(plan, { ...split, dev: 'lo', src: PRIMARY6 }, 'add')])[0]!.out).toBe('RTNETLINK answers: File exists');
      // netgen's hook: replace.
      mustAll(runLines(s, plan.routes.filter((r) => r.src === VIP6).map((r) => routeLine(plan, r, 'replace'))));
      const fresh = compare(s, plan, probes, { steps: [down, { op: 'up', address: VIP6 }] });
      expect(fresh.kernel).toEqual(fresh.simulator);
      expect(fresh.kernel).toEqual([`${REMOTE} from :: via ${GW6} dev eth0 src ${VIP6} metric 1 pref medium`, `2001:db8:3::1 from :: dev eth0 proto kernel src ${VIP6} metric 1 pref medium`]);
    });
  });

  it('fact 3: a route whose src is not an address of the host is refused, as the simulator says', () => {
    const plan = mkPlan6({ links: ['eth0'], addresses: [[`${PRIMARY6}/64`, 'eth0']], routes: [{ to: '2001:db8:52::/64', via: GW6, src: '2001:db8:99::1' }, { to: '2001:db8:53::/64', via: '2001:db8:77::1' }] });
    session(plan, (s) => {
      const ran = runLines(s, bootLines(plan));
      const refused = ran.filter((r) => r.status !== 0).map((r) => r.out);
      expect(refused).toEqual(buildFibState6(plan).refused.map((m) => m.why));
      expect(refused).toEqual(['Error: Invalid source address.', 'RTNETLINK answers: No route to host']);
    });
  });

  it('fact 4: without a route src, RFC 6724 as Linux applies it (deprecated, outgoing interface, label, longest prefix, newest first), as the simulator picks', () => {
    const plan = mkPlan6({
      links: ['eth0', 'eth1'],
      addresses: [
        [`${PRIMARY6}/64`, 'eth0'],
        ['2001:db8:3::9/64', 'eth0'],
        // The newest of the three in 2001:db8:3::/64: it would win their tie but for rule 3.
        { cidr: `${VIP6}/64`, dev: 'eth0', deprecated: true },
        ['2001:db8:8000::5/64', 'eth0'],
        ['2002:1::5/64', 'eth0'],
        ['fd00:1::5/64', 'eth0'],
        ['2001:db8:7::5/64', 'eth1'],
      ],
      rules: [{ priority: 100, from: VIP6, table: 't1' }],
      tables: ['t1'],
      routes: [{ via: GW6 }, { to: '2001:db8:7:1::/64', via: GW6 }, { to: '2001:db8:88::/64', dev: 'eth1' }, { via: '2001:db8:7::1', dev: 'eth1', table: 't1' }],
    });
    const probes = [
      { to: REMOTE }, // on-link on eth1: its own address
      { to: '2001:db8:7:1::9' }, // via eth0: rule 5 beats eth1's longer match
      { to: '2001:db8:4::1' }, // rule 8 among eth0's, the deprecated VIP avoided, newest of a tie (::9 after ::111)
      { to: '2001:db8:8000:1::1' }, // rule 8
      { to: '2002:9::1' }, // rule 6, label 2
      { to: '2003::1' }, // rule 6 against rule 8: 2002:1::5 shares 15 bits, the label-1 addresses 14 or fewer
      { to: 'fd00:9::1' }, // rule 6, label 5
      { to: '2001:db8:88::1' }, // no address on eth1 for it: longest match anywhere
      { to: PRIMARY6 }, // local
      { to: '2001:db8:99::1', from: VIP6 }, // the rule sees from; src is still the route's choice
      { to: '2001:db8:99::1', from: '2001:db8:99::5' }, // any from is taken
    ];
    session(plan, (s) => {
      mustAll(runLines(s, bootLines(plan)));
      const r = compare(s, plan, probes, {});
      expect(r.kernel).toEqual(r.simulator);
      expect(r.kernel[2]).toBe(`2001:db8:4::1 from :: via ${GW6} dev eth0 src 2001:db8:3::9 metric 1024 pref medium`);
    });
  });

  it('fact 5: the kernel’s own routes (prefix metric 256, a /128 too, fe80::/64, local, multicast ff00::/8) and rules (0 local, 32766 main)', () => {
    const plan = mkPlan6({ links: ['eth0', 'eth1'], addresses: [[`${PRIMARY6}/64`, 'eth0'], ['2001:db8:3::200/128', 'eth1'], ['2001:db8:60::1/127', 'eth1']] });
    session(plan, (s) => {
      mustAll(runLines(s, bootLines(plan)));
      const [routes, rules] = runLines(s, ['ip -6 route show table all', 'ip -6 rule']);
      // Link-local addresses come from the veths' random MACs: compare them by shape.
      const ll = (l: string): string => l.replace(/^local fe80::\S+/, 'local fe80::LL');
      const devs = new Set(['lo', ...plan.links.map((l) => l.name)]);
      const kernel = routes!.out.split('\n').map((l) => l.replace(/ pref medium$/, '').trim()).filter((l) => devs.has(/ dev (\S+)/.exec(l)?.[1] ?? '')).map(ll).sort();
      const state = buildFibState6(plan);
      const sim = [...state.tables.values()].flat().map((e) => describeRoute(e.route)).sort();
      // The simulator has no link-local address without a MAC; the kernel's local route for it is the one extra line per device.
      expect(kernel.filter((l) => !l.startsWith('local fe80::LL'))).toEqual(sim);
      expect(kernel.filter((l) => l.startsWith('local fe80::LL'))).toEqual(['local fe80::LL dev eth0 table local proto kernel metric 0', 'local fe80::LL dev eth1 table local proto kernel metric 0']);
      expect(rules!.out.split('\n').map((l) => l.replace(/\s+/g, ' ').trim())).toEqual(state.rules.map((r) => describeRule(r)));
    });
  });

  it('fact 5b: deleting the last address of a prefix deletes the first route of that prefix and device in main, a Plan route before the kernel’s own', () => {
    const plan = mkPlan6({ links: ['eth0', 'eth1'], addresses: [[`${PRIMARY6}/64`, 'eth0'], ['2001:db8:9::5/64', 'eth1']], routes: [{ to: '2001:db8:3::/64', dev: 'eth0', metric: 100 }] });
    const gone: FailoverStep = { op: 'down', address: PRIMARY6 };
    session(plan, (s) => {
      mustAll(runLines(s, [...bootLines(plan), ...stepLines(plan, gone)]));
      expect(runLines(s, ['ip -6 route show 2001:db8:3::/64'])[0]!.out).toBe('2001:db8:3::/64 dev eth0 proto kernel metric 256 pref medium');
      const r = compare(s, plan, [{ to: '2001:db8:3::9' }], { steps: [gone] });
      expect(r.kernel).toEqual(r.simulator);
    });
  });

  it('fact 6: a tentative address (DAD on) is no source; nodad makes it one at once', () => {
    const plan = mkPlan6({ links: ['eth0'], addresses: [[`${PRIMARY6}/64`, 'eth0']], routes: [{ via: GW6 }] });
    session(plan, (s) => {
      mustAll(runLines(s, bootLines(plan)));
      const ran = runLines(s, [
        'sysctl -qw net.ipv6.conf.eth0.accept_dad=1',
        `ip -6 addr add 2001:db8:3::50/64 dev eth0`,
        'ip -6 addr show dev eth0 to 2001:db8:3::50',
        `ip -6 route get 2001:db8:3::51`,
        `ip -6 addr add 2001:db8:3::60/64 dev eth0 nodad`,
        `ip -6 route get 2001:db8:3::61`,
      ]);
      expect(ran[2]!.out).toContain('tentative');
      // ::50 is the newest, longest match: it would win, but tentative is not a candidate.
      expect(ran[3]!.out).toContain(`src ${PRIMARY6}`);
      expect(ran[5]!.out).toContain('src 2001:db8:3::60');
    });
  });

  it('failover: a keepalived VIP’s routes are deleted by keepalived before the address goes, so they are gone; MASTER again adds them fresh', () => {
    const plan = scenarioA6({ appliedBy: 'keepalived' });
    const probes = [{ to: REMOTE }, { to: '2001:db8:3::1' }, { to: '2001:db8:3:0:8000::1' }];
    session(plan, (s) => {
      mustAll(runLines(s, bootLines(plan)));
      const boot = compare(s, plan, probes, {});
      expect(boot.kernel).toEqual(boot.simulator);
      mustAll(runLines(s, stepLines(plan, down)));
      const gone = compare(s, plan, probes, { steps: [down] });
      expect(gone.kernel).toEqual(gone.simulator);
      expect(gone.kernel[0]).toBe(`${REMOTE} from :: via ${GW6} dev eth0 src ${PRIMARY6} metric 100 pref medium`);
      expect(runLines(s, ['ip -6 route show table all'])[0]!.out.split('\n').filter((l) => l.includes('/65'))).toEqual([]);
      mustAll(runLines(s, stepLines(plan, { op: 'up', address: VIP6 })));
      const back = compare(s, plan, probes, { steps: [down, { op: 'up', address: VIP6 }] });
      expect(back.kernel).toEqual(back.simulator);
      expect(back.kernel.every((l) => l.includes(`src ${VIP6}`))).toBe(true);
    });
  });
});
