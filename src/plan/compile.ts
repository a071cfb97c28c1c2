// Model -> Plan. The two egress recipes expand here, once, for every back-end:
//  - VIP egress: prefer the VIP as source, fall back to the primary (scenario A);
//  - per-source routing: each interface's addresses route through its own table (scenario B).
import type { Model, ModelAddress, ModelFamily, ModelLink, ModelRoute, ModelVrrp } from '../model/types.js';
import { RESERVED_TABLES, egressCovers, egressSubnets } from '../model/validate.js';
import { IPV4, IPV6, type FamilyOps } from '../net/family.js';
import type { Applier, Expectation, Plan, PlanAddress, PlanLink, PlanPacemakerGroup, PlanRoute, PlanRule, PlanTable, PlanVrrpInstance } from './types.js';
import { formatPath } from '../model/load.js';
import { egressChecks } from './checks.js';
import { planSysctl } from './sysctl.js';

/** First number tried for a table declared `auto`. */
export const AUTO_TABLE_START = 100;
/** First priority given to a rule that names none. */
export const AUTO_PRIORITY_START = 1000;

/** Compile a validated model into the distro-neutral Plan. Pure and deterministic. */
export function compilePlan(model: Model): Plan {
  const links = model.links.map(planLink);
  // Each list filled in place, link by link (no list per link to copy).
  const addresses: PlanAddress[] = [];
  for (let i = 0; i < model.links.length; i++) {
    const l = model.links[i]!;
    planAddresses(IPV4, l, l, model.host, addresses);
    planAddresses(IPV6, l, l.ipv6, model.host, addresses);
  }
  const tables = allocateTables(model);
  const routes: PlanRoute[] = [];
  for (let i = 0; i < model.links.length; i++) {
    const link = model.links[i]!;
    linkRoutes(IPV4, link, link, routes);
    linkRoutes(IPV6, link, link.ipv6, routes);
  }
  routes.push(...topRoutes(IPV4, model, model.routes, (l) => l), ...topRoutes(IPV6, model, model.routes6, (l) => l.ipv6));
  // ip -4 rule and ip -6 rule are separate lists: each family numbers its own.
  const rules = [...planRules(IPV4, model.links, (l) => l), ...planRules(IPV6, model.links, (l) => l.ipv6)];
  followAddresses(addresses, routes, rules);
  const plan: Plan = {
    host: model.host,
    source: model.source,
    links,
    addresses,
    routes,
    rules,
    tables,
    removeGlobalGateway: routes.some((r) => r.family === 4 && r.table === 'main' && r.to === 'default'),
    removeGlobalGateway6: routes.some((r) => r.family === 6 && r.table === 'main' && r.to === 'default'),
    checks: egressChecks(model, addresses, routes),
    vrrpInstances: planVrrpInstances(model.links),
    pacemakerGroups: planPacemakerGroups(model, addresses),
    expectations: model.expect.map((e): Expectation => {
      // The place in the file is needed only to report a failed expectation: locate it then.
      const x: Expectation = {
        kind: e.kind,
        to: e.to,
        steps: e.steps.map((st) => ({ op: st.op, address: st.address })),
        get ref() {
          return model.locate(e.path);
        },
        path: formatPath(e.path),
      };
      if (e.from !== undefined) x.from = e.from;
      if (e.dev !== undefined) x.dev = e.dev;
      if (e.via !== undefined) x.via = e.via;
      if (e.src !== undefined) x.src = e.src;
      if (e.table !== undefined) x.table = e.table;
      if (e.iif !== undefined) x.iif = e.iif;
      if (e.accept !== undefined) x.accept = e.accept;
      if (e.on !== undefined) x.on = e.on;
      if (e.answers !== undefined) x.answers = e.answers;
      return x;
    }),
  };
  const sysctl = planSysctl(model, plan);
  if (sysctl) plan.sysctl = sysctl;
  return plan;
}

function planLink(l: ModelLink): PlanLink {
  const link: PlanLink = { name: l.name, kind: l.kind, onBoot: l.onBoot, modelPath: l.path };
  if (l.parent !== undefined) link.parent = l.parent;
  if (l.vlanId !== undefined) link.vlanId = l.vlanId;
  if (l.mtu !== undefined) link.mtu = l.mtu;
  if (l.mac !== undefined) link.mac = l.mac;
  return link;
}

/**
 * A link's addresses of one family. The kernel marks an address secondary when one before
 * it on the device has the same subnet and prefix. IPv6 aliases are added deprecated, so
 * that the kernel's own source selection never picks one for being the newest address.
 */
