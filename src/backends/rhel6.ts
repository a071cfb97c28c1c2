// RHEL 6 initscripts (9.03.x): ifcfg-, route- and rule- files under
// /etc/sysconfig/network-scripts, plus the GATEWAY keys of /etc/sysconfig/network.
// What each script does with these files, and why every choice below matters:
// design/consumers.md, "RHEL initscripts". Facts about particular initscripts versions are
// from the public rhel6-branch history of fedora-sysv/initscripts.
import { BackendModelError, NetgenError } from '../errors.js';
import { formatNetmask } from '../net/ipv4.js';
import type { Plan, PlanAddress, PlanLink, PlanRoute, PlanRule } from '../plan/types.js';
import { CLUSTER_PRUNABLE, planClusterFiles } from './cluster.js';
import { planRtTables } from './rt-tables.js';
import { planSysctlFile } from './sysctl.js';
import type { Backend, BackendOptions, FileSpec } from './types.js';

export const NETWORK_SCRIPTS_DIR = 'etc/sysconfig/network-scripts';
export const SYSCONFIG_NETWORK_PATH = 'etc/sysconfig/network';

/** What `ip -6 route add` gives a route that names no metric. */
const IPV6_DEFAULT_METRIC = 1024;

/** Tables every kernel has; they need no rt_tables line of ours. */
const BUILTIN_TABLES = new Set(['main', 'local', 'default']);

/**
 * Every value and every word netgen writes: ifcfg files are sourced by bash, and route-/rule-
 * lines are read with `read` (no -r) and handed to `ip` unquoted, so a quote, `$`, a
 * backslash, whitespace or a glob character would change what the consumer sees.
 */
const SAFE_WORD = /^[A-Za-z0-9_.:/-]+$/;

/** ifup-aliases takes the part after `:` as a shell variable suffix and refuses anything else. */
const ALIAS_TAG = /^[A-Za-z0-9_]+$/;

/**
 * Names from which rhel6's `ifup` takes the VLAN id itself (the only way before 9.03.42,
 * which ignores VID=): `<parent>.<id>`, and any name starting with `vlan` (id after the zeros).
 */
const DOTTED_VLAN = /^.+\.[0-9]{1,4}$/;
const VLAN_PREFIXED = /^vlan/;

/** File names `service network` and ifup-aliases skip, or read as something else. */
const IGNORED_SUFFIX = /(~|\.bak|\.orig|\.rpmnew|\.rpmorig|\.rpmsave)$/;

/** The names of the files this back-end writes in network-scripts. */
const OWN_FILE = /^(ifcfg|route6?|rule6?)-[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}(:[A-Za-z0-9_]+)?$/;

interface IfcfgAddress {
  /** `''` for the first address, then `1`, `2`, ...: IPADDR, IPADDR1, IPADDR2. */
  suffix: string;
  address: string;
  prefix: number;
  netmask: string;
}

function checkWords(words: readonly (string | number)[], where: string): string[] {
  return words.map((w) => checkWord(w, where));
}

/** One word, checked as checkWords does. */
function checkWord(w: string | number, where: string): string {
  const s = String(w);
  if (!SAFE_WORD.test(s)) {
    throw new NetgenError('internal', `rhel6: ${where}: refusing to write ${JSON.stringify(s)} (only letters, digits and _ . : / - are expected here)`);
  }
  return s;
}

/**
 * A word of a route or rule line, checked as checkWord does; an integer is always safe (join
 * spells it as String does). The line is named (`route 10.1.0.0/24 on eth0`, `rule 1000 on
 * eth0`) only on a refusal.
 */
function lineWord<W extends string | number>(w: W, r: PlanRoute | PlanRule): W | string {
  if (typeof w === 'number' && Number.isSafeInteger(w)) return w;
  const s = String(w);
  return SAFE_WORD.test(s) ? s : checkWord(s, 'priority' in r ? `rule ${r.priority} on ${r.dev}` : `route ${r.to} on ${r.dev}`);
}

/**
 * The arguments of `ip -4|-6 route add` for one route, as a route-<dev> or route6-<dev> line: dev always explicit.
 * Each word is checked in line order, so a refusal names the first bad one; the line is
 * joined in one piece (a line built by `+` is a chain of strings until it is written).
 */
