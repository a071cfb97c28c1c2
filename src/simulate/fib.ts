// The simulated kernel state: addresses per device, routing tables, rules. It is built
// the way a boot builds it (every Plan address, then the Plan's rules, then its routes in
// order, then each address brought up later by its applier), then changed by the failover
// events of StateOptions (`steps`; the older `down`, `up`, `reapply`).
// The real consumers interleave per device (RHEL brings eth0 up with its routes before
// eth1's addresses exist), so a route whose gateway or src lives on a later device can
// fail at boot and still be present here; the Plan does not carry that order yet.
//
// Kernel behaviour relied on here: Linux 6.18 with iproute2 6.1, each point checked in a
// scratch namespace (`ip netns add ngsim-x; ip -n ngsim-x link add eth0 type veth peer
// name p0; ...; ip netns del ngsim-x`):
//
// Addresses (inet_insert_ifa). An address is secondary when the device already has one
// with the same prefix length covering it. Primaries keep their insertion order and come
// before every secondary; a secondary goes to the end. `ip addr add 10.1.0.10/24;
// 192.168.7.5/24; 203.0.113.9/32; 10.1.0.20/24` lists .10, 192.168.7.5, 203.0.113.9, then
// 10.1.0.20 as `secondary`.
//
// Kernel routes (fib_add_ifaddr). For every address: `local ADDR dev D table local proto
// kernel scope host src PRIM`, PRIM being the address itself or, for a secondary, the
// primary of its subnet (`ip route show table local` showed `local 172.16.3.105 dev eth0
// ... src 172.16.3.111`). For a primary with prefix < 32 (and a network outside 0/8):
// `NET/len dev D proto kernel scope link src ADDR` in main, metric 0, and for prefix < 31
// `broadcast BRD dev D table local scope link src ADDR`. No broadcast route for the
// network address on this kernel (older kernels made one); none of these for a /32. Two
// devices in one subnet give two connected routes and two broadcast routes, in the order
// the addresses came. lo's 127.0.0.1/8 (scope host) gives `local 127.0.0.0/8 dev lo`.
//
// Adding a route. `ip route add` refuses a second route with the same table, prefix and
// metric whatever its device ("RTNETLINK answers: File exists", also against the kernel's
// own connected route); `ip route append` puts it after the routes with that key, and
// refuses only an exact duplicate; within a prefix the kernel keeps routes by metric.
// `src` must be an address of the host, on any device, in any table ("Error: Invalid
// prefsrc address."). A gateway must be reachable on the route's device through a route of
// scope link or host, looked up first in the route's own table and then through the rules;
// a gateway reachable only through another gateway route is refused ("Error: Nexthop has
// invalid gateway."), `onlink` skips the check. `scope host` with a gateway is refused.
//
// Deleting an address (fib_del_ifaddr, fib_sync_down_addr, fib_disable_ip):
//  - the kernel routes it justified go;
//  - routes whose `src` is that address are flushed **from table main only**: a route
//    `10.5.0.0/16 via 172.16.3.1 dev eth0 src 172.16.3.105 table 100` survived
//    `ip addr del 172.16.3.105/24 dev eth0`, and `ip route get 10.5.1.1` (rule to 100)
//    still answered `src 172.16.3.105`;
//  - when the device has no IPv4 address left, every route through it goes, in every table;
//  - routes are not checked again: `default via 10.1.0.1 dev eth0` stayed after the
//    address of 10.1.0.0/24 was deleted while eth0 kept another one;
//  - deleting a primary deletes its secondaries when promote_secondaries is 0 (the
//    default; a new namespace inherits it from the host); with 1 the first secondary becomes
//    primary, moves after the last primary, and its subnet's kernel routes are made again
//    with it as src;
//  - adding the address back does not bring any flushed route back.
import type { Plan, PlanAddress, PlanRoute, PlanRule } from '../plan/types.js';
import { followersOf, followingPlaces, forgetMissing, type Followers } from './followers.js';
import { tableIndexes } from './table-index.js';
import { broadcastOf, contains, formatCidr, formatIPv4, networkOf, parseCidr, parseIPv4 } from '../net/ipv4.js';
import type { ApplyMode, FibState, InstalledRoute, KernelRoute, KernelRule, RouteType, RuleStep, SimAddress, SimRule, StateOptions } from './types.js';

export const SCOPE_UNIVERSE = 0;
export const SCOPE_LINK = 253;
export const SCOPE_HOST = 254;

const LOOPBACK = 'lo';

/** The three rules of every IPv4 namespace. */
export const KERNEL_RULES: readonly KernelRule[] = [
  { origin: 'kernel', priority: 0, table: 'local' },
  { origin: 'kernel', priority: 32766, table: 'main' },
  { origin: 'kernel', priority: 32767, table: 'default' },
];

/** A flow as fib_table_lookup sees it. */
export interface Flow {
  daddr: number;
  /** 0 when none is given. */
  saddr: number;
  /** Only routes through this device (the gateway check of `ip route add`). */
  oif?: string;
  /** Only routes of at least this scope (universe for `ip route get`, link for the gateway check). */
  scope: number;
}

