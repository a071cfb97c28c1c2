// Gentoo's files -> facts: /etc/conf.d/net as netifrc (or baselayout-1) reads it, the
// local start scripts' `ip rule`/`ip route` lines, rt_tables, and the host name.
import { isBlankOrComment, readLikeBash, shellVarName, splitWords, prefixOfNetmask } from '../kernel/shell-text.js';
import { contains, parseCidr } from '../net/ipv4.js';
import { IFNAME } from '../model/schema.js';
import { parseRouteWords, parseRuleWords, TableBook } from './ip-words.js';
import { readRtTables } from './rt-tables.js';
import { readShVars, shLines, shString, type ShVar } from './sh-vars.js';
import { IPV6_NOT_IMPORTED, note, type Facts, type FactLink, type ImportFile, type ReportEntry } from './types.js';

export const CONF_NET = 'etc/conf.d/net';
export const LEGACY_LOCAL_START = 'etc/conf.d/local.start';
export const LOCAL_D = 'etc/local.d/';

const PER_IFACE = /^(config|routes|rules|metric|mtu|mac|vlans)_([A-Za-z0-9_]+)$/;

/** Read a Gentoo tree (`legacy`: baselayout-1) into facts. */
export function readGentoo(files: readonly ImportFile[], facts: Facts, legacy: boolean): void {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const tables = new TableBook(facts);
  const rt = byPath.get('etc/iproute2/rt_tables');
  if (rt) readRtTables(facts, rt, tables);
  readHostname(facts, byPath);

  const conf = byPath.get(CONF_NET);
  if (conf) {
    facts.files.push(CONF_NET);
    readConfNet(facts, conf, tables, legacy);
  }
  const legacyStart = byPath.get(LEGACY_LOCAL_START);
  const localD = files.filter((f) => f.path.startsWith(LOCAL_D) && f.path.endsWith('.start') && !f.path.slice(LOCAL_D.length).includes('/')).sort((a, b) => (a.path < b.path ? -1 : 1));
  if (legacy) {
    if (legacyStart) readLocalStart(facts, legacyStart, tables);
    for (const f of localD) note(facts, f.path, 1, f.path, 'ignored', 'baselayout-1 does not run /etc/local.d');
  } else {
    if (legacyStart) note(facts, LEGACY_LOCAL_START, 1, LEGACY_LOCAL_START, 'ignored', 'OpenRC (0.6.4 and later) never reads conf.d/local.start; import with --from gentoo-legacy for baselayout-1');
    for (const f of localD) {
      if ((f.mode & 0o111) === 0) note(facts, f.path, 1, f.path, 'ignored', 'not executable: OpenRC\'s local service skips it');
      else readLocalStart(facts, f, tables);
    }
  }
}

function readHostname(facts: Facts, byPath: Map<string, ImportFile>): void {
  const conf = byPath.get('etc/conf.d/hostname');
  if (conf) {
    facts.files.push(conf.path);
    const sh = readShVars(conf.content);
    for (const c of sh.code) note(facts, conf.path, c.line, c.text, 'not-representable', c.why);
    for (const v of sh.overridden) note(facts, conf.path, v.line, v.name, 'ignored', 'set again later; the shell keeps the last value');
    for (const v of sh.vars.values()) {
      if ((v.name === 'hostname' || v.name === 'HOSTNAME') && shString(v) !== '') {
        const e = note(facts, conf.path, v.line, v.name, 'represented');
        e.model = 'host';
        facts.host = { name: shString(v), entries: [e] };
      } else note(facts, conf.path, v.line, v.name, 'not-representable', `unknown variable ${v.name}`);
    }
    if (facts.host) return;
  }
  const plain = byPath.get('etc/hostname');
  if (plain) {
    facts.files.push(plain.path);
    const lines = plain.content.split('\n');
    const i = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    if (i >= 0) {
      const e = note(facts, plain.path, i + 1, lines[i]!.trim(), 'represented');
      e.model = 'host';
      facts.host = { name: lines[i]!.trim(), entries: [e] };
    }
  }
}