export function formatRhel6Route(r: PlanRoute): string {
  const w: (string | number)[] = [lineWord(r.to, r)];
  if (r.via !== undefined) w.push('via', lineWord(r.via, r));
  w.push('dev', lineWord(r.dev, r));
  if (r.proto !== undefined) w.push('proto', lineWord(r.proto, r));
  if (r.scope !== undefined) w.push('scope', lineWord(r.scope, r));
  if (r.src !== undefined) w.push('src', lineWord(r.src, r));
  // 0 (IPv4) and 1024 (IPv6) are what `ip route add` uses anyway; leaving them out keeps the
  // lines as people write them.
  if (r.metric !== (r.family === 6 ? IPV6_DEFAULT_METRIC : 0)) w.push('metric', lineWord(r.metric, r));
  if (r.table !== 'main') w.push('table', lineWord(r.table, r));
  if (r.onlink) w.push('onlink');
  return w.join(' ');
}

/** The arguments of `ip -4|-6 rule add|del` for one rule: the priority is always explicit. */
export function formatRhel6Rule(r: PlanRule): string {
  // Without a priority the kernel numbers rules in the order the interfaces came up.
  const w: (string | number)[] = ['from', lineWord(r.from ?? 'all', r)];
  if (r.to !== undefined) w.push('to', lineWord(r.to, r));
  w.push('table', lineWord(r.table, r), 'priority', lineWord(r.priority, r));
  return w.join(' ');
}

/** Names the rhel6 scripts would skip or misread, and Plan references that do not hold together. */
function checkPlan(plan: Plan): void {
  if (/[\r\n]/.test(plan.source)) {
    // The header is a comment line in files bash sources; a line break would end the comment.
    throw new NetgenError('usage', `rhel6: the model's name ${JSON.stringify(plan.source)} contains a line break`);
  }
  const links = new Set<string>();
  for (let i = 0; i < plan.links.length; i++) {
    const link = plan.links[i]!;
    links.add(link.name);
  }
  for (let i = 0; i < plan.links.length; i++) {
    const link = plan.links[i]!;
    if (IGNORED_SUFFIX.test(link.name) || link.name.includes('-range')) {
      throw new BackendModelError(
        `rhel6: interface ${link.name} cannot have a config file: initscripts skips ifcfg-${link.name} ` +
          '(names ending in ~ .bak .orig .rpmnew .rpmorig .rpmsave, or containing -range, are backups or alias ranges there); rename it',
        link.modelPath,
      );
    }
    if (!SAFE_WORD.test(link.name)) checkWord(link.name, `interface ${link.name}`);
  }
  for (let i = 0; i < plan.addresses.length; i++) {
    const a = plan.addresses[i]!;
    if (!links.has(a.device)) throw new NetgenError('internal', `rhel6: address ${a.address} is on ${a.device}, which is not a link of the Plan`);
    if (a.family === 6 && a.appliedBy === 'alias') {
      // ifcfg-eth0:N is IPv4 only: ifup-ipv6 ignores an alias file's IPV6ADDR, so nothing
      // would ever add this address, nor the routes that name it.
      throw new BackendModelError(
        `rhel6: ${a.label ?? a.device} (${a.address}) has on-parent: false, but RHEL 6 aliases are IPv4 only (ifup-ipv6 reads no IPv6 key of ifcfg-${a.label ?? a.device}); ` +
          `an IPv6 VIP is either brought up with ${a.device} (on-parent: true: IPV6ADDR_SECONDARIES of ifcfg-${a.device}) or moved by a cluster tool (managed-by: keepalived or pacemaker)`,
        a.modelPath ? [...a.modelPath.slice(0, -1), 'on-parent'] : undefined,
      );
    }
  }
  for (let i = 0; i < plan.routes.length; i++) {
    const r = plan.routes[i]!;
    if (!links.has(r.dev)) throw new NetgenError('internal', `rhel6: route ${r.to} goes out of ${r.dev}, which is not a link of the Plan`);
  }
  for (let i = 0; i < plan.rules.length; i++) {
    const r = plan.rules[i]!;
    if (!links.has(r.dev)) throw new NetgenError('internal', `rhel6: rule ${r.priority} is carried by ${r.dev}, which is not a link of the Plan`);
  }
  // A table name in a route or rule line works only if rt_tables maps it to a number.
  const tables = new Set(BUILTIN_TABLES);
  for (let i = 0; i < plan.tables.length; i++) {
    const t = plan.tables[i]!;
    tables.add(t.name);
  }
  const numbered = (t: string): void => {
    if (!tables.has(t)) throw new NetgenError('internal', `rhel6: table ${t} is used but the Plan does not number it`);
  };
  for (let i = 0; i < plan.routes.length; i++) {
    const r = plan.routes[i]!;
    numbered(r.table);
  }
  for (let i = 0; i < plan.rules.length; i++) {
    const r = plan.rules[i]!;
    numbered(r.table);
  }
}