export interface PolicyResult {
  entry: InstalledRoute;
  rule: SimRule;
  /** The table holding the route. */
  table: string;
  /** The table the kernel reports (`main` for the merged local/main trie). */
  kernelTable: string;
  /** The tables the deciding lookup looked in (merged: local, then main); holdersOf lists their routes to a destination. */
  tables: readonly (readonly InstalledRoute[])[];
  /** The rules read in order, and the deciding one's place among them: the trace (traceOf) is made from them only when asked for. */
  rules: readonly SimRule[];
  at: number;
}

/**
 * Build the kernel state a Plan gives once every address is up, then the failover events
 * in `options`. Boot first: the addresses, rules and routes the boot scripts add, in Plan
 * order; then every address brought up later, each by its applier with what depends on it
 * (an `on-parent: false` alias by `ifup`, a managed VIP by keepalived or Pacemaker).
 */
export function buildFibState(plan: Plan, options: StateOptions = {}): FibState {
  const state: FibState = {
    devices: [{ name: LOOPBACK, addresses: [] }, ...plan.links.map((l) => ({ name: l.name, addresses: [] }))],
    tables: new Map([
      ['local', []],
      ['main', []],
    ]),
    rules: [...KERNEL_RULES],
    // The kernel unmerges local and main at the first custom rule and never merges them back
    // (IPv6 rules live in their own world: src/simulate/fib6.ts).
    merged: !plan.rules.some((r) => r.family === 4),
    refused: [],
    refusedRules: [],
    flushed: [],
    events: [],
  };
  addAddress(state, { address: '127.0.0.1', value: 0x7f000001, prefix: 8, device: LOOPBACK, secondary: false, scope: SCOPE_HOST });
  const modeOf = typeof options.apply === 'function' ? options.apply : () => (options.apply as ApplyMode | undefined) ?? 'add';
  const ctx: StepContext = { plan, state, modeOf };
  for (const a of plan.addresses) if (a.family === 4 && a.appliedBy === 'boot') addAddress(state, fromPlanAddress(a));
  for (const rule of plan.rules) if (rule.family === 4 && rule.appliedBy === 'boot') addRule(state, rule, false);
  for (const route of plan.routes) {
    if (route.family !== 4 || route.appliedBy !== 'boot') continue;
    const err = applyRoute(state, route, modeOf(route));
    if (err !== undefined) state.refused.push({ route, why: err });
  }
  for (const a of plan.addresses) if (a.family === 4 && a.appliedBy !== 'boot' && findAddress(state, a.address) === undefined) bringUp(ctx, a, false);

  // Steps that name an IPv6 address change only the IPv6 state (fib6.ts).
  const mine = (text: string): boolean => !text.includes(':');
  for (const text of options.down ?? []) if (mine(text)) takeDown(ctx, text, options.promoteSecondaries ?? false);
  for (const text of options.up ?? []) {
    if (!mine(text)) continue;
    const a = plan.addresses.find((x) => x.address === text);
    if (a === undefined) state.events.push(`${text} is not an address of the Plan; nothing brought up`);
    else if (findAddress(state, a.address) !== undefined) state.events.push(`${text} is already up`);
    else addAddress(state, fromPlanAddress(a));
  }
  if (options.reapply) {
    const back = new Set<PlanRoute>();
    for (const route of plan.routes) if (route.family === 4) reapplyRoute(ctx, route, back);
    forgetMissing(state, back, back);
  }
  for (const step of options.steps ?? []) {
    if (!mine(step.address)) continue;
    if (step.op === 'down') {
      takeDown(ctx, step.address, options.promoteSecondaries ?? false);
      continue;
    }
    const a = plan.addresses.find((x) => x.address === step.address);
    if (a === undefined) state.events.push(`${step.address} is not an address of the Plan; nothing brought back`);
    else if (findAddress(state, a.address) !== undefined) state.events.push(`${step.address} is already up`);
    else if (step.op === 'add') {
      addAddress(state, fromPlanAddress(a));
      state.events.push(`${a.address} added alone (no manager): nothing adds the routes that depend on it`);
    } else bringUp(ctx, a, true);
  }
  return state;
}

interface StepContext {
  plan: Plan;
  state: FibState;
  modeOf: (route: PlanRoute) => ApplyMode;
  /** Made at the first bring-up. */
  followers?: Followers;
}

function takeDown(ctx: StepContext, text: string, promote: boolean): void {
  const value = parseIPv4(text);
  if (value === undefined) ctx.state.events.push(`${text} is not an IPv4 address; nothing taken down`);
  else deleteAddress(ctx.state, value, promote);
}

/**
 * Bring an address up the way its applier does, with what the applier adds after it:
 *  - keepalived and Pacemaker move every VIP of the instance or group together, then add
 *    the routes (and keepalived the rules) that depend on those VIPs;
 *  - `ifup` of an alias (`alias`, or a `boot` alias brought back by hand) adds the address,
 *    the alias's own route and rule lines, and reads the parent's route and rule files
 *    again (lines still present answer "File exists", which changes nothing).
 */
