// The inbound half: which ARP and reverse-path settings a multi-homed host needs so that
// traffic for an address arrives on, and is accepted by, the interface that owns it.
//
// Kernel behaviour these decisions rest on (Linux 6.18, iproute2 6.1, iputils arping
// 20221126; scratch namespaces: host with eth0 1.2.3.16/24 and eth1 1.2.3.17/24 on one
// bridge with a client 1.2.3.50/24; `arping -I c0 ADDR` from the client):
//  - Kernel defaults (rp_filter 0, arp_ignore 0, arp_filter 0): both NICs answer ARP for
//    both addresses (ARP flux), with or without `from ADDR` rules.
//  - arp_ignore 1: each NIC answers only for its own address, rules or not.
//  - arp_filter 1: a NIC answers only when the route back to the asker (from the asked
//    address) leaves through it; with `from ADDR` rules to per-NIC tables each NIC answers
//    for its own address, without them eth0 (the first connected route) answers for both.
//  - rp_filter 1 (strict): an ARP request or a packet for ADDR arriving on a NIC is
//    dropped when the route back (from ADDR to the sender) leaves through another one:
//    `ip route get 1.2.3.17 from 8.8.8.8 iif eth0` answers `RTNETLINK answers: Invalid
//    argument`. With per-NIC rules this is exactly "answer on the owner only"; without
//    them eth1 accepts nothing for either address. rp_filter 2 (loose) changes nothing for ARP.
//  - all/device combine as the kernel's IN_DEV_MAXCONF for rp_filter, arp_ignore and
//    arp_announce (all.arp_ignore 1 with eth0.arp_ignore 0 still stopped eth0 answering for
//    1.2.3.17) and IN_DEV_ORCONF for arp_filter; a device created later copies `default`
//    (a veth made after default.rp_filter=2 showed rp_filter 2).
import { NetgenError } from '../errors.js';
import type { Model } from '../model/types.js';
import { contains, formatIPv4, networkOf, broadcastOf, parseCidr, parseIPv4, type Cidr } from '../net/ipv4.js';
import type { Plan, PlanAddress, PlanRoute, PlanRule, PlanSysctl, PlanSysctlSetting, SysctlKey } from './types.js';

/** The order keys appear in the file. */
export const SYSCTL_ORDER: readonly SysctlKey[] = ['arp_ignore', 'arp_announce', 'arp_filter', 'rp_filter'];

/** What the kernel uses when nothing sets a key (a fresh namespace inherits these). */
export const KERNEL_SYSCTL_DEFAULTS: Readonly<Record<SysctlKey, number>> = { rp_filter: 0, arp_filter: 0, arp_ignore: 0, arp_announce: 0 };

/** How the kernel combines `all` with a device's own value: the larger one, or either set. */
export const SYSCTL_COMBINE: Readonly<Record<SysctlKey, 'max' | 'or'>> = { rp_filter: 'max', arp_ignore: 'max', arp_announce: 'max', arp_filter: 'or' };

/** The value in effect on `device` for the settings of a plan (kernel defaults where none). */
export function effectiveSysctl(settings: readonly PlanSysctlSetting[] | undefined, device: string, kind: 'ethernet' | 'vlan', key: SysctlKey): number {
  const find = (scope: string): number | undefined => settings?.find((s) => s.key === key && s.scope === scope)?.value;
  const all = find('all') ?? KERNEL_SYSCTL_DEFAULTS[key];
  // A VLAN is made after the boot's sysctl pass and starts with `default`; a NIC exists before it.
  const own = find(device) ?? (kind === 'vlan' ? find('default') : undefined) ?? KERNEL_SYSCTL_DEFAULTS[key];
  return SYSCTL_COMBINE[key] === 'max' ? Math.max(all, own) : all !== 0 || own !== 0 ? 1 : 0;
}

type PlanSoFar = Omit<Plan, 'sysctl'>;

/** The IPv4 part of a plan (ARP and the IPv4 reverse-path filter see IPv4 only), each address read once. */
interface V4Plan {
  links: PlanSoFar['links'];
  addresses: PlanAddress[];
  /** The addresses as numbers, by position in `addresses`. */
  values: number[];
  routes: PlanRoute[];
  rules: PlanRule[];
}

function v4Of<T extends { family: 4 | 6 }>(list: readonly T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < list.length; i++) {
    const x = list[i]!;
    if (x.family === 4) out.push(x);
  }
  return out;
}