function vlanKeys(link: PlanLink): { parent: string; vid: number } {
  if (link.parent === undefined || link.vlanId === undefined) {
    throw new NetgenError('internal', `rhel6: VLAN ${link.name} has no parent or VLAN id in the Plan`);
  }
  const parent = link.parent;
  const vid = link.vlanId;
  // Older initscripts ignore VID= and read the id (and for dotted names the parent) from the
  // name, so a name that says something else would come up as a different VLAN there.
  const misread =
    (DOTTED_VLAN.test(link.name) && link.name !== `${parent}.${vid}`) ||
    (VLAN_PREFIXED.test(link.name) && !new RegExp(`^vlan0*${vid}$`).test(link.name));
  if (misread) {
    throw new BackendModelError(
      `rhel6: VLAN ${vid} on ${parent} is named ${link.name}, which initscripts reads as another VLAN ` +
        `(it takes the id from names like <device>.<id> and vlan<id>); name it ${parent}.${vid} or vlan${vid}, or use a name without a dot that does not start with vlan`,
      link.modelPath,
    );
  }
  return { parent, vid };
}

/** formatNetmask of each prefix length 0-32, made once. */
const NETMASKS: readonly string[] = Array.from({ length: 33 }, (_, p) => formatNetmask(p));

function netmaskOf(prefix: number): string {
  return NETMASKS[prefix] ?? formatNetmask(prefix);
}

function ifcfgAddresses(own: PlanAddress[]): IfcfgAddress[] {
  // The first address is plain IPADDR: initscripts before 9.03.24 bring a device up with no
  // address at all when only IPADDR0 is set. IPADDRn needs 9.03.18 or later (added two weeks
  // after RHEL 6.0 shipped; its scripts would skip the extra addresses).
  return own.map((a, i) => ({
    suffix: i === 0 ? '' : String(i),
    address: a.address,
    prefix: a.prefix,
    // NETMASK beside PREFIX: before 9.03.24 a PREFIX without NETMASK got the classful
    // netmask for the broadcast address; the two always agree here.
    netmask: netmaskOf(a.prefix),
  }));
}

/**
 * The IPv6 keys of one device's ifcfg file, read by ifup-ipv6 (run by ifup-eth before
 * ifup-post): IPV6ADDR, then every IPV6ADDR_SECONDARIES word, each with `ip -6 addr replace`.
 * Undefined when the device has no IPv6 address.
 */
function ipv6Keys(plan: Plan, link: PlanLink, v6: PlanAddress[]): Record<string, unknown> | undefined {
  const [first, ...rest] = v6;
  if (first === undefined) return undefined;
  const cidr = (a: PlanAddress): string => checkWords([`${a.address}/${a.prefix}`], `address ${a.address} of ${link.name}`)[0]!;
  return {
    address: cidr(first),
    // Quoted: ifup-ipv6 splits the value on blanks itself.
    secondaries: rest.map(cidr).join(' '),
    // netgen writes every IPv6 default as a route6- line; an IPV6_DEFAULTGW put back into
    // /etc/sysconfig/network would add its own default with metric 1 and no src, which ties
    // with the VIP's preferred default. Empty here, it is empty for ifup-ipv6 (this file is
    // sourced after that one).
    noDefaultGw: plan.removeGlobalGateway6,
  };
}