function bringUp(ctx: StepContext, a: PlanAddress, again: boolean): void {
  const { plan, state } = ctx;
  const followers = (ctx.followers ??= followersOf(plan, 4));
  const cluster = a.appliedBy === 'keepalived' || a.appliedBy === 'pacemaker';
  const moved = cluster ? (followers.clusters.get(`${a.appliedBy} ${a.cluster ?? ''}`) ?? []).filter((x) => x.cluster === a.cluster) : [a];
  for (const x of moved) if (findAddress(state, x.address) === undefined) addAddress(state, fromPlanAddress(x));
  const names = new Set(moved.map((x) => x.address));
  const follows = (r: { family: number; appliedBy: string; dependsOn?: string; dev: string }): boolean =>
    r.family === 4 && ((r.appliedBy === a.appliedBy && r.dependsOn !== undefined && names.has(r.dependsOn)) || (!cluster && again && r.appliedBy === 'boot' && r.dev === a.device));
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
    if (route.appliedBy === 'boot') {
      if (reapplyRoute(ctx, route)) {
        refused.add(route);
        flushed.add(route);
      }
    } else {
      const err = applyRoute(state, route, ctx.modeOf(route));
      if (err !== undefined) state.refused.push({ route, why: err });
      else refused.add(route);
      flushed.add(route);
    }
  }
  forgetMissing(state, refused, flushed);
}

/**
 * Add a route again; "File exists" for a line still present is what the real re-run prints
 * too. True when it went in (its refused and flushed entries are then to be dropped); with
 * `back`, it is added there.
 */
function reapplyRoute(ctx: StepContext, route: PlanRoute, back?: Set<PlanRoute>): boolean {
  if (applyRoute(ctx.state, route, ctx.modeOf(route)) !== undefined) return false;
  back?.add(route);
  return true;
}