function planAddresses<A extends number | bigint>(ops: FamilyOps<A>, link: ModelLink, fam: ModelFamily<A>, host: string, out: PlanAddress[]): void {
  if (fam.addresses.length === 0) return;
  // The IPv4 subnets seen so far on this link, keyed by network and prefix length as one
  // number (network * 64 + length, below 2^38): one lookup per address, not a scan. Made
  // only for a second address (the first is never secondary). IPv6 has no primary and
  // secondary addresses: every one stands alone.
  let seen: Set<number> | undefined;
  const v4 = ops.family === 4;
  const n = fam.addresses.length;
  for (let i = 0; i < n; i++) {
    const a = fam.addresses[i]!;
    let secondary = false;
    if (v4 && n > 1) {
      const subnet = (ops.networkOf(a.address, a.prefix) as number) * 64 + a.prefix;
      if (seen === undefined) seen = new Set();
      else secondary = seen.has(subnet);
      seen.add(subnet);
    }
    const pa: PlanAddress = { family: ops.family, address: ops.format(a.address), prefix: a.prefix, device: link.name, onParent: a.onParent, secondary, appliedBy: applierOf(a), modelPath: a.path };
    if (a.label !== undefined) pa.label = a.label;
    if (a.manager?.kind === 'keepalived') pa.cluster = a.manager.vrrp.instance;
    if (a.manager?.kind === 'pacemaker') pa.cluster = a.manager.group ?? defaultGroup(host);
    if (ops.family === 6 && a.label !== undefined) pa.deprecated = true;
    out.push(pa);
  }
}

/** Declared numbers stay; `auto` tables take the lowest free numbers from AUTO_TABLE_START, in model order. */
function allocateTables(model: Model): PlanTable[] {
  const used = new Set<number>([...RESERVED_TABLES.values()]);
  for (const t of model.tables) if (t.id !== undefined) used.add(t.id);
  let next = AUTO_TABLE_START;
  const out = model.tables.map((t): PlanTable => {
    if (t.id !== undefined) return { name: t.name, id: t.id };
    while (used.has(next)) next++;
    used.add(next);
    return { name: t.name, id: next };
  });
  return out.sort((a, b) => a.id - b.id);
}

function planRoute<A extends number | bigint>(ops: FamilyOps<A>, r: ModelRoute<A>, origin: PlanRoute['origin']): PlanRoute {
  const route: PlanRoute = {
    family: ops.family,
    to: r.to.isDefault ? 'default' : ops.formatCidr(r.to.address, r.to.prefix),
    dev: r.dev,
    metric: r.metric,
    table: r.table,
    origin,
    appliedBy: 'boot',
    modelPath: r.path,
  };
  if (r.via !== undefined) route.via = ops.format(r.via);
  if (r.src !== undefined) route.src = ops.format(r.src);
  if (r.scope !== undefined) route.scope = r.scope;
  if (r.proto !== undefined) route.proto = r.proto;
  if (r.onlink) route.onlink = true;
  return route;
}

/** The model's top-level routes of one family; a route out of a link with an egress intent becomes its pair. */
function topRoutes<A extends number | bigint>(ops: FamilyOps<A>, model: Model, routes: ModelRoute<A>[], famOf: (l: ModelLink) => ModelFamily<A>): PlanRoute[] {
  const out: PlanRoute[] = [];
  if (routes.length === 0) return out;
  const byName = new Map<string, ModelLink>();
  for (let i = 0; i < model.links.length; i++) {
    const l = model.links[i]!;
    if (!byName.has(l.name)) byName.set(l.name, l);
  }
  for (const r of routes.map((x) => planRoute(ops, x, 'static'))) {
    const link = byName.get(r.dev);
    const fam = link && famOf(link);
    out.push(...(link && fam && egressCovers({ name: link.name, egress: fam.egress }, r) ? egressPair(ops, fam, r) : [r]));
  }
  return out;
}

/** A link's routes of one family, in the order they must be added, onto `out`. */
function linkRoutes<A extends number | bigint>(ops: FamilyOps<A>, link: ModelLink, fam: ModelFamily<A>, out: PlanRoute[]): void {
  if (fam.egress) egressRoutes(ops, link, fam, out);
  else if (fam.gateway !== undefined) {
    out.push({ family: ops.family, to: 'default', via: ops.format(fam.gateway), dev: link.name, metric: ops.defaultMetric, table: 'main', origin: 'gateway', appliedBy: 'boot', modelPath: [...link.path, 'gateway'] });
  }
  for (let i = 0; i < fam.routes.length; i++) {
    const x = fam.routes[i]!;
    const r = planRoute(ops, x, 'static');
    if (egressCovers({ name: link.name, egress: fam.egress }, r)) out.push(...egressPair(ops, fam, r));
    else out.push(r);
  }
  if (fam.sourceRouting) sourceTableRoutes(ops, link, fam, out);
}