function ifcfgFile(plan: Plan, link: PlanLink, own: PlanAddress[], v6: PlanAddress[], noDefroute: boolean): FileSpec {
  const addresses = ifcfgAddresses(own);
  for (let i = 0; i < addresses.length; i++) {
    const a = addresses[i]!;
    // The place is spelt only for a refusal.
    if (!SAFE_WORD.test(a.address) || !SAFE_WORD.test(String(a.prefix)) || !SAFE_WORD.test(a.netmask)) checkWords([a.address, a.prefix, a.netmask], `address ${a.address} of ${link.name}`);
  }
  // initscripts compares HWADDR with the device's address in upper case; anaconda writes it so too.
  const hwaddr = link.mac === undefined ? undefined : checkWord(link.mac.toUpperCase(), `MAC of ${link.name}`);
  const context: Record<string, unknown> = {
    source: plan.source,
    device: link.name,
    // TYPE=Ethernet sends ifup to ifup-eth whatever the name looks like (ifup otherwise picks
    // ifup-<name without trailing digits>). VLANs go there anyway and are typed by VLAN=yes.
    ethernet: link.kind === 'ethernet',
    onBoot: link.onBoot ? 'yes' : 'no',
    addresses,
    noDefroute,
  };
  const ipv6 = ipv6Keys(plan, link, v6);
  if (ipv6 !== undefined) context['ipv6'] = ipv6;
  if (link.kind === 'vlan') {
    // VLAN=yes alone makes ifup derive id and parent from `eth0.10`; VID= and PHYSDEV= are what
    // 9.03.42 and later read instead (and need for other names), so the file says both.
    context['vlan'] = vlanKeys(link);
  }
  if (hwaddr !== undefined) context['hwaddr'] = hwaddr;
  if (link.mtu !== undefined) context['mtu'] = link.mtu;
  return {
    path: `${NETWORK_SCRIPTS_DIR}/ifcfg-${link.name}`,
    mode: 0o644,
    owner: { kind: 'whole' },
    template: 'rhel6/ifcfg',
    context,
  };
}

function aliasFile(plan: Plan, a: PlanAddress & { label: string }, noDefroute: boolean): FileSpec {
  const tag = a.label.startsWith(`${a.device}:`) ? a.label.slice(a.device.length + 1) : undefined;
  if (tag === undefined || !ALIAS_TAG.test(tag)) {
    throw new BackendModelError(`rhel6: alias ${a.label} on ${a.device} must be named ${a.device}:N with N made of letters, digits and _ (ifup-aliases refuses other names)`, a.modelPath);
  }
  checkWords([a.label, a.address, a.prefix], `alias ${a.label}`);
  return {
    path: `${NETWORK_SCRIPTS_DIR}/ifcfg-${a.label}`,
    mode: 0o644,
    owner: { kind: 'whole' },
    template: 'rhel6/ifcfg-alias',
    context: {
      source: plan.source,
      device: a.label,
      address: a.address,
      // An alias inherits the parent's PREFIX and NETMASK (and a parent PREFIX beats an alias
      // NETMASK), so it always states both of its own.
      prefix: a.prefix,
      netmask: netmaskOf(a.prefix),
      onParent: a.onParent ? 'yes' : 'no',
      noDefroute,
    },
  };
}

function groupAddresses(list: readonly PlanAddress[]): Map<string, PlanAddress[]> {
  const out = new Map<string, PlanAddress[]>();
  for (const a of list) {
    const l = out.get(a.device);
    if (l) l.push(a);
    else out.set(a.device, [a]);
  }
  return out;
}

function byPath(a: FileSpec, b: FileSpec): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** route-<file> or route6-<file>: the routes of one family, in Plan order; undefined when there are none. */
function routeFile(plan: Plan, name: string, routes: readonly PlanRoute[], family: 4 | 6): FileSpec | undefined {
  let count = 0;
  for (let i = 0; i < routes.length; i++) if (routes[i]!.family === family) count++;
  if (count === 0) return undefined;
  // Exactly as long as it needs to be: it is kept until the file is written.
  const lines = new Array<string>(count);
  let k = 0;
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    if (r.family === family) lines[k++] = formatRhel6Route(r);
  }
  return {
    path: `${NETWORK_SCRIPTS_DIR}/${name}`,
    mode: 0o644,
    owner: { kind: 'whole' },
    template: 'rhel6/route',
    context: { source: plan.source, lines },
  };
}

