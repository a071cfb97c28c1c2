// Random IPv6 Plans for the simulator-vs-kernel property test (test/kernel/cross-check.test.ts
// part c). Built as Plans, not models: what the IPv6 simulator answers for is the Plan, and the
// kernel gets the Plan's IPv6 half through `ip` (apply6.ts), so a model or back-end is not
// needed to find where the two disagree. Small pools on purpose: overlapping prefixes on
// several devices, /128 and /80 addresses beside /64s, deprecated addresses, addresses
// brought up later by an alias or keepalived, routes with and without gateway (on-link or
// link-local) and src, in main and a second table, `from` rules; probes of every kind of
// destination the Plan names.
import fc from 'fast-check';
import { withKernelSession } from '../../src/kernel/index.js';
import { formatIPv6, networkOf6, parseCidr6 } from '../../src/net/ipv6.js';
import type { Applier, FailoverStep, Plan, PlanAddress, PlanRoute, PlanRule } from '../../src/plan/types.js';
import { buildFibState6, type ApplyMode, type StateOptions } from '../../src/simulate/index.js';
import { bootLines, compareProbes6, runLines, stepLines } from './apply6.js';

const LINKS = ['eth0', 'eth1', 'eth2'];
const PREFIXES = ['2001:db8:1::/64', '2001:db8:2::/64', '2001:db8:1::/80', 'fd00:5::/64', '2002:9::/64', '2001:db8:1:0:8000::/65', '2001:db8:3::5/128'];
const HOSTS = ['a', 'b', '111', '105'];
const ROUTE_TO = ['default', '2001:db8:7::/48', '2001:db8:7:1::/64', '2001:db8:1::/65', '2001:db8:1:0:8000::/65', '2002::/16'];
const METRICS = [1, 100, 1024];
// 2003::1 shares 15 bits with 2002:9::/64 and 14 with 2001:db8::/32: only the label rule (6) keeps 2002's 6to4 label away.
const REMOTE = ['2001:db8:7::1', '2001:db8:7:1::1', '2002:5::1', 'fd00:9::1', '2001:db8:99::1', '2001:db8:1:0:8000::77', '2003::1'];

export interface AddrSpec {
  prefix: number;
  host: number;
  dev: number;
  deprecated: boolean;
  /** 0-6 boot, 7-8 alias, 9 keepalived. */
  by: number;
}
export interface RouteSpec {
  to: number;
  /** 0 none, 1 a gateway in a connected prefix of the device, 2 fe80::1. */
  via: number;
  dev: number;
  /** 0 none, else an address (index - 1). */
  src: number;
  metric: number;
  table: boolean;
}
export interface RuleSpec {
  addr: number;
  prefix64: boolean;
}
export interface ProbeSpec6 {
  /** 0 a host address, 1 a neighbour in a connected prefix, 2 a remote one. */
  kind: number;
  pick: number;
  /** 0-6 none, 7-8 a host address, 9 an address the host does not have. */
  from: number;
}
export interface Case6 {
  links: number;
  addresses: AddrSpec[];
  routes: RouteSpec[];
  rules: RuleSpec[];
  append: boolean;
  probes: ProbeSpec6[];
  victim: number;
}

export const case6Arb: fc.Arbitrary<Case6> = fc.record({
  links: fc.integer({ min: 1, max: 3 }),
  addresses: fc.array(fc.record({ prefix: fc.nat(PREFIXES.length - 1), host: fc.nat(HOSTS.length - 1), dev: fc.nat(2), deprecated: fc.boolean(), by: fc.nat(9) }), { minLength: 1, maxLength: 6 }),
  routes: fc.array(
    fc.record({ to: fc.nat(ROUTE_TO.length - 1), via: fc.nat(2), dev: fc.nat(2), src: fc.nat(6), metric: fc.nat(METRICS.length - 1), table: fc.boolean() }),
    { maxLength: 6 },
  ),
  rules: fc.array(fc.record({ addr: fc.nat(5), prefix64: fc.boolean() }), { maxLength: 2 }),
  append: fc.boolean(),
  probes: fc.array(fc.record({ kind: fc.nat(2), pick: fc.nat(20), from: fc.nat(9) }), { minLength: 8, maxLength: 12 }),
  victim: fc.nat(5),
});