/**
 * The VIP egress recipe (scenario A): the primary-address default at the fallback metric;
 * the connected subnet split into two halves with `src VIP` (longer prefixes beat the
 * kernel's own connected route, so on-link peers see the VIP too; a /32 VIP from another
 * network splits every subnet of the link); the default with `src VIP` at the preferred
 * metric. The link's gateway becomes these routes and nothing else, so no distro turns it
 * into a metric-0 default without `src`. When the VIP goes, the kernel drops the routes
 * that name it and the fallback remains (IPv6: it keeps them with their `src` cleared,
 * and the deprecated VIP is not picked again by itself).
 *
 * The link's other main-table routes without a `src` of their own would leave from the
 * primary (the kernel picks it for a route without `src`), so each becomes a pair too: the
 * route from the VIP at its metric plus the preferred metric, and from the primary at its
 * metric plus the fallback metric. The user's metrics keep their order within each pair.
 * The same for either family, over its own addresses, gateway and routes.
 */
function egressRoutes<A extends number | bigint>(ops: FamilyOps<A>, link: ModelLink, fam: ModelFamily<A>, out: PlanRoute[]): void {
  const eg = fam.egress!;
  const subnets = egressSubnets(ops, fam, eg.prefer);
  const vip = ops.format(eg.prefer);
  const primary = ops.format(primaryOf(ops, fam, subnets[0]!).address);
  const gw = fam.gateway;
  const family = ops.family;
  if (gw !== undefined) {
    out.push({ family, to: 'default', via: ops.format(gw), dev: link.name, src: primary, metric: eg.fallbackMetric, table: 'main', origin: 'egress-fallback', appliedBy: 'boot', modelPath: eg.path });
  }
  for (const subnet of subnets) {
    for (const half of ops.splitHalves(subnet.address, subnet.prefix)) {
      out.push({
        family,
        to: ops.formatCidr(half.address, half.prefix),
        dev: link.name,
        src: vip,
        metric: eg.metric,
        table: 'main',
        scope: 'link',
        proto: 'kernel',
        origin: 'egress-split',
        appliedBy: 'boot',
        modelPath: eg.path,
      });
    }
  }
  if (gw !== undefined) {
    out.push({ family, to: 'default', via: ops.format(gw), dev: link.name, src: vip, metric: eg.metric, table: 'main', origin: 'egress-preferred', appliedBy: 'boot', modelPath: eg.path });
  }
}

/** The address the egress recipe falls back to: the one holding the gateway, else the subnet's, else the first. */
function primaryOf<A extends number | bigint>(ops: FamilyOps<A>, fam: ModelFamily<A>, subnet: { address: A; prefix: number }): ModelAddress<A> {
  const own = fam.addresses.filter((a) => a.label === undefined);
  const gw = fam.gateway;
  return (
    (gw !== undefined ? own.find((a) => a.prefix < ops.bits && ops.contains(a.address, a.prefix, gw)) : undefined) ??
    own.find((a) => a.prefix < ops.bits && ops.contains(a.address, a.prefix, subnet.address)) ??
    own[0]!
  );
}

/** A link's own main-table route without `src`, as the egress pair: from the VIP, then the fallback from the primary. */
export function egressPair<A extends number | bigint>(ops: FamilyOps<A>, fam: ModelFamily<A>, route: PlanRoute): PlanRoute[] {
  const eg = fam.egress!;
  const primary = ops.format(primaryOf(ops, fam, egressSubnets(ops, fam, eg.prefer)[0]!).address);
  return [
    { ...route, src: ops.format(eg.prefer), metric: route.metric + eg.metric, origin: 'egress-route-preferred' },
    { ...route, src: primary, metric: route.metric + eg.fallbackMetric, origin: 'egress-route-fallback' },
  ];
}

/**
 * The per-source recipe (scenario B), table part: the link's connected subnets on its own
 * device, its own default, and its own further routes, all inside its own table.
 */
