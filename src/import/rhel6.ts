// RHEL 6 initscripts' files -> facts: what `service network start` would configure from
// them (consumers.md, "RHEL initscripts"), in its order, each fact pointing at its line.
import { compareInterfaceNames } from '../model/bring-up.js';
import { classfulPrefix, isBlankOrComment, prefixOfNetmask, readLikeBash, splitWords } from '../kernel/shell-text.js';
import { contains, maskOf, parseIPv4 } from '../net/ipv4.js';
import { IFNAME } from '../model/schema.js';
import { parseRouteWords, parseRuleWords, TableBook } from './ip-words.js';
import { readAssignments, settle, type Assigned } from './sysconfig.js';
import { readRtTables } from './rt-tables.js';
import { IPV6_NOT_IMPORTED, note, type Facts, type FactLink, type ImportFile, type ReportEntry } from './types.js';

export const NETWORK_SCRIPTS = 'etc/sysconfig/network-scripts/';
export const SYSCONFIG_NETWORK = 'etc/sysconfig/network';
export const IFUP_LOCAL = 'sbin/ifup-local';
export const IFDOWN_LOCAL = 'sbin/ifdown-local';
const IGNORED_NAME = /(~|\.bak|\.orig|\.rpmnew|\.rpmorig|\.rpmsave)$/;

type Vars = Map<string, Assigned>;

/** Keys only NetworkManager or the installer read, or that say what netgen writes anyway when set so. */
const NO_EFFECT: Record<string, (v: string) => string | undefined> = {
  NAME: () => 'only NetworkManager reads it',
  UUID: () => 'only NetworkManager reads it',
  USERCTL: (v) => (/^(no|)$/i.test(v) ? 'the default (only root may run ifup)' : undefined),
  IPV6INIT: (v) => (/^(no|)$/i.test(v) ? 'IPv6 off, as netgen leaves it' : undefined),
  IPV6_AUTOCONF: (v) => (/^(no|)$/i.test(v) ? 'IPv6 off, as netgen leaves it' : undefined),
  PEERDNS: () => 'read only with DHCP',
  PERSISTENT_DHCLIENT: () => 'read only with DHCP',
  NETWORK: () => 'ipcalc computes it from IPADDR and PREFIX again',
};
const NOT_REPRESENTABLE: Record<string, string> = {
  MASTER: 'bonding is not modelled',
  SLAVE: 'bonding is not modelled',
  BONDING_OPTS: 'bonding is not modelled',
  BRIDGE: 'bridges are not modelled',
  DNS1: 'resolver settings are not modelled',
  DNS2: 'resolver settings are not modelled',
  DNS3: 'resolver settings are not modelled',
  DOMAIN: 'resolver settings are not modelled',
  SEARCH: 'resolver settings are not modelled',
  IPV6ADDR: IPV6_NOT_IMPORTED,
  IPV6ADDR_SECONDARIES: IPV6_NOT_IMPORTED,
  IPV6_DEFAULTGW: IPV6_NOT_IMPORTED,
  ETHTOOL_OPTS: 'NIC settings are not modelled',
  MACADDR: 'sets the NIC\'s address; the model\'s mac is a check on rhel6 (HWADDR)',
  SRCADDR: 'a source on the GATEWAY route; write the default as a route with from/src instead',
  ARPCHECK: 'the duplicate address check is not modelled',
  ZONE: 'firewall zones are not modelled',
};

interface Device {
  name: string;
  file: string;
  vars: Vars;
}