function hostIn(prefix: string, host: string): { address: string; prefix: number } {
  const c = parseCidr6(prefix)!;
  if (c.prefix === 128) return { address: formatIPv6(c.address), prefix: 128 };
  const net = networkOf6(c.address, c.prefix);
  return { address: formatIPv6(net | BigInt(`0x${host === 'a' ? 'a' : host === 'b' ? 'b' : host}`)), prefix: c.prefix };
}

/** The Plan a case stands for (deterministic); addresses deduplicated, dependencies as compile sets them. */
export function buildPlan6(c: Case6): Plan {
  const links = LINKS.slice(0, c.links);
  const addresses: PlanAddress[] = [];
  for (const s of c.addresses) {
    const { address, prefix } = hostIn(PREFIXES[s.prefix]!, HOSTS[s.host]!);
    if (addresses.some((a) => a.address === address)) continue;
    const by: Applier = s.by <= 6 ? 'boot' : s.by <= 8 ? 'alias' : 'keepalived';
    const a: PlanAddress = { family: 6, address, prefix, device: links[s.dev % links.length]!, onParent: by === 'boot', secondary: false, appliedBy: by };
    if (s.deprecated) a.deprecated = true;
    if (by === 'keepalived') a.cluster = 'vi_1';
    addresses.push(a);
  }
  const routes: PlanRoute[] = [];
  for (const s of c.routes) {
    const dev = links[s.dev % links.length]!;
    const r: PlanRoute = { family: 6, to: ROUTE_TO[s.to]!, dev, metric: METRICS[s.metric]!, table: s.table ? 't1' : 'main', origin: 'static', appliedBy: 'boot' };
    if (s.via === 1) {
      const on = addresses.find((a) => a.device === dev && a.prefix < 127);
      if (on !== undefined) r.via = formatIPv6(networkOf6(parseCidr6(`${on.address}/${on.prefix}`)!.address, on.prefix) | 0xfen);
    } else if (s.via === 2) r.via = 'fe80::1';
    if (r.via === undefined && r.to === 'default' && s.via !== 0) continue;
    const src = s.src === 0 ? undefined : addresses[(s.src - 1) % addresses.length];
    if (src !== undefined) {
      r.src = src.address;
      if (src.appliedBy !== 'boot') {
        r.dependsOn = src.address;
        r.appliedBy = src.appliedBy;
      }
    }
    routes.push(r);
  }
  const rules: PlanRule[] = [];
  c.rules.forEach((s, i) => {
    const a = addresses[s.addr % addresses.length]!;
    const from = s.prefix64 && a.prefix <= 64 ? formatIPv6(networkOf6(parseCidr6(`${a.address}/64`)!.address, 64)) + '/64' : a.address;
    const rule: PlanRule = { family: 6, priority: 100 + i, from, table: 't1', dev: a.device, origin: 'source-table', appliedBy: 'boot' };
    if (!s.prefix64 && a.appliedBy !== 'boot') {
      rule.dependsOn = a.address;
      rule.appliedBy = a.appliedBy;
    }
    rules.push(rule);
  });
  return {
    host: 'p6',
    source: 'p6.yaml',
    // Known MACs: the link-local addresses are then the simulator's too.
    links: links.map((name, i) => ({ name, kind: 'ethernet', onBoot: true, mac: `52:54:00:00:00:0${i + 1}` })),
    addresses,
    routes,
    rules,
    tables: [{ name: 't1', id: 101 }],
    removeGlobalGateway: false,
    removeGlobalGateway6: true,
    expectations: [],
    checks: [],
    vrrpInstances: [],
    pacemakerGroups: [],
  };
}

export function probes6(plan: Plan, specs: readonly ProbeSpec6[]): { to: string; from?: string }[] {
  const hosts = plan.addresses.map((a) => a.address);
  const nets = [...new Set(plan.addresses.filter((a) => a.prefix < 127).map((a) => formatIPv6(networkOf6(parseCidr6(`${a.address}/${a.prefix}`)!.address, a.prefix) | 0x99n)))];
  return specs.map((s) => {
    const pool = s.kind === 0 ? hosts : s.kind === 1 && nets.length > 0 ? nets : REMOTE;
    const to = pool[s.pick % pool.length]!;
    if (s.from <= 6) return { to };
    return { to, from: s.from <= 8 ? hosts[s.pick % hosts.length]! : '2001:db8:99::5' };
  });
}