/** Spell a Plan as RHEL 6 network-scripts files, sorted by path. */
function planRhel6Files(plan: Plan, _options: BackendOptions): FileSpec[] {
  checkPlan(plan);
  // When netgen owns the main default route it lives in route-<dev> with its src and metric.
  // DEFROUTE=no then stops ifup-eth (also for `ifup eth0:1`) from adding the metric-0
  // default without src that a GATEWAY put back into /etc/sysconfig/network by an installer
  // or another tool would make, which beats every route of ours. Not written otherwise: it
  // would switch off the GATEWAY the host's own /etc/sysconfig/network relies on.
  // (ifup-aliases ignores DEFROUTE; there the removal of GATEWAY is what counts.)
  const noDefroute = plan.removeGlobalGateway;
  const files: FileSpec[] = [];

  // Each link's own (unlabelled) IPv4 addresses, and its IPv6 addresses that come up with it
  // (own and on-parent aliases alike: an alias file cannot carry IPv6), in Plan order.
  const own = new Map<string, PlanAddress[]>();
  const v6 = new Map<string, PlanAddress[]>();
  for (let i = 0; i < plan.addresses.length; i++) {
    const a = plan.addresses[i]!;
    if (a.family === 4 ? a.label === undefined : a.appliedBy === 'boot') {
      const map = a.family === 4 ? own : v6;
      const l = map.get(a.device);
      if (l) l.push(a);
      else map.set(a.device, [a]);
    }
  }
  for (let i = 0; i < plan.links.length; i++) {
    const link = plan.links[i]!;
    files.push(ifcfgFile(plan, link, own.get(link.name) ?? [], v6.get(link.name) ?? [], noDefroute));
  }
  for (let i = 0; i < plan.addresses.length; i++) {
    const a = plan.addresses[i]!;
    // A VIP that keepalived or Pacemaker moves has no file: initscripts must never bring it up.
    if (a.family === 4 && a.label !== undefined && (a.appliedBy === 'boot' || a.appliedBy === 'alias')) files.push(aliasFile(plan, a as PlanAddress & { label: string }, noDefroute));
  }

  // ifup-routes reads route-<dev> and rule-<dev> after <dev> and its ONPARENT aliases are up;
  // ifup-aliases reads route-<dev>:<n> and rule-<dev>:<n> right after adding that alias, at
  // boot or at `ifup <dev>:<n>`, so what depends on an ONPARENT=no alias goes there and is
  // added exactly when the alias is (in route-<dev> it would fail at every network start
  // with "Invalid prefsrc address"). What a cluster tool adds is in its own file.
  // IPv6 routes go to route6-<dev>: ifup-routes reads it right after route-<dev> and hands
  // each line to `ip -6 route add`.
  groupByFile(plan, plan.routes).forEach((routes, file) => {
    // IPv4 lines first, then IPv6 (the order a refusal is found in).
    const v4 = routeFile(plan, `route-${file}`, routes, 4);
    if (v4 !== undefined) files.push(v4);
    const v6routes = routeFile(plan, `route6-${file}`, routes, 6);
    if (v6routes !== undefined) files.push(v6routes);
  });
  files.push(...hookFiles(plan));

  // Other people own this file: netgen only takes out the keys that would add a default
  // route without src, and says IPv6 is on when the host has IPv6 (rhel6-branch's scripts no
  // longer read NETWORKING_IPV6, but the host's other tools and its admins do: a leftover
  // NETWORKING_IPV6=no would say the opposite of the files netgen writes). The content is what a host without the file gets (`service network`
  // does nothing without it). No HOSTNAME: netgen never manages it in an existing file, and
  // setting it only on new ones would make the result depend on what was there before.
  const ipv6 = plan.addresses.some((a) => a.family === 6);
  files.push({
    path: SYSCONFIG_NETWORK_PATH,
    mode: 0o644,
    owner: {
      kind: 'keys',
      remove: [...(plan.removeGlobalGateway ? ['GATEWAY', 'GATEWAYDEV'] : []), ...(plan.removeGlobalGateway6 ? ['IPV6_DEFAULTGW', 'IPV6_DEFAULTDEV'] : [])],
      ...(ipv6 ? { set: { NETWORKING_IPV6: 'yes' } } : {}),
    },
    template: 'rhel6/network',
    context: { ipv6 },
  });

  files.push(planRtTables(plan));
  files.push(...planClusterFiles(plan));
  const sysctl = planSysctlFile(plan, RHEL6_SYSCTL_INTRO);
  if (sysctl) files.push(sysctl);
  return files.sort(byPath);
}