interface Iface {
  name: string;
  shell: string;
  parent?: string;
  vlanId?: number;
}

function readConfNet(facts: Facts, f: ImportFile, tables: TableBook, legacy: boolean): void {
  const sh = readShVars(f.content);
  for (const c of sh.code) note(facts, f.path, c.line, c.text, 'not-representable', c.why);
  for (const v of sh.overridden) note(facts, f.path, v.line, v.name, 'ignored', 'set again later; the shell keeps the last value');
  const vars = sh.vars;
  const entryOf = new Map<ShVar, ReportEntry>();
  const entry = (v: ShVar): ReportEntry => {
    let e = entryOf.get(v);
    if (!e) {
      e = note(facts, f.path, v.line, v.name, 'represented');
      if (v.kind === 'array' && !legacy) e.note = 'bash array syntax: netifrc accepts it under bash with a warning; under dash it is a syntax error';
      entryOf.set(v, e);
    }
    return e;
  };
  // Interfaces: every physical name a per-interface variable mentions, and the VLANs of vlans_.
  const ifaces: Iface[] = [];
  const vlanByShell = new Map<string, Iface>();
  const physical = new Set<string>();
  for (const v of [...vars.values()].sort((a, b) => a.line - b.line)) {
    const m = PER_IFACE.exec(v.name);
    if (!m) continue;
    if (m[1] === 'vlans') {
      const parent = m[2]!;
      for (const id of splitWords(shString(v))) {
        const vid = Number(id);
        const name = `${parent}.${id}`;
        if (!/^[0-9]+$/.test(id) || vid < 1 || vid > 4094 || !IFNAME.test(name)) continue;
        vlanByShell.set(shellVarName(name), { name, shell: shellVarName(name), parent, vlanId: vid });
      }
    }
  }
  for (const v of [...vars.values()].sort((a, b) => a.line - b.line)) {
    const m = PER_IFACE.exec(v.name);
    if (!m) continue;
    if (!vlanByShell.has(m[2]!)) physical.add(m[2]!);
  }
  for (const vl of vlanByShell.values()) physical.add(vl.parent!);
  // netifrc starts each physical interface, and its VLANs right after it.
  for (const name of [...physical].sort()) {
    if (!IFNAME.test(name)) continue;
    ifaces.push({ name, shell: name });
    for (const vl of vlanByShell.values()) if (vl.parent === name) ifaces.push(vl);
  }
  const used = new Set<ShVar>();
  for (const iface of ifaces) {
    const get = (kind: string): ShVar | undefined => {
      const v = vars.get(`${kind}_${iface.shell}`);
      if (v) used.add(v);
      return v;
    };
    const path = `interfaces.${iface.name}`;
    const link: FactLink = { name: iface.name, kind: iface.parent ? 'vlan' : 'ethernet', onBoot: true, entries: [] };
    if (iface.parent) {
      link.parent = iface.parent;
      link.vlanId = iface.vlanId!;
    }
    const vlans = get('vlans');
    if (vlans) Object.assign(entry(vlans), { model: `${path}.vlans` });
    const mtu = get('mtu');
    if (mtu) {
      const n = Number(shString(mtu));
      if (/^[0-9]+$/.test(shString(mtu)) && n >= 68 && n <= 65535) {
        link.mtu = n;
        entry(mtu).model = `${path}.mtu`;
      } else Object.assign(entry(mtu), { status: 'not-representable', why: `${shString(mtu)} is not an MTU 68..65535` });
    }
    const mac = get('mac');
    if (mac) {
      const t = shString(mac);
      if (/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(t)) {
        link.mac = t.toLowerCase();
        entry(mac).model = `${path}.mac`;
      } else Object.assign(entry(mac), { status: 'not-representable', why: `${t} is not a MAC address (random and the like are not modelled)` });
    }
    facts.links.push(link);
    const config = get('config');
    if (!config) {
      if (!iface.parent && vlans) {
        const e = note(facts, f.path, vlans.line, `config_${iface.shell}`, 'not-representable', `no config_${iface.shell}: netifrc runs DHCP on ${iface.name}, which is not modelled (write config_${iface.shell}="null")`);
        link.entries.push(e);
      }
    } else readConfig(facts, f.path, config, iface, legacy);
    readRoutes(facts, f.path, get('routes'), get('metric'), iface, tables);
    const rules = get('rules');
    if (rules) {
      for (const item of shLines(rules)) {
        const e = note(facts, f.path, item.line, `rules_${iface.shell}: ${item.text}`, 'represented');
        if (legacy) {
          e.status = 'ignored';
          e.why = 'baselayout-1 has no rules_ (the rule never reaches the kernel there)';
          continue;
        }
        const r = parseRuleWords(splitWords(item.text), tables, e);
        if (typeof r === 'string') Object.assign(e, { status: 'not-representable', why: r });
        else facts.rules.push({ ...r, entries: [e] });
      }
    }
  }
  for (const v of vars.values()) {
    if (used.has(v)) continue;
    const m = PER_IFACE.exec(v.name);
    if (m) note(facts, f.path, v.line, v.name, 'not-representable', `${m[2]} is not an interface name netgen accepts`);
    else if (/^(dns_|dhcp|dhcpcd_|fallback_|modules)/.test(v.name)) note(facts, f.path, v.line, v.name, 'not-representable', 'DHCP, DNS and module choices are not modelled');
    else if (/^(config6|routes6|rules6)_/.test(v.name) || /ipv6/i.test(v.name)) note(facts, f.path, v.line, v.name, 'not-representable', IPV6_NOT_IMPORTED);
    else if (/^(slaves|mode|bond|bridge|brctl|bridge_)/.test(v.name) || /_bond|bridge/.test(v.name)) note(facts, f.path, v.line, v.name, 'not-representable', 'bonding and bridges are not modelled');
    else note(facts, f.path, v.line, v.name, 'not-representable', `unknown variable ${v.name}; netgen does not write it`);
  }
}

