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
const OWN_FILE = /^(ifcfg|route|rule)-[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}(:[A-Za-z0-9_]+)?$/;

interface IfcfgAddress {
  /** `''` for the first address, then `1`, `2`, ...: IPADDR, IPADDR1, IPADDR2. */
  suffix: string;
  address: string;
  prefix: number;
  netmask: string;
}

function checkWords(words: readonly (string | number)[], where: string): string[] {
  return words.map((w) => {
    const s = String(w);
    if (!SAFE_WORD.test(s)) {
      throw new NetgenError('internal', `rhel6: ${where}: refusing to write ${JSON.stringify(s)} (only letters, digits and _ . : / - are expected here)`);
    }
    return s;
  });
}

/** The arguments of `ip -4 route add` for one route, as a route-<dev> line: dev always explicit. */
export function formatRhel6Route(r: PlanRoute): string {
  const w: (string | number)[] = [r.to];
  if (r.via !== undefined) w.push('via', r.via);
  w.push('dev', r.dev);
  if (r.proto !== undefined) w.push('proto', r.proto);
  if (r.scope !== undefined) w.push('scope', r.scope);
  if (r.src !== undefined) w.push('src', r.src);
  // 0 is what `ip route add` uses anyway; leaving it out keeps the lines as people write them.
  if (r.metric !== 0) w.push('metric', r.metric);
  if (r.table !== 'main') w.push('table', r.table);
  if (r.onlink) w.push('onlink');
  return checkWords(w, `route ${r.to} on ${r.dev}`).join(' ');
}

/** The arguments of `ip -4 rule add|del` for one rule: the priority is always explicit. */
export function formatRhel6Rule(r: PlanRule): string {
  // Without a priority the kernel numbers rules in the order the interfaces came up.
  const w: (string | number)[] = ['from', r.from ?? 'all'];
  if (r.to !== undefined) w.push('to', r.to);
  w.push('table', r.table, 'priority', r.priority);
  return checkWords(w, `rule ${r.priority} on ${r.dev}`).join(' ');
}

/** Names the rhel6 scripts would skip or misread, and Plan references that do not hold together. */
function checkPlan(plan: Plan): void {
  if (/[\r\n]/.test(plan.source)) {
    // The header is a comment line in files bash sources; a line break would end the comment.
    throw new NetgenError('usage', `rhel6: the model's name ${JSON.stringify(plan.source)} contains a line break`);
  }
  const links = new Set(plan.links.map((l) => l.name));
  for (const link of plan.links) {
    if (IGNORED_SUFFIX.test(link.name) || link.name.includes('-range')) {
      throw new BackendModelError(
        `rhel6: interface ${link.name} cannot have a config file: initscripts skips ifcfg-${link.name} ` +
          '(names ending in ~ .bak .orig .rpmnew .rpmorig .rpmsave, or containing -range, are backups or alias ranges there); rename it',
        link.modelPath,
      );
    }
    checkWords([link.name], `interface ${link.name}`);
  }
  for (const a of plan.addresses) {
    if (!links.has(a.device)) throw new NetgenError('internal', `rhel6: address ${a.address} is on ${a.device}, which is not a link of the Plan`);
  }
  for (const r of plan.routes) {
    if (!links.has(r.dev)) throw new NetgenError('internal', `rhel6: route ${r.to} goes out of ${r.dev}, which is not a link of the Plan`);
  }
  for (const r of plan.rules) {
    if (!links.has(r.dev)) throw new NetgenError('internal', `rhel6: rule ${r.priority} is carried by ${r.dev}, which is not a link of the Plan`);
  }
  // A table name in a route or rule line works only if rt_tables maps it to a number.
  const tables = new Set([...BUILTIN_TABLES, ...plan.tables.map((t) => t.name)]);
  for (const t of [...plan.routes.map((r) => r.table), ...plan.rules.map((r) => r.table)]) {
    if (!tables.has(t)) throw new NetgenError('internal', `rhel6: table ${t} is used but the Plan does not number it`);
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
    netmask: formatNetmask(a.prefix),
  }));
}

function ifcfgFile(plan: Plan, link: PlanLink, own: PlanAddress[], noDefroute: boolean): FileSpec {
  const addresses = ifcfgAddresses(own);
  for (const a of addresses) checkWords([a.address, a.prefix, a.netmask], `address ${a.address} of ${link.name}`);
  // initscripts compares HWADDR with the device's address in upper case; anaconda writes it so too.
  const hwaddr = link.mac === undefined ? undefined : checkWords([link.mac.toUpperCase()], `MAC of ${link.name}`)[0];
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
      netmask: formatNetmask(a.prefix),
      onParent: a.onParent ? 'yes' : 'no',
      noDefroute,
    },
  };
}

