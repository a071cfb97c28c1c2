// The simulated IPv6 kernel state: addresses per device, routing tables, rules, built from
// the Plan's `family: 6` entries the way a boot builds it (as fib.ts does for IPv4), then
// changed by the failover events of StateOptions. IPv4 lookups never build it.
//
// Kernel behaviour relied on here: Linux 6.18 with iproute2 6.1, each point checked in a
// scratch namespace (two veths, `net.ipv6.conf.default.accept_dad=0` or `nodad`), and the
// kernel facts under test in test/kernel/ipv6-facts.test.ts:
//
// Addresses (ipv6_link_dev_addr). A device's list is sorted by scope, global before
// link-local; a new address goes before the existing ones of its scope, so the most
// recently added comes first (`ip -6 addr` lists 2001:db8:3::105 above ::111 when it was
// added after it). lo holds ::1/128. A device that is up has a link-local address made
// from its MAC (EUI-64): known here only when the Plan gives the MAC.
//
// Kernel routes (addrconf). Per address: `local ADDR dev D table local proto kernel metric 0`
// and `NET/len dev D proto kernel metric 256` in main (also for a /128: `2001:db8:3::200
// dev eth0 proto kernel metric 256`); none of these for ::1 but the local one. Per device:
// `fe80::/64 dev D proto kernel metric 256` and `multicast ff00::/8 dev D table local proto
// kernel metric 256`. Rules: `0: from all lookup local`, `32766: from all lookup main`.
//
// Adding a route. A metric 0 is stored as 1024. `ip -6 route add` refuses any route with
// the same table, prefix and metric, whatever its device or gateway ("RTNETLINK answers:
// File exists"); `append` refuses only the same device and gateway (src is not compared),
// and a second route with a gateway becomes a multipath sibling of the first; `replace`
// replaces the first route with that key. `src` must be an address of the host, on any
// device ("Error: Invalid source address."). A gateway that is not link-local must be
// reachable on the route's device by a route without gateway, in the route's own table
// first, then through the rules ("RTNETLINK answers: No route to host"); a link-local
// gateway is taken as it is.
//
// Deleting an address (`ip -6 addr del`): its local route goes, and its prefix route when
// no other address of the device has the same prefix; every route, in every table, whose
// src was that address **stays with its src cleared** (fib6_remove_prefsrc); nothing else
// changes (a device without address keeps its routes). Adding the address back restores
// no src.
import type { Plan, PlanAddress, PlanLink, PlanRoute, PlanRule } from '../plan/types.js';
import {
  commonPrefixLength6,
  contains6,
  formatCidr6,
  formatIPv6,
  isLinkLocal6,
  isMulticast6,
  labelOf6,
  networkOf6,
  parseCidr6,
  parseIPv6,
  scopeOf6,
} from '../net/ipv6.js';
import type { ApplyMode, KernelRoute6, KernelRule, MissingRoute, RuleStep, SimRoute, SimRule, SourceRuleStep, StateOptions } from './types.js';

const LOOPBACK = 'lo';
const LINK_LOCAL_NET = 0xfe80n << 112n;
const MULTICAST_NET = 0xffn << 120n;

/** The two rules of every IPv6 namespace (no 32767 `default` rule). */
export const KERNEL_RULES6: readonly KernelRule[] = [
  { origin: 'kernel', priority: 0, table: 'local' },
  { origin: 'kernel', priority: 32766, table: 'main' },
];

/** One IPv6 address as the kernel keeps it. */
export interface SimAddress6 {
  /** Canonical text; for a link-local address the Plan cannot know, `fe80::` (see `known`). */
  address: string;
  value: bigint;
  prefix: number;
  device: string;
  /** preferred_lft 0: source selection avoids it (RFC 6724 rule 3). */
  deprecated: boolean;
  /** RFC 6724 scope (scopeOf6): 2 link-local, 14 global. */
  scope: number;
  /** False for a link-local address made from a MAC the Plan does not give: its value is a stand-in. */
  known: boolean;
  plan?: PlanAddress;
}