function readConfig(facts: Facts, file: string, config: ShVar, iface: Iface, legacy: boolean): void {
  const v = `config_${iface.shell}`;
  let lines = shLines(config);
  // netifrc: one line whose second word looks like an address is a list of addresses.
  if (lines.length === 1) {
    const words = splitWords(lines[0]!.text);
    if (words[1] !== undefined && (words[1].includes('.') || words[1].includes(':'))) lines = words.map((w) => ({ text: w, line: lines[0]!.line }));
  }
  for (const item of lines) {
    const e = note(facts, file, item.line, `${v}: ${item.text}`, 'represented');
    if (config.kind === 'array' && !legacy) e.note = 'bash array syntax: netifrc accepts it under bash with a warning; under dash it is a syntax error';
    const words = splitWords(item.text);
    const head = words[0] ?? '';
    if (head === 'null' || head === 'noop') {
      e.why = 'no address on the interface';
      e.model = `interfaces.${iface.name}`;
      continue;
    }
    if (/^(dhcp|dhcpcd|pump|udhcpc|apipa|ipv4ll)$/.test(head)) {
      Object.assign(e, { status: 'not-representable', why: 'DHCP and link-local autoconfiguration are not modelled' });
      continue;
    }
    if (head.includes(':')) {
      Object.assign(e, { status: 'not-representable', why: IPV6_NOT_IMPORTED });
      continue;
    }
    const slash = head.indexOf('/');
    let cidr = parseCidr(slash < 0 ? `${head}/32` : head);
    let label: string | undefined;
    let why: string | undefined = slash < 0 ? 'no prefix length: netifrc adds it as a /32' : undefined;
    let error: string | undefined;
    for (let i = 1; i < words.length && error === undefined; i++) {
      const w = words[i]!;
      const arg = words[i + 1];
      if (w === 'netmask' || w.startsWith('ne')) {
        const p = prefixOfNetmask(arg ?? '');
        if (p === undefined || slash >= 0) error = `netmask ${arg ?? ''} cannot be read`;
        else {
          cidr = parseCidr(`${head}/${p}`);
          why = undefined;
        }
        i++;
      } else if (w === 'broadcast' || w === 'brd' || w.startsWith('br')) {
        if (arg !== '+' && cidr && arg !== undefined) {
          const last = (cidr.address | (~(cidr.prefix === 0 ? 0 : 0xffffffff << (32 - cidr.prefix)) >>> 0)) >>> 0;
          const b = parseCidr(`${arg}/32`);
          if (!b || b.address !== last) error = 'a broadcast address other than the subnet\'s last is not modelled';
        }
        i++;
      } else if (w === 'label' || w.startsWith('l')) {
        label = arg;
        i++;
      } else error = `\`${w}\` is an address option the model has no word for`;
    }
    if (!cidr) error ??= `${head} is not an IPv4 address`;
    if (error !== undefined) {
      Object.assign(e, { status: 'not-representable', why: error });
      continue;
    }
    if (label !== undefined && label !== iface.name) {
      if (!label.startsWith(`${iface.name}:`) || !/^[A-Za-z0-9_]+$/.test(label.slice(iface.name.length + 1))) {
        Object.assign(e, { status: 'not-representable', why: `label ${label}: the model's alias labels are ${iface.name}:<tag>` });
        continue;
      }
    }
    if (why !== undefined) e.why = why;
    const isAlias = label !== undefined && label !== iface.name;
    e.model = isAlias ? `interfaces.${iface.name}.aliases.${label}` : `interfaces.${iface.name}.addresses`;
    facts.addresses.push({ address: cidr!.address, prefix: cidr!.prefix, dev: iface.name, ...(isAlias && label !== undefined ? { label } : {}), onParent: true, entries: [e] });
  }
}