function sourceTableRoutes<A extends number | bigint>(ops: FamilyOps<A>, link: ModelLink, fam: ModelFamily<A>, out: PlanRoute[]): void {
  const sr = fam.sourceRouting!;
  // The subnets written so far; a set only once there is a second one.
  let first: string | undefined;
  let subnets: Set<string> | undefined;
  const family = ops.family;
  for (let i = 0; i < fam.addresses.length; i++) {
    const a = fam.addresses[i]!;
    if (a.prefix >= ops.bits) continue;
    const net = ops.formatCidr(a.address, a.prefix);
    if (first === undefined) first = net;
    else {
      if (net === first || subnets?.has(net)) continue;
      (subnets ??= new Set()).add(net);
    }
    out.push({ family, to: net, dev: link.name, metric: ops.defaultMetric, table: sr.table, scope: 'link', origin: 'source-table', appliedBy: 'boot', modelPath: sr.path });
  }
  if (sr.gateway !== undefined) {
    out.push({ family, to: 'default', via: ops.format(sr.gateway), dev: link.name, metric: ops.defaultMetric, table: sr.table, origin: 'source-table', appliedBy: 'boot', modelPath: [...sr.path, 'gateway'] });
  }
  for (const r of sr.routes) out.push(planRoute(ops, r, 'source-table'));
}

/**
 * Rules of one family: the model's own, and per-source `from ADDR table T` for every
 * address of a link with its own table (aliases too). Rules without a priority take the
 * lowest free numbers from AUTO_PRIORITY_START in model order, so the same model gives the
 * same numbers.
 */
function planRules<A extends number | bigint>(ops: FamilyOps<A>, links: ModelLink[], famOf: (l: ModelLink) => ModelFamily<A>): PlanRule[] {
  // Each rule made with its final fields in their order (priority first, filled in below);
  // `given` holds the priority the model gives it, by position.
  const rules: PlanRule[] = [];
  const given: (number | undefined)[] = [];
  const family = ops.family;
  for (let j = 0; j < links.length; j++) {
    const link = links[j]!;
    const fam = famOf(link);
    for (let i = 0; i < fam.rules.length; i++) {
      const r = fam.rules[i]!;
      const rule: PlanRule = { priority: 0, family, table: r.table, dev: link.name, origin: 'static', appliedBy: 'boot' };
      if (r.from) rule.from = selector(ops, r.from.address, r.from.prefix);
      if (r.to) rule.to = selector(ops, r.to.address, r.to.prefix);
      rules.push(rule);
      given.push(r.priority);
    }
    const sr = fam.sourceRouting;
    if (sr) {
      const addresses = fam.addresses;
      for (let i = 0; i < addresses.length; i++) {
        rules.push({ priority: 0, family, from: ops.format(addresses[i]!.address), table: sr.table, dev: link.name, origin: 'source-table', appliedBy: 'boot' });
        given.push(sr.priority === undefined ? undefined : sr.priority + i);
      }
    }
  }
  const used = new Set<number>();
  for (let i = 0; i < given.length; i++) {
    const p = given[i]!;
    if (p !== undefined) used.add(p);
  }
  let next = AUTO_PRIORITY_START;
  for (let i = 0; i < rules.length; i++) {
    let priority = given[i];
    if (priority === undefined) {
      while (used.has(next) || next === 32766 || next === 32767) next++;
      used.add(next);
      priority = next;
    }
    rules[i]!.priority = priority;
  }
  return rules.sort((a, b) => a.priority - b.priority);
}

function selector<A extends number | bigint>(ops: FamilyOps<A>, address: A, prefix: number): string {
  return prefix === ops.bits ? ops.format(address) : ops.formatCidr(address, prefix);
}

function applierOf(a: ModelAddress<number | bigint>): Applier {
  if (a.manager) return a.manager.kind;
  if (a.label === undefined || a.onParent) return 'boot';
  return 'alias';
}

/** The Pacemaker group of a host's VIPs when the model names none. */
function defaultGroup(host: string): string {
  return `netgen-${host}`;
}

/**
 * What depends on an alias follows it: a route whose `src` is the alias, and a rule that
 * selects `from` it, are added by whoever adds the alias (the kernel drops such a route
 * from table main when the address goes, and only the alias's own applier knows when it
 * is back). A rule has one exception: Pacemaker has no agent for policy rules, so a rule
 * of a Pacemaker VIP stays with the boot files; a `from VIP` rule matches nothing while
 * the VIP is elsewhere, and the kernel keeps rules when an address goes.
 *
 * Pacemaker's Route agent runs `ip route add` with destination, device, gateway, source
 * and table only: no metric, scope or protocol. Its routes are therefore what the kernel
 * makes of that: metric 0. The recipe still wins: the split halves by longest prefix, the
 * preferred default by metric 0 against the fallback's (always at least 1).
 * keepalived's routes keep their metric and scope; their protocol is keepalived's own.
 */