/** Read a RHEL 6 tree's network files into facts. */
export function readRhel6(files: readonly ImportFile[], facts: Facts): void {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const tables = new TableBook(facts);
  const rt = byPath.get('etc/iproute2/rt_tables');
  if (rt) readRtTables(facts, rt, tables);

  const netFile = byPath.get(SYSCONFIG_NETWORK);
  const network: Vars = netFile ? readAssignments(facts, SYSCONFIG_NETWORK, netFile.content) : new Map();
  if (netFile) facts.files.push(SYSCONFIG_NETWORK);
  settleNetwork(facts, network);

  const scripts = files.filter((f) => f.path.startsWith(NETWORK_SCRIPTS) && !f.path.slice(NETWORK_SCRIPTS.length).includes('/'));
  const devices: Device[] = [];
  const aliases: Device[] = [];
  for (const f of scripts) {
    const base = f.path.slice(NETWORK_SCRIPTS.length);
    const m = /^ifcfg-(.+)$/.exec(base);
    if (!m) continue;
    const name = m[1]!;
    if (IGNORED_NAME.test(name)) {
      note(facts, f.path, 1, base, 'ignored', 'initscripts skips backup and package files');
      continue;
    }
    if (name.includes('-range')) {
      note(facts, f.path, 1, base, 'not-representable', 'alias ranges are not modelled');
      continue;
    }
    facts.files.push(f.path);
    const vars = readAssignments(facts, f.path, f.content);
    const dev: Device = { name: vars.get('DEVICE')?.value || name, file: f.path, vars };
    if (dev.name === 'lo') {
      for (const a of vars.values()) settle(a.entry, 'ignored', 'the loopback device is the kernel\'s');
      continue;
    }
    (dev.name.includes(':') ? aliases : devices).push(dev);
  }
  // `service network start`: interfaces without a dot first, VLANs (with a dot) after, each by name.
  const order = (a: Device, b: Device): number => Number(a.name.includes('.')) - Number(b.name.includes('.')) || compareInterfaceNames(a.name, b.name);
  devices.sort(order);
  aliases.sort((a, b) => compareInterfaceNames(a.name, b.name));

  const gateways: { link: FactLink; address: number; metric?: number; entries: ReportEntry[] }[] = [];
  const hook = readIfupLocal(facts, byPath);
  for (const dev of devices) {
    const link = readDevice(facts, dev, network, gateways);
    if (!link) continue;
    for (const alias of aliases.filter((a) => a.name.slice(0, a.name.indexOf(':')) === dev.name)) readAlias(facts, alias, dev, link);
    readRouteFile(facts, byPath, `route-${dev.name}`, dev.name, tables);
    for (const alias of aliases.filter((a) => a.name.slice(0, a.name.indexOf(':')) === dev.name)) readRouteFile(facts, byPath, `route-${alias.name}`, dev.name, tables);
    readRuleFile(facts, byPath, `rule-${dev.name}`, tables);
    for (const alias of aliases.filter((a) => a.name.slice(0, a.name.indexOf(':')) === dev.name)) readRuleFile(facts, byPath, `rule-${alias.name}`, tables);
    // ifup-post runs /sbin/ifup-local DEVICE last; ifup-aliases runs it for each alias it brings up.
    takeHookRules(facts, hook, dev.name, tables);
    for (const alias of aliases.filter((a) => a.name.slice(0, a.name.indexOf(':')) === dev.name)) takeHookRules(facts, hook, alias.name, tables);
  }
  takeHookRules(facts, hook, undefined, tables);
  for (const [label, lines] of hook.byLabel) {
    for (const l of lines) note(facts, IFUP_LOCAL, l.line, l.text, 'not-representable', `no ifcfg file brings ${label} up, so ifup-local never runs these lines`);
  }
  readIfdownLocal(facts, byPath);
  for (const alias of aliases) {
    const parent = alias.name.slice(0, alias.name.indexOf(':'));
    if (!devices.some((d) => d.name === parent)) {
      for (const a of alias.vars.values()) settle(a.entry, 'not-representable', `there is no ifcfg-${parent}, so ifup-aliases never brings ${alias.name} up`);
    }
  }
  for (const f of scripts) {
    const base = f.path.slice(NETWORK_SCRIPTS.length);
    if (/^(route6|rule6)-/.test(base) && !IGNORED_NAME.test(base)) {
      facts.files.push(f.path);
      for (const l of readLikeBash(f.content)) {
        if (!isBlankOrComment(l.text)) note(facts, f.path, l.lineNo, l.text, 'not-representable', IPV6_NOT_IMPORTED);
      }
      continue;
    }
    const m = /^(route|rule)-(.+)$/.exec(base);
    if (!m || facts.files.includes(f.path) || IGNORED_NAME.test(m[2]!)) continue;
    note(facts, f.path, 1, base, 'not-representable', `no ifcfg-${m[2]} brings its device up, so initscripts never reads it`);
  }

  // `ip route replace default` at each ifup: the last device brought up wins.
  const last = gateways[gateways.length - 1];
  for (const g of gateways) {
    if (g !== last) {
      for (const e of g.entries) settle(e, 'ignored', `${last!.link.name} comes up later and replaces this default route (ip route replace)`);
      continue;
    }
    for (const e of g.entries) settle(e, 'represented', g.metric === undefined ? undefined : 'a default route with METRIC becomes a route', `interfaces.${g.link.name}.${g.metric === undefined ? 'gateway' : 'routes'}`);
    if (g.metric === undefined) g.link.gateway = { address: g.address, entries: g.entries };
    else {
      facts.routes.push({ to: { address: 0, prefix: 0, isDefault: true }, via: g.address, dev: g.link.name, metric: g.metric, table: 'main', onlink: false, entries: g.entries });
    }
  }
}

