// A running host's state -> facts: `ip -j -d addr`, `ip -j route show table all`,
// `ip -j rule` and rt_tables, read the same way as files. What the kernel makes by itself
// (local and broadcast routes, each address's connected route, the three built-in rules)
// is recognised as such and not copied.
import { formatCidr, networkOf, parseCidr, parseIPv4 } from '../net/ipv4.js';
import { ALIAS_LABEL, IFNAME } from '../model/schema.js';
import { TableBook } from './ip-words.js';
import { readRtTables } from './rt-tables.js';
import { IPV6_NOT_IMPORTED, note, type Facts, type FactLink, type ImportFile, type ReportEntry } from './types.js';

export interface LiveState {
  /** `ip -j [-d] addr show` output, and the name it is reported under. */
  addr: { name: string; text: string };
  route: { name: string; text: string };
  rule: { name: string; text: string };
  rtTables?: ImportFile;
}

interface AddrJson {
  ifindex?: number;
  ifname?: string;
  flags?: string[];
  mtu?: number;
  link?: string | null;
  link_type?: string;
  address?: string;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; protocol?: string } };
  addr_info?: { family?: string; local?: string; prefixlen?: number; label?: string; dynamic?: boolean }[];
}

interface RouteJson {
  type?: string;
  dst?: string;
  gateway?: string;
  via?: unknown;
  dev?: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  metric?: number;
  table?: string;
  flags?: string[];
  nexthops?: unknown;
}

interface RuleJson {
  priority?: number;
  src?: string;
  srclen?: number;
  dst?: string;
  dstlen?: number;
  table?: string;
  [k: string]: unknown;
}

function parseJson<T>(text: string, name: string): T[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`${name} is not the JSON \`ip -j\` prints: ${(err as Error).message}`);
  }
  if (!Array.isArray(v)) throw new Error(`${name} is not the JSON list \`ip -j\` prints`);
  return v as T[];
}

const KNOWN_RULE_KEYS = new Set(['priority', 'src', 'srclen', 'dst', 'dstlen', 'table', 'protocol', 'flags']);