/** initscripts' apply_sysctl (rc.sysinit) runs `sysctl -p /etc/sysctl.conf`, then every /etc/sysctl.d file. */
const RHEL6_SYSCTL_INTRO =
  'Read at boot by initscripts (apply_sysctl in rc.sysinit) after /etc/sysctl.conf, so a key set here wins over the same key there. ' +
  'RHEL 6 ships net.ipv4.conf.default.rp_filter = 1 in /etc/sysctl.conf.';

export const IFUP_LOCAL_PATH = 'sbin/ifup-local';
export const IFDOWN_LOCAL_PATH = 'sbin/ifdown-local';

/** What /sbin/ifup-local and /sbin/ifdown-local are when a host has none: netgen appends its block. */
function hookBase(which: 'ifup-local' | 'ifdown-local'): string {
  return [
    '#!/bin/sh',
    `# /sbin/${which}: run by initscripts with the device name (eth0, eth0:1) at the end of every`,
    `# ${which === 'ifup-local' ? 'ifup (ifup-post), and for each alias ifup-aliases brings up' : 'ifdown (ifdown-post)'}. It must be executable.`,
    '',
  ].join('\n');
}

/**
 * Policy rules live in the ifup-local and ifdown-local hooks, not in rule-<dev> files:
 * `ifdown eth1:0` runs `ifdown-routes eth1 eth1:0`, which deletes every line of rule-eth1
 * as well as rule-eth1:0, so any rule in rule-eth1 vanished with any alias of eth1 (traffic
 * from eth1's own address then left through the main table). The hooks get the device name
 * the scripts were run for: ifup-local adds the rules of that device or alias (each deleted
 * first, so a second ifup leaves one copy), ifdown-local of an alias deletes that alias's
 * rules only, and of a device its own and its aliases' (their addresses are gone with it).
 * A rule follows the IPv4 alias it selects `from`; the others belong to the device that
 * carries them (an IPv6 VIP comes and goes with its device on RHEL 6).
 *
 * IPv6 needs the hooks too (see ipv6HookLines): deprecating the VIPs, applying route6-<dev>
 * again after duplicate address detection, and putting a device's IPv6 back after
 * `ifdown` of any of its aliases.
 */