/**
 * Decide the ARP and reverse-path settings of a host. Hosts with per-source rules or
 * several interfaces in one subnet get arp_ignore 1 and arp_announce 2 everywhere, and
 * rp_filter strict where the rules send replies back out of the interface a packet came
 * in on, loose where they do not. The model's own `sysctl:` values win; `sysctl: false`
 * writes nothing. Other hosts get nothing unless the model sets values.
 */
export function planSysctl(model: Model, whole: PlanSoFar): PlanSysctl | undefined {
  if (model.sysctl === false) return undefined;
  // These are net.ipv4.conf keys: ARP and the IPv4 reverse-path filter see IPv4 only.
  const addresses = v4Of(whole.addresses);
  const values = new Array<number>(addresses.length);
  for (let i = 0; i < addresses.length; i++) values[i] = parseIPv4(addresses[i]!.address)!;
  const plan: V4Plan = { links: whole.links, addresses, values, routes: v4Of(whole.routes), rules: v4Of(whole.rules) };
  const addressed = new Set<string>();
  for (let i = 0; i < addresses.length; i++) {
    const a = addresses[i]!;
    addressed.add(a.device);
  }
  const withAddresses = plan.links.filter((l) => addressed.has(l.name));
  const n = withAddresses.length;
  const shared = sharedSubnets(plan);
  let perSource = false;
  for (let i = 0; i < plan.rules.length; i++) {
    const r = plan.rules[i]!;
    if (r.from !== undefined) perSource = true;
  }
  const multiHomed = shared.length > 0 || perSource;
  const explicit = model.sysctl !== undefined || model.links.some((l) => l.sysctl !== undefined);
  if ((!multiHomed && !explicit) || n === 0) return undefined;

  // The value of each key (SYSCTL_ORDER) for each device of `withAddresses`; undefined: not set.
  const chosen: (number | undefined)[][] = SYSCTL_ORDER.map(() => new Array<number | undefined>(n).fill(undefined));
  const reasons: string[] = [];
  if (multiHomed) {
    const why = shared.length > 0 ? shared.map((s) => `${listing(s.devices)} are ${s.devices.length === 2 ? 'both' : 'all'} in ${s.subnet}`).join('; ') : 'the host routes by source address';
    reasons.push(
      `arp_ignore 1: ${why}. Each interface answers ARP only for its own addresses; with the kernel's 0 every interface answers for every address (ARP flux) and a peer may send to the wrong NIC.`,
      "arp_announce 2: the host's own ARP requests name an address of the interface they leave by, so no peer learns one interface's MAC for another interface's address.",
    );
    const index = replyIndex(plan);
    const rpOf = chosen[RP_FILTER]!;
    let vlanRp = -1;
    let vlanRpDiffers = false;
    for (let i = 0; i < n; i++) {
      const link = withAddresses[i]!;
      const rp = decideRpFilter(index, link.name);
      chosen[ARP_IGNORE]![i] = 1;
      chosen[ARP_ANNOUNCE]![i] = 2;
      rpOf[i] = rp.value;
      reasons.push(`rp_filter ${rp.value} on ${link.name}: ${rp.why}`);
      if (link.kind === 'vlan') {
        if (vlanRp === -1) vlanRp = rp.value;
        else if (vlanRp !== rp.value) vlanRpDiffers = true;
      }
    }
    // VLANs come up after sysctl has run: they all start with the one `default` value.
    if (vlanRpDiffers) {
      for (let i = 0; i < n; i++) if (withAddresses[i]!.kind === 'vlan') rpOf[i] = 2;
      reasons.push(`rp_filter 2 on every VLAN: they come up after sysctl runs at boot and all take the one \`default\` value, so the looser one serves them all.`);
    }
  }

  if (explicit) {
    const hostValues = model.sysctl?.values ?? {};
    const modelLinks = new Map<string, (typeof model.links)[number]>();
    for (let j = 0; j < model.links.length; j++) {
      const l = model.links[j]!;
      if (!modelLinks.has(l.name)) modelLinks.set(l.name, l);
    }
    for (let i = 0; i < n; i++) {
      const link = withAddresses[i]!;
      const own = modelLinks.get(link.name)?.sysctl?.values ?? {};
      for (let k = 0; k < SYSCTL_ORDER.length; k++) {
        const key = SYSCTL_ORDER[k]!;
        const set = own[key] ?? hostValues[key];
        if (set === undefined) continue;
        if (chosen[k]![i] !== set) reasons.push(`${key} ${set} on ${link.name}: set in the model (${own[key] !== undefined ? `interfaces ${link.name}` : 'host-wide'} \`sysctl:\`).`);
        chosen[k]![i] = set;
      }
    }
  }

  const settings: PlanSysctlSetting[] = [];
  const vlanSettings: PlanSysctlSetting[] = [];
  for (let k = 0; k < SYSCTL_ORDER.length; k++) {
    const key = SYSCTL_ORDER[k]!;
    const per = chosen[k]!;
    // `all` combines with every device's own value, so it carries the lowest wanted (max)
    // or stays 0 unless every device wants it (or); each device says its own.
    let any = false;
    let min = Infinity;
    let every = true;
    let vlan: number | undefined;
    for (let i = 0; i < n; i++) {
      const v = per[i];
      if (v === undefined) continue;
      any = true;
      if (v < min) min = v;
      if (v !== 1) every = false;
      if (vlan === undefined && withAddresses[i]!.kind === 'vlan') vlan = v;
    }
    if (!any) continue;
    const all = SYSCTL_COMBINE[key] === 'max' ? min : every ? 1 : 0;
    settings.push({ key, scope: 'all', value: all }, { key, scope: 'default', value: vlan ?? all });
    for (let i = 0; i < n; i++) {
      const v = per[i];
      if (v === undefined) continue;
      const l = withAddresses[i]!;
      (l.kind !== 'vlan' ? settings : vlanSettings).push({ key, scope: l.name, value: v });
    }
  }
  return settings.length === 0 ? undefined : { settings, vlanSettings, reasons };
}