function byPath(a: FileSpec, b: FileSpec): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
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

  // Each link's own (unlabelled) addresses, in Plan order, found in one pass over the Plan.
  const own = new Map<string, PlanAddress[]>();
  for (const a of plan.addresses) {
    if (a.label !== undefined) continue;
    const list = own.get(a.device);
    if (list) list.push(a);
    else own.set(a.device, [a]);
  }
  for (const link of plan.links) files.push(ifcfgFile(plan, link, own.get(link.name) ?? [], noDefroute));
  for (const a of plan.addresses) {
    // A VIP that keepalived or Pacemaker moves has no file: initscripts must never bring it up.
    if (a.label !== undefined && (a.appliedBy === 'boot' || a.appliedBy === 'alias')) files.push(aliasFile(plan, { ...a, label: a.label }, noDefroute));
  }

  // ifup-routes reads route-<dev> and rule-<dev> after <dev> and its ONPARENT aliases are up;
  // ifup-aliases reads route-<dev>:<n> and rule-<dev>:<n> right after adding that alias, at
  // boot or at `ifup <dev>:<n>`, so what depends on an ONPARENT=no alias goes there and is
  // added exactly when the alias is (in route-<dev> it would fail at every network start
  // with "Invalid prefsrc address"). What a cluster tool adds is in its own file.
  for (const [dev, routes] of groupByFile(plan, plan.routes)) {
    files.push({
      path: `${NETWORK_SCRIPTS_DIR}/route-${dev}`,
      mode: 0o644,
      owner: { kind: 'whole' },
      template: 'rhel6/route',
      context: { source: plan.source, lines: routes.map(formatRhel6Route) },
    });
  }
  files.push(...hookFiles(plan));

  // Other people own this file: netgen only takes out the keys that would add a default
  // route without src. The content is what a host without the file gets (`service network`
  // does nothing without it). No HOSTNAME: netgen never manages it in an existing file, and
  // setting it only on new ones would make the result depend on what was there before.
  files.push({
    path: SYSCONFIG_NETWORK_PATH,
    mode: 0o644,
    owner: { kind: 'keys', remove: plan.removeGlobalGateway ? ['GATEWAY', 'GATEWAYDEV'] : [] },
    template: 'rhel6/network',
    context: {},
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
 * A rule follows the alias it selects `from`; the others belong to the device that carries them.
 */
function hookFiles(plan: Plan): FileSpec[] {
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  const push = (map: Map<string, string[]>, key: string, line: string): void => {
    const list = map.get(key);
    if (list) list.push(line);
    else map.set(key, [line]);
  };
  for (const r of plan.rules) {
    if (r.appliedBy !== 'boot' && r.appliedBy !== 'alias') continue;
    const label = r.dependsOn === undefined ? undefined : plan.addresses.find((a) => a.address === r.dependsOn)?.label;
    const line = formatRhel6Rule(r);
    push(up, label ?? r.dev, line);
    if (label !== undefined) push(down, label, line);
    push(down, r.dev, line);
  }
  const branches = (map: Map<string, string[]>) => [...map].map(([device, rules]) => ({ device: checkWords([device], `hook case ${device}`)[0], rules }));
  return [
    { path: IFUP_LOCAL_PATH, mode: 0o755, owner: { kind: 'block', base: hookBase('ifup-local') }, template: 'rhel6/ifup-local', context: { branches: branches(up) } },
    { path: IFDOWN_LOCAL_PATH, mode: 0o755, owner: { kind: 'block', base: hookBase('ifdown-local') }, template: 'rhel6/ifdown-local', context: { branches: branches(down) } },
  ];
}

/**
 * Where routes go, by the suffix of their file: `route-<dev>` for the boot scripts, the
 * alias's own `route-<label>` for an ONPARENT=no alias, nowhere here for a cluster tool's
 * (they are in its own file).
 */
function groupByFile<T extends PlanRoute | PlanRule>(plan: Plan, items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    let file: string | undefined;
    if (item.appliedBy === 'boot') file = item.dev;
    else if (item.appliedBy === 'alias') {
      file = plan.addresses.find((a) => a.address === item.dependsOn)?.label;
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