export interface Stats6 {
  models: number;
  probes: number;
  skipped: number;
  refusedRoutes: number;
  withSteps: number;
}

export function newStats6(): Stats6 {
  return { models: 0, probes: 0, skipped: 0, refusedRoutes: 0, withSteps: 0 };
}

/** A multipath or equal-metric choice: the kernel may rotate among them (neighbour state, flow hash); not compared. */
/**
 * Boot one case in a namespace and compare every probe's `ip -6 route get` line with the
 * simulator's, at boot and after each step of: the victim address down, added back alone,
 * down again, up through its applier. Also the routes the kernel refused at boot. Throws
 * with the Plan and a table of disagreements.
 */
export function checkCase6(c: Case6, stats: Stats6, ctx: { replay: string; opened?: (ns: string) => void }): void {
  const plan = buildPlan6(c);
  const mode: ApplyMode = c.append ? 'append' : 'add';
  const probes = probes6(plan, c.probes);
  const bad: string[] = [];
  const victim = plan.addresses[c.victim % plan.addresses.length]!;
  const steps: FailoverStep[] = [
    { op: 'down', address: victim.address },
    { op: 'add', address: victim.address },
    { op: 'down', address: victim.address },
    { op: 'up', address: victim.address },
  ];
  withKernelSession({ links: plan.links }, (s) => {
    ctx.opened?.(s.namespace);
    stats.models++;
    const boot = runLines(s, bootLines(plan, mode));
    const failed = boot.filter((r) => r.status !== 0).map((r) => r.out);
    const sim0: StateOptions = { apply: mode };
    // The routes the simulator's boot refuses, in order (its later addresses' too, as bootLines runs them).
    const refused = buildFibState6(plan, { apply: mode }).refused.map((m) => m.why);
    stats.refusedRoutes += refused.length;
    if (JSON.stringify(failed) !== JSON.stringify(refused)) bad.push(`boot: the kernel refused [${failed.join(' | ')}], the simulator [${refused.join(' | ')}]`);
    const ask = (label: string, state: StateOptions): void => {
      compareProbes6(s, plan, probes, label, state, stats, bad);
    };
    ask('boot', sim0);
    stats.withSteps++;
    for (let k = 0; k < steps.length; k++) {
      runLines(s, stepLines(plan, steps[k]!, mode));
      ask(`after ${steps.slice(0, k + 1).map((x) => `${x.op} ${x.address}`).join(', ')}`, { ...sim0, steps: steps.slice(0, k + 1) });
    }
    if (bad.length > 0) {
      const state = runLines(s, ['ip -6 addr show', 'ip -6 route show table all', 'ip -6 rule']).map((r) => `$ ${r.cmd}\n${r.out}`).join('\n');
      throw new Error(`${describePlan(plan, mode, ctx.replay)}\nsimulator and kernel disagree:\n${bad.join('\n')}\n\nkernel at the end:\n${state}`);
    }
  });
}

function describePlan(plan: Plan, mode: ApplyMode, replay: string): string {
  const lines = [`IPv6 Plan (routes by ${mode}; ${replay}):`, `links: ${plan.links.map((l) => l.name).join(', ')}`];
  for (const a of plan.addresses) lines.push(`address ${a.address}/${a.prefix} dev ${a.device}${a.deprecated ? ' deprecated' : ''} by ${a.appliedBy}`);
  for (const r of plan.rules) lines.push(`rule ${r.priority} from ${r.from ?? 'all'} table ${r.table} by ${r.appliedBy}`);
  for (const r of plan.routes) lines.push(`route ${r.to}${r.via ? ` via ${r.via}` : ''} dev ${r.dev}${r.src ? ` src ${r.src}` : ''} metric ${r.metric} table ${r.table} by ${r.appliedBy}`);
  return lines.join('\n');
}