function readRoutes(facts: Facts, file: string, routes: ShVar | undefined, metricVar: ShVar | undefined, iface: Iface, tables: TableBook): void {
  const own = shString(metricVar);
  if (metricVar) {
    const e = note(facts, file, metricVar.line, metricVar.name, 'represented', 'the metric of every route line without one');
    e.model = `interfaces.${iface.name}.routes`;
    if (!/^[0-9]+$/.test(own)) Object.assign(e, { status: 'not-representable', why: `${own} is not a metric` });
  }
  let metric: number | undefined = /^[0-9]+$/.test(own) ? Number(own) : undefined;
  for (const item of shLines(routes)) {
    const e = note(facts, file, item.line, `routes_${iface.shell}: ${item.text}`, 'represented');
    let words = splitWords(item.text);
    if (words[0] === '-4') words = words.slice(1);
    if (words[0] === '-6' || item.text.includes('::')) {
      Object.assign(e, { status: 'not-representable', why: IPV6_NOT_IMPORTED });
      continue;
    }
    // net.lo's old shorthand: `DEST GATEWAY` is `DEST via GATEWAY`.
    if (words.length === 2 && /^[0-9.]+$/.test(words[1]!)) words = [words[0]!, 'via', words[1]!];
    const r = parseRouteWords(words, tables, e);
    if (typeof r === 'string') {
      Object.assign(e, { status: 'not-representable', why: r });
      continue;
    }
    if (r.dev !== undefined && r.dev !== iface.name) {
      Object.assign(e, { status: 'not-representable', why: `dev ${r.dev}: netifrc adds dev ${iface.name} to every line of routes_${iface.shell}` });
      continue;
    }
    // An explicit metric carries over to the lines after it (iproute2.sh); without any, netifrc uses the interface index.
    if (r.metric !== undefined) metric = r.metric;
    let m = metric;
    if (m === undefined) {
      m = 0;
      const clash = facts.routes.some((x) => x.table === r.table && x.to.address === r.to.address && x.to.prefix === r.to.prefix);
      if (clash) Object.assign(e, { status: 'not-representable', why: 'no metric: netifrc adds the interface index, which decides against the other route to the same destination; the files do not say which wins' });
      else e.why = 'no metric: netifrc adds the interface index; as the only route to its destination in its table its metric decides nothing, so the model says 0';
    } else if (r.metric === undefined) e.why = `metric ${m} ${metricVar && Number(own) === m ? `from metric_${iface.shell}` : 'carried over from an earlier line'}`;
    e.model = `interfaces.${iface.name}.routes`;
    facts.routes.push({ ...r, dev: iface.name, metric: m, entries: [e] });
  }
}