/** Read saved or fresh `ip -j` outputs into facts. Throws (a usage error for the caller) when they are not `ip -j` JSON. */
export function readLive(state: LiveState, facts: Facts): void {
  const tables = new TableBook(facts);
  if (state.rtTables) readRtTables(facts, state.rtTables, tables);
  const links = parseJson<AddrJson>(state.addr.text, state.addr.name);
  const routes = parseJson<RouteJson>(state.route.text, state.route.name);
  const rules = parseJson<RuleJson>(state.rule.text, state.rule.name);
  facts.files.push(state.addr.name, state.route.name, state.rule.name);

  const ifindex = new Map<string, number>();
  const usedDevs = new Set<string>();
  for (const r of routes) if (r.dev) usedDevs.add(r.dev);
  const names = new Set(links.map((l) => l.ifname ?? ''));
  /** A real VLAN's parent; else a device named `<parent>.<id>` beside its parent is read as that VLAN, as RHEL's ifup reads names. */
  const vlanOf = (l: AddrJson): { parent: string; id: number; byName: boolean } | undefined => {
    if (l.linkinfo?.info_kind === 'vlan' && l.link) return { parent: l.link, id: l.linkinfo.info_data?.id ?? Number(/\.([0-9]{1,4})$/.exec(l.ifname ?? '')?.[1]), byName: false };
    const m = /^(.+)\.([0-9]{1,4})$/.exec(l.ifname ?? '');
    if (m && names.has(m[1]!)) return { parent: m[1]!, id: Number(m[2]), byName: true };
    return undefined;
  };
  const parents = new Set(links.map((l) => vlanOf(l)?.parent).filter((x): x is string => x !== undefined));
  links.forEach((l, i) => {
    const name = l.ifname ?? '';
    if (l.ifindex !== undefined) ifindex.set(name, l.ifindex);
    const item = `link ${name}`;
    if (l.link_type === 'loopback' || name === 'lo') return;
    const v4 = (l.addr_info ?? []).filter((a) => a.family === 'inet');
    if (v4.length === 0 && !parents.has(name) && !usedDevs.has(name)) {
      note(facts, state.addr.name, i + 1, item, 'ignored', 'no IPv4 address, route or VLAN on it');
      return;
    }
    const e = note(facts, state.addr.name, i + 1, item, 'represented');
    if (!IFNAME.test(name) || l.link_type !== 'ether') {
      Object.assign(e, { status: 'not-representable', why: l.link_type !== 'ether' ? `a ${l.link_type ?? 'non-Ethernet'} device is not modelled` : `${JSON.stringify(name)} is not an interface name netgen accepts` });
      return;
    }
    const kind = l.linkinfo?.info_kind;
    const link: FactLink = { name, kind: 'ethernet', onBoot: (l.flags ?? []).includes('UP'), entries: [e] };
    if (!link.onBoot) e.why = 'the device is down';
    const vlan = vlanOf(l);
    if (vlan) {
      if (!(vlan.id >= 1 && vlan.id <= 4094)) {
        Object.assign(e, { status: 'not-representable', why: 'a VLAN whose id cannot be read' });
        return;
      }
      link.kind = 'vlan';
      link.parent = vlan.parent;
      link.vlanId = vlan.id;
      if (vlan.byName) e.why = `named as VLAN ${vlan.id} of ${vlan.parent}, and read as that VLAN (the device itself is ${kind === undefined ? 'not a VLAN' : `a ${kind}`})`;
    } else if (kind !== undefined && kind !== 'veth') {
      Object.assign(e, { status: 'not-representable', why: `a ${kind} device is not modelled` });
      return;
    }
    if (l.mtu !== undefined && l.mtu !== 1500) link.mtu = l.mtu;
    if (link.kind === 'ethernet' && l.address && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(l.address)) link.mac = l.address;
    facts.links.push(link);
    for (const a of (l.addr_info ?? []).filter((x) => x.family === 'inet6')) {
      const text = `${name}: inet6 ${a.local}/${a.prefixlen}`;
      if (a.local?.toLowerCase().startsWith('fe80:')) note(facts, state.addr.name, i + 1, text, 'ignored', 'the kernel\'s own IPv6 link-local address');
      else note(facts, state.addr.name, i + 1, text, 'not-representable', IPV6_NOT_IMPORTED);
    }
    for (const a of v4) {
      const ae = note(facts, state.addr.name, i + 1, `${name}: inet ${a.local}/${a.prefixlen}${a.label && a.label !== name ? ` label ${a.label}` : ''}`, 'represented');
      const address = a.local === undefined ? undefined : parseIPv4(a.local);
      if (address === undefined || a.prefixlen === undefined) {
        Object.assign(ae, { status: 'not-representable', why: 'an address that cannot be read' });
        continue;
      }
      if (a.dynamic === true) {
        Object.assign(ae, { status: 'not-representable', why: 'a DHCP lease (dynamic); the model has static addresses' });
        continue;
      }
      const label = a.label && a.label !== name ? a.label : undefined;
      if (label !== undefined && (ALIAS_LABEL.exec(label)?.[1] !== name)) {
        Object.assign(ae, { status: 'not-representable', why: `label ${label}: the model's alias labels are ${name}:<tag>` });
        continue;
      }
      facts.addresses.push({ address, prefix: a.prefixlen, dev: name, ...(label !== undefined ? { label } : {}), onParent: true, entries: [ae] });
    }
  });

  routes.forEach((r, i) => {
    const table = r.table ?? 'main';
    const text = describeRoute(r);
    if (table === 'local') {
      note(facts, state.route.name, i + 1, text, 'ignored', 'the kernel makes local and broadcast routes from the addresses');
      return;
    }
    const e = note(facts, state.route.name, i + 1, text, 'represented');
    if (isKernelConnected(r, table, facts)) {
      Object.assign(e, { status: 'ignored', why: 'the kernel makes it from the address (proto kernel)' });
      return;
    }
    const idx = r.dev === undefined ? undefined : ifindex.get(r.dev);
    if (r.dst === '169.254.0.0/16' && r.gateway === undefined && idx !== undefined && r.metric === 1000 + idx) {
      Object.assign(e, { status: 'ignored', why: 'initscripts\' zeroconf route: ifup adds it to every device unless NOZEROCONF=yes' });
      return;
    }
    const why = liveRoute(r, table, tables, e, facts);
    if (why !== undefined) Object.assign(e, { status: 'not-representable', why });
  });

  rules.forEach((r, i) => {
    if (r.src === 'all') delete r.src;
    if (r.dst === 'all') delete r.dst;
    const text = `${r.priority ?? 0}: from ${r.src ?? 'all'}${r.srclen !== undefined && r.srclen !== 32 ? `/${r.srclen}` : ''}${r.dst ? ` to ${r.dst}${r.dstlen !== undefined && r.dstlen !== 32 ? `/${r.dstlen}` : ''}` : ''} lookup ${r.table ?? '?'}`;
    const builtIn = ((r.priority ?? 0) === 0 && r.table === 'local') || (r.priority === 32766 && r.table === 'main') || (r.priority === 32767 && r.table === 'default');
    if (builtIn && r.src === undefined && r.dst === undefined) {
      note(facts, state.rule.name, i + 1, text, 'ignored', 'one of the kernel\'s own rules');
      return;
    }
    const e = note(facts, state.rule.name, i + 1, text, 'represented');
    const extra = Object.keys(r).filter((k) => !KNOWN_RULE_KEYS.has(k));
    if (extra.length > 0 || r.table === undefined) {
      Object.assign(e, { status: 'not-representable', why: `a rule with ${extra.join(', ') || 'no table'}: the model has from/to/table/priority rules` });
      return;
    }
    const t = tables.resolve(r.table, e);
    if ('error' in t) {
      Object.assign(e, { status: 'not-representable', why: t.error });
      return;
    }
    const from = r.src === undefined ? undefined : parseCidr(`${r.src}/${r.srclen ?? 32}`);
    const to = r.dst === undefined ? undefined : parseCidr(`${r.dst}/${r.dstlen ?? 32}`);
    facts.rules.push({ table: t.table, priority: r.priority ?? 0, ...(from ? { from } : {}), ...(to ? { to } : {}), entries: [e] });
  });
}

