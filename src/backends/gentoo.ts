// Gentoo: netifrc's /etc/conf.d/net under OpenRC (`gentoo`) and baselayout-1's bash-array
// spelling of the same file (`gentoo-legacy`, which current OpenRC reads too under bash).
// Both share one preparation of the per-interface variables; they differ in how a value is
// spelt and where `ip rule` goes.
// What netifrc does with each line: design/consumers.md, "Gentoo netifrc".
import { BackendModelError, NetgenError } from '../errors.js';
import type { Plan, PlanAddress, PlanLink, PlanRoute, PlanRule } from '../plan/types.js';
import { CLUSTER_PRUNABLE, KEEPALIVED_CONF_PATH, PACEMAKER_SCRIPT_PATH, planClusterFiles } from './cluster.js';
import { planRtTables } from './rt-tables.js';
import { SYSCTL_PATH, planSysctlFile, sysctlName } from './sysctl.js';
import type { Backend, BackendOptions, FileSpec } from './types.js';

export const NET_PATH = 'etc/conf.d/net';
export const LOCAL_D_START_PATH = 'etc/local.d/netgen.start';
export const LOCAL_START_PATH = 'etc/conf.d/local.start';

/**
 * baselayout-1's local.start when a host has none yet: netgen appends its marked block
 * to it. The file is sourced by bash from /etc/init.d/local, so it must stay a plain
 * list of commands (no `exit`).
 */
export const LOCAL_START_BASE = [
  '# /etc/conf.d/local.start: commands for this host, run by /etc/init.d/local at the',
  '# end of boot. The file is sourced by bash; do not end it with `exit`.',
  '',
].join('\n');

type Spelling = 'modern' | 'legacy';

/** One `name=value` of conf.d/net; `lines` are its entries (one address, route or rule each). */
interface NetVar {
  name: string;
  lines: string[];
  /** Legacy only: written as a bash array `( "a" "b" )` rather than one string. */
  array: boolean;
}

/** The variables of one device, in the order the file lists them, with comments shown above them. */
interface LinkStanza {
  device: string;
  notes: string[];
  vars: NetVar[];
}

interface Prepare {
  backend: string;
  spelling: Spelling;
  /** Spell the Plan's rules as `rules_<var>` (netifrc's native support) instead of a script. */
  nativeRules: boolean;
}

/**
 * Everything that goes into a shell value or an unquoted script line passes through here.
 * Our grammars only ever produce these characters; anything else (a quote, `$`, a
 * backtick, a backslash, a newline, a glob character, a space inside a word) would change
 * what the shell or netifrc's unquoted word splitting reads, so it is a bug upstream.
 */
const SAFE_WORD = /^[A-Za-z0-9_.:/-]+$/;
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether every word passes SAFE_WORD (then joinWords would not refuse, and needs no `where`). */
function allSafe(words: readonly (string | number)[]): boolean {
  for (let i = 0; i < words.length; i++) if (!safeWord(words[i]!)) return false;
  return true;
}

/** Whether a word passes SAFE_WORD; an integer always does (digits and a minus sign). */
function safeWord(w: string | number): boolean {
  return typeof w === 'number' ? Number.isSafeInteger(w) || SAFE_WORD.test(String(w)) : SAFE_WORD.test(w);
}

function joinWords(words: readonly (string | number)[], where: string): string {
  for (const w of words) {
    const s = String(w);
    if (!SAFE_WORD.test(s)) {
      throw new NetgenError('internal', `${where}: refusing to write ${JSON.stringify(s)} into a shell file (only letters, digits and _ . : / - are expected here)`);
    }
  }
  return words.join(' ');
}

/** netifrc's variable suffix for a device: every character outside [A-Za-z0-9_] becomes `_`. */
export function shellVarOf(device: string): string {
  return device.replace(/[^A-Za-z0-9_]/g, '_');
}

