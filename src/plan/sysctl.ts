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
  const plan: PlanSoFar = {
    ...whole,
    addresses: whole.addresses.filter((a) => a.family === 4),
    routes: whole.routes.filter((r) => r.family === 4),
    rules: whole.rules.filter((r) => r.family === 4),
  };
  const addressed = new Set(plan.addresses.map((a) => a.device));
  const withAddresses = plan.links.filter((l) => addressed.has(l.name));
  const shared = sharedSubnets(plan.addresses);
  const perSource = plan.rules.some((r) => r.from !== undefined);
  const multiHomed = shared.length > 0 || perSource;
  const explicit = model.sysctl !== undefined || model.links.some((l) => l.sysctl !== undefined);
  if ((!multiHomed && !explicit) || withAddresses.length === 0) return undefined;

  const reasons: string[] = [];
  const decided = new Map<string, Partial<Record<SysctlKey, number>>>();
  if (multiHomed) {
    const why = shared.length > 0 ? shared.map((s) => `${listing(s.devices)} are ${s.devices.length === 2 ? 'both' : 'all'} in ${s.subnet}`).join('; ') : 'the host routes by source address';
    reasons.push(
      `arp_ignore 1: ${why}. Each interface answers ARP only for its own addresses; with the kernel's 0 every interface answers for every address (ARP flux) and a peer may send to the wrong NIC.`,
      "arp_announce 2: the host's own ARP requests name an address of the interface they leave by, so no peer learns one interface's MAC for another interface's address.",
    );
    const index = replyIndex(plan);
    for (const link of withAddresses) {
      const rp = decideRpFilter(index, link.name);
      decided.set(link.name, { arp_ignore: 1, arp_announce: 2, rp_filter: rp.value });
      reasons.push(`rp_filter ${rp.value} on ${link.name}: ${rp.why}`);
    }
    // VLANs come up after sysctl has run: they all start with the one `default` value.
    const vlans = withAddresses.filter((l) => l.kind === 'vlan');
    if (new Set(vlans.map((l) => decided.get(l.name)!.rp_filter)).size > 1) {
      for (const l of vlans) decided.get(l.name)!.rp_filter = 2;
      reasons.push(`rp_filter 2 on every VLAN: they come up after sysctl runs at boot and all take the one \`default\` value, so the looser one serves them all.`);
    }
  }

  const hostValues = model.sysctl?.values ?? {};
  const values = new Map<string, Partial<Record<SysctlKey, number>>>();
  const modelLinks = new Map<string, (typeof model.links)[number]>();
  for (const l of model.links) if (!modelLinks.has(l.name)) modelLinks.set(l.name, l);
  for (const link of withAddresses) {
    const own = modelLinks.get(link.name)?.sysctl?.values ?? {};
    const v: Partial<Record<SysctlKey, number>> = { ...decided.get(link.name) };
    for (const key of SYSCTL_ORDER) {
      const set = own[key] ?? hostValues[key];
      if (set === undefined) continue;
      if (v[key] !== set) reasons.push(`${key} ${set} on ${link.name}: set in the model (${own[key] !== undefined ? `interfaces ${link.name}` : 'host-wide'} \`sysctl:\`).`);
      v[key] = set;
    }
    values.set(link.name, v);
  }

  const settings: PlanSysctlSetting[] = [];
  const vlanSettings: PlanSysctlSetting[] = [];
  for (const key of SYSCTL_ORDER) {
    const per: { link: (typeof withAddresses)[number]; value: number }[] = [];
    for (const l of withAddresses) {
      const v = values.get(l.name)![key];
      if (v !== undefined) per.push({ link: l, value: v });
    }
    if (per.length === 0) continue;
    // `all` combines with every device's own value, so it carries the lowest wanted (max)
    // or stays 0 unless every device wants it (or); each device says its own.
    const all = SYSCTL_COMBINE[key] === 'max' ? per.reduce((m, p) => Math.min(m, p.value), Infinity) : per.every((p) => p.value === 1) ? 1 : 0;
    const vlan = per.find((p) => p.link.kind === 'vlan');
    settings.push({ key, scope: 'all', value: all }, { key, scope: 'default', value: vlan?.value ?? all });
    for (const p of per) (p.link.kind !== 'vlan' ? settings : vlanSettings).push({ key, scope: p.link.name, value: p.value });
  }
  return settings.length === 0 ? undefined : { settings, vlanSettings, reasons };
}