function listing(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** Subnets holding addresses of more than one device. */
function sharedSubnets(plan: V4Plan): { subnet: string; devices: string[] }[] {
  // Keyed by network and prefix as one number (below 2^38): only the shared ones are spelt.
  const bySubnet = new Map<number, { net: number; prefix: number; devices: string[] }>();
  const { addresses, values } = plan;
  let shared = false;
  for (let i = 0; i < addresses.length; i++) {
    const a = addresses[i]!;
    if (a.prefix >= 31) continue;
    const net = networkOf(values[i]!, a.prefix);
    const key = net * 64 + a.prefix;
    const s = bySubnet.get(key);
    if (s === undefined) bySubnet.set(key, { net, prefix: a.prefix, devices: [a.device] });
    else if (!s.devices.includes(a.device)) {
      s.devices.push(a.device);
      shared = true;
    }
  }
  const out: { subnet: string; devices: string[] }[] = [];
  if (!shared) return out;
  for (const s of bySubnet.values()) if (s.devices.length > 1) out.push({ subnet: `${formatIPv4(s.net)}/${s.prefix}`, devices: s.devices });
  return out;
}

/** Positions in SYSCTL_ORDER. */
const ARP_IGNORE = SYSCTL_ORDER.indexOf('arp_ignore');
const ARP_ANNOUNCE = SYSCTL_ORDER.indexOf('arp_announce');
const RP_FILTER = SYSCTL_ORDER.indexOf('rp_filter');

/** Addresses that stand for "the Internet" when asking where a default route leads. */
const REMOTE_PROBES = ['198.51.100.1', '203.0.113.1', '192.0.2.1', '100.64.0.1'].map((p) => parseIPv4(p)!);

/**
 * Strict (1) when, for every address of the device, the route back to what may send to it
 * there leaves through the same device: a peer in its subnet, and whatever lies behind each
 * gateway the device routes through. Loose (2) otherwise, naming the first reply that leaves
 * elsewhere. A source the device's routes do not lead to is not expected there, and strict
 * filtering drops it as it should.
 */
function decideRpFilter(index: ReplyIndex, device: string): { value: 1 | 2; why: string } {
  const first = index.firstAddress.get(device) ?? -1;
  // What each probe stands for is spelt only for the reason of a loose value: a route's
  // position in `index.routes`, or -1 for the peer in the address's subnet.
  const probeTo: number[] = [];
  const probeRoute: number[] = [];
  for (let a = first; a >= 0; a = index.nextAddress[a]!) {
    const peer = peerOf(index, a);
    if (peer !== undefined) {
      probeTo.push(peer);
      probeRoute.push(-1);
    }
  }
  for (let r = index.firstVia.get(device) ?? -1; r >= 0; r = index.nextVia[r]!) {
    const to = index.routeTo[r] === DEFAULT ? index.remote : index.routeTo[r];
    if (to !== undefined && !probeTo.includes(to)) {
      probeTo.push(to);
      probeRoute.push(r);
    }
  }
  const via: string[] = [];
  for (let a = first; a >= 0; a = index.nextAddress[a]!) {
    const from = index.values[a]!;
    for (let p = 0; p < probeTo.length; p++) {
      const hit = replyRoute(index, from, probeTo[p]!);
      if (hit < 0) continue;
      const dev = index.entryDev[hit]!;
      const table = index.tableName[index.entryTable[hit]!]!;
      if (dev !== device) {
        const r = probeRoute[p]!;
        const route = r < 0 ? undefined : index.routes[r]!;
        const what = route === undefined ? `its subnet (${formatIPv4(probeTo[p]!)})` : `${route.to} via ${route.via} (${formatIPv4(probeTo[p]!)})`;
        return {
          value: 2,
          why: `replies from ${index.addresses[a]!.address} to ${what} leave through ${dev} (table ${table}), so strict filtering would drop what arrives on ${device}; loose accepts any source with a route back.`,
        };
      }
      if (!via.includes(table)) via.push(table);
    }
  }
  return {
    value: 1,
    why: `replies from its addresses to its subnets and through its gateways leave through ${device} (table ${via.join(', ') || 'main'}), so strict filtering accepts what arrives there and drops sources that belong elsewhere.`,
  };
}

/** `routeTo` of a default route. */
const DEFAULT = -1;

/** 2^p for p = 0..33. */
const POW2: readonly number[] = Array.from({ length: 34 }, (_, p) => 2 ** p);

/**
 * A network of prefix length p as one number, below 2^33: 2^p plus its top p bits (the
 * numbering of a binary heap), so that networks of different lengths never share one and
 * most (p <= 30) are small integers.
 */
function netKey(address: number, prefix: number): number {
  if (prefix === 0) return 1;
  if (prefix === 32) return POW2[32]! + address;
  return POW2[prefix]! + (address >>> (32 - prefix));
}

/** Tables a reply index can number: their number times 2^33 plus a netKey stays below 2^53. */
const MAX_TABLES = POW2[20]! - 1;

/**
 * What the rp_filter decision asks of a plan, worked out once for all its devices (asked
 * per device it made planning quadratic in interfaces): addresses and gateway routes by
 * device, the host's addresses, the rules in the order the kernel tries them indexed by
 * source network, and every table's routes by table and network, each entry holding the
 * route a lookup there picks (lowest metric, the first on a tie). Lists by key are chains
 * through arrays of next positions (-1 ends one), not an array each: a host with 10,000
 * interfaces has 10,000 devices and tables.
 */
interface ReplyIndex {
  addresses: PlanAddress[];
  values: number[];
  routes: PlanRoute[];
  /** Each route's destination as a number (DEFAULT for `default`, undefined when it is not IPv4). */
  routeTo: (number | undefined)[];
  /** Per device its first address; `nextAddress` the next of the same device, in Plan order. */
  firstAddress: Map<string, number>;
  nextAddress: Int32Array;
  /** The same for the routes with a gateway, by device. */
  firstVia: Map<string, number>;
  nextVia: Int32Array;
  host: Set<number>;
  /** The rules by priority (stable), `main` at 32766 among them; `to` parsed (undefined: all; null: not an IPv4 selector); `table`: its number here, -1 when no route is in it. */
  rules: { table: number; priority: number; from?: string; to?: Cidr | null }[];
  /** Positions in `rules` of those without `from`; of those with one, the first by table-less netKey and the next of the same network. */
  anyFrom: number[];
  firstFrom: Map<number, number>;
  nextFrom: Int32Array;
  /** The prefix lengths of the `from` networks, longest first. */
  fromPrefixes: number[];
  /** Tables by number: name, and the prefix lengths that hold a route (bits 0-31, and 32). */
  tableName: string[];
  tableLengths: number[];
  tableHas32: boolean[];
  /** Entry by table number * 2^33 + netKey; each entry's device, metric and table number. */
  entries: Map<number, number>;
  entryDev: string[];
  entryMetric: number[];
  entryTable: number[];
  /** An Internet address no route or subnet of the host covers. */
  remote: number | undefined;
}

/** A chain per key through `next`, in increasing position: `keyOf(i)` undefined leaves i out. */
function chains(count: number, keyOf: (i: number) => string | undefined): { first: Map<string, number>; next: Int32Array } {
  const first = new Map<string, number>();
  const next = new Int32Array(count);
  for (let i = count - 1; i >= 0; i--) {
    const key = keyOf(i);
    if (key === undefined) continue;
    next[i] = first.get(key) ?? -1;
    first.set(key, i);
  }
  return { first, next };
}

function replyIndex(plan: V4Plan): ReplyIndex {
  const { addresses, values, routes } = plan;
  const byDevice = chains(addresses.length, (i) => addresses[i]!.device);
  const byVia = chains(routes.length, (i) => (routes[i]!.via === undefined ? undefined : routes[i]!.dev));

  const tableName: string[] = [];
  const tableLengths: number[] = [];
  const tableHas32: boolean[] = [];
  const tableId = new Map<string, number>();
  const entries = new Map<number, number>();
  const entryDev: string[] = [];
  const entryMetric: number[] = [];
  const entryTable: number[] = [];
  const add = (table: string, net: number, prefix: number, dev: string, metric: number): void => {
    let t = tableId.get(table);
    if (t === undefined) {
      t = tableName.length;
      if (t >= MAX_TABLES) throw new NetgenError('internal', `sysctl: more than ${MAX_TABLES} routing tables`);
      tableId.set(table, t);
      tableName.push(table);
      tableLengths.push(0);
      tableHas32.push(false);
    }
    if (prefix === 32) tableHas32[t] = true;
    else tableLengths[t]! |= 1 << prefix;
    const key = t * POW2[33]! + netKey(net, prefix);
    const had = entries.get(key);
    if (had === undefined) {
      entries.set(key, entryDev.length);
      entryDev.push(dev);
      entryMetric.push(metric);
      entryTable.push(t);
    } else if (metric < entryMetric[had]!) {
      entryMetric[had] = metric;
      entryDev[had] = dev;
    }
  };
  // `main` holds the connected routes of every address first, as the kernel adds them when the address comes up.
  for (let i = 0; i < addresses.length; i++) {
    const a = addresses[i]!;
    if (a.prefix < 32 && !a.secondary) add('main', values[i]!, a.prefix, a.device, 0);
  }
  // Which of the remote probes a route or an address covers (bit k: REMOTE_PROBES[k]).
  let covered = 0;
  const routeTo = new Array<number | undefined>(routes.length);
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    if (r.to === 'default') {
      routeTo[i] = DEFAULT;
      add(r.table, 0, 0, r.dev, r.metric);
      continue;
    }
    const c = parseCidr(r.to);
    routeTo[i] = c?.address;
    if (c === undefined) continue;
    add(r.table, c.address, c.prefix, r.dev, r.metric);
    for (let k = 0; k < REMOTE_PROBES.length; k++) if (contains(c.address, c.prefix, REMOTE_PROBES[k]!)) covered |= 1 << k;
  }
  for (let i = 0; i < addresses.length; i++) {
    for (let k = 0; k < REMOTE_PROBES.length; k++) if (contains(values[i]!, addresses[i]!.prefix, REMOTE_PROBES[k]!)) covered |= 1 << k;
  }
  let remote: number | undefined;
  for (let k = 0; k < REMOTE_PROBES.length && remote === undefined; k++) if ((covered & (1 << k)) === 0) remote = REMOTE_PROBES[k];

  const rules: ReplyIndex['rules'] = [];
  for (let i = 0; i < plan.rules.length; i++) {
    const r = plan.rules[i]!;
    const rule: ReplyIndex['rules'][number] = { table: tableId.get(r.table) ?? -1, priority: r.priority };
    if (r.from !== undefined) rule.from = r.from;
    if (r.to !== undefined) rule.to = parseCidr(r.to, true) ?? null;
    rules.push(rule);
  }
  rules.push({ table: tableId.get('main') ?? -1, priority: 32766 });
  rules.sort((x, y) => x.priority - y.priority);
  const anyFrom: number[] = [];
  const firstFrom = new Map<number, number>();
  const nextFrom = new Int32Array(rules.length);
  let fromLengths = 0;
  let from32 = false;
  for (let i = rules.length - 1; i >= 0; i--) {
    const from = rules[i]!.from;
    if (from === undefined) continue;
    const c = parseCidr(from, true);
    if (c === undefined) continue;
    if (c.prefix === 32) from32 = true;
    else fromLengths |= 1 << c.prefix;
    const key = netKey(c.address, c.prefix);
    nextFrom[i] = firstFrom.get(key) ?? -1;
    firstFrom.set(key, i);
  }
  for (let i = 0; i < rules.length; i++) if (rules[i]!.from === undefined) anyFrom.push(i);
  const fromPrefixes: number[] = from32 ? [32] : [];
  for (let p = 31; p >= 0; p--) if ((fromLengths & (1 << p)) !== 0) fromPrefixes.push(p);
  return {
    addresses,
    values,
    routes,
    routeTo,
    firstAddress: byDevice.first,
    nextAddress: byDevice.next,
    firstVia: byVia.first,
    nextVia: byVia.next,
    host: new Set(values),
    rules,
    anyFrom,
    firstFrom,
    nextFrom,
    fromPrefixes,
    tableName,
    tableLengths,
    tableHas32,
    entries,
    entryDev,
    entryMetric,
    entryTable,
    remote,
  };
}

