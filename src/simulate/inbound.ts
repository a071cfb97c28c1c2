// The inbound half: `ip route get ADDR from REMOTE iif DEV` (is a packet arriving on DEV
// accepted?) and ARP (does DEV answer a request for ADDR?), over the same simulated state
// as route get, under the Plan's ARP and reverse-path settings.
//
// Kernel behaviour relied on (Linux 6.18, iproute2 6.1, iputils arping 20221126; scratch
// namespaces: host eth0 1.2.3.16/24 and eth1 1.2.3.17/24 on one bridge, a client
// 1.2.3.50/24 on it, ip_forward 0; with and without `from ADDR` rules to per-NIC tables):
//  - ip_route_input: a packet for an address of the host answers `local ADDR from REMOTE
//    dev lo table local` (no `table` while no custom rule exists); for the subnet's
//    broadcast `broadcast 1.2.3.255 from 1.2.3.50 dev lo table local`; for anything else,
//    with forwarding off, `RTNETLINK answers: No route to host` (rp_filter is not asked).
//  - A source that is an address of the host (`from 1.2.3.16 iif eth0`), in 127/8, 0/8,
//    multicast or 255.255.255.255, or a destination in 127/8: `RTNETLINK answers: Invalid
//    argument` whatever rp_filter says. `iif lo` accepts anything local.
//  - rp_filter (the larger of all and the device): 0 accepts; otherwise the route back
//    (from ADDR to REMOTE, through the rules) is looked up: 1 accepts only when it leaves
//    through DEV, 2 when there is one at all; else `RTNETLINK answers: Invalid argument`.
//    With per-NIC rules, `1.2.3.17 from 8.8.8.8 iif eth0` was refused and `iif eth1`
//    accepted; without rules, both addresses were refused on eth1 (main's first connected
//    route is eth0's) and accepted on eth0.
//  - ARP (arp_process): a request for ADDR from SENDER on DEV is answered only when the
//    input route above accepts (so strict rp_filter stops a NIC answering for an address
//    whose replies leave elsewhere; measured), then arp_ignore (the larger of all and the
//    device): 0 any local address, 1 only an address of DEV, 2 also only when SENDER is in
//    its subnet (a request from 10.7.7.7 for 1.2.3.17 got no answer), 3 as 0 for global
//    addresses, 8 never; then arp_filter (all or the device): the route from ADDR to
//    SENDER must leave through DEV (without rules only eth0 answered, for both addresses).
//    arp_announce changes only the host's own requests.
import type { Plan, PlanSysctlSetting, SysctlKey } from '../plan/types.js';
import { effectiveSysctl } from '../plan/sysctl.js';
import { contains, broadcastOf, formatIPv4, networkOf, parseIPv4 } from '../net/ipv4.js';
import { SCOPE_UNIVERSE, buildFibState, deviceNamed, findAddress, lookupPolicy } from './fib.js';
import { describeRoute, describeRule } from './format.js';
import type { FibState, SimRoute, SimRule, StateOptions } from './types.js';

const INVALID = 'RTNETLINK answers: Invalid argument';
const NO_ROUTE = 'RTNETLINK answers: No route to host';

/** Values forced on every device (`--sysctl KEY=VALUE`): what-if questions. */
export type SysctlOverrides = Partial<Record<SysctlKey, number>>;

export interface InboundQuery extends StateOptions {
  /** The address the packet is for. */
  to: string;
  /** The remote sender. */
  from: string;
  /** The device it arrives on. */
  iif: string;
  sysctl?: SysctlOverrides;
}

/** The route back to the sender that reverse-path filtering looked at. */
export interface ReversePath {
  dev: string;
  table: string;
  route: SimRoute;
  rule: SimRule;
}

export interface InboundAnswer {
  /** Accepted for local delivery (or as a broadcast). */
  ok: boolean;
  dest: string;
  from: string;
  iif: string;
  /** ok: `local` or `broadcast`. */
  type?: 'local' | 'broadcast';
  /** ok: the table `ip route get` names (absent for main). */
  kernelTable?: string;
  /** Not ok: what `ip route get` prints on stderr. */
  error?: string;
  /** Not ok: what refused it. */
  refusedBy?: 'martian' | 'not local' | 'rp_filter';
  /** The rp_filter value in effect on `iif`. */
  rpFilter: number;
  reverse?: ReversePath;
  /** How the answer came about, in order. */
  why: string[];
}