function settleNetwork(facts: Facts, network: Vars): void {
  for (const [key, a] of network) {
    const v = a.value;
    if (key === 'NETWORKING') {
      if (/^yes$/i.test(v)) settle(a.entry, 'represented');
      else settle(a.entry, 'not-representable', 'networking is switched off on this host');
    } else if (key === 'HOSTNAME') {
      if (v !== '') facts.host = { name: v, entries: [a.entry] };
      settle(a.entry, 'represented', undefined, 'host');
    } else if (key === 'GATEWAY' || key === 'GATEWAYDEV') {
      // Settled by the device it applies to (or as having none).
      settle(a.entry, 'ignored', 'no device it applies to comes up with an address in its subnet');
    } else if (key === 'NOZEROCONF') {
      settle(a.entry, 'not-representable', 'netgen does not write NOZEROCONF: after rendering, ifup adds 169.254.0.0/16 to each device again');
    } else if (/^(NETWORKING_IPV6|IPV6INIT|IPV6FORWARDING|IPV6_AUTOCONF)$/.test(key) && /^(no|)$/i.test(v)) {
      settle(a.entry, 'ignored', 'IPv6 off, as netgen leaves it');
    } else if (key.startsWith('IPV6') || key === 'NETWORKING_IPV6') {
      settle(a.entry, 'not-representable', IPV6_NOT_IMPORTED);
    } else settle(a.entry, 'not-representable', `unknown key ${key}; netgen does not write it`);
  }
}

function prefixFrom(vars: Vars, suffix: string, address: string, fallback?: Vars): { prefix: number; why?: string; used: Assigned[] } | { error: string } {
  const p = vars.get(`PREFIX${suffix}`) ?? fallback?.get(`PREFIX${suffix}`);
  if (p && p.value !== '') {
    if (!/^[0-9]+$/.test(p.value) || Number(p.value) > 32) return { error: `PREFIX${suffix}=${p.value} is not a prefix length` };
    return { prefix: Number(p.value), used: [p] };
  }
  const n = vars.get(`NETMASK${suffix}`) ?? fallback?.get(`NETMASK${suffix}`);
  if (n && n.value !== '') {
    const prefix = prefixOfNetmask(n.value);
    if (prefix === undefined) return { error: `NETMASK${suffix}=${n.value} is not a netmask` };
    return { prefix, used: [n] };
  }
  const c = classfulPrefix(address)!;
  return { prefix: c, why: `no PREFIX${suffix} or NETMASK${suffix}: ipcalc gives the class default /${c}`, used: [] };
}