/** A route in an IPv6 table, in the kernel's order. */
export interface InstalledRoute6 {
  route: SimRoute;
  type: 'unicast' | 'local' | 'multicast';
  table: string;
  net: bigint;
  prefix: number;
  gw?: bigint;
  dev: string;
  prefsrc?: bigint;
  /** The src the kernel cleared when that address was deleted. */
  clearedSrc?: string;
  metric: number;
  proto: string;
}

export interface FibState6 {
  /** `lo` first, then the Plan's links in order. */
  devices: { name: string; addresses: SimAddress6[] }[];
  tables: Map<string, InstalledRoute6[]>;
  rules: SimRule[];
  refused: MissingRoute[];
  refusedRules: { rule: PlanRule; why: string }[];
  /** Routes taken away (by the manager that owns them). */
  flushed: MissingRoute[];
  events: string[];
}

/**
 * Build the IPv6 kernel state of a Plan once every address is up, then the failover events
 * in `options` (steps naming IPv4 addresses do not touch it).
 */
export function buildFibState6(plan: Plan, options: StateOptions = {}): FibState6 {
  const state: FibState6 = {
    devices: [{ name: LOOPBACK, addresses: [] }, ...plan.links.map((l) => ({ name: l.name, addresses: [] }))],
    tables: new Map([
      ['local', []],
      ['main', []],
    ]),
    rules: [...KERNEL_RULES6],
    refused: [],
    refusedRules: [],
    flushed: [],
    events: [],
  };
  const modeOf = typeof options.apply === 'function' ? options.apply : () => (options.apply as ApplyMode | undefined) ?? 'add';
  const ctx: Ctx = { plan, state, modeOf, restore: options.restore6 ?? 'replace' };
  addAddress(state, { address: '::1', value: 1n, prefix: 128, device: LOOPBACK, deprecated: false, scope: scopeOf6(1n), known: true });
  for (const link of plan.links) linkUp(state, link);
  const addresses = plan.addresses.filter((a) => a.family === 6);
  for (const a of addresses) if (a.appliedBy === 'boot') addAddress(state, fromPlanAddress(a));
  for (const rule of plan.rules) if (rule.family === 6 && rule.appliedBy === 'boot') addRule(state, rule, false);
  for (const route of plan.routes) {
    if (route.family !== 6 || route.appliedBy !== 'boot') continue;
    const err = applyRoute(state, route, modeOf(route));
    if (err !== undefined) state.refused.push({ route, why: err });
  }
  for (const a of addresses) if (a.appliedBy !== 'boot' && findAddress6(state, a.address) === undefined) bringUp(ctx, a, false);

  const mine = (text: string): boolean => text.includes(':');
  for (const text of options.down ?? []) if (mine(text)) takeDown(ctx, text);
  for (const text of options.up ?? []) {
    if (!mine(text)) continue;
    const a = addresses.find((x) => x.address === text);
    if (a === undefined) state.events.push(`${text} is not an address of the Plan; nothing brought up`);
    else if (findAddress6(state, a.address) !== undefined) state.events.push(`${text} is already up`);
    else addAddress(state, fromPlanAddress(a));
  }
  if (options.reapply) for (const route of plan.routes) if (route.family === 6) reapplyRoute(ctx, route, ctx.modeOf(route));
  for (const step of options.steps ?? []) {
    if (!mine(step.address)) continue;
    if (step.op === 'down') {
      takeDown(ctx, step.address);
      continue;
    }
    const a = addresses.find((x) => x.address === step.address);
    if (a === undefined) state.events.push(`${step.address} is not an address of the Plan; nothing brought back`);
    else if (findAddress6(state, a.address) !== undefined) state.events.push(`${step.address} is already up`);
    else if (step.op === 'add') {
      addAddress(state, fromPlanAddress(a));
      state.events.push(`${a.address} added alone (no manager): the routes that named it as src keep their src cleared`);
    } else bringUp(ctx, a, true);
  }
  return state;
}

interface Ctx {
  plan: Plan;
  state: FibState6;
  modeOf: (route: PlanRoute) => ApplyMode;
  restore: ApplyMode;
}

function fromPlanAddress(a: PlanAddress): SimAddress6 {
  const value = parseIPv6(a.address)!;
  const out: SimAddress6 = { address: a.address, value, prefix: a.prefix, device: a.device, deprecated: a.deprecated === true, scope: scopeOf6(value), known: true, plan: a };
  return out;
}