export interface ArpQuery extends StateOptions {
  /** The address asked for. */
  target: string;
  /** The device the request arrives on. */
  on: string;
  /** The asker; default: the lowest free address of the target's subnet. */
  sender?: string;
  sysctl?: SysctlOverrides;
}

export interface ArpAnswer {
  answers: boolean;
  target: string;
  on: string;
  sender: string;
  /** The values in effect on `on`. */
  settings: Record<SysctlKey, number>;
  /** Which check decided (the last one asked). */
  decidedBy: 'not local' | 'rp_filter' | 'arp_ignore' | 'arp_filter' | 'answered';
  why: string[];
  inbound: InboundAnswer;
}

/** The sysctl values in effect on a device of the Plan. */
export function sysctlOn(plan: Plan, device: string, overrides: SysctlOverrides = {}): Record<SysctlKey, number> {
  const kind = plan.links.find((l) => l.name === device)?.kind ?? 'ethernet';
  const settings: readonly PlanSysctlSetting[] | undefined = plan.sysctl?.settings;
  const get = (key: SysctlKey): number => overrides[key] ?? (device === 'lo' ? 0 : effectiveSysctl(settings, device, kind, key));
  return { rp_filter: get('rp_filter'), arp_filter: get('arp_filter'), arp_ignore: get('arp_ignore'), arp_announce: get('arp_announce') };
}

/** `ip route get TO from FROM iif IIF` for the Plan in the state `query` describes. */
export function simulateInbound(plan: Plan, query: InboundQuery): InboundAnswer {
  return inbound(plan, buildFibState(plan, query), query);
}

function isMartian(v: number): boolean {
  return v >>> 24 === 0 || v >>> 24 === 127 || v >>> 28 === 0xe || v === 0xffffffff;
}

/** The inbound lookup in a built state. */
export function inbound(plan: Plan, state: FibState, q: { to: string; from: string; iif: string; sysctl?: SysctlOverrides }): InboundAnswer {
  const rp = sysctlOn(plan, q.iif, q.sysctl).rp_filter;
  const base = { dest: q.to, from: q.from, iif: q.iif, rpFilter: rp };
  const refuse = (error: string, why: string[], reverse?: ReversePath, refusedBy: InboundAnswer['refusedBy'] = error === NO_ROUTE ? 'not local' : 'martian'): InboundAnswer => ({
    ok: false,
    ...base,
    error,
    refusedBy,
    why,
    ...(reverse ? { reverse } : {}),
  });
  const daddr = parseIPv4(q.to);
  const saddr = parseIPv4(q.from);
  if (daddr === undefined || saddr === undefined) return refuse(INVALID, ['not an IPv4 address']);
  if (isMartian(saddr)) return refuse(INVALID, [`${q.from} cannot be the source of a packet from the network (martian source)`]);
  if (daddr >>> 24 === 127 && q.iif !== 'lo') return refuse(INVALID, [`${q.to} is a loopback address, which never arrives on ${q.iif} (martian destination)`]);

  const hit = lookupPolicy(state, { daddr, saddr, scope: SCOPE_UNIVERSE });
  const type = hit?.entry.type;
  if (hit === undefined || (type !== 'local' && type !== 'broadcast')) {
    return refuse(NO_ROUTE, [`${q.to} is not an address of the host, and the host does not forward (net.ipv4.ip_forward 0)`]);
  }
  const why = [`${q.to} is ${type === 'local' ? 'an address of the host' : 'a broadcast address of the host'}: ${describeRoute(hit.entry.route)}`];
  // A broadcast is reported as table local even while local and main are one trie (measured).
  const shownTable = type === 'broadcast' ? 'local' : hit.kernelTable;
  const answer = (): InboundAnswer => ({ ok: true, ...base, type, ...(shownTable !== 'main' ? { kernelTable: shownTable } : {}), why, ...(reverse ? { reverse } : {}) });
  let reverse: ReversePath | undefined;
  if (q.iif === 'lo') {
    why.push('it arrives on lo: always accepted');
    return answer();
  }
  if (findAddress(state, saddr) !== undefined) {
    return refuse(INVALID, [...why, `${q.from} is an address of the host itself, so a packet from it cannot arrive from the network (martian source)`]);
  }
  const back = lookupPolicy(state, { daddr: saddr, saddr: daddr, scope: SCOPE_UNIVERSE });
  // fib_validate_source: with rp_filter 0 and no custom rule the kernel only asks whether the
  // source is the host's own; with custom rules (or filtering) it looks the source up, and
  // a source the tables call local or broadcast is refused (`from 1.2.3.255` was, with rules).
  const fullCheck = rp !== 0 || !state.merged;
  if (fullCheck && back !== undefined && back.entry.type !== 'unicast') {
    return refuse(INVALID, [...why, `${q.from} is a ${back.entry.type} address of the host's tables (${describeRoute(back.entry.route)}), not a source a packet can come from (martian source)`]);
  }
  if (rp === 0) {
    why.push(`rp_filter 0 on ${q.iif}: the source is not checked`);
    return answer();
  }
  if (back === undefined) {
    return refuse(INVALID, [...why, `rp_filter ${rp} on ${q.iif}: there is no route back from ${q.to} to ${q.from}`], undefined, 'rp_filter');
  }
  reverse = { dev: back.entry.dev, table: back.table, route: back.entry.route, rule: back.rule };
  const backText = `the route back from ${q.to} to ${q.from} leaves through ${back.entry.dev} (rule ${describeRule(back.rule)}; ${describeRoute(back.entry.route)})`;
  if (back.entry.dev === q.iif) {
    why.push(`rp_filter ${rp} on ${q.iif}: ${backText}, where the packet came in`);
    return answer();
  }
  if (rp === 2) {
    why.push(`rp_filter 2 (loose) on ${q.iif}: ${backText}; loose filtering wants only some route back`);
    return answer();
  }
  return refuse(INVALID, [...why, `rp_filter 1 (strict) on ${q.iif}: ${backText}, not ${q.iif}, so the packet is dropped`], reverse, 'rp_filter');
}

