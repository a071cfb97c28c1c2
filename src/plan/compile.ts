// Model -> Plan. The two egress recipes expand here, once, for every back-end:
//  - VIP egress: prefer the VIP as source, fall back to the primary (scenario A);
//  - per-source routing: each interface's addresses route through its own table (scenario B).
import type { Model, ModelAddress, ModelLink, ModelRoute } from '../model/types.js';
import { RESERVED_TABLES, egressCovers, egressSubnets } from '../model/validate.js';
import { contains, formatCidr, formatIPv4, networkOf, splitHalves } from '../net/ipv4.js';
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
  const addresses = planAddresses(model.links, model.host);
  const tables = allocateTables(model);
  const routes: PlanRoute[] = [];
  for (const link of model.links) routes.push(...linkRoutes(link));
  for (const r of model.routes.map((x) => planRoute(x, 'static'))) {
    const link = model.links.find((l) => l.name === r.dev);
    routes.push(...(egressCovers(link, r) ? egressPair(link!, r) : [r]));
  }
  const rules = planRules(model.links);
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
        to: formatIPv4(e.to),
        steps: e.steps.map((st) => ({ op: st.op, address: formatIPv4(st.address) })),
        get ref() {
          return model.locate(e.path);
        },
        path: formatPath(e.path),
      };
      if (e.from !== undefined) x.from = formatIPv4(e.from);
      if (e.dev !== undefined) x.dev = e.dev;
      if (e.via !== undefined) x.via = formatIPv4(e.via);
      if (e.src !== undefined) x.src = formatIPv4(e.src);
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