/** The lowest address of the subnet of the address at position `i` that is not the host's (a peer on the link). */
function peerOf(index: ReplyIndex, i: number): number | undefined {
  const prefix = index.addresses[i]!.prefix;
  if (prefix > 30) return undefined;
  const value = index.values[i]!;
  const net = networkOf(value, prefix);
  const last = broadcastOf(value, prefix);
  for (let v = net + 1; v < last && v < net + 1024; v++) if (!index.host.has(v >>> 0)) return v >>> 0;
  return undefined;
}

/** The entry a lookup of `dst` in rule `i`'s table picks, when the rule applies to `dst`; -1 otherwise. */
function tryRule(index: ReplyIndex, i: number, dst: number): number {
  const rule = index.rules[i]!;
  if (rule.to === null || (rule.to !== undefined && !contains(rule.to.address, rule.to.prefix, dst))) return -1;
  const t = rule.table;
  if (t < 0) return -1;
  // Longest prefix first: 32, then the lengths 31 to 0 the table holds.
  const base = t * POW2[33]!;
  if (index.tableHas32[t]) {
    const e = index.entries.get(base + netKey(dst, 32));
    if (e !== undefined) return e;
  }
  let lengths = index.tableLengths[t]!;
  while (lengths !== 0) {
    const p = 31 - Math.clz32(lengths);
    const e = index.entries.get(base + netKey(dst, p));
    if (e !== undefined) return e;
    lengths &= ~(1 << p);
  }
  return -1;
}