function readDevice(facts: Facts, dev: Device, network: Vars, gateways: { link: FactLink; address: number; metric?: number; entries: ReportEntry[] }[]): FactLink | undefined {
  const v = dev.vars;
  const path = (key: string): string => `interfaces.${dev.name}.${key}`;
  if (!IFNAME.test(dev.name)) {
    for (const a of v.values()) settle(a.entry, 'not-representable', `${JSON.stringify(dev.name)} is not an interface name netgen accepts`);
    return undefined;
  }
  const link: FactLink = { name: dev.name, kind: 'ethernet', onBoot: true, entries: [] };
  const isVlan = /^yes$/i.test(v.get('VLAN')?.value ?? '');
  const handled = new Set<string>();
  const take = (key: string, status: ReportEntry['status'] = 'represented', why?: string, model?: string): void => {
    const a = v.get(key);
    if (!a) return;
    handled.add(key);
    settle(a.entry, status, why, model);
  };
  const boot = v.get('BOOTPROTO')?.value ?? '';
  if (/^(dhcp|bootp)$/i.test(boot)) {
    take('BOOTPROTO', 'not-representable', 'DHCP is not modelled: the model needs static addresses');
  } else take('BOOTPROTO', 'represented', 'static addresses, as netgen writes (BOOTPROTO=none)');
  take('DEVICE', 'represented', undefined, `interfaces.${dev.name}`);
  const type = v.get('TYPE')?.value;
  if (type !== undefined) {
    if (/^ethernet$/i.test(type) || (isVlan && /^vlan$/i.test(type))) take('TYPE');
    else take('TYPE', 'not-representable', `TYPE=${type}: only Ethernet devices and VLANs are modelled`);
  }
  const onboot = v.get('ONBOOT')?.value;
  if (onboot !== undefined) {
    link.onBoot = !/^no$/i.test(onboot);
    take('ONBOOT', 'represented', undefined, path('on-boot'));
  }
  const nm = v.get('NM_CONTROLLED')?.value;
  if (nm !== undefined) {
    if (/^no$/i.test(nm)) take('NM_CONTROLLED', 'represented', 'netgen writes NM_CONTROLLED=no');
    else take('NM_CONTROLLED', 'not-representable', 'NetworkManager would manage the device; netgen writes NM_CONTROLLED=no');
  }
  const hw = v.get('HWADDR')?.value;
  if (hw !== undefined) {
    if (/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(hw)) {
      link.mac = hw.toLowerCase();
      take('HWADDR', 'represented', undefined, path('mac'));
    } else take('HWADDR', 'not-representable', `${hw} is not a MAC address`);
  }
  const mtu = v.get('MTU')?.value;
  if (mtu !== undefined) {
    if (/^[0-9]+$/.test(mtu) && Number(mtu) >= 68 && Number(mtu) <= 65535) {
      link.mtu = Number(mtu);
      take('MTU', 'represented', undefined, path('mtu'));
    } else take('MTU', 'not-representable', `MTU=${mtu} is not 68..65535`);
  }
  if (isVlan) {
    const m = /^(.+)\.([0-9]{1,4})$/.exec(dev.name);
    const physdev = v.get('PHYSDEV')?.value || m?.[1];
    const vid = Number(v.get('VID')?.value || m?.[2] || NaN);
    if (physdev === undefined || !(vid >= 1 && vid <= 4094)) {
      take('VLAN', 'not-representable', 'a VLAN whose parent and id netgen cannot tell (give PHYSDEV and VID, or name it <parent>.<id>)');
      for (const a of v.values()) if (a.entry.status === 'represented' && !handled.has(a.entry.item)) settle(a.entry, 'not-representable', 'part of a VLAN that is not imported');
      return undefined;
    }
    link.kind = 'vlan';
    link.parent = physdev;
    link.vlanId = vid;
    take('VLAN', 'represented', undefined, `interfaces.${dev.name}`);
    take('PHYSDEV', 'represented', undefined, `interfaces.${dev.name}`);
    take('VID', 'represented', undefined, `interfaces.${dev.name}`);
    take('VLAN_NAME_TYPE', 'ignored', 'ifup reads the name as written');
    take('REORDER_HDR', 'not-representable', 'VLAN flags are not modelled');
  }

  // Addresses: IPADDR, then IPADDR0..IPADDR255, each with its own PREFIXn/NETMASKn.
  let first: { address: number; prefix: number } | undefined;
  for (const suffix of ['', ...Array.from({ length: 256 }, (_, i) => String(i))]) {
    const ip = v.get(`IPADDR${suffix}`);
    if (!ip) continue;
    handled.add(`IPADDR${suffix}`);
    if (ip.value === '') {
      settle(ip.entry, 'ignored', 'empty');
      continue;
    }
    const address = parseIPv4(ip.value);
    if (address === undefined) {
      settle(ip.entry, 'not-representable', `${ip.value} is not an IPv4 address`);
      continue;
    }
    const p = prefixFrom(v, suffix, ip.value);
    if ('error' in p) {
      settle(ip.entry, 'not-representable', p.error);
      continue;
    }
    for (const u of p.used) {
      handled.add(u.entry.item);
      settle(u.entry, 'represented', undefined, path('addresses'));
    }
    settle(ip.entry, 'represented', p.why, path('addresses'));
    first ??= { address, prefix: p.prefix };
    facts.addresses.push({ address, prefix: p.prefix, dev: dev.name, onParent: true, entries: [ip.entry, ...p.used.map((u) => u.entry)] });
  }
  for (const k of [...v.keys()].filter((k) => /^(PREFIX|NETMASK)[0-9]*$/.test(k) && !handled.has(k))) {
    const suffix = k.replace(/^(PREFIX|NETMASK)/, '');
    const ip = v.get(`IPADDR${suffix}`);
    const prefix = v.get(`PREFIX${suffix}`)?.value;
    if (!ip) take(k, 'ignored', `no IPADDR${suffix} beside it`);
    else if (k.startsWith('NETMASK') && prefix !== undefined && prefixOfNetmask(v.get(k)!.value) === Number(prefix)) take(k, 'represented', `the same as PREFIX${suffix}`, path('addresses'));
    else take(k, 'ignored', `PREFIX${suffix} beside it wins`);
  }
  const brd = v.get('BROADCAST');
  if (brd) {
    handled.add('BROADCAST');
    const b = parseIPv4(brd.value);
    const expected = first ? (first.address | (~maskOf(first.prefix) >>> 0)) >>> 0 : undefined;
    if (b !== undefined && b === expected) settle(brd.entry, 'represented', 'the broadcast address netgen writes anyway');
    else settle(brd.entry, 'not-representable', 'a broadcast address other than the subnet\'s last is not modelled');
  }

  // GATEWAY: ifup-eth sources /etc/sysconfig/network, then the ifcfg file.
  const gwA = v.get('GATEWAY') ?? network.get('GATEWAY');
  const devA = v.get('GATEWAYDEV') ?? network.get('GATEWAYDEV');
  const defroute = v.get('DEFROUTE');
  const metricA = v.get('METRIC');
  if (v.has('GATEWAY')) handled.add('GATEWAY');
  for (const k of ['GATEWAYDEV', 'DEFROUTE', 'METRIC']) if (v.has(k)) handled.add(k);
  if (gwA && gwA.value !== '') {
    const gw = parseIPv4(gwA.value);
    const used = [gwA, ...(devA ? [devA] : []), ...(defroute ? [defroute] : []), ...(metricA ? [metricA] : [])];
    let why: string | undefined;
    if (gw === undefined) why = `GATEWAY=${gwA.value} is not an IPv4 address`;
    else if (defroute && /^no$/i.test(defroute.value)) why = 'DEFROUTE=no: ifup adds no default route for it';
    else if (devA && devA.value !== '' && devA.value !== dev.name) why = `GATEWAYDEV=${devA.value}: the default route goes through that device, not ${dev.name}`;
    else if (!first || !contains(first.address, first.prefix, gw)) why = `${gwA.value} is not in ${dev.name}'s first subnet, so ifup adds no default route`;
    if (why === undefined) {
      const metric = metricA && /^[0-9]+$/.test(metricA.value) ? Number(metricA.value) : undefined;
      for (const u of used) settle(u.entry, 'represented', metric === undefined ? undefined : 'a default route with METRIC becomes a route', metric === undefined ? path('gateway') : path('routes'));
      gateways.push({ link, address: gw!, ...(metric === undefined ? {} : { metric }), entries: used.map((u) => u.entry) });
    } else if (v.has('GATEWAY')) {
      for (const u of used.filter((u) => v.get(u.entry.item) === u)) settle(u.entry, 'ignored', why);
    } else {
      for (const u of used.filter((u) => v.get(u.entry.item) === u)) settle(u.entry, 'ignored', why);
    }
  } else {
    if (defroute) settle(defroute.entry, 'represented', 'no GATEWAY applies to this device');
    if (v.get('GATEWAYDEV')) settle(v.get('GATEWAYDEV')!.entry, 'ignored', 'no GATEWAY');
    if (metricA) settle(metricA.entry, 'ignored', 'read only with a GATEWAY');
  }

  for (const [key, a] of v) {
    if (handled.has(key) || a.entry.status !== 'represented') continue;
    if (key === 'NOZEROCONF') settle(a.entry, 'not-representable', 'netgen does not write NOZEROCONF: after rendering, ifup adds 169.254.0.0/16 to the device again');
    else if (NO_EFFECT[key]?.(a.value) !== undefined) settle(a.entry, 'ignored', NO_EFFECT[key]!(a.value));
    else if (NOT_REPRESENTABLE[key] !== undefined) settle(a.entry, 'not-representable', NOT_REPRESENTABLE[key]);
    else if (key.startsWith('IPV6') || key.startsWith('DHCPV6')) settle(a.entry, 'not-representable', IPV6_NOT_IMPORTED);
    else settle(a.entry, 'not-representable', `unknown key ${key}; netgen does not write it`);
  }
  facts.links.push(link);
  return link;
}