/** The kernel marks an address secondary when one before it on the device has the same subnet and prefix. */
function planAddresses(links: ModelLink[], host: string): PlanAddress[] {
  const out: PlanAddress[] = [];
  for (const link of links) {
    // The subnets (network/prefix) seen so far on this link: one lookup per address, not a scan.
    const seen = new Set<string>();
    link.addresses.forEach((a) => {
      const subnet = `${networkOf(a.address, a.prefix)}/${a.prefix}`;
      const secondary = seen.has(subnet);
      seen.add(subnet);
      const pa: PlanAddress = { family: 4, address: formatIPv4(a.address), prefix: a.prefix, device: link.name, onParent: a.onParent, secondary, appliedBy: applierOf(a), modelPath: a.path };
      if (a.label !== undefined) pa.label = a.label;
      if (a.manager?.kind === 'keepalived') pa.cluster = a.manager.vrrp.instance;
      if (a.manager?.kind === 'pacemaker') pa.cluster = a.manager.group ?? defaultGroup(host);
      out.push(pa);
    });
  }
  return out;
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

function planRoute(r: ModelRoute, origin: PlanRoute['origin']): PlanRoute {
  const route: PlanRoute = {
    family: 4,
    to: r.to.isDefault ? 'default' : formatCidr(r.to.address, r.to.prefix),
    dev: r.dev,
    metric: r.metric,
    table: r.table,
    origin,
    appliedBy: 'boot',
    modelPath: r.path,
  };
  if (r.via !== undefined) route.via = formatIPv4(r.via);
  if (r.src !== undefined) route.src = formatIPv4(r.src);
  if (r.scope !== undefined) route.scope = r.scope;
  if (r.proto !== undefined) route.proto = r.proto;
  if (r.onlink) route.onlink = true;
  return route;
}

/** A link's routes in the order they must be added. */
function linkRoutes(link: ModelLink): PlanRoute[] {
  const out: PlanRoute[] = [];
  if (link.egress) out.push(...egressRoutes(link));
  else if (link.gateway !== undefined) {
    out.push({ family: 4, to: 'default', via: formatIPv4(link.gateway), dev: link.name, metric: 0, table: 'main', origin: 'gateway', appliedBy: 'boot', modelPath: [...link.path, 'gateway'] });
  }
  for (const r of link.routes.map((x) => planRoute(x, 'static'))) out.push(...(egressCovers(link, r) ? egressPair(link, r) : [r]));
  if (link.sourceRouting) out.push(...sourceTableRoutes(link));
  return out;
}

/**
 * The VIP egress recipe (scenario A): the primary-address default at the fallback metric;
 * the connected subnet split into two halves with `src VIP` (longer prefixes beat the
 * kernel's own connected route, so on-link peers see the VIP too; a /32 VIP from another
 * network splits every subnet of the link); the default with `src VIP` at the preferred
 * metric. The link's gateway becomes these routes and nothing else, so no distro turns it
 * into a metric-0 default without `src`. When the VIP goes, the kernel drops the routes
 * that name it and the fallback remains.
 *
 * The link's other main-table routes without a `src` of their own would leave from the
 * primary (the kernel picks it for a route without `src`), so each becomes a pair too: the
 * route from the VIP at its metric plus the preferred metric, and from the primary at its
 * metric plus the fallback metric. The user's metrics keep their order within each pair.
 */
function egressRoutes(link: ModelLink): PlanRoute[] {
  const eg = link.egress!;
  const subnets = egressSubnets(link, eg.prefer);
  const vip = formatIPv4(eg.prefer);
  const primary = formatIPv4(primaryOf(link, subnets[0]!).address);
  const gw = link.gateway;
  const out: PlanRoute[] = [];
  if (gw !== undefined) {
    out.push({ family: 4, to: 'default', via: formatIPv4(gw), dev: link.name, src: primary, metric: eg.fallbackMetric, table: 'main', origin: 'egress-fallback', appliedBy: 'boot', modelPath: eg.path });
  }
  for (const subnet of subnets) {
    for (const half of splitHalves(subnet.address, subnet.prefix)) {
      out.push({
        family: 4,
        to: formatCidr(half.address, half.prefix),
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
    out.push({ family: 4, to: 'default', via: formatIPv4(gw), dev: link.name, src: vip, metric: eg.metric, table: 'main', origin: 'egress-preferred', appliedBy: 'boot', modelPath: eg.path });
  }
  return out;
}

/** The address the egress recipe falls back to: the one holding the gateway, else the subnet's, else the first. */
function primaryOf(link: ModelLink, subnet: { address: number; prefix: number }): ModelAddress {
  const own = link.addresses.filter((a) => a.label === undefined);
  const gw = link.gateway;
  return (
    (gw !== undefined ? own.find((a) => a.prefix < 32 && contains(a.address, a.prefix, gw)) : undefined) ??
    own.find((a) => a.prefix < 32 && contains(a.address, a.prefix, subnet.address)) ??
    own[0]!
  );
}

/** A link's own main-table route without `src`, as the egress pair: from the VIP, then the fallback from the primary. */
export function egressPair(link: ModelLink, route: PlanRoute): PlanRoute[] {
  const eg = link.egress!;
  const primary = formatIPv4(primaryOf(link, egressSubnets(link, eg.prefer)[0]!).address);
  return [
    { ...route, src: formatIPv4(eg.prefer), metric: route.metric + eg.metric, origin: 'egress-route-preferred' },
    { ...route, src: primary, metric: route.metric + eg.fallbackMetric, origin: 'egress-route-fallback' },
  ];
}

/**
 * The per-source recipe (scenario B), table part: the link's connected subnets on its own
 * device, its own default, and its own further routes, all inside its own table.
 */
function sourceTableRoutes(link: ModelLink): PlanRoute[] {
  const sr = link.sourceRouting!;
  const out: PlanRoute[] = [];
  const subnets = new Set<string>();
  for (const a of link.addresses) {
    if (a.prefix >= 32) continue;
    const net = formatCidr(a.address, a.prefix);
    if (subnets.has(net)) continue;
    subnets.add(net);
    out.push({ family: 4, to: net, dev: link.name, metric: 0, table: sr.table, scope: 'link', origin: 'source-table', appliedBy: 'boot', modelPath: sr.path });
  }
  if (sr.gateway !== undefined) {
    out.push({ family: 4, to: 'default', via: formatIPv4(sr.gateway), dev: link.name, metric: 0, table: sr.table, origin: 'source-table', appliedBy: 'boot', modelPath: [...sr.path, 'gateway'] });
  }
  out.push(...sr.routes.map((r) => planRoute(r, 'source-table')));
  return out;
}

/**
 * Rules: the model's own, and per-source `from ADDR table T` for every address of a
 * link with its own table (aliases too). Rules without a priority take the lowest free
 * numbers from AUTO_PRIORITY_START in model order, so the same model gives the same numbers.
 */
function planRules(links: ModelLink[]): PlanRule[] {
  const pending: { rule: Omit<PlanRule, 'priority'>; priority: number | undefined }[] = [];
  for (const link of links) {
    for (const r of link.rules) {
      const rule: Omit<PlanRule, 'priority'> = { family: 4, table: r.table, dev: link.name, origin: 'static', appliedBy: 'boot' };
      if (r.from) rule.from = selector(r.from.address, r.from.prefix);
      if (r.to) rule.to = selector(r.to.address, r.to.prefix);
      pending.push({ rule, priority: r.priority });
    }
    const sr = link.sourceRouting;
    if (sr) {
      link.addresses.forEach((a, i) => {
        pending.push({
          rule: { family: 4, from: formatIPv4(a.address), table: sr.table, dev: link.name, origin: 'source-table', appliedBy: 'boot' },
          priority: sr.priority === undefined ? undefined : sr.priority + i,
        });
      });
    }
  }
  const used = new Set<number>(pending.flatMap((p) => (p.priority === undefined ? [] : [p.priority])));
  let next = AUTO_PRIORITY_START;
  const rules = pending.map(({ rule, priority }): PlanRule => {
    if (priority === undefined) {
      while (used.has(next) || next === 32766 || next === 32767) next++;
      used.add(next);
      priority = next;
    }
    return { priority, ...rule };
  });
  return rules.sort((a, b) => a.priority - b.priority);
}

function selector(address: number, prefix: number): string {
  return prefix === 32 ? formatIPv4(address) : formatCidr(address, prefix);
}

function applierOf(a: ModelAddress): Applier {
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
  const aliases = new Map(addresses.filter((a) => a.label !== undefined).map((a) => [a.address, a]));
  for (const r of routes) {
    const a = r.src === undefined ? undefined : aliases.get(r.src);
    if (a === undefined) continue;
    r.dependsOn = a.address;
    r.appliedBy = a.appliedBy;
    if (a.appliedBy === 'pacemaker') {
      r.metric = 0;
      delete r.proto;
      delete r.scope;
    }
    // keepalived marks its routes with its own protocol (18) so that it can track them
    // (it leaves MASTER when one is deleted), and resets any other it is given.
    if (a.appliedBy === 'keepalived') delete r.proto;
  }
  for (const r of rules) {
    const a = r.from === undefined ? undefined : aliases.get(r.from);
    if (a === undefined) continue;
    r.dependsOn = a.address;
    r.appliedBy = a.appliedBy === 'pacemaker' ? 'boot' : a.appliedBy;
  }
}

/** One keepalived instance per name, settings from its first alias (the validator made them agree). */
function planVrrpInstances(links: readonly ModelLink[]): PlanVrrpInstance[] {
  const out = new Map<string, PlanVrrpInstance>();
  for (const link of links) {
    for (const a of link.addresses) {
      if (a.manager?.kind !== 'keepalived') continue;
      const v = a.manager.vrrp;
      let inst = out.get(v.instance);
      if (inst === undefined) {
        inst = {
          name: v.instance,
          interface: v.interface,
          routerId: v.routerId,
          priority: v.priority,
          advertInt: v.advertInt,
          state: v.state ?? 'BACKUP',
          unicastPeers: v.unicastPeers.map(formatIPv4),
          addresses: [],
          modelPath: v.path,
        };
        out.set(v.instance, inst);
      }
      inst.addresses.push(formatIPv4(a.address));
    }
  }
  return [...out.values()];
}

/** One Pacemaker group per name; its resource prefix from the first alias that names one. */
function planPacemakerGroups(model: Model, addresses: readonly PlanAddress[]): PlanPacemakerGroup[] {
  const prefixes = new Map<string, string>();
  for (const link of model.links) {
    for (const a of link.addresses) {
      if (a.manager?.kind !== 'pacemaker' || a.manager.prefix === undefined) continue;
      const group = a.manager.group ?? defaultGroup(model.host);
      if (!prefixes.has(group)) prefixes.set(group, a.manager.prefix);
    }
  }
  const out = new Map<string, PlanPacemakerGroup>();
  for (const a of addresses) {
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
