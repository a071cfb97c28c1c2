// RHEL 6 initscripts, as consumers.md describes them: `service network start` (ifup of each
// ifcfg-* without `:`, VLANs last, ONBOOT=no skipped), ifup-eth (addresses, GATEWAY), then
// ifup-ipv6 (IPV6ADDR, IPV6ADDR_SECONDARIES, IPV6_DEFAULTGW), ifup-post (ifup-aliases first,
// then ifup-routes: route-, route6-, rule-, rule6-), and `ifup eth0:1` for an alias later.
// `ifdown` of a device or of any alias runs ifdown-ipv6 for the device first, which flushes
// its IPv6 addresses and main-table routes (rhel6-branch's ipv6_cleanup_device).
import { compareInterfaceNames } from '../model/bring-up.js';
import { join } from 'node:path';
import type { ConsumerDriver, DriverContext } from './driver.js';
import type { KernelAddressHint } from './types.js';
import {
  broadcastFor,
  classfulPrefix,
  globWords,
  isBlankOrComment,
  networkFor,
  parseShellAssignments,
  prefixOfNetmask,
  readLikeBash,
  splitWords,
} from './shell-text.js';
import { parseIPv4 } from '../net/ipv4.js';

const DIR = 'etc/sysconfig/network-scripts/';
const NETWORK_FILE = 'etc/sysconfig/network';
const IFUP_LOCAL = 'sbin/ifup-local';
const IFDOWN_LOCAL = 'sbin/ifdown-local';
/** initscripts' is_ignored_file: backups and package leftovers are never read. */
const IGNORED = /(~|\.bak|\.orig|\.rpmnew|\.rpmorig|\.rpmsave)$/;

type Vars = Record<string, string>;

interface IfAddress {
  ip: string;
  prefix: number;
  netmask: string;
  broadcast: string;
}

