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
import { followersOf, followingPlaces, forgetMissing, type Followers } from './followers.js';
import { tableIndexes } from './table-index.js';
import {
  commonPrefixLength6,
  contains6,
  formatCidr6,
  formatIPv6,
  isLinkLocal6,
  isMulticast6,
  labelOf6,
  maskOf6,
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
  if (options.reapply) {
    const back = new Set<PlanRoute>();
    for (const route of plan.routes) if (route.family === 6) reapplyRoute(ctx, route, ctx.modeOf(route), back);
    forgetMissing(state, back, back);
  }
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
  /** Made at the first bring-up. */
  followers?: Followers;
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

/**
 * A 128-bit value as a Map key. V8 hashes a BigInt by its lowest 64 bits only, so /64
 * networks (or addresses ending alike, `2001:db8:N::1`) all collide: a Map keyed by them
 * reads like a list (20,000 such keys took 1.6 s to insert; as strings, 8 ms).
 */
function key6(v: bigint): string {
  return v.toString(16);
}

/**
 * The host's known addresses by value (every device's, in no particular order), kept as
 * addresses are added; made again from the devices after one is deleted.
 */
const addressIndexes = new WeakMap<FibState6, Map<string, SimAddress6[]>>();

function addressIndex(state: FibState6): Map<string, SimAddress6[]> {
  let index = addressIndexes.get(state);
  if (index === undefined) {
    index = new Map();
    for (const d of state.devices) for (const a of d.addresses) indexAddress(index, a);
    addressIndexes.set(state, index);
  }
  return index;
}

function indexAddress(index: Map<string, SimAddress6[]>, a: SimAddress6): void {
  if (!a.known) return;
  const key = key6(a.value);
  const holders = index.get(key);
  if (holders === undefined) index.set(key, [a]);
  else holders.push(a);
}

/** The addresses changed: the indexes made from them are made again when next read. */
function addressesChanged(state: FibState6): void {
  addressIndexes.delete(state);
  sourceIndexes.delete(state);
}

export function findAddress6(state: FibState6, value: bigint | string): SimAddress6 | undefined {
  const v = typeof value === 'string' ? parseIPv6(value) : value;
  if (v === undefined) return undefined;
  const holders = addressIndex(state).get(key6(v));
  if (holders === undefined) return undefined;
  if (holders.length === 1) return holders[0];
  // On more than one device: the first in the kernel's order.
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

/** The state's devices by name (the first of a name, as find() gives), kept as devices are added. */
const deviceIndexes = new WeakMap<FibState6, Map<string, FibState6['devices'][number]>>();

function deviceNamed(state: FibState6, name: string): FibState6['devices'][number] | undefined {
  let index = deviceIndexes.get(state);
  if (index === undefined) {
    index = new Map();
    for (const d of state.devices) if (!index.has(d.name)) index.set(d.name, d);
    deviceIndexes.set(state, index);
  }
  return index.get(name);
}

function deviceOf(state: FibState6, name: string): FibState6['devices'][number] {
  let dev = deviceNamed(state, name);
  if (dev === undefined) {
    dev = { name, addresses: [] };
    state.devices.push(dev);
    deviceIndexes.get(state)!.set(name, dev);
  }
  return dev;
}

/** ipv6_add_addr + addrconf_prefix_route: the address (newest first within its scope), its local route, its prefix route. */
function addAddress(state: FibState6, addr: SimAddress6): void {
  const dev = deviceOf(state, addr.device);
  const list = dev.addresses;
  const byValue = addressIndex(state);
  if (addr.known && byValue.get(key6(addr.value))?.some((a) => a.device === dev.name)) return;
  const at = list.findIndex((a) => addr.scope >= a.scope);
  if (at < 0) list.push(addr);
  else list.splice(at, 0, addr);
  indexAddress(byValue, addr);
  sourceIndexes.delete(state);
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

// Masks by prefix length, made at first use (networkOf6 builds its mask per call).
let masks6: bigint[] | undefined;

function net6(address: bigint, prefix: number): bigint {
  masks6 ??= Array.from({ length: 129 }, (_, p) => maskOf6(p));
  return address & masks6[prefix]!;
}

// The tables' index (src/simulate/table-index.ts): networks keyed as text (V8 hashes a
// BigInt by its lowest 64 bits only).
const { tableIndex, bucketOf, rewriteTable } = tableIndexes<bigint, InstalledRoute6>((net, prefix) => key6(net6(net, prefix)));

/** fib6_add_rt2node with the flags of `ip -6 route add|append|replace`; returns the error, if any. */
function insertRoute(table: InstalledRoute6[], e: InstalledRoute6, mode: ApplyMode): string | undefined {
  const index = tableIndex(table);
  // The routes with the same prefix, in table order.
  const same = bucketOf(index, e.prefix, e.net);
  const group = metricGroup(same, e.metric);
  const equals = group.routes;
  if (mode === 'add' && equals.length > 0) return 'RTNETLINK answers: File exists';
  if (mode === 'append' && group.devGw.has(devGwKey(e))) return 'RTNETLINK answers: File exists';
  if (mode === 'replace' && equals[0] !== undefined) {
    const old = equals[0];
    table[table.indexOf(old)] = e;
    same[same.indexOf(old)] = e;
    equals[0] = e;
    if (!equals.some((x) => devGwKey(x) === devGwKey(old))) group.devGw.delete(devGwKey(old));
    group.devGw.add(devGwKey(e));
    return undefined;
  }
  // By metric; a new route goes after the ones of its metric.
  let k = same.length - 1;
  while (k >= 0 && same[k]!.metric > e.metric) k--;
  // Found from the end: the routes of a prefix usually came in just before.
  let at: number;
  if (k >= 0) at = table.lastIndexOf(same[k]!) + 1;
  else if (same.length > 0) at = table.lastIndexOf(same[0]!);
  else at = table.length;
  if (at === table.length) table.push(e);
  else table.splice(at, 0, e);
  same.splice(k + 1, 0, e);
  // The last of its metric in the bucket, so the last of its group.
  equals.push(e);
  group.devGw.add(devGwKey(e));
  index.size = table.length;
  return undefined;
}

/**
 * The routes of one bucket with one metric, in bucket order, and their devices and gateways:
 * what `add`, `append` and `replace` compare a new route with. A device's fe80::/64 and
 * ff00::/8 routes share one bucket and metric on every device: reading the bucket per
 * insert made a host with 10,000 interfaces quadratic. Kept by insertRoute; a bucket is
 * replaced (with its groups) when its table's index is made again.
 */
const metricGroups = new WeakMap<InstalledRoute6[], Map<number, { routes: InstalledRoute6[]; devGw: Set<string> }>>();

function metricGroup(bucket: InstalledRoute6[], metric: number): { routes: InstalledRoute6[]; devGw: Set<string> } {
  let groups = metricGroups.get(bucket);
  if (groups === undefined) {
    groups = new Map();
    for (const x of bucket) {
      let g = groups.get(x.metric);
      if (g === undefined) groups.set(x.metric, (g = { routes: [], devGw: new Set() }));
      g.routes.push(x);
      g.devGw.add(devGwKey(x));
    }
    metricGroups.set(bucket, groups);
  }
  let group = groups.get(metric);
  if (group === undefined) groups.set(metric, (group = { routes: [], devGw: new Set() }));
  return group;
}

function devGwKey(e: InstalledRoute6): string {
  return e.gw === undefined ? e.dev : `${e.dev} ${key6(e.gw)}`;
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

/**
 * `ip -6 rule add`; a second copy (same priority and table, every named selector equal) is
 * refused. Each rule in the state stands for the keys a new rule may be compared by (priority
 * and table, with its `from`, its `to`, both, or neither); a new rule is a duplicate when its
 * own key (the selectors it names) is among them.
 */
function addRule(state: FibState6, rule: PlanRule, again: boolean): void {
  let keys = ruleKeys.get(state);
  if (keys === undefined || keys.rules !== state.rules) {
    keys = { rules: state.rules, seen: new Set() };
    for (const r of state.rules) for (const k of ruleKeysOf(r)) keys.seen.add(k);
    ruleKeys.set(state, keys);
  }
  if (keys.seen.has(duplicateKey(rule))) {
    if (!again) state.refusedRules.push({ rule, why: 'RTNETLINK answers: File exists' });
    return;
  }
  // By priority, equal priorities as added: after the last rule whose priority is not higher.
  let lo = 0;
  let hi = state.rules.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (state.rules[mid]!.priority <= rule.priority) lo = mid + 1;
    else hi = mid;
  }
  state.rules.splice(lo, 0, rule);
  for (const k of ruleKeysOf(rule)) keys.seen.add(k);
}

const ruleKeys = new WeakMap<FibState6, { rules: SimRule[]; seen: Set<string> }>();

/** A selector as the kernel compares it (its network and prefix); null when it cannot be parsed (it equals nothing). */
function selectorKey(text: string): string | null {
  const c = parseCidr6(text, true);
  return c === undefined ? null : `${net6(c.address, c.prefix)}/${c.prefix}`;
}

function ruleKeysOf(r: SimRule): string[] {
  const base = `${r.priority} ${r.table}`;
  const from = r.origin === 'kernel' || r.from === undefined ? null : selectorKey(r.from);
  const to = r.origin === 'kernel' || r.to === undefined ? null : selectorKey(r.to);
  const out = [base];
  if (from !== null) out.push(`${base} from ${from}`);
  if (to !== null) out.push(`${base} to ${to}`);
  if (from !== null && to !== null) out.push(`${base} from ${from} to ${to}`);
  return out;
}

/** The key a new rule is compared by; a selector it names that cannot be parsed makes a key no rule has. */
function duplicateKey(rule: PlanRule): string {
  let key = `${rule.priority} ${rule.table}`;
  if (rule.from !== undefined) key += ` from ${selectorKey(rule.from) ?? '?'}`;
  if (rule.to !== undefined) key += ` to ${selectorKey(rule.to) ?? '?'}`;
  return key;
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
          rewriteTable(table, table.filter((_, k) => k !== i));
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
  addressesChanged(state);
  const net = networkOf6(addr.value, addr.prefix);
  const prefixKept = dev.addresses.some((a) => a.known && a.prefix === addr.prefix && networkOf6(a.value, a.prefix) === net);
  for (const table of state.tables.values()) {
    const keep = table.filter((e) => !(e.route.origin === 'kernel' && e.route.family === 6 && e.type === 'local' && e.route.dev === dev.name && e.route.address === addr.address));
    rewriteTable(table, keep);
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
      rewriteTable(main, main.filter((_, k) => k !== i));
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
  const followers = (ctx.followers ??= followersOf(plan, 6));
  const cluster = a.appliedBy === 'keepalived' || a.appliedBy === 'pacemaker';
  const moved = cluster ? (followers.clusters.get(`${a.appliedBy} ${a.cluster ?? ''}`) ?? []).filter((x) => x.cluster === a.cluster) : [a];
  for (const x of moved) if (findAddress6(state, x.address) === undefined) addAddress(state, fromPlanAddress(x));
  const names = new Set(moved.map((x) => x.address));
  const depends = (r: { dependsOn?: string }): boolean => r.dependsOn !== undefined && names.has(r.dependsOn);
  const follows = (r: { family: number; appliedBy: string; dependsOn?: string; dev: string }): boolean =>
    r.family === 6 && ((r.appliedBy === a.appliedBy && depends(r)) || (!cluster && again && r.appliedBy === 'boot' && r.dev === a.device));
  const dev = !cluster && again ? a.device : undefined;
  for (const i of followingPlaces(followers.rules, names, dev)) {
    const rule = plan.rules[i]!;
    if (follows(rule)) addRule(state, rule, true);
  }
  const refused = new Set<PlanRoute>();
  const flushed = new Set<PlanRoute>();
  for (const i of followingPlaces(followers.routes, names, dev)) {
    const route = plan.routes[i]!;
    if (!follows(route)) continue;
    const namesIt = route.src !== undefined && names.has(route.src);
    if (cluster || !again) {
      const err = applyRoute(state, route, ctx.modeOf(route));
      if (err !== undefined) state.refused.push({ route, why: err });
      else refused.add(route);
      flushed.add(route);
    } else reapplyRoute(ctx, route, namesIt ? ctx.restore : ctx.modeOf(route), refused, flushed);
  }
  forgetMissing(state, refused, flushed);
}

/** Add a route again; when it goes in, it is added to `back` (and `alsoBack`): its refused and flushed entries are to be dropped. */
function reapplyRoute(ctx: Ctx, route: PlanRoute, mode: ApplyMode, back: Set<PlanRoute>, alsoBack?: Set<PlanRoute>): void {
  if (applyRoute(ctx.state, route, mode) !== undefined) return;
  back.add(route);
  alsoBack?.add(route);
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
  /** The table the deciding lookup looked in; holdersOf6 lists its routes to a destination. */
  tables: readonly (readonly InstalledRoute6[])[];
  /** The rules read in order, and the deciding one's place among them: the trace (traceOf6) is made from them only when asked for. */
  rules: readonly SimRule[];
  at: number;
}

/** fib6_table_lookup: the longest prefix holding the destination; within it the first route in the kernel's order (lowest metric, then as inserted). */
export function lookupTable6(entries: readonly InstalledRoute6[], flow: Flow6): InstalledRoute6 | undefined {
  const index = tableIndex(entries);
  for (const prefix of index.prefixes) {
    const bucket = index.buckets[prefix]!.get(key6(net6(flow.daddr, prefix)));
    if (bucket === undefined) continue;
    for (const e of bucket) if (flow.oif === undefined || e.dev === flow.oif) return e;
  }
  return undefined;
}

/** The routes of `tables` that hold `daddr`, longest prefix first, each prefix in table order (the order the kernel tries them). */
export function holdersOf6(tables: readonly (readonly InstalledRoute6[])[], daddr: bigint): InstalledRoute6[] {
  const out: InstalledRoute6[] = [];
  for (const table of tables) {
    const index = tableIndex(table);
    for (const prefix of index.prefixes) out.push(...(index.buckets[prefix]!.get(key6(net6(daddr, prefix))) ?? []));
  }
  return tables.length === 1 ? out : out.sort((a, b) => b.prefix - a.prefix);
}

/** A rule selector parsed: its network and prefix; null when it cannot be parsed (it matches nothing). */
interface Selector6 {
  net: bigint;
  prefix: number;
}

const selectorCache = new WeakMap<SimRule, { from: Selector6 | null | undefined; to: Selector6 | null | undefined }>();

function parseSelector6(text: string | undefined): Selector6 | null | undefined {
  if (text === undefined) return undefined;
  const c = parseCidr6(text, true);
  return c === undefined ? null : { net: net6(c.address, c.prefix), prefix: c.prefix };
}

/** A rule's selectors, parsed once per rule (undefined: all). */
function selectorsOf(rule: SimRule): { from: Selector6 | null | undefined; to: Selector6 | null | undefined } {
  let sel = selectorCache.get(rule);
  if (sel === undefined) {
    sel = rule.origin === 'kernel' ? { from: undefined, to: undefined } : { from: parseSelector6(rule.from), to: parseSelector6(rule.to) };
    selectorCache.set(rule, sel);
  }
  return sel;
}

/** Whether a selector (absent = all) holds the address; without a source (`given` false) only `from all` matches. */
function holds6(sel: Selector6 | null | undefined, value: bigint, given: boolean): boolean {
  if (sel === undefined) return true;
  return given && sel !== null && net6(value, sel.prefix) === sel.net;
}

function ruleMatches(rule: SimRule, flow: Flow6): boolean {
  const sel = selectorsOf(rule);
  return holds6(sel.from, flow.saddr, flow.saddr !== 0n) && holds6(sel.to, flow.daddr, true);
}

/**
 * The rules by their first selector: those without `from` or `to`; those with a `from`, by
 * its prefix and network; those with only a `to`, by its. The rules that may match a flow
 * are the first list and the two lookups (`from` only when the flow has a source), in order.
 */
interface RuleIndex6 {
  rules: readonly SimRule[];
  size: number;
  any: number[];
  byFrom: Map<number, Map<string, number[]>>;
  byTo: Map<number, Map<string, number[]>>;
}

const ruleIndexes = new WeakMap<FibState6, RuleIndex6>();

function ruleIndex(state: FibState6): RuleIndex6 {
  const rules = state.rules;
  let index = ruleIndexes.get(state);
  if (index === undefined || index.rules !== rules || index.size !== rules.length) {
    index = { rules, size: rules.length, any: [], byFrom: new Map(), byTo: new Map() };
    const put = (by: Map<number, Map<string, number[]>>, sel: Selector6, i: number): void => {
      let byNet = by.get(sel.prefix);
      if (byNet === undefined) by.set(sel.prefix, (byNet = new Map()));
      const key = key6(sel.net);
      const same = byNet.get(key);
      if (same === undefined) byNet.set(key, [i]);
      else same.push(i);
    };
    for (let i = 0; i < rules.length; i++) {
      const sel = selectorsOf(rules[i]!);
      if (sel.from === null || sel.to === null) continue; // matches nothing
      if (sel.from !== undefined) put(index.byFrom, sel.from, i);
      else if (sel.to !== undefined) put(index.byTo, sel.to, i);
      else index.any.push(i);
    }
    ruleIndexes.set(state, index);
  }
  return index;
}

/** The places in state.rules of the rules whose selectors match the flow, in order. */
function candidateRules(state: FibState6, flow: Flow6): number[] {
  const index = ruleIndex(state);
  const parts: number[][] = [index.any];
  if (flow.saddr !== 0n) {
    for (const [prefix, byNet] of index.byFrom) {
      const hit = byNet.get(key6(net6(flow.saddr, prefix)));
      if (hit !== undefined) parts.push(hit);
    }
  }
  for (const [prefix, byNet] of index.byTo) {
    const hit = byNet.get(key6(net6(flow.daddr, prefix)));
    if (hit !== undefined) parts.push(hit);
  }
  const nonEmpty = parts.filter((p) => p.length > 0);
  const all = nonEmpty.length === 1 ? nonEmpty[0]! : nonEmpty.flat().sort((a, b) => a - b);
  return all.filter((i) => ruleMatches(state.rules[i]!, flow));
}

/** fib6_lookup through the rules in order: the first rule whose table has a route decides (only the rules whose selectors match are tried). */
export function lookupPolicy6(state: FibState6, flow: Flow6): PolicyResult6 | undefined {
  const rules = state.rules;
  for (const at of candidateRules(state, flow)) {
    const rule = rules[at]!;
    const table = state.tables.get(rule.table) ?? [];
    const entry = lookupTable6(table, flow);
    if (entry !== undefined) return { entry, rule, table: rule.table, tables: [table], rules, at };
  }
  return undefined;
}

/** What each rule before the deciding one did (its selectors did not match, or its table had no route); made only when asked for. */
export function traceOf6(hit: Pick<PolicyResult6, 'rules' | 'at'>, flow: Flow6): RuleStep[] {
  return hit.rules.slice(0, hit.at).map((rule) => ({ rule, outcome: ruleMatches(rule, flow) ? ('no route in table' as const) : ('selector does not match' as const) }));
}

export function traceOfFailure6(state: FibState6, flow: Flow6): RuleStep[] {
  return traceOf6({ rules: state.rules, at: state.rules.length }, flow);
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
  /** Why the winner beat each other candidate (first rule that told them apart); made when read. */
  readonly steps: SourceRuleStep[];
  /** No candidate at all, or the winner is a link-local address the Plan cannot spell. */
  why?: string;
}

/**
 * ipv6_dev_get_saddr(dst_dev, daddr): the candidates are the outgoing device's addresses for
 * a multicast or link-local destination, else every device's (lo first, then in order);
 * each is scored rule by rule and replaces the best so far only when a rule prefers it, so
 * on a full tie the first candidate stays: the most recently added address of the first
 * device that has one. The winner is found through an index of the candidates (see
 * SourceIndex); the steps, which name every other candidate, are made only when read.
 */
export function selectSource6(state: FibState6, dev: string, daddr: bigint): SourceChoice {
  const dscope = scopeOf6(daddr);
  const dlabel = labelOf6(daddr);
  const strict = isMulticast6(daddr) || dscope <= 2;
  const index = sourceIndex(state, strict ? dev : undefined);
  const { candidates } = index;
  // Per rule: a number, larger preferred (ipv6_get_saddr_eval).
  const scores = (a: SimAddress6): number[] => [
    a.known && a.value === daddr ? 1 : 0,
    a.scope >= dscope ? -a.scope : a.scope - 128,
    a.deprecated ? 0 : 1,
    a.device === dev ? 1 : 0,
    labelOf6(a.value) === dlabel ? 1 : 0,
    commonPrefixLength6(a.value, daddr, a.prefix),
  ];
  const place = bestSource(index, dev, daddr, dscope, dlabel, scores);
  const best = place === undefined ? undefined : candidates[place];
  if (best === undefined) return { steps: [], why: strict ? `${dev} has no IPv6 address to send from` : 'the host has no IPv6 address to send from' };
  let steps: SourceRuleStep[] | undefined;
  const out: SourceChoice = {
    address: best,
    get steps() {
      return (steps ??= lostTo(best, candidates, scores, dev, daddr));
    },
  };
  if (!best.known) out.why = `${best.device}'s link-local address (made from its MAC address, which the model does not give)`;
  return out;
}

/** Why each other candidate lost to `best`: the first rule that told them apart. */
function lostTo(best: SimAddress6, candidates: readonly SimAddress6[], scores: (a: SimAddress6) => number[], dev: string, daddr: bigint): SourceRuleStep[] {
  const bestScore = scores(best);
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
  return steps;
}

/**
 * The source candidates of a state (every device's, or one device's), arranged so that the
 * winner is found without scoring each: rule 1 by value; for the other rules the candidates
 * fall into classes that score alike on rules 2 to 6 (same scope, deprecation, device and
 * label), and within a class into groups by prefix length, where rule 8 (the common prefix
 * with the destination, at most the prefix length) is largest for the values next to the
 * destination in sorted order, and those sharing that many bits with it are one run of the
 * sorted values: the first candidate among them is a range minimum.
 */
interface SourceIndex {
  candidates: SimAddress6[];
  /** Known addresses by value: their places among the candidates. */
  byValue: Map<string, number[]>;
  classes: { scope: number; deprecated: boolean; device: string; label: number; groups: SourceGroup[] }[];
}

interface SourceGroup {
  prefix: number;
  /** Values in ascending order, with each one's place among the candidates. */
  values: bigint[];
  places: number[];
  /** minPlace[k][i]: the smallest place among places[i .. i + 2^k). */
  minPlace: number[][];
}

/** Per state: the index of every device's addresses ('') and of single devices (by name, prefixed with a space). */
const sourceIndexes = new WeakMap<FibState6, Map<string, SourceIndex>>();

function sourceIndex(state: FibState6, only: string | undefined): SourceIndex {
  let perState = sourceIndexes.get(state);
  if (perState === undefined) sourceIndexes.set(state, (perState = new Map()));
  const key = only === undefined ? '' : ` ${only}`;
  let index = perState.get(key);
  if (index !== undefined) return index;
  const candidates: SimAddress6[] = [];
  for (const d of state.devices) if (only === undefined || d.name === only) candidates.push(...d.addresses);
  const byValue = new Map<string, number[]>();
  const classes = new Map<string, { scope: number; deprecated: boolean; device: string; label: number; members: Map<number, number[]> }>();
  candidates.forEach((a, place) => {
    if (a.known) {
      const key = key6(a.value);
      const same = byValue.get(key);
      if (same === undefined) byValue.set(key, [place]);
      else same.push(place);
    }
    const label = labelOf6(a.value);
    const key = `${a.scope} ${a.deprecated} ${a.device} ${label}`;
    let c = classes.get(key);
    if (c === undefined) classes.set(key, (c = { scope: a.scope, deprecated: a.deprecated, device: a.device, label, members: new Map() }));
    const group = c.members.get(a.prefix);
    if (group === undefined) c.members.set(a.prefix, [place]);
    else group.push(place);
  });
  index = {
    candidates,
    byValue,
    classes: [...classes.values()].map((c) => ({
      scope: c.scope,
      deprecated: c.deprecated,
      device: c.device,
      label: c.label,
      groups: [...c.members].map(([prefix, places]) => sourceGroup(prefix, places, candidates)),
    })),
  };
  perState.set(key, index);
  return index;
}

function sourceGroup(prefix: number, members: number[], candidates: readonly SimAddress6[]): SourceGroup {
  const sorted = [...members].sort((x, y) => {
    const a = candidates[x]!.value;
    const b = candidates[y]!.value;
    return a < b ? -1 : a > b ? 1 : x - y;
  });
  const minPlace: number[][] = [sorted];
  for (let width = 2; width <= sorted.length; width *= 2) {
    const prev = minPlace[minPlace.length - 1]!;
    const half = width / 2;
    const row: number[] = [];
    for (let i = 0; i + width <= sorted.length; i++) row.push(Math.min(prev[i]!, prev[i + half]!));
    minPlace.push(row);
  }
  return { prefix, values: sorted.map((p) => candidates[p]!.value), places: sorted, minPlace };
}

/** The first index of `values` (ascending) whose value is at least `v`. */
function lowerBound(values: readonly bigint[], v: bigint): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Within one group: the largest rule-8 score, and the first candidate that has it. */
function groupBest(g: SourceGroup, daddr: bigint): { common: number; place: number } {
  const at = lowerBound(g.values, daddr);
  let longest = 0;
  if (at < g.values.length) longest = Math.max(longest, commonPrefixLength6(g.values[at]!, daddr));
  if (at > 0) longest = Math.max(longest, commonPrefixLength6(g.values[at - 1]!, daddr));
  const common = Math.min(longest, g.prefix);
  // The values sharing `common` leading bits with the destination: one run of the sorted values.
  const first = net6(daddr, common);
  const from = lowerBound(g.values, first);
  const to = common === 0 ? g.values.length : lowerBound(g.values, first + (1n << BigInt(128 - common)));
  const k = 31 - Math.clz32(to - from);
  const row = g.minPlace[k]!;
  return { common, place: Math.min(row[from]!, row[to - (1 << k)]!) };
}

/** The place of the first candidate with the highest score (see SourceIndex), or undefined when there is none. */
function bestSource(index: SourceIndex, dev: string, daddr: bigint, dscope: number, dlabel: number, scores: (a: SimAddress6) => number[]): number | undefined {
  let best: { score: number[]; place: number } | undefined;
  const consider = (score: number[], place: number): void => {
    const d = best === undefined ? 1 : firstDifference(score, best.score);
    if (best === undefined || d > 0 || (d === 0 && place < best.place)) best = { score, place };
  };
  // Rule 1 (the destination is an address of the host) beats every other rule.
  const own = index.byValue.get(key6(daddr));
  if (own !== undefined) {
    for (const place of own) consider(scores(index.candidates[place]!), place);
    return best!.place;
  }
  for (const c of index.classes) {
    const head = [0, c.scope >= dscope ? -c.scope : c.scope - 128, c.deprecated ? 0 : 1, c.device === dev ? 1 : 0, c.label === dlabel ? 1 : 0];
    for (const g of c.groups) {
      const { common, place } = groupBest(g, daddr);
      consider([...head, common], place);
    }
  }
  return best?.place;
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