/** `ip rule add`; a second copy is refused ("File exists"), silently when re-applied. */
function addRule(state: FibState, rule: PlanRule, again: boolean): void {
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

function fromPlanAddress(a: PlanAddress): SimAddress {
  const sa: SimAddress = { address: a.address, value: parseIPv4(a.address)!, prefix: a.prefix, device: a.device, secondary: false, scope: SCOPE_UNIVERSE, plan: a };
  if (a.label !== undefined) sa.label = a.label;
  return sa;
}

/**
 * rule_exists + fib4_rule_compare: `ip rule add` answers "File exists" when a rule with the
 * same priority and table agrees on every selector the new rule names; selectors it does
 * not name are not compared. So `priority 100 table 101` (from all) is refused next to
 * `priority 100 from 10.0.0.0/24 table 101`, while `priority 100 from 10.0.0.0/25 table
 * 101` and `priority 100 to 8.8.8.8 table 101` are added.
 *
 * Each rule in the state stands for the four keys a new rule may be compared by (priority
 * and table, with its `from`, its `to`, both, or neither); a new rule is a duplicate when
 * its own key (the selectors it names) is among them.
 */
const ruleKeys = new WeakMap<FibState, { rules: SimRule[]; seen: Set<string> }>();

/** A selector as the kernel compares it (address and prefix as given); null when it cannot be parsed (it equals nothing). */
function selectorKey(text: string): string | null {
  const c = parseCidr(text, true);
  return c === undefined ? null : `${c.address}/${c.prefix}`;
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

/** The state's devices by name (the first of a name, as find() gives), kept as devices are added. */
const deviceIndexes = new WeakMap<FibState, Map<string, FibState['devices'][number]>>();

/** The device of that name, if the state has one. */
export function deviceNamed(state: FibState, name: string): FibState['devices'][number] | undefined {
  let index = deviceIndexes.get(state);
  if (index === undefined) {
    index = new Map();
    for (const d of state.devices) if (!index.has(d.name)) index.set(d.name, d);
    deviceIndexes.set(state, index);
  }
  return index.get(name);
}

function deviceOf(state: FibState, name: string): FibState['devices'][number] {
  let dev = deviceNamed(state, name);
  if (dev === undefined) {
    // An address on a device the Plan does not list (the validator prevents it): keep it anyway.
    dev = { name, addresses: [] };
    state.devices.push(dev);
    deviceIndexes.get(state)!.set(name, dev);
  }
  return dev;
}

/**
 * The host's addresses by value (every device's, in no particular order), kept as addresses
 * are added; made again from the devices after an address is deleted.
 */
const addressIndexes = new WeakMap<FibState, Map<number, SimAddress[]>>();

function addressIndex(state: FibState): Map<number, SimAddress[]> {
  let index = addressIndexes.get(state);
  if (index === undefined) {
    index = new Map();
    for (const d of state.devices) for (const a of d.addresses) indexAddress(index, a);
    addressIndexes.set(state, index);
  }
  return index;
}

function indexAddress(index: Map<number, SimAddress[]>, a: SimAddress): void {
  const holders = index.get(a.value);
  if (holders === undefined) index.set(a.value, [a]);
  else holders.push(a);
}

export function findAddress(state: FibState, value: number | string): SimAddress | undefined {
  const v = typeof value === 'string' ? parseIPv4(value) : value;
  if (v === undefined) return undefined;
  const holders = addressIndex(state).get(v);
  if (holders === undefined) return undefined;
  if (holders.length === 1) return holders[0];
  // On more than one device (or with two prefixes): the first in the kernel's order.
  for (const d of state.devices) for (const a of d.addresses) if (a.value === v) return a;
  return undefined;
}

function sameSubnet(a: SimAddress, b: { value: number; prefix: number }): boolean {
  return a.prefix === b.prefix && contains(a.value, a.prefix, b.value);
}

/** One device's addresses by subnet (prefix and network), each list in the device's order; made again when the list is replaced. */
const subnetIndexes = new WeakMap<SimAddress[], Map<number, SimAddress[]>>();

function subnetKey(a: { value: number; prefix: number }): number {
  return a.prefix * 0x100000000 + networkOf(a.value, a.prefix);
}

function subnetIndex(list: SimAddress[]): Map<number, SimAddress[]> {
  let index = subnetIndexes.get(list);
  if (index === undefined) {
    index = new Map();
    for (const a of list) {
      const k = subnetKey(a);
      const same = index.get(k);
      if (same === undefined) index.set(k, [a]);
      else same.push(a);
    }
    subnetIndexes.set(list, index);
  }
  return index;
}

/** inet_insert_ifa, then fib_add_ifaddr. */
function addAddress(state: FibState, addr: SimAddress): void {
  const dev = deviceOf(state, addr.device);
  const list = dev.addresses;
  const byValue = addressIndex(state);
  if (byValue.get(addr.value)?.some((a) => a.device === dev.name && a.prefix === addr.prefix)) return;
  const subnets = subnetIndex(list);
  const key = subnetKey(addr);
  const same = subnets.get(key);
  addr.secondary = same !== undefined;
  if (addr.secondary) list.push(addr);
  else {
    // After the last primary whose scope is not narrower: usually the end of the list.
    const last = list[list.length - 1];
    let at = 0;
    if (last !== undefined && !last.secondary && addr.scope <= last.scope) at = list.length;
    else {
      list.forEach((a, i) => {
        if (!a.secondary && addr.scope <= a.scope) at = i + 1;
      });
    }
    list.splice(at, 0, addr);
  }
  // The subnet lists keep the device's order: a secondary is the last of its subnet, and a
  // primary is the only one of its subnet.
  if (same === undefined) subnets.set(key, [addr]);
  else same.push(addr);
  indexAddress(byValue, addr);
  for (const r of kernelRoutesOf(list, addr, dev.name === LOOPBACK)) insertKernelRoute(state, r);
}

/** The routes fib_add_ifaddr makes for one address of `list` (which holds it). */
function kernelRoutesOf(list: SimAddress[], addr: SimAddress, loopback: boolean): InstalledRoute[] {
  const prim = addr.secondary ? subnetIndex(list).get(subnetKey(addr))?.find((a) => !a.secondary) : addr;
  if (prim === undefined) return [];
  const out: InstalledRoute[] = [kernelEntry('local', addr.value, 32, addr, prim)];
  const net = networkOf(addr.value, addr.prefix);
  const zeronet = net >>> 24 === 0;
  if (!zeronet && !addr.secondary && (net !== addr.value || addr.prefix < 32)) {
    out.push(kernelEntry(loopback ? 'local' : 'unicast', net, addr.prefix, addr, prim));
    if (addr.prefix < 31) out.push(kernelEntry('broadcast', broadcastOf(addr.value, addr.prefix), 32, addr, prim));
  }
  return out;
}

function kernelEntry(type: RouteType, net: number, prefix: number, addr: SimAddress, prim: SimAddress): InstalledRoute {
  const table = type === 'unicast' ? 'main' : 'local';
  const scope = type === 'local' ? 'host' : 'link';
  const route: KernelRoute = { origin: 'kernel', type, to: formatCidr(net, prefix), dev: addr.device, src: prim.address, metric: 0, table, scope, proto: 'kernel', address: addr.address };
  return { route, type, table, net, prefix, dev: addr.device, prefsrc: prim.value, metric: 0, scope: scope === 'host' ? SCOPE_HOST : SCOPE_LINK, proto: 'kernel', onlink: false };
}

/** fib_magic adds with NLM_F_APPEND; an exact duplicate is silently not added again. */
function insertKernelRoute(state: FibState, e: InstalledRoute): void {
  insertRoute(tableOf(state, e.table), e, 'append');
}

function tableOf(state: FibState, name: string): InstalledRoute[] {
  let t = state.tables.get(name);
  if (t === undefined) {
    t = [];
    state.tables.set(name, t);
  }
  return t;
}

/** Same type and same fib_info: what the kernel calls an exact duplicate. */
function sameRoute(a: InstalledRoute, b: InstalledRoute): boolean {
  return (
    a.type === b.type &&
    a.dev === b.dev &&
    a.gw === b.gw &&
    a.prefsrc === b.prefsrc &&
    a.metric === b.metric &&
    a.scope === b.scope &&
    a.proto === b.proto &&
    a.onlink === b.onlink
  );
}

// The tables' index (src/simulate/table-index.ts): networks keyed as numbers.
const { tableIndex, bucketOf, rewriteTable } = tableIndexes<number, InstalledRoute>(networkOf);

/** fib_table_insert with the flags of `ip route add|append|replace`; returns the error, if any. */
function insertRoute(table: InstalledRoute[], e: InstalledRoute, mode: ApplyMode): string | undefined {
  const index = tableIndex(table);
  // The routes with the same prefix, in table order.
  const same = bucketOf(index, e.prefix, e.net);
  const equals = same.filter((x) => x.metric === e.metric);
  const exact = equals.find((x) => sameRoute(x, e));
  if (mode === 'add' && equals.length > 0) return 'RTNETLINK answers: File exists';
  if (mode === 'append' && exact !== undefined) return 'RTNETLINK answers: File exists';
  if (mode === 'replace') {
    if (exact !== undefined) return exact === equals[0] ? undefined : 'RTNETLINK answers: File exists';
    if (equals[0] !== undefined) {
      table[table.indexOf(equals[0])] = e;
      same[same.indexOf(equals[0])] = e;
      return undefined;
    }
  }
  // Within a prefix the kernel keeps routes by metric; a new one goes after those whose
  // metric is not higher (append), or before the first with a higher metric (add).
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
  index.size = table.length;
  return undefined;
}

function scopeNumber(scope: PlanRoute['scope'], hasGateway: boolean): number {
  if (scope === 'host') return SCOPE_HOST;
  if (scope === 'link') return SCOPE_LINK;
  if (scope === 'global') return SCOPE_UNIVERSE;
  // What `ip route add` uses when no scope is given.
  return hasGateway ? SCOPE_UNIVERSE : SCOPE_LINK;
}

/** Turn a Plan route into a table entry; undefined when its text cannot be parsed (the validator prevents that). */
export function installedOf(route: PlanRoute): InstalledRoute | undefined {
  const to = route.to === 'default' ? { address: 0, prefix: 0 } : parseCidr(route.to);
  if (to === undefined) return undefined;
  const e: InstalledRoute = {
    route,
    type: 'unicast',
    table: route.table,
    net: networkOf(to.address, to.prefix),
    prefix: to.prefix,
    dev: route.dev,
    metric: route.metric,
    scope: scopeNumber(route.scope, route.via !== undefined),
    proto: route.proto ?? 'boot',
    onlink: route.onlink === true,
  };
  if (route.via !== undefined) {
    const gw = parseIPv4(route.via);
    if (gw === undefined) return undefined;
    e.gw = gw;
  }
  if (route.src !== undefined) {
    const src = parseIPv4(route.src);
    if (src === undefined) return undefined;
    e.prefsrc = src;
  }
  return e;
}

/** `ip route add|append|replace` of one Plan route; returns what the kernel answers when it refuses. */
function applyRoute(state: FibState, route: PlanRoute, mode: ApplyMode): string | undefined {
  const e = installedOf(route);
  if (e === undefined) return 'Error: inet prefix is expected';
  if (e.scope === SCOPE_HOST && e.gw !== undefined) return 'Error: Route with host scope can not have a gateway.';
  if (e.prefsrc !== undefined && findAddress(state, e.prefsrc) === undefined) return 'Error: Invalid prefsrc address.';
  if (e.gw !== undefined) {
    if (e.onlink) {
      // `via G dev D scope link onlink` is refused the same way.
      if (e.scope >= SCOPE_LINK) return 'Error: Nexthop has invalid scope.';
      if (addressType(state, e.gw) !== 'unicast') return 'Error: Nexthop has invalid gateway.';
      e.nhScope = SCOPE_LINK;
    } else {
      const scope = gatewayScope(state, e);
      if (scope === undefined) return 'Error: Nexthop has invalid gateway.';
      e.nhScope = scope;
    }
  }
  return insertRoute(tableOf(state, e.table), e, mode);
}

/** inet_addr_type on the local table: what an onlink gateway must not be. */
function addressType(state: FibState, value: number): RouteType | 'unicast' {
  if (value === 0xffffffff || value >>> 24 === 0) return 'broadcast';
  const hit = lookupTable(state.tables.get('local') ?? [], { daddr: value, saddr: 0, scope: SCOPE_UNIVERSE });
  return hit?.type ?? 'unicast';
}

/**
 * fib_check_nh_v4_gw, returning the nexthop's scope: the gateway must be found on the route's device by a route of a
 * narrower scope than the route's own, and at least link (so a `scope link` route with a
 * gateway needs a host route to it: `10.0.0.0/24 via 172.16.3.1 dev eth0 scope link` was
 * refused with eth0 in 172.16.3.0/24), in the route's own table first, then through the rules.
 */
function gatewayScope(state: FibState, e: InstalledRoute): number | undefined {
  const flow: Flow = { daddr: e.gw!, saddr: 0, oif: e.dev, scope: Math.max(SCOPE_LINK, e.scope + 1) };
  let hit: InstalledRoute | undefined;
  const own = e.table !== 'main' ? state.tables.get(e.table) : undefined;
  if (own !== undefined) hit = lookupTable(own, flow);
  if (hit === undefined) hit = lookupPolicy(state, flow)?.entry;
  // The nexthop takes the scope of the route that found the gateway: link through a
  // connected route, host when the gateway is an address of the host itself.
  return hit !== undefined && (hit.type === 'unicast' || hit.type === 'local') ? hit.scope : undefined;
}

/**
 * fib_table_lookup: the longest prefix holding the destination wins; within it, the first
 * route in the kernel's order that passes the scope and device filters. If none passes,
 * shorter prefixes are tried.
 */
export function lookupTable(entries: readonly InstalledRoute[], flow: Flow): InstalledRoute | undefined {
  const index = tableIndex(entries);
  for (const prefix of index.prefixes) {
    const bucket = index.buckets[prefix]!.get(networkOf(flow.daddr, prefix));
    if (bucket === undefined) continue;
    for (const e of bucket) if (e.scope >= flow.scope && (flow.oif === undefined || e.dev === flow.oif)) return e;
  }
  return undefined;
}

/**
 * The same over tables read as one (the merged local/main trie): at each prefix length, the
 * first table's routes before the next's.
 */
function lookupTables(tables: readonly (readonly InstalledRoute[])[], flow: Flow): InstalledRoute | undefined {
  let found: InstalledRoute | undefined;
  eachPrefix(tables, flow.daddr, (bucket) => {
    for (const e of bucket) {
      if (e.scope < flow.scope) continue;
      if (flow.oif !== undefined && e.dev !== flow.oif) continue;
      found = e;
      return true;
    }
    return false;
  });
  return found;
}

/**
 * The routes of `tables` that hold `daddr`, longest prefix first; at one prefix length the
 * first table's before the next's, each in table order (the order the kernel tries them).
 */
export function holdersOf(tables: readonly (readonly InstalledRoute[])[], daddr: number): InstalledRoute[] {
  const out: InstalledRoute[] = [];
  eachPrefix(tables, daddr, (bucket) => {
    for (const e of bucket) out.push(e);
    return false;
  });
  return out;
}

/** Each non-empty bucket holding `daddr`, longest prefix first, tables in order; stops when `visit` says so. */
function eachPrefix(tables: readonly (readonly InstalledRoute[])[], daddr: number, visit: (bucket: readonly InstalledRoute[]) => boolean): void {
  const indexes = tables.map(tableIndex);
  const at = indexes.map(() => 0);
  for (;;) {
    let prefix = -1;
    for (let k = 0; k < indexes.length; k++) prefix = Math.max(prefix, indexes[k]!.prefixes[at[k]!] ?? -1);
    if (prefix < 0) return;
    const net = networkOf(daddr, prefix);
    for (let k = 0; k < indexes.length; k++) {
      const index = indexes[k]!;
      if (index.prefixes[at[k]!] !== prefix) continue;
      at[k]!++;
      const bucket = index.buckets[prefix]!.get(net);
      if (bucket !== undefined && visit(bucket)) return;
    }
  }
}

/** A rule selector parsed: its network and prefix length; null when it cannot be parsed (it matches nothing). */
interface Selector {
  net: number;
  prefix: number;
}

const selectorCache = new WeakMap<SimRule, { from: Selector | null | undefined; to: Selector | null | undefined }>();

function parseSelector(text: string | undefined): Selector | null | undefined {
  if (text === undefined) return undefined;
  const c = parseCidr(text, true);
  return c === undefined ? null : { net: networkOf(c.address, c.prefix), prefix: c.prefix };
}

/** A rule's selectors, parsed once per rule (undefined: all). */
function selectorsOf(rule: SimRule): { from: Selector | null | undefined; to: Selector | null | undefined } {
  let sel = selectorCache.get(rule);
  if (sel === undefined) {
    sel = rule.origin === 'kernel' ? { from: undefined, to: undefined } : { from: parseSelector(rule.from), to: parseSelector(rule.to) };
    selectorCache.set(rule, sel);
  }
  return sel;
}

/** Whether a rule selector (`a.b.c.d` or `a.b.c.d/n`; absent = all) holds the address. */
function holds(sel: Selector | null | undefined, value: number): boolean {
  return sel === undefined || (sel !== null && networkOf(value, sel.prefix) === sel.net);
}

/** Whether a rule's `from` and `to` selectors match the flow. */
export function ruleMatches(rule: SimRule, saddr: number, daddr: number): boolean {
  const sel = selectorsOf(rule);
  return holds(sel.from, saddr) && holds(sel.to, daddr);
}


/**
 * A list of rules by their first selector: the rules without `from` or `to`; those with a
 * `from`, by its prefix and network; those with only a `to`, by its. The rules that may
 * match a flow are the first list and the two lookups, in list order (see candidateRules).
 */
interface RuleIndex {
  size: number;
  any: number[];
  byFrom: Map<number, Map<number, number[]>>;
  byTo: Map<number, Map<number, number[]>>;
}

const ruleIndexes = new WeakMap<readonly unknown[], RuleIndex>();

function ruleIndex<T>(list: readonly T[], ruleOf: (x: T) => SimRule): RuleIndex {
  let index = ruleIndexes.get(list);
  if (index === undefined || index.size !== list.length) {
    index = { size: list.length, any: [], byFrom: new Map(), byTo: new Map() };
    const put = (by: Map<number, Map<number, number[]>>, sel: Selector, i: number): void => {
      let byNet = by.get(sel.prefix);
      if (byNet === undefined) by.set(sel.prefix, (byNet = new Map()));
      const same = byNet.get(sel.net);
      if (same === undefined) byNet.set(sel.net, [i]);
      else same.push(i);
    };
    for (let i = 0; i < list.length; i++) {
      const sel = selectorsOf(ruleOf(list[i]!));
      if (sel.from === null || sel.to === null) continue; // matches nothing
      if (sel.from !== undefined) put(index.byFrom, sel.from, i);
      else if (sel.to !== undefined) put(index.byTo, sel.to, i);
      else index.any.push(i);
    }
    ruleIndexes.set(list, index);
  }
  return index;
}

/** The places in `list` of the rules whose selectors match the flow, in order. */
function candidateRules<T>(list: readonly T[], ruleOf: (x: T) => SimRule, saddr: number, daddr: number): number[] {
  const index = ruleIndex(list, ruleOf);
  const parts: number[][] = [index.any];
  for (const [prefix, byNet] of index.byFrom) {
    const hit = byNet.get(networkOf(saddr, prefix));
    if (hit !== undefined) parts.push(hit);
  }
  for (const [prefix, byNet] of index.byTo) {
    const hit = byNet.get(networkOf(daddr, prefix));
    if (hit !== undefined) parts.push(hit);
  }
  const nonEmpty = parts.filter((p) => p.length > 0);
  const all = nonEmpty.length === 1 ? nonEmpty[0]! : nonEmpty.flat().sort((a, b) => a - b);
  return all.filter((i) => ruleMatches(ruleOf(list[i]!), saddr, daddr));
}

/** Plan rules the kernel refused whose selectors match the flow, in the order they were refused. */
export function refusedRulesFor(state: FibState, flow: Flow): FibState['refusedRules'] {
  return candidateRules(state.refusedRules, (x) => x.rule, flow.saddr, flow.daddr).map((i) => state.refusedRules[i]!);
}

/**
 * fib_lookup. With custom rules: each rule in order whose `from`/`to` selectors match the
 * flow (a flow without a source has saddr 0.0.0.0, which `from 1.2.3.16` does not match),
 * until one's table has a route. Without custom rules the kernel looks up main, which then
 * also holds the local table's routes (at equal prefix the local ones come first), then
 * default; the answer reports table main (`ip route get 172.16.3.111` printed no
 * `table local` until a rule was added; after `ip rule del` it still did).
 */
export function lookupPolicy(state: FibState, flow: Flow): PolicyResult | undefined {
  const [localRule, mainRule, defaultRule] = KERNEL_RULES as [KernelRule, KernelRule, KernelRule];
  const none: readonly InstalledRoute[] = [];
  if (state.merged) {
    const tables = [state.tables.get('local') ?? none, state.tables.get('main') ?? none];
    const entry = lookupTables(tables, flow);
    if (entry !== undefined) {
      const local = entry.table === 'local';
      return { entry, rule: local ? localRule : mainRule, table: entry.table, kernelTable: 'main', tables, rules: KERNEL_RULES, at: local ? 0 : 1 };
    }
    const defaults = state.tables.get('default') ?? none;
    const hit = lookupTable(defaults, flow);
    if (hit !== undefined) return { entry: hit, rule: defaultRule, table: 'default', kernelTable: 'default', tables: [defaults], rules: KERNEL_RULES, at: 2 };
    return undefined;
  }
  // Only the rules whose selectors match are tried; the others would only go in the trace.
  const rules = state.rules;
  for (const at of candidateRules(rules, (r) => r, flow.saddr, flow.daddr)) {
    const rule = rules[at]!;
    const table = state.tables.get(rule.table) ?? none;
    const entry = lookupTable(table, flow);
    if (entry !== undefined) return { entry, rule, table: rule.table, kernelTable: rule.table, tables: [table], rules, at };
  }
  return undefined;
}

/**
 * What each rule before the deciding one did: its selectors did not match, or its table had
 * no route (else it would have decided). Made only when asked for: with 10,000 rules a
 * lookup passes most of them.
 */
export function traceOf(hit: Pick<PolicyResult, 'rules' | 'at'>, flow: Flow): RuleStep[] {
  return hit.rules.slice(0, hit.at).map((rule) => ({ rule, outcome: ruleMatches(rule, flow.saddr, flow.daddr) ? ('no route in table' as const) : ('selector does not match' as const) }));
}

/** The trace of a failed lookup (lookupPolicy returns only successes). */
export function traceOfFailure(state: FibState, flow: Flow): RuleStep[] {
  const rules = state.merged ? KERNEL_RULES : state.rules;
  return traceOf({ rules, at: rules.length }, flow);
}

/** Delete one address the way `ip addr del` does, with everything the kernel does after. */
function deleteAddress(state: FibState, value: number, promote: boolean): void {
  const addr = findAddress(state, value);
  if (addr === undefined) {
    state.events.push(`${formatIPv4(value)} is not configured; nothing taken down`);
    return;
  }
  const dev = deviceNamed(state, addr.device)!;
  const removed: SimAddress[] = [addr];
  let list = dev.addresses.filter((a) => a !== addr);
  if (!addr.secondary) {
    const secondaries = list.filter((a) => a.secondary && sameSubnet(addr, a));
    const first = secondaries[0];
    if (first !== undefined && promote) {
      list = list.filter((a) => a !== first);
      first.secondary = false;
      let at = 0;
      list.forEach((a, i) => {
        if (!a.secondary) at = i + 1;
      });
      list.splice(at, 0, first);
      state.events.push(`${first.address} became primary when ${addr.address} was deleted (promote_secondaries on)`);
    } else if (secondaries.length > 0) {
      removed.push(...secondaries);
      list = list.filter((a) => !secondaries.includes(a));
      state.events.push(
        `deleting primary ${addr.address} deleted its secondaries ${secondaries.map((a) => a.address).join(', ')} (promote_secondaries off)`,
      );
    }
  }
  dev.addresses = list;
  addressIndexes.delete(state);

  // The kernel routes the remaining addresses justify stay where they are; the others go,
  // and the ones that are new (a promoted address's) are appended.
  // (Kernel routes compared by table, prefix and what sameRoute compares, as one key.)
  const keyOf = (table: string, e: InstalledRoute): string =>
    `${table} ${e.net}/${e.prefix} ${e.type} ${e.dev} ${e.gw} ${e.prefsrc} ${e.metric} ${e.scope} ${e.proto} ${e.onlink}`;
  const wanted: InstalledRoute[] = [];
  const wantedKeys = new Set<string>();
  for (const a of list) {
    for (const r of kernelRoutesOf(list, a, dev.name === LOOPBACK)) {
      const key = keyOf(r.table, r);
      if (wantedKeys.has(key)) continue;
      wantedKeys.add(key);
      wanted.push(r);
    }
  }
  for (const [name, table] of state.tables) {
    const keep = table.filter((e) => {
      if (e.route.origin !== 'kernel' || e.dev !== dev.name) return true;
      const still = wantedKeys.has(keyOf(name, e));
      if (!still) state.flushed.push({ route: e.route, why: `made for ${e.route.address}, which went down` });
      return still;
    });
    rewriteTable(table, keep);
  }
  for (const w of wanted) {
    const t = tableOf(state, w.table);
    const same = tableIndex(t).buckets[w.prefix]?.get(networkOf(w.net, w.prefix)) ?? [];
    if (!same.some((e) => e.net === w.net && sameRoute(e, w))) insertKernelRoute(state, w);
  }

  const flush = (why: (e: InstalledRoute) => string | undefined): void => {
    for (const table of state.tables.values()) {
      const keep = table.filter((e) => {
        const reason = why(e);
        if (reason !== undefined) state.flushed.push({ route: e.route, why: reason });
        return reason === undefined;
      });
      rewriteTable(table, keep);
    }
  };
  const gone = new Map<number, SimAddress>();
  for (const a of removed) if (findAddress(state, a.value) === undefined && !gone.has(a.value)) gone.set(a.value, a);
  flush((e) => {
    if (e.table !== 'main' || e.prefsrc === undefined) return undefined;
    const a = gone.get(e.prefsrc);
    return a === undefined ? undefined : `its src ${a.address} went down`;
  });
  if (list.length === 0) flush((e) => (e.dev === dev.name ? `${dev.name} has no IPv4 address left` : undefined));
}

/**
 * inet_select_addr(dev, dst, scope), the source of a route without `src`: the first
 * primary address of the device whose subnet holds `dst` (the gateway; 0 when the route has
 * none, so the destination is never looked at: `192.168.0.0/16 dev eth0` answered
 * `192.168.9.1 ... src 10.1.0.10`, eth0's first address, though eth0 also had 192.168.7.5/24),
 * else the device's first primary address; secondaries never. A device without one
 * borrows the first primary of any device in the kernel's order (lo first, but 127.0.0.1
 * is scope host and only serves scope-host routes).
 */
export function selectSource(state: FibState, devName: string, gw: number, scope: number): { address?: SimAddress; why: string } {
  const dev = deviceNamed(state, devName);
  let first: SimAddress | undefined;
  for (const a of dev?.addresses ?? []) {
    if (a.secondary || a.scope > scope) continue;
    if (gw !== 0 && contains(a.value, a.prefix, gw)) return { address: a, why: `the first primary address of ${devName} whose subnet holds the gateway ${formatIPv4(gw)}` };
    if (gw === 0) return { address: a, why: `the first primary address of ${devName} (a route without gateway: the kernel does not look at the destination)` };
    first ??= a;
  }
  if (first !== undefined) return { address: first, why: `the first primary address of ${devName} (none of its subnets holds the gateway ${formatIPv4(gw)})` };
  for (const d of state.devices) {
    for (const a of d.addresses) {
      if (a.secondary || a.scope === SCOPE_LINK || a.scope > scope) continue;
      return { address: a, why: `${devName} has no usable address, so the first primary address of the host's first device that has one (${d.name})` };
    }
  }
  return { why: 'the host has no usable address' };
}