function describeRoute(r: RouteJson): string {
  const w = [r.type && r.type !== 'unicast' ? r.type : '', r.dst ?? '?', r.gateway ? `via ${r.gateway}` : '', r.dev ? `dev ${r.dev}` : '', r.protocol ? `proto ${r.protocol}` : '', r.scope ? `scope ${r.scope}` : '', r.prefsrc ? `src ${r.prefsrc}` : '', r.metric !== undefined ? `metric ${r.metric}` : '', r.table && r.table !== 'main' ? `table ${r.table}` : ''];
  return w.filter((x) => x !== '').join(' ');
}

/** The route the kernel adds for an address: its subnet, proto kernel, scope link, src the address, metric 0, main. */
function isKernelConnected(r: RouteJson, table: string, facts: Facts): boolean {
  if (table !== 'main' || r.protocol !== 'kernel' || r.scope !== 'link' || (r.metric ?? 0) !== 0 || r.gateway !== undefined || !r.dst || !r.prefsrc) return false;
  const src = parseIPv4(r.prefsrc);
  return facts.addresses.some((a) => a.address === src && a.dev === r.dev && formatCidr(networkOf(a.address, a.prefix), a.prefix) === r.dst);
}

function liveRoute(r: RouteJson, table: string, tables: TableBook, e: ReportEntry, facts: Facts): string | undefined {
  if (r.type !== undefined && r.type !== 'unicast') return `a ${r.type} route; the model has only unicast routes`;
  if (r.nexthops !== undefined || r.via !== undefined) return 'a multipath or cross-family route is not modelled';
  if (!r.dev) return 'a route without a device';
  const to = r.dst === 'default' ? { address: 0, prefix: 0, isDefault: true } : (() => {
    const c = parseCidr(r.dst?.includes('/') ? r.dst : `${r.dst}/32`);
    return c ? { ...c, isDefault: c.prefix === 0 } : undefined;
  })();
  if (!to) return `${r.dst} cannot be read`;
  const t = tables.resolve(table, e);
  if ('error' in t) return t.error;
  const via = r.gateway === undefined ? undefined : parseIPv4(r.gateway);
  if (r.gateway !== undefined && via === undefined) return `gateway ${r.gateway} is not IPv4`;
  const src = r.prefsrc === undefined ? undefined : parseIPv4(r.prefsrc);
  const scope = r.scope === 'link' || r.scope === 'host' ? r.scope : undefined;
  if (r.scope !== undefined && scope === undefined && r.scope !== 'global' && r.scope !== 'universe') return `scope ${r.scope} is not modelled`;
  // `ip route add` without proto says boot: what netgen's files give too.
  const proto = r.protocol === undefined || r.protocol === 'boot' ? undefined : r.protocol;
  if (proto !== undefined && !/^(kernel|boot|static|dhcp|ra|redirect|[0-9]{1,3})$/.test(proto)) return `proto ${proto} is not one the model knows`;
  facts.routes.push({
    to,
    ...(via !== undefined ? { via } : {}),
    dev: r.dev,
    ...(src !== undefined ? { src } : {}),
    metric: r.metric ?? 0,
    table: t.table,
    ...(scope !== undefined ? { scope } : {}),
    ...(proto !== undefined ? { proto } : {}),
    onlink: (r.flags ?? []).includes('onlink'),
    entries: [e],
  });
  return undefined;
}