function hookFiles(plan: Plan): FileSpec[] {
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  const push = (map: Map<string, string[]>, key: string, line: string): void => {
    const list = map.get(key);
    if (list) list.push(line);
    else map.set(key, [line]);
  };
  // Two lines at once: a new list holds exactly them (it is kept until the hook is written).
  const push2 = (map: Map<string, string[]>, key: string, a: string, b: string): void => {
    const list = map.get(key);
    if (list) list.push(a, b);
    else map.set(key, [a, b]);
  };
  let byAddress: Map<string, PlanAddress> | undefined;
  for (let i = 0; i < plan.rules.length; i++) {
    const r = plan.rules[i]!;
    if (r.appliedBy !== 'boot' && r.appliedBy !== 'alias') continue;
    let label: string | undefined;
    if (r.dependsOn !== undefined) {
      const dep = (byAddress ??= firstByAddress(plan)).get(r.dependsOn);
      if (dep?.family === 4) label = dep.label;
    }
    const ip = r.family === 6 ? 'ip -6' : 'ip';
    const rule = formatRhel6Rule(r);
    const del = `${ip} rule del ${rule} 2>/dev/null`;
    const key = label ?? r.dev;
    push2(up, key, del, `${ip} rule add ${rule}`);
    if (label !== undefined) push(down, label, del);
    push(down, r.dev, del);
  }
  const v6 = ipv6HookLines(plan);
  for (const [device, lines] of v6.up) for (const line of lines) push(up, device, line);
  for (const [device, lines] of v6.down) for (const line of lines) push(down, device, line);
  const context = (map: Map<string, string[]>, ipv6: boolean) => {
    const branches: { device: string; lines: string[] }[] = [];
    let waitDad = false;
    map.forEach((lines, device) => {
      branches.push({ device: SAFE_WORD.test(device) ? device : checkWord(device, `hook case ${device}`), lines });
      if (!waitDad && lines.includes(WAIT_DAD)) waitDad = true;
    });
    return { branches, ipv6, waitDad };
  };
  return [
    { path: IFUP_LOCAL_PATH, mode: 0o755, owner: { kind: 'block', base: hookBase('ifup-local') }, template: 'rhel6/ifup-local', context: context(up, v6.up.size > 0) },
    { path: IFDOWN_LOCAL_PATH, mode: 0o755, owner: { kind: 'block', base: hookBase('ifdown-local') }, template: 'rhel6/ifdown-local', context: context(down, v6.down.size > 0) },
  ];
}

/** The hooks' shell function that waits until no global IPv6 address is tentative (at most 5 s). */
const WAIT_DAD = 'netgen_wait_dad';

/** What `ip -6 route add` gives a device's link-local prefix, as the kernel adds it when the device comes up. */
const LINK_LOCAL_ROUTE = 'fe80::/64 dev DEV proto kernel metric 256';

/**
 * The IPv6 lines of the hooks, per case:
 *  - ifup-local <dev>: `ip -6 addr change ... preferred_lft 0` for each VIP in
 *    IPV6ADDR_SECONDARIES (ifup-ipv6 cannot add an address deprecated), so the kernel's
 *    source selection never picks one unless a route names it. Then the route6-<dev> lines
 *    that name a src again with `replace`, once no address is tentative: ifup-routes ran
 *    while duplicate address detection was going on, and the kernel refuses a route whose
 *    src is a tentative address.
 *  - ifdown-local <dev>:<n>: `ifdown` of any alias runs ifdown-ipv6 for the device, which
 *    flushes every IPv6 address and main-table route of it (fe80::/64 too) and leaves the
 *    device's routes in other tables with their src cleared. The case puts the addresses back
 *    (deprecated ones deprecated), then the link-local route, then every IPv6 route through
 *    the device or from one of its addresses, with `replace` (which also restores a src).
 */