function followAddresses(addresses: readonly PlanAddress[], routes: PlanRoute[], rules: PlanRule[]): void {
  const aliases = new Map<string, PlanAddress>();
  for (let i = 0; i < addresses.length; i++) {
    const a = addresses[i]!;
    if (a.label !== undefined) aliases.set(a.address, a);
  }
  // Nothing follows an alias on a host without one.
  if (aliases.size === 0) return;
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    const a = r.src === undefined ? undefined : aliases.get(r.src);
    if (a === undefined) continue;
    r.dependsOn = a.address;
    r.appliedBy = a.appliedBy;
    if (a.appliedBy === 'pacemaker') {
      // What `ip route add` without a metric gives: 0 for IPv4, 1024 for IPv6.
      r.metric = r.family === 4 ? IPV4.defaultMetric : IPV6.defaultMetric;
      delete r.proto;
      delete r.scope;
    }
    // keepalived marks its routes with its own protocol (18) so that it can track them
    // (it leaves MASTER when one is deleted), and resets any other it is given.
    if (a.appliedBy === 'keepalived') delete r.proto;
  }
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    const a = r.from === undefined ? undefined : aliases.get(r.from);
    if (a === undefined) continue;
    r.dependsOn = a.address;
    r.appliedBy = a.appliedBy === 'pacemaker' ? 'boot' : a.appliedBy;
  }
}

/** One keepalived instance per name, settings from its first alias (the validator made them agree). */
function planVrrpInstances(links: readonly ModelLink[]): PlanVrrpInstance[] {
  const out = new Map<string, PlanVrrpInstance>();
  const add = (v: ModelVrrp, address: string): void => {
    let inst = out.get(v.instance);
    if (inst === undefined) {
      inst = {
        name: v.instance,
        interface: v.interface,
        routerId: v.routerId,
        priority: v.priority,
        advertInt: v.advertInt,
        state: v.state ?? 'BACKUP',
        unicastPeers: v.unicastPeers.map(IPV4.format),
        addresses: [],
        modelPath: v.path,
      };
      out.set(v.instance, inst);
    }
    inst.addresses.push(address);
  };
  // Only a managed address is formatted: most of a host's addresses are not.
  for (let j = 0; j < links.length; j++) {
    const link = links[j]!;
    for (let i = 0; i < link.addresses.length; i++) {
      const a = link.addresses[i]!;
      if (a.manager?.kind === 'keepalived') add(a.manager.vrrp, IPV4.format(a.address));
    }
    for (let i = 0; i < link.ipv6.addresses.length; i++) {
      const a = link.ipv6.addresses[i]!;
      if (a.manager?.kind === 'keepalived') add(a.manager.vrrp, IPV6.format(a.address));
    }
  }
  return [...out.values()];
}

/** One Pacemaker group per name; its resource prefix from the first alias that names one. */
function planPacemakerGroups(model: Model, addresses: readonly PlanAddress[]): PlanPacemakerGroup[] {
  const prefixes = new Map<string, string>();
  const note = (a: ModelAddress<number | bigint>): void => {
    if (a.manager?.kind !== 'pacemaker' || a.manager.prefix === undefined) return;
    const group = a.manager.group ?? defaultGroup(model.host);
    if (!prefixes.has(group)) prefixes.set(group, a.manager.prefix);
  };
  for (let j = 0; j < model.links.length; j++) {
    const link = model.links[j]!;
    for (let i = 0; i < link.addresses.length; i++) {
      const a = link.addresses[i]!;
      note(a);
    }
    for (let i = 0; i < link.ipv6.addresses.length; i++) {
      const a = link.ipv6.addresses[i]!;
      note(a);
    }
  }
  const out = new Map<string, PlanPacemakerGroup>();
  for (let i = 0; i < addresses.length; i++) {
    const a = addresses[i]!;
    if (a.appliedBy !== 'pacemaker' || a.cluster === undefined) continue;
    let g = out.get(a.cluster);
    if (g === undefined) {
      g = { name: a.cluster, prefix: prefixes.get(a.cluster) ?? a.cluster, addresses: [] };
      out.set(a.cluster, g);
    }
    g.addresses.push(a.address);
  }
  return [...out.values()];
}