function netVar(name: string, lines: string[], array: boolean): NetVar {
  if (!SHELL_NAME.test(name)) throw new NetgenError('internal', `conf.d/net: ${JSON.stringify(name)} is not a shell variable name`);
  return { name, lines, array };
}

/**
 * A route line as netifrc's `routes_<if>` wants it: `dev` is left out (netifrc appends
 * `dev <if>`), and `metric` is always written, because netifrc otherwise appends
 * `metric_<if>` or the interface index, and carries one line's metric over to the next.
 * Every line has at least three words, so netifrc never mistakes it for `<to> <gateway>`.
 */
export function formatGentooRoute(r: PlanRoute): string {
  // netifrc leaves the family to `ip`, which takes it from the addresses: an IPv6 default
  // without a gateway would be read as IPv4, so it is spelt ::/0.
  // Only the Plan's words are checked (the keywords are safe), in line order, so a refusal
  // names the first bad word.
  const to = r.family === 6 && r.to === 'default' && r.via === undefined ? '::/0' : r.to;
  const w: (string | number)[] = [lineWord(to, r)];
  if (r.via !== undefined) w.push('via', lineWord(r.via, r));
  if (r.proto !== undefined) w.push('proto', lineWord(r.proto, r));
  if (r.scope !== undefined) w.push('scope', lineWord(r.scope, r));
  if (r.src !== undefined) w.push('src', lineWord(r.src, r));
  w.push('metric', lineWord(r.metric, r));
  if (r.table !== 'main') w.push('table', lineWord(r.table, r));
  if (r.onlink) w.push('onlink');
  return w.join(' ');
}

/** The arguments of `ip rule add|del` (`ip -6 rule` for IPv6) for a rule; the explicit priority keeps boot order out of it. */
export function formatGentooRule(r: PlanRule): string {
  const w: (string | number)[] = ['from', lineWord(r.from ?? 'all', r)];
  if (r.to !== undefined) w.push('to', lineWord(r.to, r));
  w.push('table', lineWord(r.table, r), 'priority', lineWord(r.priority, r));
  return w.join(' ');
}

/**
 * A word of a route or rule line: refused as joinWords refuses it, naming the line
 * (`route 10.1.0.0/24 on eth0`, `rule 1000 on eth0`) only then.
 */
function lineWord<W extends string | number>(w: W, r: PlanRoute | PlanRule): W {
  if (!safeWord(w)) joinWords([w], 'priority' in r ? `rule ${r.priority} on ${r.dev}` : `route ${r.to} on ${r.dev}`);
  return w;
}

/** The per-device variables of conf.d/net, in Plan order; shared by both spellings. */
function prepareStanzas(plan: Plan, p: Prepare): LinkStanza[] {
  checkNames(plan, p.backend);
  checkLaterAddresses(plan, p.backend);
  const index = indexByDevice(plan, p.nativeRules);
  return plan.links.map((link) => prepareStanza(link, index, p));
}

/**
 * The Plan's VLANs (by parent), addresses, the routes the boot files add and, for native
 * rules, the rules they add (by device), grouped once: linear in the host's size.
 */