const IP_LINE = /^(?:(?:\/usr)?\/s?bin\/)?ip[ \t]+(?:-4[ \t]+)?(rule|route|ro|r)[ \t]+(add|append|replace|del|delete)[ \t]+(.*?)(?:[ \t]+2>[ \t]*\/dev\/null)?(?:[ \t]*\|\|[ \t]*(?:true|:|status=1))?[ \t]*;?$/;

/** `ip rule add` / `ip route add` lines of a local start script; other shell code is reported. */
function readLocalStart(facts: Facts, f: ImportFile, tables: TableBook): void {
  facts.files.push(f.path);
  for (const l of readLikeBash(f.content)) {
    if (isBlankOrComment(l.text)) continue;
    if (/^(status=0|exit[ \t]+(\$status|0)|set -e|true)$/.test(l.text)) {
      note(facts, f.path, l.lineNo, l.text, 'ignored', 'bookkeeping of the script itself');
      continue;
    }
    if (/^(?:\/s?bin\/)?sysctl[ \t]/.test(l.text)) {
      // The ARP and reverse-path settings netgen writes for a multi-homed host (applied from
      // local.start on baselayout-1): render derives them from the model again. A model's
      // own `sysctl:` overrides are not imported yet; the report says so.
      note(facts, f.path, l.lineNo, l.text, 'ignored', 'sysctl settings: render writes the ARP and reverse-path settings of the model again (a `sysctl:` override of the model is not imported yet)');
      continue;
    }
    const m = IP_LINE.exec(l.text);
    if (!m) {
      note(facts, f.path, l.lineNo, l.text, 'not-representable', 'shell code netgen does not run (only `ip rule add` and `ip route add` lines are read)');
      continue;
    }
    const e = note(facts, f.path, l.lineNo, l.text, 'represented');
    if (m[2] === 'del' || m[2] === 'delete') {
      Object.assign(e, { status: 'ignored', why: 'deletes what the script adds again, so that a rerun leaves one' });
      continue;
    }
    const words = splitWords(m[3]!);
    if (m[1] === 'rule') {
      const r = parseRuleWords(words, tables, e);
      if (typeof r === 'string') Object.assign(e, { status: 'not-representable', why: r });
      else facts.rules.push({ ...r, entries: [e] });
      continue;
    }
    const r = parseRouteWords(words, tables, e);
    if (typeof r === 'string') {
      Object.assign(e, { status: 'not-representable', why: r });
      continue;
    }
    const dev = r.dev ?? (r.via !== undefined ? facts.addresses.find((a) => a.prefix < 32 && contains(a.address, a.prefix, r.via!))?.dev : undefined);
    if (dev === undefined) {
      Object.assign(e, { status: 'not-representable', why: 'a route without dev whose gateway is on no modelled subnet' });
      continue;
    }
    facts.routes.push({ ...r, dev, metric: r.metric ?? 0, entries: [e] });
  }
}