function readAlias(facts: Facts, alias: Device, parent: Device, link: FactLink): void {
  const v = alias.vars;
  const handled = new Set<string>();
  const take = (key: string, status: ReportEntry['status'], why?: string, model?: string): void => {
    const a = v.get(key);
    if (!a) return;
    handled.add(key);
    settle(a.entry, status, why, model);
  };
  const model = `interfaces.${link.name}.aliases.${alias.name}`;
  const tag = alias.name.slice(alias.name.indexOf(':') + 1);
  if (!/^[A-Za-z0-9_]+$/.test(tag)) {
    for (const a of v.values()) settle(a.entry, 'not-representable', 'ifup-aliases refuses alias names other than <device>:<letters, digits, _>');
    return;
  }
  const ip = v.get('IPADDR');
  take('DEVICE', 'represented', undefined, model);
  const onparent = v.get('ONPARENT')?.value;
  take('ONPARENT', 'represented', undefined, `${model}.on-parent`);
  const address = ip ? parseIPv4(ip.value) : undefined;
  if (!ip || address === undefined) {
    if (ip) take('IPADDR', 'not-representable', `${ip.value} is not an IPv4 address`);
    for (const a of v.values()) if (!handled.has(a.entry.item)) settle(a.entry, 'not-representable', 'ifup-aliases skips an alias without IPADDR');
    return;
  }
  handled.add('IPADDR');
  // An alias inherits PREFIX and NETMASK from its parent; a PREFIX (its own or the parent's) beats a NETMASK.
  const p = prefixFrom(v, '', ip.value, parent.vars);
  if ('error' in p) {
    settle(ip.entry, 'not-representable', p.error);
    return;
  }
  const inherited = p.used.filter((u) => parent.vars.get(u.entry.item) === u);
  for (const u of p.used) if (!inherited.includes(u)) {
    handled.add(u.entry.item);
    settle(u.entry, 'represented', undefined, `${model}.address`);
  }
  for (const k of ['PREFIX', 'NETMASK']) if (v.has(k) && !handled.has(k)) take(k, 'ignored', 'the PREFIX beside it (or the parent\'s) wins');
  settle(ip.entry, 'represented', [p.why, inherited.length > 0 ? `prefix /${p.prefix} inherited from ${parent.name}'s ${inherited[0]!.entry.item}` : undefined].filter(Boolean).join('; ') || undefined, `${model}.address`);
  facts.addresses.push({ address, prefix: p.prefix, dev: link.name, label: alias.name, onParent: !/^no$/i.test(onparent ?? ''), entries: [ip.entry, ...p.used.map((u) => u.entry)] });
  const gw = v.get('GATEWAY');
  if (gw) {
    handled.add('GATEWAY');
    const g = parseIPv4(gw.value);
    if (g !== undefined && link.gateway === undefined) settle(gw.entry, 'not-representable', 'ifup-aliases adds a default route through the alias; the model says gateways per interface');
    else settle(gw.entry, 'represented', 'the same default route as the interface\'s', `interfaces.${link.name}.gateway`);
  }
  for (const [key, a] of v) {
    if (handled.has(key) || a.entry.status !== 'represented') continue;
    if (['BOOTPROTO', 'ONBOOT', 'HWADDR', 'MTU', 'TYPE', 'NM_CONTROLLED', 'DEFROUTE', 'BROADCAST', 'NAME', 'UUID', 'USERCTL', 'IPV6INIT', 'PEERDNS', 'NETWORK'].includes(key)) {
      settle(a.entry, 'ignored', 'ifup-aliases does not read it for an alias');
    } else if (NOT_REPRESENTABLE[key] !== undefined) settle(a.entry, 'not-representable', NOT_REPRESENTABLE[key]);
    else settle(a.entry, 'not-representable', `unknown key ${key}; netgen does not write it`);
  }
}