interface DeviceIndex {
  vlans: Map<string, PlanLink[]>;
  addresses: Map<string, PlanAddress[]>;
  routes: Map<string, PlanRoute[]>;
  rules: Map<string, PlanRule[]>;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const k = key(item);
    if (k === undefined) continue;
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function indexByDevice(plan: Plan, nativeRules: boolean): DeviceIndex {
  return {
    vlans: groupBy(plan.links, (l) => (l.kind === 'vlan' ? l.parent : undefined)),
    addresses: groupBy(plan.addresses, (a) => a.device),
    routes: groupBy(plan.routes, (r) => (r.appliedBy === 'boot' ? r.dev : undefined)),
    rules: nativeRules ? groupBy(plan.rules, (r) => (withBoot(r) ? r.dev : undefined)) : new Map(),
  };
}

/** Two devices whose names differ only in punctuation would share one set of variables. */
function checkNames(plan: Plan, backend: string): void {
  const byVar = new Map<string, string>();
  for (let i = 0; i < plan.links.length; i++) {
    const link = plan.links[i]!;
    const v = shellVarOf(link.name);
    const other = byVar.get(v);
    if (other !== undefined) {
      throw new BackendModelError(
        `${backend}: interfaces ${other} and ${link.name} would both be configured by config_${v} in /etc/conf.d/net ` +
          '(netifrc turns every character other than letters, digits and _ into _); rename one of them',
        link.modelPath,
      );
    }
    byVar.set(v, link.name);
  }
  const known = new Set<string>();
  for (let i = 0; i < plan.links.length; i++) known.add(plan.links[i]!.name);
  // The first device named that is not a link: addresses, then routes, then rules.
  let unknown: string | undefined;
  for (let i = 0; unknown === undefined && i < plan.addresses.length; i++) if (!known.has(plan.addresses[i]!.device)) unknown = plan.addresses[i]!.device;
  for (let i = 0; unknown === undefined && i < plan.routes.length; i++) if (!known.has(plan.routes[i]!.dev)) unknown = plan.routes[i]!.dev;
  for (let i = 0; unknown === undefined && i < plan.rules.length; i++) if (!known.has(plan.rules[i]!.dev)) unknown = plan.rules[i]!.dev;
  if (unknown !== undefined) throw new NetgenError('internal', `${backend}: the Plan names device ${unknown}, which is not one of its links`);
}

/**
 * netifrc has no service per alias: an address in config_ comes and goes with the whole
 * interface, and nothing adds the routes that depend on an address added later. So an
 * alias left to the distro for later (on-parent: false without a manager) cannot carry
 * routes: they would fail at boot and never come back. keepalived or Pacemaker can: they
 * add those routes whenever they add the VIP. `on-parent: true` is no answer for a VIP
 * that fails over: it would be up on every node at boot.
 */
function checkLaterAddresses(plan: Plan, backend: string): void {
  let dependent: Map<string, PlanRoute> | undefined;
  for (let j = 0; j < plan.addresses.length; j++) {
    const a = plan.addresses[j]!;
    if (a.appliedBy !== 'alias') continue;
    // The first route that depends on each address, found in one pass over the routes.
    if (dependent === undefined) {
      dependent = new Map();
      for (let i = 0; i < plan.routes.length; i++) {
        const x = plan.routes[i]!;
        if (x.dependsOn !== undefined && !dependent.has(x.dependsOn)) dependent.set(x.dependsOn, x);
      }
    }
    const r = dependent.get(a.address);
    if (r) {
      throw new BackendModelError(
        `${backend}: ${a.label ?? a.device} (${a.address}) has on-parent: false, but the route ${r.to} on ${r.dev} uses it as src; ` +
          `netifrc has no service per alias and adds routes only when ${r.dev} starts, so nothing would add that route when the VIP arrives. ` +
          'Say which tool moves the VIP: `managed-by: keepalived` (with `vrrp:`) or `managed-by: pacemaker`; it then adds the VIP and its routes together',
        a.modelPath ? [...a.modelPath.slice(0, -1), 'on-parent'] : undefined,
      );
    }
  }
}

/**
 * Rules the boot files add. netifrc has no per-alias step, so a rule of an alias left for
 * later is added at boot too: `ip rule add from ADDR` works whether ADDR is there or not,
 * and matches nothing until it is.
 */
function withBoot(r: PlanRule): boolean {
  return r.appliedBy === 'boot' || r.appliedBy === 'alias';
}

function prepareStanza(link: PlanLink, index: DeviceIndex, p: Prepare): LinkStanza {
  const v = shellVarOf(link.name);
  const arr = p.spelling === 'legacy';
  const notes: string[] = [];
  const vars: NetVar[] = [];

  if (link.kind === 'vlan') {
    const { parent, id } = vlanOf(link);
    notes.push(`VLAN ${id} on ${parent}, created when ${parent} starts.`);
    if (!link.onBoot) notes.push(`Not wanted at boot, but the network scripts start every VLAN of ${parent} with it.`);
  } else if (!link.onBoot) {
    notes.push(`Not wanted at boot: leave net.${link.name} out of the runlevels (rc-update del net.${link.name}).`);
  }

  const vlans = index.vlans.get(link.name) ?? [];
  if (vlans.length > 0) {
    const ids = vlans.map((l) => vlanOf(l).id);
    vars.push(netVar(`vlans_${v}`, [joinWords(ids, `vlans of ${link.name}`)], false));
    for (const l of vlans) {
      const id = vlanOf(l).id;
      if (l.name === `${link.name}.${id}`) continue;
      if (p.spelling === 'legacy') {
        throw new BackendModelError(`${p.backend}: VLAN ${id} on ${link.name} is named ${l.name}; baselayout-1 names it ${link.name}.${id}, so use that name`, l.modelPath);
      }
      // netifrc names a VLAN <parent>.<id> unless <parent var>_vlan<id>_name says otherwise.
      vars.push(netVar(`${v}_vlan${id}_name`, [joinWords([l.name], `name of ${l.name}`)], false));
    }
  }

  const addresses = index.addresses.get(link.name) ?? [];
  const now = addresses.filter((a) => a.appliedBy === 'boot');
  for (let i = 0; i < addresses.length; i++) {
    const a = addresses[i]!;
    if (a.appliedBy === 'alias') notes.push(`${a.address}/${a.prefix} (${a.label ?? a.device}) is left to failover tooling (on-parent: false).`);
    if (a.appliedBy === 'keepalived' || a.appliedBy === 'pacemaker') {
      notes.push(`${a.address}/${a.prefix} (${a.label ?? a.device}) is moved by ${a.appliedBy} (${a.appliedBy === 'keepalived' ? KEEPALIVED_CONF_PATH : PACEMAKER_SCRIPT_PATH}), with the routes and rules that depend on it.`);
    }
  }
  // netifrc hands extra words of an address line to `ip addr add`, so the label rides along
  // (IPv4 only: the kernel keeps no label on an IPv6 address), and so does `preferred_lft 0`
  // for an IPv6 VIP, which keeps the kernel from picking it as a source unless a route says so.
  const config = now.map((a) => {
    const w = addressWords(a);
    return allSafe(w) ? w.join(' ') : joinWords(w, `address ${a.address}`);
  });
  vars.push(netVar(`config_${v}`, config.length > 0 ? config : ['null'], arr));

  const routes = (index.routes.get(link.name) ?? []).map(formatGentooRoute);
  if (routes.length > 0) vars.push(netVar(`routes_${v}`, routes, arr));

  if (p.nativeRules) {
    // netifrc runs rules_ with `ip -4 rule` and rules6_ with `ip -6 rule`.
    const rules = index.rules.get(link.name) ?? [];
    for (const [name, family] of [[`rules_${v}`, 4], [`rules6_${v}`, 6]] as const) {
      const lines = rules.filter((r) => r.family === family).map(formatGentooRule);
      if (lines.length > 0) vars.push(netVar(name, lines, arr));
    }
  }

  if (link.mtu !== undefined) vars.push(netVar(`mtu_${v}`, [joinWords([link.mtu], `mtu of ${link.name}`)], false));
  if (link.mac !== undefined) vars.push(netVar(`mac_${v}`, [joinWords([link.mac], `mac of ${link.name}`)], false));

  return { device: link.name, notes, vars };
}

function addressWords(a: PlanAddress): (string | number)[] {
  const w: (string | number)[] = [`${a.address}/${a.prefix}`];
  if (a.family === 4 && a.label !== undefined) w.push('label', a.label);
  if (a.family === 6 && a.deprecated) w.push('preferred_lft', 0);
  return w;
}

function vlanOf(l: PlanLink): { parent: string; id: number } {
  if (l.parent === undefined || l.vlanId === undefined) throw new NetgenError('internal', `VLAN ${l.name} has no parent or VLAN id in the Plan`);
  return { parent: l.parent, id: l.vlanId };
}

/** Each rule for a local script: the `ip` command of its family and its arguments. */
function ruleLines(rules: readonly PlanRule[]): { ip: string; rule: string }[] {
  return rules.map((r) => ({ ip: r.family === 6 ? 'ip -6' : 'ip', rule: formatGentooRule(r) }));
}

/**
 * The cases of conf.d/net's postup(): per device, its IPv6 routes that name a source. netifrc
 * adds routes_ right after the addresses, while new IPv6 addresses are still tentative
 * (duplicate address detection), and the kernel refuses a route whose src is tentative;
 * netifrc waits for DAD only afterwards (iproute2_post_start), then calls postup, on every
 * start of the interface. baselayout-1 calls postup too but does not wait: postup waits.
 */
function postupCases(plan: Plan): { device: string; lines: string[] }[] {
  const byDev = groupBy(
    plan.routes.filter((r) => r.family === 6 && r.appliedBy === 'boot' && r.src !== undefined),
    (r) => r.dev,
  );
  return plan.links
    .filter((l) => byDev.has(l.name))
    .map((l) => ({
      device: joinWords([l.name], `postup case ${l.name}`),
      lines: byDev.get(l.name)!.map((r) => `ip -6 route replace ${formatGentooRoute(r)} dev ${joinWords([r.dev], `route ${r.to}`)}`),
    }));
}

function netFile(plan: Plan, template: string, stanzas: LinkStanza[]): FileSpec {
  return { path: NET_PATH, mode: 0o644, owner: { kind: 'whole' }, template, context: { source: plan.source, stanzas, postup: postupCases(plan) } };
}

function byPath(a: FileSpec, b: FileSpec): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * OpenRC's local service (0.6.4 and later) runs every executable /etc/local.d/*.start once
 * after the network services, and never reads /etc/conf.d/local.start. Undefined without rules.
 */
function localDStartFile(plan: Plan, rules: readonly PlanRule[]): FileSpec | undefined {
  if (rules.length === 0) return undefined;
  return {
    path: LOCAL_D_START_PATH,
    // OpenRC's local service silently skips a .start file without the run bit.
    mode: 0o755,
    owner: { kind: 'whole' },
    template: 'gentoo/netgen.start',
    context: { source: plan.source, rules: ruleLines(rules) },
  };
}

/** OpenRC + netifrc: modern conf.d/net; rules in /etc/local.d/netgen.start, or rules_<if> when asked. */
function planGentooFiles(plan: Plan, options: BackendOptions): FileSpec[] {
  const nativeRules = options.gentooRules === 'native';
  const files = [netFile(plan, 'gentoo/net', prepareStanzas(plan, { backend: 'gentoo', spelling: 'modern', nativeRules }))];
  files.push(planRtTables(plan), ...planClusterFiles(plan));
  const start = nativeRules ? undefined : localDStartFile(plan, plan.rules.filter(withBoot));
  if (start) files.push(start);
  const sysctl = planSysctlFile(plan, GENTOO_SYSCTL_INTRO);
  if (sysctl) files.push(sysctl);
  return files.sort(byPath);
}

/** OpenRC's sysctl service (boot runlevel, before net.*): /etc/sysctl.d/*.conf first, /etc/sysctl.conf last. */
const GENTOO_SYSCTL_INTRO =
  "Read at boot by OpenRC's sysctl service, before the network starts. It reads /etc/sysctl.conf after this directory, " +
  'so a key set there too wins over this file.';

/**
 * What local.start does with the sysctl file on baselayout-1: apply it, then give each VLAN
 * its values (`default` reached only VLANs made after the boot's sysctl pass, which on
 * baselayout-1 read no sysctl.d at all).
 */
function legacySysctl(plan: Plan): { sysctl?: { file: string; vlans: string[] } } {
  if (plan.sysctl === undefined) return {};
  return { sysctl: { file: `/${SYSCTL_PATH}`, vlans: plan.sysctl.vlanSettings.map((s) => `${sysctlName(s)}=${s.value}`) } };
}

/**
 * gentoo-legacy meets both generations: current OpenRC reads /etc/sysctl.d at boot;
 * baselayout-1 reads only /etc/sysctl.conf, so netgen's block of local.start applies the file.
 */
const LEGACY_SYSCTL_INTRO =
  "On OpenRC, read at boot by its sysctl service before the network starts (it reads /etc/sysctl.conf after this directory, " +
  'so a key set there too wins). baselayout-1 reads only /etc/sysctl.conf: netgen\'s block of /etc/conf.d/local.start applies ' +
  'this file at the end of boot, and gives each VLAN its values there (the VLANs exist by then and no longer take `default`).';

/**
 * baselayout-1's bash-array conf.d/net as in the seed, read on both generations of Gentoo
 * (current OpenRC still accepts the arrays under bash). Rules go where each generation
 * looks: netgen's block of /etc/conf.d/local.start (baselayout-1, OpenRC before 0.6.4) and
 * /etc/local.d/netgen.start (OpenRC 0.6.4 and later, which never reads local.start). Each
 * deletes a rule before adding it, so a restart of `local`, or a system that runs both,
 * leaves exactly one of each.
 */
function planGentooLegacyFiles(plan: Plan, options: BackendOptions): FileSpec[] {
  if (options.gentooRules === 'native') {
    throw new NetgenError('usage', 'gentoo-legacy: baselayout-1 has no rules_<if>; its rules always go to /etc/conf.d/local.start and /etc/local.d/netgen.start (drop the native rules option)');
  }
  const files = [netFile(plan, 'gentoo-legacy/net', prepareStanzas(plan, { backend: 'gentoo-legacy', spelling: 'legacy', nativeRules: false }))];
  files.push(planRtTables(plan), ...planClusterFiles(plan));
  const rules = plan.rules.filter(withBoot);
  // Emitted even without rules: an empty block removes rules an earlier render added.
  files.push({
    path: LOCAL_START_PATH,
    mode: 0o644,
    owner: { kind: 'block', base: LOCAL_START_BASE },
    template: 'gentoo-legacy/local.start',
    context: { rules: ruleLines(rules), ...legacySysctl(plan) },
  });
  const start = localDStartFile(plan, rules);
  if (start) files.push(start);
  const sysctl = planSysctlFile(plan, LEGACY_SYSCTL_INTRO);
  if (sysctl) files.push(sysctl);
  return files.sort(byPath);
}

export const gentoo: Backend = {
  name: 'gentoo',
  description: 'Gentoo with OpenRC and netifrc: /etc/conf.d/net; ip rules in /etc/local.d/netgen.start (or rules_<if> with the native option)',
  mainDir: 'etc/conf.d',
  sysctlConfAfter: true,
  planFiles: planGentooFiles,
  // Its rules script, even when this render has none (the model dropped its rules).
  prunable: [{ dir: 'etc/local.d', name: (n) => n === 'netgen.start' }, ...CLUSTER_PRUNABLE],
};

export const gentooLegacy: Backend = {
  name: 'gentoo-legacy',
  description:
    'Gentoo baselayout-1 syntax, also read by current OpenRC: /etc/conf.d/net in bash-array syntax; ip rules in a block of /etc/conf.d/local.start (baselayout-1) and in /etc/local.d/netgen.start (OpenRC 0.6.4 and later)',
  mainDir: 'etc/conf.d',
  // On current OpenRC; baselayout-1 reads it before local.start applies netgen's file.
  sysctlConfAfter: true,
  planFiles: planGentooLegacyFiles,
  prunable: CLUSTER_PRUNABLE,
};