/** What `ip route get ... iif` prints: its answer line, or its error. */
export function formatInbound(a: InboundAnswer): string {
  if (!a.ok) return a.error ?? INVALID;
  return [a.type ?? 'local', a.dest, 'from', a.from, 'dev', 'lo', ...(a.kernelTable !== undefined ? ['table', a.kernelTable] : [])].join(' ');
}

/** A Plan's IPv4 addresses as defaultArpSender reads them: the host's values, and the subnets up to /30 by prefix and network, each in Plan order. */
interface SenderIndex {
  host: Set<number>;
  subnets: Map<number, Map<number, { value: number; prefix: number; device: string; order: number }[]>>;
}

const senderIndexes = new WeakMap<Plan, SenderIndex>();

function senderIndex(plan: Plan): SenderIndex {
  let index = senderIndexes.get(plan);
  if (index === undefined) {
    index = { host: new Set(), subnets: new Map() };
    let order = 0;
    for (const a of plan.addresses) {
      if (a.family !== 4) continue;
      const value = parseIPv4(a.address)!;
      index.host.add(value);
      if (a.prefix > 30) continue;
      let byNet = index.subnets.get(a.prefix);
      if (byNet === undefined) index.subnets.set(a.prefix, (byNet = new Map()));
      const net = networkOf(value, a.prefix);
      const entry = { value, prefix: a.prefix, device: a.device, order: order++ };
      const same = byNet.get(net);
      if (same === undefined) byNet.set(net, [entry]);
      else same.push(entry);
    }
    senderIndexes.set(plan, index);
  }
  return index;
}

/** The asker `arp who-has` assumes: the lowest address of the target's subnet that the host does not have. */
export function defaultArpSender(plan: Plan, target: string, on: string): string | undefined {
  const t = parseIPv4(target);
  if (t === undefined) return undefined;
  const { host, subnets } = senderIndex(plan);
  // The subnet of the first address (in Plan order) on `on` that holds the target, else of the first anywhere.
  let mine: { value: number; prefix: number; order: number } | undefined;
  let any: { value: number; prefix: number; order: number } | undefined;
  for (const [prefix, byNet] of subnets) {
    for (const a of byNet.get(networkOf(t, prefix)) ?? []) {
      if (a.device === on && (mine === undefined || a.order < mine.order)) mine = a;
      if (any === undefined || a.order < any.order) any = a;
    }
  }
  const s = mine ?? any;
  if (s === undefined) return undefined;
  const v = s.value;
  const net = networkOf(v, s.prefix);
  const last = broadcastOf(v, s.prefix);
  for (let x = net + 1; x < last; x++) if (!host.has(x >>> 0)) return formatIPv4(x >>> 0);
  return undefined;
}