/** The link-local address the kernel makes from a MAC (EUI-64: the universal/local bit flipped, ff:fe in the middle). */
export function linkLocalOf(mac: string): bigint | undefined {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  if (b.length !== 6 || b.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
  const iid = [b[0]! ^ 2, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!].reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
  return LINK_LOCAL_NET | iid;
}

/** A link comes up: its link-local address, fe80::/64 and ff00::/8. */
function linkUp(state: FibState6, link: PlanLink): void {
  const ll = link.mac === undefined ? undefined : linkLocalOf(link.mac);
  const value = ll ?? LINK_LOCAL_NET;
  addAddress(state, { address: formatIPv6(value), value, prefix: 64, device: link.name, deprecated: false, scope: scopeOf6(value), known: ll !== undefined });
  insertKernel(state, { origin: 'kernel', family: 6, type: 'multicast', to: 'ff00::/8', dev: link.name, metric: 256, table: 'local', proto: 'kernel' }, MULTICAST_NET, 8);
}

export function findAddress6(state: FibState6, value: bigint | string): SimAddress6 | undefined {
  const v = typeof value === 'string' ? parseIPv6(value) : value;
  if (v === undefined) return undefined;
  for (const d of state.devices) for (const a of d.addresses) if (a.known && a.value === v) return a;
  return undefined;
}

function tableOf(state: FibState6, name: string): InstalledRoute6[] {
  let t = state.tables.get(name);
  if (t === undefined) {
    t = [];
    state.tables.set(name, t);
  }
  return t;
}

function deviceOf(state: FibState6, name: string): FibState6['devices'][number] {
  let dev = state.devices.find((d) => d.name === name);
  if (dev === undefined) {
    dev = { name, addresses: [] };
    state.devices.push(dev);
  }
  return dev;
}

/** ipv6_add_addr + addrconf_prefix_route: the address (newest first within its scope), its local route, its prefix route. */
function addAddress(state: FibState6, addr: SimAddress6): void {
  const dev = deviceOf(state, addr.device);
  const list = dev.addresses;
  if (addr.known && list.some((a) => a.known && a.value === addr.value)) return;
  const at = list.findIndex((a) => addr.scope >= a.scope);
  if (at < 0) list.push(addr);
  else list.splice(at, 0, addr);
  if (addr.known) insertKernel(state, { origin: 'kernel', family: 6, type: 'local', to: `${addr.address}/128`, dev: dev.name, metric: 0, table: 'local', proto: 'kernel', address: addr.address }, addr.value, 128);
  if (dev.name === LOOPBACK) return;
  const net = networkOf6(addr.value, addr.prefix);
  const route: KernelRoute6 = { origin: 'kernel', family: 6, type: 'unicast', to: formatCidr6(net, addr.prefix), dev: dev.name, metric: 256, table: 'main', proto: 'kernel' };
  if (isLinkLocal6(addr.value) && addr.prefix === 64) delete route.address;
  else route.address = addr.address;
  insertKernel(state, route, net, addr.prefix);
}

/** The kernel adds its own routes without NLM_F_EXCL: a route with the same device and no gateway is not added twice. */
function insertKernel(state: FibState6, route: KernelRoute6, net: bigint, prefix: number): void {
  const e: InstalledRoute6 = { route, type: route.type, table: route.table, net: networkOf6(net, prefix), prefix, dev: route.dev, metric: route.metric, proto: 'kernel' };
  insertRoute(tableOf(state, route.table), e, 'append');
}

/** fib6_add_rt2node with the flags of `ip -6 route add|append|replace`; returns the error, if any. */
function insertRoute(table: InstalledRoute6[], e: InstalledRoute6, mode: ApplyMode): string | undefined {
  const sameKey = (x: InstalledRoute6): boolean => x.net === e.net && x.prefix === e.prefix;
  const equals = table.filter((x) => sameKey(x) && x.metric === e.metric);
  if (mode === 'add' && equals.length > 0) return 'RTNETLINK answers: File exists';
  if (mode === 'append' && equals.some((x) => x.dev === e.dev && x.gw === e.gw)) return 'RTNETLINK answers: File exists';
  if (mode === 'replace' && equals[0] !== undefined) {
    table[table.indexOf(equals[0])] = e;
    return undefined;
  }
  // By metric; a new route goes after the ones of its metric.
  let at = -1;
  table.forEach((x, i) => {
    if (sameKey(x) && x.metric <= e.metric) at = i + 1;
  });
  if (at < 0) {
    const higher = table.findIndex((x) => sameKey(x) && x.metric > e.metric);
    at = higher >= 0 ? higher : table.length;
  }
  table.splice(at, 0, e);
  return undefined;
}

/** Turn a Plan route into a table entry; undefined when its text cannot be parsed (the validator prevents that). */
export function installedOf6(route: PlanRoute): InstalledRoute6 | undefined {
  const to = route.to === 'default' ? { address: 0n, prefix: 0 } : parseCidr6(route.to);
  if (to === undefined) return undefined;
  const e: InstalledRoute6 = {
    route,
    type: 'unicast',
    table: route.table,
    net: networkOf6(to.address, to.prefix),
    prefix: to.prefix,
    dev: route.dev,
    metric: route.metric === 0 ? 1024 : route.metric,
    proto: route.proto ?? 'boot',
  };
  if (route.via !== undefined) {
    const gw = parseIPv6(route.via);
    if (gw === undefined) return undefined;
    e.gw = gw;
  }
  if (route.src !== undefined) {
    const src = parseIPv6(route.src);
    if (src === undefined) return undefined;
    e.prefsrc = src;
  }
  return e;
}

/** `ip -6 route add|append|replace` of one Plan route; returns what the kernel answers when it refuses. */
function applyRoute(state: FibState6, route: PlanRoute, mode: ApplyMode): string | undefined {
  const e = installedOf6(route);
  if (e === undefined) return 'Error: inet6 prefix is expected';
  if (e.prefsrc !== undefined && findAddress6(state, e.prefsrc) === undefined) return 'Error: Invalid source address.';
  if (e.gw !== undefined && !isLinkLocal6(e.gw) && route.onlink !== true) {
    if (findAddress6(state, e.gw) !== undefined) return 'Error: Gateway can not be a local address.';
    if (!gatewayReachable(state, e)) return 'RTNETLINK answers: No route to host';
  }
  return insertRoute(tableOf(state, e.table), e, mode);
}

/** ip6_route_check_nh: the gateway found on the route's device by a route without gateway, its own table first, then through the rules. */
function gatewayReachable(state: FibState6, e: InstalledRoute6): boolean {
  const ok = (hit: InstalledRoute6 | undefined): boolean => hit !== undefined && hit.gw === undefined && hit.type === 'unicast';
  const flow: Flow6 = { daddr: e.gw!, saddr: 0n, oif: e.dev };
  const own = state.tables.get(e.table);
  if (own !== undefined && ok(lookupTable6(own, flow))) return true;
  return ok(lookupPolicy6(state, flow)?.entry);
}

/** `ip -6 rule add`; a second copy (same priority and table, every named selector equal) is refused. */
function addRule(state: FibState6, rule: PlanRule, again: boolean): void {
  const same = (sel: string | undefined, other: string | undefined): boolean => {
    if (sel === undefined) return true;
    if (other === undefined) return false;
    const x = parseCidr6(sel, true);
    const y = parseCidr6(other, true);
    return x !== undefined && y !== undefined && x.prefix === y.prefix && networkOf6(x.address, x.prefix) === networkOf6(y.address, y.prefix);
  };
  const dup = state.rules.some(
    (r) => r.priority === rule.priority && r.table === rule.table && same(rule.from, r.origin === 'kernel' ? undefined : r.from) && same(rule.to, r.origin === 'kernel' ? undefined : r.to),
  );
  if (dup) {
    if (!again) state.refusedRules.push({ rule, why: 'RTNETLINK answers: File exists' });
    return;
  }
  const all = [...state.rules, rule].map((r, i) => ({ r, i }));
  state.rules = all.sort((a, b) => a.r.priority - b.r.priority || a.i - b.i).map((x) => x.r);
}

/**
 * Take an address away. A manager that owns routes (keepalived leaving MASTER, Pacemaker
 * stopping the group) deletes its own routes and rules first; then `ip -6 addr del`.
 */
function takeDown(ctx: Ctx, text: string): void {
  const { state, plan } = ctx;
  const addr = findAddress6(state, text);
  if (addr === undefined) {
    state.events.push(`${text} is not configured; nothing taken down`);
    return;
  }
  const manager = addr.plan?.appliedBy;
  if (manager === 'keepalived' || manager === 'pacemaker') {
    const owned = (r: { family: number; appliedBy: string; dependsOn?: string }): boolean => r.family === 6 && r.appliedBy === manager && r.dependsOn === addr.address;
    for (const route of plan.routes) {
      if (!owned(route)) continue;
      for (const table of state.tables.values()) {
        const i = table.findIndex((e) => e.route === route);
        if (i >= 0) {
          table.splice(i, 1);
          state.flushed.push({ route, why: `${manager} deleted it with ${addr.address}` });
        }
      }
    }
    state.rules = state.rules.filter((r) => r.origin === 'kernel' || !owned(r));
  }
  deleteAddress(state, addr);
}

/** ipv6_del_addr: the address, its local route, its prefix route if no other address has the prefix; src cleared everywhere. */
function deleteAddress(state: FibState6, addr: SimAddress6): void {
  const dev = deviceOf(state, addr.device);
  dev.addresses = dev.addresses.filter((a) => a !== addr);
  const net = networkOf6(addr.value, addr.prefix);
  const prefixKept = dev.addresses.some((a) => a.known && a.prefix === addr.prefix && networkOf6(a.value, a.prefix) === net);
  for (const table of state.tables.values()) {
    const keep = table.filter((e) => !(e.route.origin === 'kernel' && e.route.family === 6 && e.type === 'local' && e.route.dev === dev.name && e.route.address === addr.address));
    table.splice(0, table.length, ...keep);
  }
  if (!prefixKept) {
    // cleanup_prefix_route finds "the" prefix route as the first route of table main with
    // that prefix and device and no gateway, whoever made it: a route of the Plan with a
    // lower metric goes in place of the kernel's own (measured: with `2001:db8:1:0:8000::/65
    // dev eth0 metric 1` beside an address of that /65, deleting the address deleted the
    // metric-1 route and kept `proto kernel metric 256`).
    const main = tableOf(state, 'main');
    const i = main.findIndex((e) => e.net === net && e.prefix === addr.prefix && e.dev === dev.name && e.gw === undefined && e.type === 'unicast');
    const e = main[i];
    if (e !== undefined) {
      main.splice(i, 1);
      if (e.route.origin !== 'kernel') {
        state.flushed.push({ route: e.route, why: `the kernel deleted it as the prefix route of ${addr.address} when that address went (it takes the first route of the prefix and device, not its own)` });
      }
    }
  }
  for (const table of state.tables.values()) {
    for (const e of table) {
      if (e.prefsrc === addr.value) {
        delete e.prefsrc;
        e.clearedSrc = addr.address;
      }
    }
  }
}

/**
 * Bring an address up the way its applier does: keepalived and Pacemaker move every VIP of
 * the instance or group, then add the routes and rules that depend on them (fresh: they
 * deleted them). A boot or alias applier adds the address, the routes and rules that follow
 * it, and re-reads the device's route lines: a route that names the address as src (still
 * there, src cleared) comes back by `restore6` (netgen's hook: `replace`), the others by the
 * consumer's own mode ("File exists" for lines still present).
 */
function bringUp(ctx: Ctx, a: PlanAddress, again: boolean): void {
  const { plan, state } = ctx;
  const cluster = a.appliedBy === 'keepalived' || a.appliedBy === 'pacemaker';
  const moved = cluster ? plan.addresses.filter((x) => x.family === 6 && x.appliedBy === a.appliedBy && x.cluster === a.cluster) : [a];
  for (const x of moved) if (findAddress6(state, x.address) === undefined) addAddress(state, fromPlanAddress(x));
  const names = new Set(moved.map((x) => x.address));
  const depends = (r: { dependsOn?: string }): boolean => r.dependsOn !== undefined && names.has(r.dependsOn);
  const follows = (r: { family: number; appliedBy: string; dependsOn?: string; dev: string }): boolean =>
    r.family === 6 && ((r.appliedBy === a.appliedBy && depends(r)) || (!cluster && again && r.appliedBy === 'boot' && r.dev === a.device));
  for (const rule of plan.rules) if (follows(rule)) addRule(state, rule, true);
  for (const route of plan.routes) {
    if (!follows(route)) continue;
    const namesIt = route.src !== undefined && names.has(route.src);
    if (cluster || !again) {
      const err = applyRoute(state, route, ctx.modeOf(route));
      if (err !== undefined) state.refused.push({ route, why: err });
      else state.refused = state.refused.filter((m) => m.route !== route);
      state.flushed = state.flushed.filter((m) => m.route !== route);
    } else reapplyRoute(ctx, route, namesIt ? ctx.restore : ctx.modeOf(route));
  }
}

function reapplyRoute(ctx: Ctx, route: PlanRoute, mode: ApplyMode): void {
  if (applyRoute(ctx.state, route, mode) !== undefined) return;
  ctx.state.refused = ctx.state.refused.filter((m) => m.route !== route);
  ctx.state.flushed = ctx.state.flushed.filter((m) => m.route !== route);
}

/** A flow as fib6_lookup sees it. */
export interface Flow6 {
  daddr: bigint;
  /** 0n: none given (`from ::`). */
  saddr: bigint;
  /** Only routes through this device (RT6_LOOKUP_F_IFACE). */
  oif?: string;
}

export interface PolicyResult6 {
  entry: InstalledRoute6;
  rule: SimRule;
  table: string;
  candidates: InstalledRoute6[];
  trace: RuleStep[];
}

/** fib6_table_lookup: the longest prefix holding the destination; within it the first route in the kernel's order (lowest metric, then as inserted). */
export function lookupTable6(entries: readonly InstalledRoute6[], flow: Flow6): InstalledRoute6 | undefined {
  let best: InstalledRoute6 | undefined;
  for (const e of entries) {
    if (!contains6(e.net, e.prefix, flow.daddr)) continue;
    if (flow.oif !== undefined && e.dev !== flow.oif) continue;
    if (best === undefined || e.prefix > best.prefix) best = e;
  }
  return best;
}

/** Whether a rule selector (an address or `net/len`; absent = all) holds the address; a flow without source matches only `from all`. */
export function selectorMatches6(selector: string | undefined, value: bigint, given: boolean): boolean {
  if (selector === undefined) return true;
  if (!given) return false;
  const c = parseCidr6(selector, true);
  return c !== undefined && contains6(c.address, c.prefix, value);
}

function ruleMatches(rule: SimRule, flow: Flow6): boolean {
  if (rule.origin === 'kernel') return true;
  return selectorMatches6(rule.from, flow.saddr, flow.saddr !== 0n) && selectorMatches6(rule.to, flow.daddr, true);
}

/** fib6_lookup through the rules in order: the first rule whose table has a route decides. */
export function lookupPolicy6(state: FibState6, flow: Flow6): PolicyResult6 | undefined {
  const trace: RuleStep[] = [];
  for (const rule of state.rules) {
    if (!ruleMatches(rule, flow)) {
      trace.push({ rule, outcome: 'selector does not match' });
      continue;
    }
    const candidates = state.tables.get(rule.table) ?? [];
    const entry = lookupTable6(candidates, flow);
    if (entry !== undefined) return { entry, rule, table: rule.table, candidates, trace };
    trace.push({ rule, outcome: 'no route in table' });
  }
  return undefined;
}

export function traceOfFailure6(state: FibState6, flow: Flow6): RuleStep[] {
  return state.rules.map((rule) => ({ rule, outcome: ruleMatches(rule, flow) ? ('no route in table' as const) : ('selector does not match' as const) }));
}

export function missingRoutes6(state: FibState6): MissingRoute[] {
  return [...state.refused, ...state.flushed];
}

/** RFC 6724 section 5 as ipv6_get_saddr_eval applies it, rule by rule (4, home addresses, and 7, temporary addresses, never differ here). */
const SOURCE_RULES: readonly { rule: number; name: string }[] = [
  { rule: 1, name: 'prefer same address' },
  { rule: 2, name: 'prefer appropriate scope' },
  { rule: 3, name: 'avoid deprecated' },
  { rule: 5, name: 'prefer outgoing interface' },
  { rule: 6, name: 'prefer matching label' },
  { rule: 8, name: 'longest matching prefix' },
];

export interface SourceChoice {
  address?: SimAddress6;
  /** Why the winner beat each other candidate (first rule that told them apart). */
  steps: SourceRuleStep[];
  /** No candidate at all, or the winner is a link-local address the Plan cannot spell. */
  why?: string;
}

/**
 * ipv6_dev_get_saddr(dst_dev, daddr): the candidates are the outgoing device's addresses for
 * a multicast or link-local destination, else every device's (lo first, then in order);
 * each is scored rule by rule and replaces the best so far only when a rule prefers it, so
 * on a full tie the first candidate stays: the most recently added address of the first
 * device that has one.
 */
export function selectSource6(state: FibState6, dev: string, daddr: bigint): SourceChoice {
  const dscope = scopeOf6(daddr);
  const dlabel = labelOf6(daddr);
  const strict = isMulticast6(daddr) || dscope <= 2;
  const candidates: SimAddress6[] = [];
  for (const d of state.devices) {
    if (strict && d.name !== dev) continue;
    candidates.push(...d.addresses);
  }
  // Per rule: a number, larger preferred (ipv6_get_saddr_eval).
  const scores = (a: SimAddress6): number[] => [
    a.known && a.value === daddr ? 1 : 0,
    a.scope >= dscope ? -a.scope : a.scope - 128,
    a.deprecated ? 0 : 1,
    a.device === dev ? 1 : 0,
    labelOf6(a.value) === dlabel ? 1 : 0,
    commonPrefixLength6(a.value, daddr, a.prefix),
  ];
  let best: SimAddress6 | undefined;
  let bestScore: number[] = [];
  for (const c of candidates) {
    const s = scores(c);
    if (best === undefined || firstDifference(s, bestScore) > 0) {
      best = c;
      bestScore = s;
    }
  }
  if (best === undefined) return { steps: [], why: strict ? `${dev} has no IPv6 address to send from` : 'the host has no IPv6 address to send from' };
  const steps: SourceRuleStep[] = [];
  for (const c of candidates) {
    if (c === best) continue;
    const s = scores(c);
    const i = bestScore.findIndex((v, k) => v !== s[k]);
    const label = c.known ? c.address : `${c.device}'s link-local address`;
    if (i < 0) {
      steps.push({ rule: 0, name: 'no rule tells them apart, the kernel keeps its first candidate', loser: label, why: describeOrder(best, c) });
      continue;
    }
    const r = SOURCE_RULES[i]!;
    steps.push({ rule: r.rule, name: r.name, loser: label, why: lossReason(r.rule, c, label, s[i]!, bestScore[i]!, dev, daddr) });
  }
  const out: SourceChoice = { address: best, steps };
  if (!best.known) out.why = `${best.device}'s link-local address (made from its MAC address, which the model does not give)`;
  return out;
}

function firstDifference(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function describeOrder(best: SimAddress6, other: SimAddress6): string {
  return best.device === other.device ? `${best.address} was added after ${other.address} (most recently added first)` : `${best.device} comes before ${other.device}`;
}

function lossReason(rule: number, c: SimAddress6, label: string, mine: number, theirs: number, dev: string, daddr: bigint): string {
  switch (rule) {
    case 1:
      return `the destination is the host's own address`;
    case 2:
      return `${label} (scope ${scopeName(c.scope)}, the destination's ${scopeName(scopeOf6(daddr))})`;
    case 3:
      return `${label} is deprecated`;
    case 5:
      return `${label} is on ${c.device}, not on the outgoing ${dev}`;
    case 6:
      return `${label} has label ${labelOf6(c.value)}, the destination ${labelOf6(daddr)}`;
    default:
      return `${label} shares ${mine} leading bits with the destination, the chosen one ${theirs}`;
  }
}

function scopeName(scope: number): string {
  return scope === 2 ? 'link' : scope === 14 ? 'global' : scope === 5 ? 'site' : String(scope);
}