function readRouteFile(facts: Facts, byPath: Map<string, ImportFile>, base: string, dev: string, tables: TableBook): void {
  const path = NETWORK_SCRIPTS + base;
  const f = byPath.get(path);
  if (!f) return;
  facts.files.push(path);
  if (/^[ \t]*ADDRESS[0-9]+=/m.test(f.content)) {
    readAddressForm(facts, f, dev);
    return;
  }
  for (const l of readLikeBash(f.content)) {
    if (isBlankOrComment(l.text)) continue;
    const entry = note(facts, path, l.lineNo, l.text, 'represented');
    if (l.text.includes('\r')) {
      settle(entry, 'not-representable', 'a carriage return (CRLF) in the line: ip reads it as part of the last word and refuses the route');
      continue;
    }
    if (/[*?[]/.test(l.text)) {
      settle(entry, 'not-representable', 'a glob character the shell would expand');
      continue;
    }
    const r = parseRouteWords(splitWords(l.text), tables, entry);
    if (typeof r === 'string') {
      settle(entry, 'not-representable', r);
      continue;
    }
    const out = r.dev ?? guessDev(facts, r.via, dev);
    if (out === undefined) {
      settle(entry, 'not-representable', 'no dev on the line, and no device up by then has the gateway in a subnet: ip refuses it at boot');
      continue;
    }
    facts.routes.push({ ...r, dev: out, metric: r.metric ?? 0, entries: [entry] });
    if (r.dev === undefined) settle(entry, 'represented', `no dev on the line: ip picks the device that reaches ${r.via === undefined ? 'it' : 'the gateway'}`);
  }
}

/** `ip route add` without dev: the device (up by now) whose subnet holds the gateway; without a gateway, the file's. */
function guessDev(facts: Facts, via: number | undefined, dev: string): string | undefined {
  if (via === undefined) return dev;
  return facts.addresses.find((a) => a.prefix < 32 && contains(a.address, a.prefix, via))?.dev;
}

/** rhel6's ifup-routes: ADDRESSn/NETMASKn/GATEWAYn from 0 while ADDRESSn is set, each `dev DEVICE`. */
function readAddressForm(facts: Facts, f: ImportFile, dev: string): void {
  const vars = readAssignments(facts, f.path, f.content);
  const used = new Set<string>();
  for (let n = 0; vars.get(`ADDRESS${n}`)?.value; n++) {
    const a = vars.get(`ADDRESS${n}`)!;
    const nm = vars.get(`NETMASK${n}`);
    const gw = vars.get(`GATEWAY${n}`);
    for (const k of [`ADDRESS${n}`, `NETMASK${n}`, `GATEWAY${n}`]) used.add(k);
    const entries = [a, nm, gw].filter((x): x is Assigned => x !== undefined).map((x) => x.entry);
    const address = parseIPv4(a.value);
    let prefix: number | undefined;
    let why: string | undefined;
    if (nm && nm.value !== '') prefix = prefixOfNetmask(nm.value);
    else if (address !== undefined) {
      prefix = classfulPrefix(a.value);
      why = `no NETMASK${n}: ipcalc gives the class default /${prefix}`;
    }
    const via = gw && gw.value !== '' ? parseIPv4(gw.value) : undefined;
    let error: string | undefined;
    if (address === undefined) error = `${a.value} is not an IPv4 address`;
    else if (prefix === undefined) error = `NETMASK${n}=${nm?.value} is not a netmask`;
    else if ((address & maskOf(prefix)) >>> 0 !== address) error = `${a.value}/${prefix} has host bits set; ip refuses it`;
    else if (gw && gw.value !== '' && via === undefined) error = `GATEWAY${n}=${gw.value} is not an IPv4 address`;
    if (error !== undefined) {
      for (const e of entries) settle(e, 'not-representable', error);
      continue;
    }
    for (const e of entries) settle(e, 'represented', why, `interfaces.${dev}.routes`);
    facts.routes.push({ to: { address: address!, prefix: prefix!, isDefault: prefix === 0 }, ...(via === undefined ? {} : { via }), dev, metric: 0, table: 'main', onlink: false, entries });
  }
  for (const [key, a] of vars) {
    if (used.has(key)) continue;
    if (/^(METRIC|OPTIONS)[0-9]+$/.test(key)) settle(a.entry, 'ignored', 'rhel6\'s ifup-routes ignores METRICn and OPTIONSn in this form');
    else if (/^(ADDRESS|NETMASK|GATEWAY)[0-9]+$/.test(key)) settle(a.entry, 'ignored', 'ifup-routes stops at the first missing ADDRESSn, so it never reads this one');
    else settle(a.entry, 'not-representable', `unknown key ${key} in a route file`);
  }
}

function readRuleFile(facts: Facts, byPath: Map<string, ImportFile>, base: string, tables: TableBook): void {
  const path = NETWORK_SCRIPTS + base;
  const f = byPath.get(path);
  if (!f) return;
  facts.files.push(path);
  for (const l of readLikeBash(f.content)) {
    if (isBlankOrComment(l.text)) continue;
    const entry = note(facts, path, l.lineNo, l.text, 'represented');
    if (l.text.includes('\r')) {
      settle(entry, 'not-representable', 'a carriage return (CRLF) in the line: ip reads it as part of the last word and refuses the rule');
      continue;
    }
    const r = parseRuleWords(splitWords(l.text), tables, entry);
    if (typeof r === 'string') settle(entry, 'not-representable', r);
    else facts.rules.push({ ...r, entries: [entry] });
  }
}

interface HookLine {
  line: number;
  text: string;
}

interface Hook {
  /** `ip rule add` lines under a `DEVICE)` branch of `case "$1" in`, by device or alias. */
  byLabel: Map<string, HookLine[]>;
  /** `ip rule add` lines outside any branch: run at every ifup. */
  always: HookLine[];
}

const HOOK_RULE = /^(?:(?:\/usr)?\/s?bin\/)?ip[ \t]+(?:-4[ \t]+)?(rule|ru)[ \t]+(add|del|delete)[ \t]+(.*?)(?:[ \t]+2>[ \t]*\/dev\/null)?(?:[ \t]*\|\|[ \t]*(?:true|:))?[ \t]*;?$/;

/** Only the lines that structure a hook script (shebang, the case on $1, branch ends, exit 0). */
function isHookStructure(text: string): boolean {
  return /^(case[ \t]+"?\$\{?1\}?"?[ \t]+in|;;|esac|exit( 0)?)$/.test(text);
}

/** /sbin/ifup-local: initscripts runs it, when executable, with the device or alias brought up. */
function readIfupLocal(facts: Facts, byPath: Map<string, ImportFile>): Hook {
  const hook: Hook = { byLabel: new Map(), always: [] };
  const f = byPath.get(IFUP_LOCAL);
  if (!f) return hook;
  facts.files.push(f.path);
  if ((f.mode & 0o111) === 0) {
    note(facts, f.path, 1, f.path, 'ignored', 'not executable: initscripts runs /sbin/ifup-local only when it is');
    return hook;
  }
  let label: string | undefined;
  let depth = 0;
  for (const l of readLikeBash(f.content)) {
    if (isBlankOrComment(l.text)) continue;
    const branch = /^([A-Za-z0-9_.:|-]+)\)$/.exec(l.text);
    if (/^case[ \t]/.test(l.text)) depth++;
    if (l.text === 'esac') depth = Math.max(0, depth - 1);
    if (branch && depth > 0) {
      label = branch[1];
      continue;
    }
    if (l.text === ';;' || l.text === 'esac') {
      label = undefined;
      note(facts, f.path, l.lineNo, l.text, 'ignored', 'structure of the hook script');
      continue;
    }
    if (isHookStructure(l.text)) {
      note(facts, f.path, l.lineNo, l.text, 'ignored', 'structure of the hook script');
      continue;
    }
    const m = HOOK_RULE.exec(l.text);
    if (!m) {
      note(facts, f.path, l.lineNo, l.text, 'not-representable', 'shell code netgen does not run (only `ip rule add` lines are read from ifup-local)');
      continue;
    }
    if (m[2] !== 'add') {
      note(facts, f.path, l.lineNo, l.text, 'ignored', 'deletes the rule before adding it again, so that a second ifup leaves one');
      continue;
    }
    const text = m[3]!;
    if (label === undefined) hook.always.push({ line: l.lineNo, text });
    else for (const one of label.split('|')) (hook.byLabel.get(one) ?? hook.byLabel.set(one, []).get(one)!).push({ line: l.lineNo, text });
  }
  return hook;
}