function listing(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** Subnets holding addresses of more than one device. */
function sharedSubnets(addresses: readonly PlanAddress[]): { subnet: string; devices: string[] }[] {
  // Keyed by network and prefix as one number (below 2^38): only the shared ones are spelt.
  const bySubnet = new Map<number, { net: number; prefix: number; devices: string[] }>();
  for (const a of addresses) {
    if (a.prefix >= 31) continue;
    const net = networkOf(parseIPv4(a.address)!, a.prefix);
    const key = net * 64 + a.prefix;
    const s = bySubnet.get(key);
    if (s === undefined) bySubnet.set(key, { net, prefix: a.prefix, devices: [a.device] });
    else if (!s.devices.includes(a.device)) s.devices.push(a.device);
  }
  const out: { subnet: string; devices: string[] }[] = [];
  for (const s of bySubnet.values()) if (s.devices.length > 1) out.push({ subnet: `${formatIPv4(s.net)}/${s.prefix}`, devices: s.devices });
  return out;
}

/** Addresses that stand for "the Internet" when asking where a default route leads. */
const REMOTE_PROBES = ['198.51.100.1', '203.0.113.1', '192.0.2.1', '100.64.0.1'];

/**
 * Strict (1) when, for every address of the device, the route back to what may send to it
 * there leaves through the same device: a peer in its subnet, and whatever lies behind each
 * gateway the device routes through. Loose (2) otherwise, naming the first reply that leaves
 * elsewhere. A source the device's routes do not lead to is not expected there, and strict
 * filtering drops it as it should.
 */
function decideRpFilter(index: ReplyIndex, device: string): { value: 1 | 2; why: string } {
  const own = index.addressesOf.get(device) ?? [];
  // What each probe stands for is spelt only for the reason of a loose value.
  const probes: { to: number; route?: PlanRoute }[] = [];
  for (const a of own) {
    const peer = peerOf(index, a);
    if (peer !== undefined) probes.push({ to: peer });
  }
  for (const r of index.routesVia.get(device) ?? []) {
    const to = r.to === 'default' ? index.remote() : parseCidr(r.to)?.address;
    if (to !== undefined && !probes.some((p) => p.to === to)) probes.push({ to, route: r });
  }
  const what = (p: { to: number; route?: PlanRoute }): string => (p.route === undefined ? `its subnet (${formatIPv4(p.to)})` : `${p.route.to} via ${p.route.via} (${formatIPv4(p.to)})`);
  const via: string[] = [];
  for (const a of own) {
    const from = parseIPv4(a.address)!;
    for (const p of probes) {
      const hit = replyRoute(index, from, p.to);
      if (hit === undefined) continue;
      if (hit.dev !== device) {
        return {
          value: 2,
          why: `replies from ${a.address} to ${what(p)} leave through ${hit.dev} (table ${hit.table}), so strict filtering would drop what arrives on ${device}; loose accepts any source with a route back.`,
        };
      }
      if (!via.includes(hit.table)) via.push(hit.table);
    }
  }
  return {
    value: 1,
    why: `replies from its addresses to its subnets and through its gateways leave through ${device} (table ${via.join(', ') || 'main'}), so strict filtering accepts what arrives there and drops sources that belong elsewhere.`,
  };
}

/** A prefix-length-indexed set of networks: for an address, the entries of each length that hold it. */
type PrefixIndex<T> = Map<number, Map<number, T>>;

function addToIndex<T>(index: PrefixIndex<T>, address: number, prefix: number, value: T, merge: (had: T, value: T) => T): void {
  let m = index.get(prefix);
  if (m === undefined) index.set(prefix, (m = new Map()));
  const net = networkOf(address, prefix);
  const had = m.get(net);
  m.set(net, had === undefined ? value : merge(had, value));
}

/**
 * What the rp_filter decision asks of a plan, worked out once for all its devices (asked
 * per device it made planning quadratic in interfaces): addresses and gateway routes by
 * device, the host's addresses, the rules in the order the kernel tries them indexed by
 * source prefix, and each table's routes indexed by prefix, each network holding the route
 * a lookup there picks (lowest metric, the first on a tie).
 */
interface ReplyIndex {
  addressesOf: Map<string, PlanAddress[]>;
  routesVia: Map<string, PlanRoute[]>;
  host: Set<number>;
  /** The rules by priority (stable), `main` at 32766 among them; `to` parsed (undefined: all; null: not an IPv4 selector). */
  rules: { table: string; priority: number; from?: string; to?: Cidr | null }[];
  /** Positions in `rules` of those without `from`, and of those with one by its prefix. */
  anyFrom: number[];
  byFrom: PrefixIndex<number[]>;
  tables: Map<string, { index: PrefixIndex<{ metric: number; dev: string }>; prefixes: number[] }>;
  /** An Internet address no route or subnet of the host covers (computed on first use). */
  remote(): number | undefined;
}

function replyIndex(plan: PlanSoFar): ReplyIndex {
  const addressesOf = new Map<string, PlanAddress[]>();
  for (const a of plan.addresses) {
    const list = addressesOf.get(a.device);
    if (list === undefined) addressesOf.set(a.device, [a]);
    else list.push(a);
  }
  const routesVia = new Map<string, PlanRoute[]>();
  for (const r of plan.routes) {
    if (r.via === undefined) continue;
    const list = routesVia.get(r.dev);
    if (list === undefined) routesVia.set(r.dev, [r]);
    else list.push(r);
  }
  const rules: ReplyIndex['rules'] = [];
  for (const r of plan.rules) {
    const rule: ReplyIndex['rules'][number] = { table: r.table, priority: r.priority };
    if (r.from !== undefined) rule.from = r.from;
    if (r.to !== undefined) rule.to = parseCidr(r.to, true) ?? null;
    rules.push(rule);
  }
  rules.push({ table: 'main', priority: 32766 });
  rules.sort((x, y) => x.priority - y.priority);
  const anyFrom: number[] = [];
  const byFrom: PrefixIndex<number[]> = new Map();
  rules.forEach((rule, i) => {
    if (rule.from === undefined) anyFrom.push(i);
    else {
      const c = parseCidr(rule.from, true);
      if (c !== undefined) addToIndex(byFrom, c.address, c.prefix, [i], (had, v) => [...had, ...v]);
    }
  });
  const tables: ReplyIndex['tables'] = new Map();
  const keep = (had: { metric: number; dev: string }, v: { metric: number; dev: string }) => (v.metric < had.metric ? v : had);
  const add = (table: string, address: number, prefix: number, dev: string, metric: number): void => {
    let t = tables.get(table);
    if (t === undefined) tables.set(table, (t = { index: new Map(), prefixes: [] }));
    addToIndex(t.index, address, prefix, { metric, dev }, keep);
  };
  // `main` holds the connected routes of every address first, as the kernel adds them when the address comes up.
  for (const a of plan.addresses) {
    if (a.prefix < 32 && !a.secondary) add('main', networkOf(parseIPv4(a.address)!, a.prefix), a.prefix, a.device, 0);
  }
  for (const r of plan.routes) {
    const c = r.to === 'default' ? { address: 0, prefix: 0 } : parseCidr(r.to);
    if (c !== undefined) add(r.table, c.address, c.prefix, r.dev, r.metric);
  }
  // Longest prefix first. Most tables hold one or two lengths (a host with per-source
  // routing has a table per interface): sorted in place, without a copy per table.
  for (const t of tables.values()) t.prefixes = insertionSortDescending([...t.index.keys()]);
  let remote: { value: number | undefined } | undefined;
  return {
    addressesOf,
    routesVia,
    host: new Set(plan.addresses.map((x) => parseIPv4(x.address)!)),
    rules,
    anyFrom,
    byFrom,
    tables,
    remote: () => (remote ??= { value: remoteProbe(plan) }).value,
  };
}

/** The lowest address of `a`'s subnet that is not the host's (a peer on the link). */
function peerOf(index: ReplyIndex, a: PlanAddress): number | undefined {
  if (a.prefix > 30) return undefined;
  const value = parseIPv4(a.address)!;
  const net = networkOf(value, a.prefix);
  const last = broadcastOf(value, a.prefix);
  for (let v = net + 1; v < last && v < net + 1024; v++) if (!index.host.has(v >>> 0)) return v >>> 0;
  return undefined;
}

function remoteProbe(plan: PlanSoFar): number | undefined {
  const covered = (v: number): boolean =>
    plan.routes.some((r) => r.to !== 'default' && (() => {
      const c = parseCidr(r.to);
      return c !== undefined && contains(c.address, c.prefix, v);
    })()) || plan.addresses.some((a) => contains(parseIPv4(a.address)!, a.prefix, v));
  return REMOTE_PROBES.map((p) => parseIPv4(p)!).find((v) => !covered(v));
}

/**
 * Where the kernel sends a reply from `src` to `dst`: the rules in priority order, then
 * longest prefix and lowest metric within a table. `main` holds the connected routes of
 * every address first, as the kernel adds them when the address comes up.
 */
function replyRoute(index: ReplyIndex, src: number, dst: number): { dev: string; table: string } | undefined {
  // The rules that may select `src`, in order: those without `from`, merged with those whose
  // `from` holds it (each list is in rule order already; more than one is rare).
  let candidates = index.anyFrom;
  let lists = 0;
  for (const [prefix, m] of index.byFrom) {
    const hit = m.get(networkOf(src, prefix));
    if (hit === undefined) continue;
    candidates = lists === 0 ? mergeSorted(candidates, hit) : [...candidates, ...hit].sort((x, y) => x - y);
    lists++;
  }
  for (const i of candidates) {
    const rule = index.rules[i]!;
    if (rule.to === null || (rule.to !== undefined && !contains(rule.to.address, rule.to.prefix, dst))) continue;
    const t = index.tables.get(rule.table);
    if (t === undefined) continue;
    for (const prefix of t.prefixes) {
      const best = t.index.get(prefix)!.get(networkOf(dst, prefix));
      if (best !== undefined) return { dev: best.dev, table: rule.table };
    }
  }
  return undefined;
}

/** Numbers largest first, in place (for short lists: prefix lengths, at most 33). */
function insertionSortDescending(list: number[]): number[] {
  for (let i = 1; i < list.length; i++) {
    const v = list[i]!;
    let j = i - 1;
    while (j >= 0 && list[j]! < v) {
      list[j + 1] = list[j]!;
      j--;
    }
    list[j + 1] = v;
  }
  return list;
}

/** Two ascending lists as one. */
function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i]! <= b[j]! ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
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