/**
 * Where the kernel sends a reply from `src` to `dst` (an entry of the index, or -1): the
 * rules in priority order, then longest prefix and lowest metric within a table. `main`
 * holds the connected routes of every address first, as the kernel adds them when the
 * address comes up.
 */
function replyRoute(index: ReplyIndex, src: number, dst: number): number {
  // The rules that may select `src`, in order: those without `from`, merged with those whose
  // `from` holds it (each chain is in rule order already; more than one is rare).
  let hit = -1;
  let more: number[] | undefined;
  for (let k = 0; k < index.fromPrefixes.length; k++) {
    const prefix = index.fromPrefixes[k]!;
    const h = index.firstFrom.get(netKey(src, prefix));
    if (h === undefined) continue;
    if (hit < 0) hit = h;
    else {
      if (more === undefined) {
        more = [];
        for (let j = hit; j >= 0; j = index.nextFrom[j]!) more.push(j);
      }
      for (let j = h; j >= 0; j = index.nextFrom[j]!) more.push(j);
    }
  }
  const any = index.anyFrom;
  if (more !== undefined) {
    const candidates = [...any, ...more].sort((x, y) => x - y);
    for (const i of candidates) {
      const e = tryRule(index, i, dst);
      if (e >= 0) return e;
    }
    return -1;
  }
  // The rules without `from` and the chain of `src`'s network, walked in merged order.
  let i = 0;
  let j = hit;
  while (i < any.length || j >= 0) {
    let next: number;
    if (j < 0 || (i < any.length && any[i]! <= j)) next = any[i++]!;
    else {
      next = j;
      j = index.nextFrom[j]!;
    }
    const e = tryRule(index, next, dst);
    if (e >= 0) return e;
  }
  return -1;
}