/** Does `on` answer an ARP request for `target` from `sender`? */
export function simulateArp(plan: Plan, query: ArpQuery & { sender: string }): ArpAnswer {
  return arp(plan, buildFibState(plan, query), query);
}

/** The ARP answer in a built state. */
export function arp(plan: Plan, state: FibState, query: Omit<ArpQuery, keyof StateOptions> & { sender: string }): ArpAnswer {
  const settings = sysctlOn(plan, query.on, query.sysctl);
  const inb = inbound(plan, state, { to: query.target, from: query.sender, iif: query.on, ...(query.sysctl ? { sysctl: query.sysctl } : {}) });
  const base = { target: query.target, on: query.on, sender: query.sender, settings, inbound: inb };
  const no = (decidedBy: ArpAnswer['decidedBy'], why: string[]): ArpAnswer => ({ answers: false, ...base, decidedBy, why });
  if (!inb.ok || inb.type !== 'local') {
    if (inb.ok) return no('not local', [`${query.target} is a broadcast address, not one ARP answers for`]);
    return no(inb.refusedBy === 'rp_filter' ? 'rp_filter' : 'not local', inb.why);
  }
  const why = [...inb.why];
  const t = parseIPv4(query.target)!;
  const s = parseIPv4(query.sender)!;
  const dev = deviceNamed(state, query.on);
  const own = dev?.addresses.find((a) => a.value === t);
  switch (settings.arp_ignore) {
    case 1:
    case 2:
      if (own === undefined) return no('arp_ignore', [...why, `arp_ignore ${settings.arp_ignore} on ${query.on}: ${query.target} is not an address of ${query.on}`]);
      if (settings.arp_ignore === 2 && !contains(own.value, own.prefix, s)) {
        return no('arp_ignore', [...why, `arp_ignore 2 on ${query.on}: the asker ${query.sender} is not in ${query.target}'s subnet`]);
      }
      why.push(`arp_ignore ${settings.arp_ignore} on ${query.on}: ${query.target} is an address of ${query.on}`);
      break;
    case 8:
      return no('arp_ignore', [...why, `arp_ignore 8 on ${query.on}: never answers`]);
    default:
      why.push(`arp_ignore ${settings.arp_ignore} on ${query.on}: any address of the host is answered`);
  }
  if (settings.arp_filter === 1) {
    const back = lookupPolicy(state, { daddr: s, saddr: t, scope: SCOPE_UNIVERSE });
    if (back === undefined) return no('arp_filter', [...why, `arp_filter 1 on ${query.on}: there is no route from ${query.target} to ${query.sender}`]);
    if (back.entry.dev !== query.on) {
      return no('arp_filter', [...why, `arp_filter 1 on ${query.on}: the route from ${query.target} to ${query.sender} leaves through ${back.entry.dev} (${describeRoute(back.entry.route)})`]);
    }
    why.push(`arp_filter 1 on ${query.on}: the route from ${query.target} to ${query.sender} leaves through ${query.on}`);
  }
  return { answers: true, ...base, decidedBy: 'answered', why };
}

/** `DEV answers`, or `DEV does not answer: WHY` with the check that decided. */
export function formatArp(a: ArpAnswer): string {
  return a.answers ? `${a.on} answers` : `${a.on} does not answer: ${a.why[a.why.length - 1] ?? a.decidedBy}`;
}

/** Every step, for --explain. */
export function explainArp(a: ArpAnswer): string[] {
  const s = a.settings;
  return [
    `arp who-has ${a.target} tell ${a.sender}, arriving on ${a.on}`,
    `  settings on ${a.on}: rp_filter ${s.rp_filter}, arp_ignore ${s.arp_ignore}, arp_filter ${s.arp_filter}, arp_announce ${s.arp_announce}`,
    `  input route: ${formatInbound(a.inbound)}`,
    ...a.why.map((w) => `  ${w}`),
    `  => ${a.answers ? `${a.on} answers with its MAC` : `${a.on} does not answer`}`,
  ];
}

/** Every step of an inbound lookup, for --explain. */
export function explainInbound(a: InboundAnswer): string[] {
  return [`ip route get ${a.dest} from ${a.from} iif ${a.iif}`, `  => ${formatInbound(a)}`, ...a.why.map((w) => `  ${w}`)];
}