/** The rules ifup-local adds for `label` (undefined: the lines outside any branch, read once). */
function takeHookRules(facts: Facts, hook: Hook, label: string | undefined, tables: TableBook): void {
  const lines = label === undefined ? hook.always : hook.byLabel.get(label) ?? [];
  if (label === undefined) hook.always = [];
  else hook.byLabel.delete(label);
  for (const l of lines) {
    const entry = note(facts, IFUP_LOCAL, l.line, `ip rule add ${l.text}`, 'represented');
    if (label === undefined) entry.why = 'outside any device branch: run at every ifup; read once';
    const r = parseRuleWords(splitWords(l.text), tables, entry);
    if (typeof r === 'string') settle(entry, 'not-representable', r);
    else facts.rules.push({ ...r, entries: [entry] });
  }
}

/** /sbin/ifdown-local: the `ip rule del` lines that undo ifup-local's on ifdown; nothing else is modelled. */
function readIfdownLocal(facts: Facts, byPath: Map<string, ImportFile>): void {
  const f = byPath.get(IFDOWN_LOCAL);
  if (!f) return;
  facts.files.push(f.path);
  for (const l of readLikeBash(f.content)) {
    if (isBlankOrComment(l.text)) continue;
    const m = HOOK_RULE.exec(l.text);
    if ((m && m[2] !== 'add') || /^[A-Za-z0-9_.:|-]+\)$/.test(l.text) || isHookStructure(l.text)) {
      note(facts, f.path, l.lineNo, l.text, 'ignored', m ? 'takes a rule away on ifdown; netgen writes this from the model' : 'structure of the hook script');
    } else note(facts, f.path, l.lineNo, l.text, 'not-representable', 'shell code netgen does not run (only `ip rule del` lines are expected in ifdown-local)');
  }
}