/** A line of a foreign sysctl file that changes what netgen's file sets up. */
export interface SysctlConflict {
  /** 1-based line number in the foreign file. */
  line: number;
  text: string;
  message: string;
}

/**
 * `net.ipv4.conf.<scope>.<key>` (or the `/`-separated spelling) of a sysctl.conf line, for
 * the keys netgen manages; a `/` inside the scope of the dotted spelling stands for `.`.
 */
export function parseSysctlAssignment(line: string): { key: SysctlKey; scope: string; value: number } | undefined {
  const m = /^\s*-?\s*([^=#;\s]+)\s*=\s*(-?\d+)\s*$/.exec(line);
  if (!m) return undefined;
  const name = m[1]!;
  let scope: string | undefined;
  let key: string | undefined;
  const dotted = /^net\.ipv4\.conf\.(.+)\.([a-z_]+)$/.exec(name);
  const slashed = /^net\/ipv4\/conf\/([^/]+)\/([a-z_]+)$/.exec(name);
  if (dotted) [scope, key] = [dotted[1]!.replace(/\//g, '.'), dotted[2]];
  else if (slashed) [scope, key] = [slashed[1], slashed[2]];
  if (scope === undefined || key === undefined || !(SYSCTL_ORDER as readonly string[]).includes(key)) return undefined;
  return { key: key as SysctlKey, scope, value: Number(m[2]) };
}

/**
 * What a foreign /etc/sysctl.conf does to netgen's settings: the lines that leave an
 * interface of the Plan with another value than netgen's file alone would, either because
 * the distro reads the foreign file after netgen's (`foreignAfter`, OpenRC) or because an
 * `all` value there outweighs an interface's own (the kernel takes the larger).
 */
/** What sysctlConflicts reads of a Plan (a fleet's render worker sends only this). */
export interface SysctlPlanView {
  sysctl?: Plan['sysctl'];
  links: readonly Pick<Plan['links'][number], 'name' | 'kind'>[];
  addresses: readonly Pick<Plan['addresses'][number], 'device'>[];
}

export function sysctlConflicts(plan: SysctlPlanView, foreign: string, foreignAfter: boolean): SysctlConflict[] {
  const ours = plan.sysctl?.settings;
  if (ours === undefined) return [];
  const theirs = foreign.split('\n').flatMap((text, i) => {
    const a = parseSysctlAssignment(text);
    return a === undefined ? [] : [{ ...a, line: i + 1, text: text.trim() }];
  });
  if (theirs.length === 0) return [];
  const merged = (order: PlanSysctlSetting[]): PlanSysctlSetting[] => {
    const last = new Map<string, PlanSysctlSetting>();
    for (const s of order) last.set(`${s.key} ${s.scope}`, s);
    return [...last.values()];
  };
  const combined = merged(foreignAfter ? [...ours, ...theirs] : [...theirs, ...ours]);
  const devices = plan.links.filter((l) => plan.addresses.some((a) => a.device === l.name));
  // Per foreign line and key: the interfaces it moves, from which value to which.
  const hits = new Map<string, { line: number; text: string; key: SysctlKey; got: number; want: number; devs: string[] }>();
  for (const key of SYSCTL_ORDER) {
    if (!ours.some((s) => s.key === key)) continue;
    for (const link of devices) {
      const want = effectiveSysctl(ours, link.name, link.kind, key);
      const got = effectiveSysctl(combined, link.name, link.kind, key);
      if (want === got) continue;
      for (const c of theirs.filter((t) => t.key === key && (t.scope === 'all' || t.scope === link.name || (link.kind === 'vlan' && t.scope === 'default')))) {
        const id = `${c.line} ${key} ${got} ${want}`;
        const hit = hits.get(id) ?? { line: c.line, text: c.text, key, got, want, devs: [] };
        hit.devs.push(link.name);
        hits.set(id, hit);
      }
    }
  }
  const out: SysctlConflict[] = [...hits.values()].map((h) => ({
    line: h.line,
    text: h.text,
    message:
      `\`${h.text}\` ${foreignAfter ? "is read after netgen's file and " : ''}leaves ${h.key} at ${h.got} on ${listing(h.devs)}, ` +
      `not the ${h.want} netgen's file sets; remove the line, or set the value in the model (\`sysctl:\`)`,
  }));
  return out.sort((a, b) => a.line - b.line);
}