export function createRhel6Driver(ctx: DriverContext): ConsumerDriver {
  const parsed = new Map<string, Vars | undefined>();

  /** A sourced file's variables; its problems are reported once. */
  function varsOf(path: string): Vars | undefined {
    if (parsed.has(path)) return parsed.get(path);
    const f = ctx.files.get(path);
    let vars: Vars | undefined;
    if (f) {
      const r = parseShellAssignments(f.content, path);
      r.problems.forEach((p) => ctx.problem(p));
      vars = Object.fromEntries(r.vars);
    }
    parsed.set(path, vars);
    return vars;
  }

  const network = (): Vars => varsOf(NETWORK_FILE) ?? {};
  const cfgPath = (name: string): string => `${DIR}ifcfg-${name}`;

  /** Names after `ifcfg-` of the files directly in network-scripts. */
  function configNames(): string[] {
    const out: string[] = [];
    for (const path of ctx.files.keys()) {
      if (!path.startsWith(DIR + 'ifcfg-')) continue;
      const name = path.slice(DIR.length + 'ifcfg-'.length);
      if (name.includes('/')) continue;
      if (IGNORED.test(name)) {
        ctx.problem(`${path}: initscripts ignore files with this ending`);
        continue;
      }
      out.push(name);
    }
    return out;
  }

  function boot(): void {
    const names = configNames();
    for (const n of names.filter((n) => n.includes('-range'))) ctx.limit(`${cfgPath(n)}: range files are not emulated by the harness`);
    const devices = names.filter((n) => n !== 'lo' && !n.includes(':') && !n.includes('-range')).sort(compareInterfaceNames);
    const first: string[] = [];
    const later: string[] = [];
    for (const name of devices) {
      const v = varsOf(cfgPath(name)) ?? {};
      const device = v['DEVICE'] || name;
      if (v['SLAVE'] === 'yes') {
        ctx.limit(`${cfgPath(name)}: SLAVE=yes devices are not emulated`);
        continue;
      }
      if (v['TYPE'] && !['Ethernet', 'Wireless'].includes(v['TYPE'])) ctx.limit(`${cfgPath(name)}: TYPE=${v['TYPE']} is brought up like Ethernet by the harness`);
      (device.includes('.') || device.startsWith('vlan') ? later : first).push(name);
    }
    const started = new Set<string>();
    for (const name of [...first, ...later]) {
      // The network script greps the raw text, quotes optional, before any parsing.
      if (/^ONBOOT=['"]?[Nn][Oo]['"]?/m.test(ctx.files.get(cfgPath(name))!.content)) continue;
      const real = ifup(name, `service network start`);
      if (real) started.add(real);
    }
    for (const link of ctx.links) {
      if (link.onBoot !== false && !started.has(link.name)) ctx.problem(`${link.name}: no ifcfg-${link.name} brings it up at boot (it stays down)`);
    }
  }

  /** `ifup NAME`: ifup-eth then ifup-post. Returns the device it configured. */
  function ifup(name: string, why: string): string | undefined {
    const path = cfgPath(name);
    const own = varsOf(path);
    if (!own) {
      ctx.problem(`${why}: ${path} does not exist`);
      return undefined;
    }
    // ifup sources ../network first, then the ifcfg file: the file's keys win.
    const env: Vars = { ...network(), ...own };
    const device = env['DEVICE'] || name;
    if (device !== name) ctx.problem(`${path}: DEVICE=${device} differs from the file name`);
    const real = env['PARENTDEVICE'] || device.split(':')[0]!;
    const isAlias = device !== real;
    const origin = `ifup ${name}`;
    if (!ctx.linkExists(real)) {
      ctx.problem(`${origin}: device ${real} does not exist`);
      return undefined;
    }
    const addrs = expandConfig(env, path);
    if (env['MTU']) ctx.ip(['link', 'set', 'dev', real, 'mtu', env['MTU']], `${origin} (MTU)`);
    ctx.ip(['link', 'set', 'dev', real, 'up'], origin);
    if (addrs.length > 0) {
      const present = ctx.addresses().filter((a) => a.dev === real);
      for (const a of addrs) {
        if (present.some((p) => p.address === a.ip && p.prefix === a.prefix)) continue;
        ctx.ip(['addr', 'add', `${a.ip}/${a.prefix}`, 'brd', a.broadcast, 'dev', real, ...splitWords(env['SCOPE'] ?? ''), 'label', device], `${origin} (${path} IPADDR)`);
      }
      setDefaultRoute(env, real, device, addrs[0]!, origin);
    }
    if (!env['NOZEROCONF'] && !isAlias && real !== 'lo') {
      const idx = ctx.ifindex(real);
      if (idx !== undefined) ctx.ip(['route', 'add', '169.254.0.0/16', 'dev', real, 'metric', String(1000 + idx), 'scope', 'link'], `${origin} (zeroconf route)`);
    }
    ifupIpv6(env, real, path);
    // ifup-post: aliases first, then routes, then the local hook with the device's name.
    if (!isAlias) ifupAliases(device);
    ifupRoutes(real, name);
    runHook(IFUP_LOCAL, device);
    return real;
  }

  /** /sbin/ifup-local or /sbin/ifdown-local DEVICE, when the tree has it and it is executable (as ifup-post and ifdown-post check). */
  function runHook(path: string, device: string): void {
    const f = ctx.files.get(path);
    if (!f) return;
    if ((f.mode & 0o111) === 0) {
      ctx.problem(`${path} is not executable (mode ${(f.mode & 0o777).toString(8)}): initscripts does not run it`);
      return;
    }
    const abs = join(ctx.root, ...path.split('/'));
    ctx.exec(f.content.startsWith('#!') ? [abs, device] : ['sh', abs, device], `${path} ${device}`);
  }

  /** ifup-eth's default route from GATEWAY / GATEWAYDEV / DEFROUTE. */
  function setDefaultRoute(env: Vars, real: string, device: string, first: IfAddress, origin: string): void {
    const gwDev = env['GATEWAYDEV'] ?? '';
    if (env['DEFROUTE'] === 'no' || (gwDev !== '' && gwDev !== real)) return;
    const metric = env['METRIC'] ? ['metric', env['METRIC']] : [];
    const src = env['SRCADDR'] ? ['src', env['SRCADDR']] : [];
    const gw = env['GATEWAY'] ?? '';
    const network = env['NETWORK'] || networkFor(first.ip, first.prefix);
    if (gw !== '' && parseIPv4(gw) !== undefined && networkFor(gw, first.prefix) === network) {
      ctx.ip(['route', 'replace', 'default', ...metric, 'via', gw, ...src, ...(gwDev ? ['dev', gwDev] : [])], `${origin} (GATEWAY=${gw}: default route)`);
    } else if (gwDev !== '' && gwDev === device) {
      ctx.ip(['route', 'replace', 'default', ...metric, ...src, 'dev', real], `${origin} (GATEWAYDEV=${gwDev}: default route)`);
    }
  }

  /**
   * ifup-ipv6 CONFIG (run by ifup-eth, for an alias too, with the alias file's keys): nothing
   * unless IPV6INIT=yes; then `ip -6 addr replace` of IPV6ADDR (its first word: the script
   * passes it unquoted) and of each IPV6ADDR_SECONDARIES word, /64 when no length is given,
   * and the default route of IPV6_DEFAULTGW / IPV6_DEFAULTDEV. The sysctls it writes
   * (forwarding, accept_ra, autoconf) change nothing in a namespace without routers.
   */
  function ifupIpv6(env: Vars, real: string, path: string): void {
    if (env['IPV6INIT'] !== 'yes') return;
    const origin = `ifup-ipv6 ${path.slice(DIR.length)}`;
    const add = (text: string, key: string): void => {
      const cidr = text.includes('/') ? text : `${text}/64`;
      ctx.ip(['-6', 'addr', 'replace', cidr, 'dev', real], `${origin} (${key})`);
    };
    const first = splitWords(env['IPV6ADDR'] ?? '')[0];
    if (first !== undefined) add(first, 'IPV6ADDR');
    for (const w of splitWords(env['IPV6ADDR_SECONDARIES'] ?? '')) add(w, 'IPV6ADDR_SECONDARIES');
    const gw = env['IPV6_DEFAULTGW'] ?? '';
    const gwDev = env['IPV6_DEFAULTDEV'] ?? '';
    if (gw !== '' || gwDev !== '') ipv6DefaultRoute(gw, gwDev, real, origin);
    if (ctx.files.has('etc/sysconfig/static-routes-ipv6')) ctx.limit('etc/sysconfig/static-routes-ipv6 is not emulated by the harness');
  }

  /** network-functions-ipv6's ipv6_set_default_route GW DEV CHECK, then ipv6_add_route (metric 1; File exists is fine). */
  function ipv6DefaultRoute(gwText: string, devText: string, check: string, origin: string): void {
    const address = gwText === '::' ? '' : gwText;
    let device = devText;
    if (address !== '') {
      const [gw = '', scope = ''] = address.split('%');
      if (scope !== '' && device !== '' && scope !== device) device = '';
      if (/^fe80:/i.test(gw) && scope === '' && device === '') {
        ctx.problem(`${origin}: IPV6_DEFAULTGW=${address} is link-local, but neither a %scope nor IPV6_DEFAULTDEV names its device: no default route`);
        return;
      }
      if ((scope !== '' && check !== scope) || (scope === '' && device !== '' && check !== device)) return;
      if (device === '') device = scope;
      const r = ctx.ip(['-6', 'route', 'add', '::/0', 'via', gw, ...(device !== '' ? ['dev', device] : []), 'metric', '1'], `${origin} (IPV6_DEFAULTGW=${address})`);
      if (r.status !== 0 && /File exists/.test(r.stderr)) r.status = 0;
      return;
    }
    if (device !== check) return;
    // An Ethernet device needs a next hop: the script refuses a default through it alone.
    ctx.problem(`${origin}: IPV6_DEFAULTDEV=${device} without IPV6_DEFAULTGW: ifup-ipv6 refuses a default route through a device that needs a next hop`);
  }

  /** network-functions' expand_config: IPADDR, IPADDR0.. with PREFIXn / NETMASKn / BROADCASTn. */
  function expandConfig(env: Vars, path: string): IfAddress[] {
    const out: IfAddress[] = [];
    for (const idx of ['', ...Array.from({ length: 256 }, (_, i) => String(i))]) {
      const ip = env[`IPADDR${idx}`] ?? '';
      if (ip === '') {
        if (idx !== '' && Number(idx) > 2) break;
        continue;
      }
      const a = addressOf(ip, env[`PREFIX${idx}`], env[`NETMASK${idx}`], env[`BROADCAST${idx}`], `${path} IPADDR${idx}`);
      if (a) out.push(a);
    }
    return out;
  }

  function addressOf(ip: string, prefixText: string | undefined, netmask: string | undefined, broadcast: string | undefined, where: string): IfAddress | undefined {
    if (parseIPv4(ip) === undefined) {
      ctx.problem(`${where}: ${ip} is not an IPv4 address`);
      return undefined;
    }
    let prefix: number | undefined;
    if (prefixText) {
      prefix = /^\d+$/.test(prefixText) && Number(prefixText) <= 32 ? Number(prefixText) : undefined;
      if (prefix === undefined) ctx.problem(`${where}: PREFIX ${prefixText} is not a prefix length`);
    } else if (netmask) {
      prefix = prefixOfNetmask(netmask);
      if (prefix === undefined) ctx.problem(`${where}: NETMASK ${netmask} is not a netmask`);
    } else {
      prefix = classfulPrefix(ip);
      ctx.problem(`${where}: no PREFIX or NETMASK; ipcalc falls back to the class default /${prefix}`);
    }
    if (prefix === undefined) return undefined;
    return { ip, prefix, netmask: netmask ?? '', broadcast: broadcast || broadcastFor(ip, prefix)! };
  }

  /** ifup-aliases PARENT: every ifcfg-PARENT:* whose ONPARENT is not no, inheriting from the parent. */
  function ifupAliases(parent: string): void {
    const pv = varsOf(cfgPath(parent));
    if (!pv) {
      ctx.problem(`ifup-aliases ${parent}: missing ${cfgPath(parent)}`);
      return;
    }
    const net = network();
    const defaults: Vars = {};
    for (const k of ['PREFIX', 'NETMASK', 'BROADCAST', 'GATEWAY', 'NO_ALIASROUTING', 'ARPCHECK', 'ARPUPDATE']) defaults[k] = pv[k] ?? '';
    if (!defaults['GATEWAY']) defaults['GATEWAY'] = net['GATEWAY'] ?? '';
    const seenIp = new Set<string>();
    const seenDev = new Set<string>();
    // Every alias file is sourced into the same shell: keys ini_env does not reset carry over.
    const env: Vars = {};
    const names = configNames()
      .filter((n) => n.startsWith(parent + ':'))
      .sort();
    // ifup-aliases queues each alias whose routes it read and runs ifup-local for them at the end.
    const queue: string[] = [];
    for (const name of names) {
      Object.assign(env, { DEVICE: '', IPADDR: '', ONPARENT: '', ...defaults }, varsOf(cfgPath(name)) ?? {});
      if (!env['DEVICE']) env['DEVICE'] = name;
      if (env['ONPARENT'] === 'no' || env['ONPARENT'] === 'NO') continue;
      const up = newAlias(parent, env, defaults, net, name, seenIp, seenDev);
      if (up !== undefined) queue.push(up);
      delete env['DEVICE'];
    }
    for (const device of queue) runHook(IFUP_LOCAL, device);
  }

  /** ifup-aliases' new_interface: the alias's device name when it was set up with its routes. */
  function newAlias(parent: string, env: Vars, defaults: Vars, net: Vars, name: string, seenIp: Set<string>, seenDev: Set<string>): string | undefined {
    const path = cfgPath(name);
    const device = env['DEVICE']!;
    const devnum = device.includes(':') ? device.slice(device.indexOf(':') + 1) : device;
    const ip = env['IPADDR'] ?? '';
    if (!/^[0-9A-Za-z_]*$/.test(devnum)) {
      ctx.problem(`${path}: invalid alias number ${devnum}`);
      return undefined;
    }
    if (seenIp.has(ip)) {
      ctx.problem(`${path}: address ${ip} already seen in another alias file`);
      return undefined;
    }
    if (seenDev.has(devnum)) {
      ctx.problem(`${path}: device ${parent}:${devnum} already seen in another alias file`);
      return undefined;
    }
    seenIp.add(ip);
    seenDev.add(devnum);
    if (!device || !ip) {
      ctx.problem(`${path}: no DEVICE or no IPADDR`);
      return undefined;
    }
    if (!env['PREFIX'] && !env['NETMASK']) ctx.problem(`${path}: neither NETMASK nor PREFIX`);
    // PREFIX, once inherited from the parent, wins over the alias's own NETMASK.
    const a = addressOf(ip, env['PREFIX'] || undefined, env['NETMASK'] || undefined, env['BROADCAST'] && env['BROADCAST'] !== defaults['BROADCAST'] ? env['BROADCAST'] : undefined, `${path} IPADDR`);
    if (!a) return undefined;
    const label = `${parent}:${devnum}`;
    const current = ctx.addresses().filter((x) => x.dev === parent && x.label === label);
    if (current.some((x) => x.address === ip)) return undefined; // already up: nothing to set up, no routes re-read
    const origin = `ifup-aliases ${parent} (${name})`;
    if (current.length > 0) ctx.ip(['addr', 'flush', 'dev', parent, 'label', label], origin);
    ctx.ip(['addr', 'add', `${ip}/${a.prefix}`, 'brd', a.broadcast, 'dev', parent, 'label', device], origin);
    if (env['NO_ALIASROUTING'] === 'yes') return undefined;
    const gw = env['GATEWAY'] ?? '';
    const gwDev = net['GATEWAYDEV'] ?? '';
    if (gw !== '' && (gwDev === '' || gwDev === device) && !ctx.defaultGateways().includes(gw)) {
      // `route add default gw GW [metric M] eth0:1`: a default through the parent, no src.
      ctx.ip(['route', 'add', 'default', 'via', gw, 'dev', parent, ...(env['METRIC'] ? ['metric', env['METRIC']] : [])], `${origin} (GATEWAY=${gw} inherited or set)`);
    }
    ifupRoutes(device, env['NAME'] ?? '');
    return device;
  }

  /** ifup-routes DEV [NAME]: route-DEV, route6-DEV, route-NAME, route6-NAME, then the same for rule- and rule6-. */
  function ifupRoutes(dev: string, name: string): void {
    const suffixes = name !== '' && name !== dev ? [dev, name] : [dev];
    for (const s of suffixes) {
      for (const kind of ['route', 'route6']) {
        const path = `${DIR}${kind}-${s}`;
        const f = ctx.files.get(path);
        if (!f) continue;
        if (/^[ \t]*ADDRESS[0-9]+=/m.test(f.content)) addressForm(path, dev.split(':')[0]!);
        else ipLineFile(path, 'route', kind === 'route6' ? '-6' : '-4');
      }
    }
    for (const s of suffixes) {
      for (const kind of ['rule', 'rule6']) {
        const path = `${DIR}${kind}-${s}`;
        if (ctx.files.has(path)) ipLineFile(path, 'rule', kind === 'rule6' ? '-6' : '-4');
      }
    }
  }

  /** The ip-line form: each line is `ip -4|-6 route|rule add <line>` (-6 for route6-/rule6-), word-split, unquoted. */
  function ipLineFile(path: string, type: 'route' | 'rule', family: '-4' | '-6'): void {
    const base = path.slice(DIR.length);
    for (const { text, lineNo } of readLikeBash(ctx.files.get(path)!.content)) {
      if (isBlankOrComment(text)) continue;
      const words = splitWords(text);
      const globs = globWords(words);
      if (globs.length > 0) ctx.problem(`${path}:${lineNo}: ${globs.join(' ')} would be expanded as a file name pattern`);
      ctx.ip([family, type, 'add', ...words], `${base}:${lineNo}`);
    }
  }

  /** The ADDRESSn= form, sourced as shell; METRICn and OPTIONSn are ignored on rhel6. */
  function addressForm(path: string, dev: string): void {
    const v = varsOf(path) ?? {};
    const base = path.slice(DIR.length);
    for (const k of Object.keys(v)) if (/^(METRIC|OPTIONS)\d+$/.test(k)) ctx.problem(`${path}: ${k} is ignored by rhel6's ifup-routes`);
    for (let n = 0; v[`ADDRESS${n}`]; n++) {
      const addr = v[`ADDRESS${n}`]!;
      const mask = v[`NETMASK${n}`];
      const prefix = mask ? prefixOfNetmask(mask) : classfulPrefix(addr);
      if (!mask) ctx.problem(`${path}: NETMASK${n} missing; ipcalc takes the class default`);
      if (prefix === undefined) {
        ctx.problem(`${path}: ADDRESS${n}/NETMASK${n} cannot be read`);
        continue;
      }
      const via = v[`GATEWAY${n}`] ? ['via', v[`GATEWAY${n}`]!] : [];
      ctx.ip(['route', 'add', `${addr}/${prefix}`, ...via, 'dev', dev], `${base} ADDRESS${n}`);
    }
  }

  /** The ifcfg file whose IPADDRn is the address (with `ipv6`, also one whose IPV6ADDR or IPV6ADDR_SECONDARIES names it). */
  function ownerOf(address: string, ipv6 = false): string | undefined {
    const names = (k: string, val: string): boolean => {
      if (/^IPADDR\d*$/.test(k)) return val === address;
      if (ipv6 && (k === 'IPV6ADDR' || k === 'IPV6ADDR_SECONDARIES')) return splitWords(val).some((w) => w.split('/')[0] === address);
      return false;
    };
    return configNames()
      .filter((n) => !n.includes('-range'))
      .find((n) => Object.entries(varsOf(cfgPath(n)) ?? {}).some(([k, val]) => names(k, val)));
  }

  /**
   * `ifdown NAME` (ifdown-eth, then ifdown-post): ifdown-ipv6 for the device first (for an
   * alias too: it takes the device's IPv6 down), then an alias's addresses are flushed by
   * label, a device's all (and the link goes down); then `ifdown-routes <device> <name>`
   * deletes every line of rule-/rule6-<device> and rule-/rule6-<name> (for an alias, its
   * parent's rules too), and /sbin/ifdown-local runs with the device name. An IPv6 address
   * has no ifcfg file of its own: there is no ifdown for it.
   */
  function ifdown(address: string): boolean {
    const name = ownerOf(address);
    if (name === undefined) return false;
    const env: Vars = { ...network(), ...(varsOf(cfgPath(name)) ?? {}) };
    const device = env['DEVICE'] || name;
    const real = device.split(':')[0]!;
    const origin = `ifdown ${name}`;
    ifdownIpv6(real, origin);
    if (device !== real) ctx.ip(['addr', 'flush', 'dev', real, 'label', device, 'scope', 'global'], origin);
    else {
      ctx.ip(['addr', 'flush', 'dev', real, 'scope', 'global'], origin);
      ctx.ip(['link', 'set', 'dev', real, 'down'], origin);
    }
    for (const suffix of name !== real ? [real, name] : [real]) {
      for (const kind of ['rule', 'rule6']) {
        const path = `${DIR}${kind}-${suffix}`;
        const f = ctx.files.get(path);
        if (!f) continue;
        for (const { text, lineNo } of readLikeBash(f.content)) {
          if (isBlankOrComment(text)) continue;
          ctx.ip([...(kind === 'rule6' ? ['-6'] : []), 'rule', 'del', ...splitWords(text)], `${origin} (ifdown-routes: ${path.slice(DIR.length)}:${lineNo})`);
        }
      }
    }
    runHook(IFDOWN_LOCAL, device);
    return true;
  }

  /**
   * ifdown-ipv6 DEVICE (whatever the ifcfg file says, IPV6INIT included): ipv6_cleanup_device
   * flushes the device's IPv6 routes in the main table (every IPv6 route is scope global, so
   * fe80::/64 goes too) and its global and site addresses. Routes in other tables stay, and
   * the kernel clears the src of those that named a flushed address.
   */
  function ifdownIpv6(real: string, origin: string): void {
    const why = `${origin} (ifdown-ipv6 ${real})`;
    if (real !== 'lo') for (const scope of ['global', 'site']) ctx.ip(['-6', 'route', 'flush', 'dev', real, 'scope', scope], why);
    for (const scope of ['global', 'site']) ctx.ip(['-6', 'addr', 'flush', 'dev', real, 'scope', scope], why);
  }

  /**
   * An IPv4 address comes back with `ifup` of its file; an IPv6 one, which has no file of its
   * own, with `ifup` of its device's (ifup-ipv6 adds it again, ifup-routes and ifup-local run).
   */
  function up(address: string, hint?: KernelAddressHint): boolean {
    const v6 = address.includes(':');
    const owner = ownerOf(address, v6);
    if (owner !== undefined) {
      ifup(owner, `ifup ${owner}`);
      return true;
    }
    if (hint === undefined) return false;
    // Not in any ifcfg file: failover tooling adds it; route-DEV and route-LABEL are re-read as ifup-routes would.
    const origin = `up ${hint.address} (no ifcfg file names it; failover tooling)`;
    if (v6) {
      ctx.ip(['-6', 'addr', 'add', `${hint.address}/${hint.prefix}`, 'dev', hint.device], origin);
      ifupRoutes(hint.device, hint.device);
      return true;
    }
    const label = hint.label ?? hint.device;
    ctx.ip(['addr', 'add', `${hint.address}/${hint.prefix}`, 'brd', broadcastFor(hint.address, hint.prefix) ?? '+', 'dev', hint.device, 'label', label], origin);
    ifupRoutes(hint.device, label);
    return true;
  }

  return { boot, up, ifdown };
}