function ipv6HookLines(plan: Plan): { up: Map<string, string[]>; down: Map<string, string[]> } {
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  const addrs = groupAddresses(plan.addresses.filter((a) => a.family === 6 && a.appliedBy === 'boot'));
  const routes6 = plan.routes.filter((r) => r.family === 6 && r.appliedBy === 'boot');
  // No IPv6 address or route that the boot scripts add: no IPv6 line in either hook.
  if (addrs.size === 0 && routes6.length === 0) return { up, down };
  // The routes by device and by source, each list in Plan order, and each route's place in it.
  const routes6By = new Map<string, PlanRoute[]>();
  const routes6BySrc = new Map<string, PlanRoute[]>();
  const place = new Map<PlanRoute, number>();
  const add = (map: Map<string, PlanRoute[]>, key: string, r: PlanRoute): void => {
    const list = map.get(key);
    if (list) list.push(r);
    else map.set(key, [r]);
  };
  routes6.forEach((r, i) => {
    place.set(r, i);
    add(routes6By, r.dev, r);
    if (r.src !== undefined) add(routes6BySrc, r.src, r);
  });
  // The IPv4 aliases with a file of their own, by device.
  const aliases = groupAddresses(plan.addresses.filter((a) => a.family === 4 && a.label !== undefined && (a.appliedBy === 'boot' || a.appliedBy === 'alias')));
  const ip6 = (words: (string | number)[], where: string): string => `ip -6 ${checkWords(words, where).join(' ')}`;
  const cidr = (a: PlanAddress): string => `${a.address}/${a.prefix}`;
  /** The routes through a device or from one of its addresses, in Plan order. */
  const throughOrFrom = (device: string, addresses: ReadonlySet<string>): PlanRoute[] => {
    const found = new Set(routes6By.get(device));
    for (const a of addresses) for (const r of routes6BySrc.get(a) ?? []) found.add(r);
    return [...found].sort((x, y) => place.get(x)! - place.get(y)!);
  };
  for (let i = 0; i < plan.links.length; i++) {
    const link = plan.links[i]!;
    const mine = addrs.get(link.name) ?? [];
    // Only a route from an address fails while it is tentative; the others are in already.
    const own = (routes6By.get(link.name) ?? []).filter((r) => r.src !== undefined).map(formatRhel6Route);
    const lines: string[] = [];
    for (const a of mine) if (a.deprecated) lines.push(ip6(['addr', 'change', cidr(a), 'dev', link.name, 'preferred_lft', 0], `VIP ${a.address}`));
    if (own.length > 0) lines.push(WAIT_DAD, ...own.map((r) => `ip -6 route replace ${r}`));
    if (lines.length > 0) up.set(link.name, lines);
    if (mine.length === 0) continue;
    const addresses = new Set(mine.map((a) => a.address));
    const restore = [
      ...mine.map((a) => ip6(['addr', 'replace', cidr(a), 'dev', link.name, ...(a.deprecated ? ['preferred_lft', 0] : [])], `address ${a.address}`)),
      ip6(['route', 'replace', ...LINK_LOCAL_ROUTE.replace('DEV', link.name).split(' ')], `link-local route of ${link.name}`),
      WAIT_DAD,
      ...throughOrFrom(link.name, addresses).map((r) => `ip -6 route replace ${formatRhel6Route(r)}`),
    ];
    for (const a of aliases.get(link.name) ?? []) {
      const list = down.get(a.label!);
      if (list) list.push(...restore);
      else down.set(a.label!, [...restore]);
    }
  }
  return { up, down };
}

/** The Plan's addresses by their text, the first of each (what a scan with find() would meet). */
function firstByAddress(plan: Plan): Map<string, PlanAddress> {
  const out = new Map<string, PlanAddress>();
  for (let i = 0; i < plan.addresses.length; i++) {
    const a = plan.addresses[i]!;
    if (!out.has(a.address)) out.set(a.address, a);
  }
  return out;
}

/**
 * Where routes go, by the suffix of their file: `route-<dev>` for the boot scripts, the
 * alias's own `route-<label>` for an ONPARENT=no alias, nowhere here for a cluster tool's
 * (they are in its own file).
 */
function groupByFile<T extends PlanRoute | PlanRule>(plan: Plan, items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  let byAddress: Map<string, PlanAddress> | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    let file: string | undefined;
    if (item.appliedBy === 'boot') file = item.dev;
    else if (item.appliedBy === 'alias') {
      byAddress ??= firstByAddress(plan);
      file = item.dependsOn === undefined ? undefined : byAddress.get(item.dependsOn)?.label;
      if (file === undefined) throw new NetgenError('internal', `rhel6: ${item.dependsOn ?? '?'} is applied by its alias but has no label in the Plan`);
    }
    if (file === undefined) continue;
    const list = out.get(file);
    if (list) list.push(item);
    else out.set(file, [item]);
  }
  return out;
}

export const rhel6: Backend = {
  name: 'rhel6',
  description: 'RHEL/CentOS 6 initscripts: ifcfg- and route- files in /etc/sysconfig/network-scripts, ip rules in the /sbin/ifup-local and ifdown-local hooks',
  mainDir: NETWORK_SCRIPTS_DIR,
  planFiles: planRhel6Files,
  // ifcfg-/route-/rule- of a name netgen accepts; never what initscripts itself skips (backups).
  prunable: [{ dir: NETWORK_SCRIPTS_DIR, name: (n) => OWN_FILE.test(n) && !IGNORED_SUFFIX.test(n) && !n.includes('-range') }, ...CLUSTER_PRUNABLE],
};
