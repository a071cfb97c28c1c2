// Intent invariants (issue 11, part 1): what the model's words promise, written here once
// from the model document itself, never from the Plan, and checked against the kernel. A
// compile bug that is wrong in the same way for the simulator and the kernel passes the
// cross-check; it does not pass these.
//
// The promises, in the model's words:
//   vip-outside   `egress: { prefer: VIP }` with a `gateway`: traffic with no source to a
//                 destination outside every subnet leaves from VIP through that gateway;
//                 while VIP is gone, from the interface's primary address (the first of its
//                 `addresses` in the gateway's subnet).
//                 The interface's own main-table routes without a source follow the VIP too
//                 (issue 10: at their metric + the preferred one, else + the fallback one).
//   vip-split     the same egress: traffic to an address of either half of the VIP's subnet
//                 leaves from VIP, on-link; while VIP is gone, the kernel's connected route.
//   source-out    `source-routing` with a `gateway`: traffic from each address of the
//                 interface (aliases included) to an outside destination leaves through that
//                 interface via that gateway (its own table's routes decide otherwise only
//                 for destinations they name, which the check avoids).
//   source-link   `source-routing`: traffic from each address of the interface to another
//                 address of one of its subnets goes out of that interface, on-link.
//   main-default  traffic with no source to an outside destination follows the main table's
//                 default: the `gateway` (metric 0), an egress recipe's, or a `routes:`
//                 default, the lowest metric winning; none at all: unreachable.
//
// Each check applies only where the model leaves no doubt about which route answers: a
// `routing-policy` rule that could match, two routes of the same prefix and metric, or a
// route the state may have lost makes the check stand aside (counted as skipped). Which
// route answers is worked out here from the model with the kernel's two rules (longest
// prefix, then lowest metric), on routes named by the model, not by the Plan.
import { formatIPv4, parseCidr, parseIPv4 } from '../../src/net/ipv4.js';

type Doc = Record<string, unknown>;

export type IntentKind = 'vip-outside' | 'vip-split' | 'source-out' | 'source-link' | 'main-default';
export const INTENT_KINDS: readonly IntentKind[] = ['vip-outside', 'vip-split', 'source-out', 'source-link', 'main-default'];

export interface IntentCheck {
  kind: IntentKind;
  /** The model's words it comes from, for the message. */
  why: string;
  to: string;
  from?: string;
  /** Expected answer: unreachable, or dev with via (none: on-link) and src (undefined: not checked). */
  expect: { unreachable: true } | { dev: string; via: string | undefined; src?: string };
}

interface Net {
  net: number;
  prefix: number;
}
interface ModelAddr {
  address: number;
  prefix: number;
  label?: string;
  onParent: boolean;
}
interface ModelRouteWords {
  to: Net;
  via?: number;
  metric: number;
  dev: string;
  table: string;
  src?: number;
  onlink: boolean;
}
interface ModelRuleWords {
  from?: Net;
  to?: Net;
  table: string;
}
interface ModelLinkWords {
  name: string;
  parent?: string;
  onBoot: boolean;
  addresses: ModelAddr[];
  gateway?: number;
  egress?: { prefer: number; metric: number; fallback: number };
  routes: ModelRouteWords[];
  sourceRouting?: { table: string; gateway?: number; routes: ModelRouteWords[] };
  rules: ModelRuleWords[];
}
interface ModelWords {
  links: ModelLinkWords[];
  topRoutes: ModelRouteWords[];
  tableIds: Map<string, string>;
}

const ip = (s: unknown): number => parseIPv4(String(s))!;
const netOf = (a: number, p: number): number => (p === 0 ? 0 : (a & (~0 << (32 - p))) >>> 0);
const covers = (n: Net, a: number): boolean => netOf(a, n.prefix) === n.net;
const target = (s: unknown): Net => {
  if (s === 'default') return { net: 0, prefix: 0 };
  const c = parseCidr(String(s), true)!;
  return { net: netOf(c.address, c.prefix), prefix: c.prefix };
};
const show = (n: Net): string => (n.prefix === 0 ? 'default' : `${formatIPv4(n.net)}/${n.prefix}`);

/** Read the words of a model document (the object the YAML was written from). */
export function modelWords(doc: Doc): ModelWords {
  const tables = (doc['tables'] ?? {}) as Record<string, unknown>;
  const tableIds = new Map<string, string>();
  for (const [name, id] of Object.entries(tables)) if (typeof id === 'number') tableIds.set(String(id), name);
  const tableName = (t: unknown): string => {
    if (t === undefined || t === 'main' || t === 254) return 'main';
    if (typeof t === 'number') return tableIds.get(String(t)) ?? String(t);
    return String(t);
  };
  const route = (r: Doc, dev: string, table?: string): ModelRouteWords => {
    const out: ModelRouteWords = { to: target(r['to']), metric: (r['metric'] as number | undefined) ?? 0, dev, table: table ?? tableName(r['table']), onlink: r['on-link'] === true };
    if (r['via'] !== undefined) out.via = ip(r['via']);
    const src = r['from'] ?? r['src'];
    if (src !== undefined) out.src = ip(src);
    return out;
  };
  const link = (name: string, d: Doc, parent?: string): ModelLinkWords => {
    const l: ModelLinkWords = { name, onBoot: d['on-boot'] !== false, addresses: [], routes: [], rules: [] };
    if (parent !== undefined) l.parent = parent;
    for (const a of (d['addresses'] ?? []) as string[]) {
      const c = parseCidr(a)!;
      l.addresses.push({ address: c.address, prefix: c.prefix, onParent: true });
    }
    const aliases = Object.entries((d['aliases'] ?? {}) as Record<string, Doc>).sort(([x], [y]) => compareTags(x, y));
    for (const [label, a] of aliases) {
      const c = parseCidr(String(a['address']), true)!;
      l.addresses.push({ address: c.address, prefix: c.prefix, label, onParent: a['on-parent'] !== false });
    }
    if (d['gateway'] !== undefined) l.gateway = ip(d['gateway']);
    const eg = d['egress'] as Doc | undefined;
    if (eg) l.egress = { prefer: ip(eg['prefer']), metric: (eg['metric'] as number | undefined) ?? 1, fallback: (eg['fallback-metric'] as number | undefined) ?? 100 };
    for (const r of (d['routes'] ?? []) as Doc[]) l.routes.push(route(r, name));
    const sr = d['source-routing'] as Doc | undefined;
    if (sr) {
      const table = tableName(sr['table']);
      l.sourceRouting = { table, routes: ((sr['routes'] ?? []) as Doc[]).map((r) => route(r, name, table)) };
      if (sr['gateway'] !== undefined) l.sourceRouting.gateway = ip(sr['gateway']);
    }
    for (const r of (d['routing-policy'] ?? []) as Doc[]) {
      const rule: ModelRuleWords = { table: tableName(r['table']) };
      if (r['from'] !== undefined) rule.from = target(r['from']);
      if (r['to'] !== undefined) rule.to = target(r['to']);
      l.rules.push(rule);
    }
    return l;
  };
  const physical: ModelLinkWords[] = [];
  const vlans: ModelLinkWords[] = [];
  for (const [name, d] of Object.entries((doc['interfaces'] ?? {}) as Record<string, Doc>)) {
    const dot = name.lastIndexOf('.');
    if (dot > 0 && /^\d+$/.test(name.slice(dot + 1))) vlans.push(link(name, d, name.slice(0, dot)));
    else physical.push(link(name, d));
    for (const [id, v] of Object.entries((d['vlans'] ?? {}) as Record<string, Doc>)) vlans.push(link(`${name}.${id}`, v, name));
  }
  for (const [name, v] of Object.entries((doc['vlans'] ?? {}) as Record<string, Doc>)) vlans.push(link(name, v, String(v['link'])));
  const links = [...physical, ...vlans];
  // A VLAN whose parent does not come up at boot does not come up either.
  for (const l of links) if (l.parent !== undefined && links.find((p) => p.name === l.parent)?.onBoot === false) l.onBoot = false;
  const topRoutes = ((doc['routes'] ?? []) as Doc[]).map((r) => route(r, String(r['dev'])));
  return { links, topRoutes, tableIds };
}

function compareTags(a: string, b: string): number {
  const ta = a.slice(a.indexOf(':') + 1);
  const tb = b.slice(b.indexOf(':') + 1);
  const na = /^\d+$/.test(ta);
  const nb = /^\d+$/.test(tb);
  if (na && nb) return Number(ta) - Number(tb) || (ta < tb ? -1 : ta > tb ? 1 : 0);
  if (na !== nb) return na ? -1 : 1;
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

/** A route as the kernel would hold it in one state, and what it promises. */
interface Candidate {
  to: Net;
  metric: number;
  dev: string;
  via?: number;
  src?: number;
  /** The kernel may or may not hold it in this state: a winner of this kind makes the check stand aside. */
  doubtful: boolean;
  what: string;
}

/** Longest prefix, then lowest metric; undefined when nothing matches; 'tie' when two share both. */
function lookup(cands: readonly Candidate[], dest: number): Candidate | 'tie' | undefined {
  let best: Candidate | undefined;
  let tie = false;
  for (const c of cands) {
    if (!covers(c.to, dest)) continue;
    if (best === undefined || c.to.prefix > best.to.prefix || (c.to.prefix === best.to.prefix && c.metric < best.metric)) {
      best = c;
      tie = false;
    } else if (c.to.prefix === best.to.prefix && c.metric === best.metric) tie = true;
  }
  if (tie) return 'tie';
  return best;
}

/** The subnet of `link` the egress recipe splits for `vip`: its own address's first, else any. */
function egressNet(l: ModelLinkWords, vip: number): Net | undefined {
  const pick = (a: ModelAddr): boolean => a.prefix < 32 && netOf(a.address, a.prefix) === netOf(vip, a.prefix);
  const a = l.addresses.find((x) => x.label === undefined && pick(x)) ?? l.addresses.find(pick);
  return a === undefined ? undefined : { net: netOf(a.address, a.prefix), prefix: a.prefix };
}

function primaryOf(l: ModelLinkWords): number | undefined {
  const own = l.addresses.filter((a) => a.label === undefined);
  const gw = l.gateway;
  return (gw !== undefined ? own.find((a) => a.prefix < 32 && covers({ net: netOf(a.address, a.prefix), prefix: a.prefix }, gw)) : undefined)?.address ?? own[0]?.address;
}

/** Connected subnets (prefix < 32) present on each link in a state. */
function connectedOf(w: ModelWords, present: ReadonlySet<number>): Map<string, Net[]> {
  const out = new Map<string, Net[]>();
  for (const l of w.links) {
    if (!l.onBoot) continue;
    out.set(
      l.name,
      l.addresses.filter((a) => a.prefix < 32 && present.has(a.address)).map((a) => ({ net: netOf(a.address, a.prefix), prefix: a.prefix })),
    );
  }
  return out;
}

/**
 * The main table in a state, as the model's words put it there. `present`: the host's
 * addresses in this state; `lost`: addresses taken away earlier in the session (the
 * kernel dropped the main routes that named them, and a consumer may or may not have put
 * every other route back), so routes near them are doubtful.
 */
function mainTable(w: ModelWords, present: ReadonlySet<number>, lost: ReadonlySet<number>): Candidate[] {
  const connected = connectedOf(w, present);
  const reaches = (dev: string, via: number | undefined, onlink: boolean): boolean =>
    via === undefined || onlink || (connected.get(dev) ?? []).some((n) => covers(n, via));
  const out: Candidate[] = [];
  for (const l of w.links) {
    if (!l.onBoot) continue;
    for (const n of connected.get(l.name) ?? []) out.push({ to: n, metric: 0, dev: l.name, doubtful: false, what: `connected ${show(n)} on ${l.name}` });
    const eg = l.egress;
    if (eg) {
      const vipHere = present.has(eg.prefer);
      const net = egressNet(l, eg.prefer);
      // Brought back, the VIP's routes are the consumer's (or its manager's) to put back: promised.
      const doubtful = false;
      if (vipHere && net !== undefined && net.prefix < 31) {
        const half = 2 ** (31 - net.prefix);
        for (const lo of [net.net, (net.net + half) >>> 0]) {
          out.push({ to: { net: lo, prefix: net.prefix + 1 }, metric: eg.metric, dev: l.name, src: eg.prefer, doubtful, what: `egress split of ${l.name}` });
        }
      }
      // The default from the VIP, wherever the VIP's address lies (a /32 from another network too).
      if (vipHere && l.gateway !== undefined) out.push({ to: { net: 0, prefix: 0 }, metric: eg.metric, dev: l.name, via: l.gateway, src: eg.prefer, doubtful, what: `egress default of ${l.name}` });
      const primary = primaryOf(l);
      if (l.gateway !== undefined && primary !== undefined && present.has(primary)) {
        out.push({ to: { net: 0, prefix: 0 }, metric: eg.fallback, dev: l.name, via: l.gateway, src: primary, doubtful: !reaches(l.name, l.gateway, false), what: `egress fallback of ${l.name}` });
      }
    } else if (l.gateway !== undefined) {
      out.push({ to: { net: 0, prefix: 0 }, metric: 0, dev: l.name, via: l.gateway, doubtful: !reaches(l.name, l.gateway, false), what: `gateway of ${l.name}` });
    }
  }
  const byName = new Map(w.links.map((l) => [l.name, l]));
  for (const r of [...w.links.flatMap((l) => l.routes), ...w.topRoutes]) {
    if (r.table !== 'main' || !byName.get(r.dev)?.onBoot) continue;
    if (r.src !== undefined && !present.has(r.src)) continue;
    const doubtful = (r.src !== undefined && lost.has(r.src)) || !reaches(r.dev, r.via, r.onlink) || lost.size > 0;
    // The egress intent covers the interface's own routes without a source: each is added from
    // the VIP at its metric + the preferred metric, and from the primary at + the fallback metric.
    const eg = byName.get(r.dev)?.egress;
    const primary = eg ? primaryOf(byName.get(r.dev)!) : undefined;
    const versions: { metric: number; src?: number }[] =
      eg && r.src === undefined
        ? [...(present.has(eg.prefer) ? [{ metric: r.metric + eg.metric, src: eg.prefer }] : []), ...(primary !== undefined && present.has(primary) ? [{ metric: r.metric + eg.fallback, src: primary }] : [])]
        : [{ metric: r.metric, ...(r.src === undefined ? {} : { src: r.src }) }];
    for (const v of versions) {
      const c: Candidate = { to: r.to, metric: v.metric, dev: r.dev, doubtful, what: `route to ${show(r.to)} on ${r.dev}` };
      if (r.via !== undefined) c.via = r.via;
      if (v.src !== undefined) c.src = v.src;
      out.push(c);
    }
  }
  return out;
}

/** Every prefix the model names (subnets, route and rule destinations), default excepted. */
function namedPrefixes(w: ModelWords): Net[] {
  const out: Net[] = [];
  for (const l of w.links) {
    for (const a of l.addresses) out.push({ net: netOf(a.address, a.prefix), prefix: a.prefix });
    for (const r of [...l.routes, ...(l.sourceRouting?.routes ?? [])]) out.push(r.to);
    for (const r of l.rules) if (r.to) out.push(r.to);
  }
  for (const r of w.topRoutes) out.push(r.to);
  return out.filter((n) => n.prefix > 0);
}

/** Candidate outside destinations, in order; the first few outside every named prefix are used. */
const OUTSIDE = ['198.51.100.77', '203.0.113.9', '8.8.8.8', '100.64.1.1', '45.33.32.156', '151.101.1.69', '93.184.216.34', '11.22.33.44', '188.1.2.3', '60.70.80.90', '220.1.1.1', '33.44.55.66'].map(ip);

function outsideDestinations(w: ModelWords, count: number): number[] {
  const named = namedPrefixes(w);
  return OUTSIDE.filter((d) => !named.some((n) => covers(n, d))).slice(0, count);
}

/** A rule of the model that a lookup from `src` (none: no source) to `dest` could meet before its own. */
function ruleMayMatch(w: ModelWords, src: number | undefined, dest: number): ModelRuleWords | undefined {
  for (const l of w.links) {
    if (!l.onBoot) continue;
    for (const r of l.rules) {
      if (r.to && !covers(r.to, dest)) continue;
      if (r.from && (src === undefined || !covers(r.from, src))) continue;
      if (src === undefined && r.table === 'main') continue; // the same table the lookup ends in
      return r;
    }
  }
  return undefined;
}

export interface IntentState {
  /** Host addresses present in this state. */
  present: ReadonlySet<number>;
  /** Addresses taken away earlier in the session (whether back or not). */
  lost: ReadonlySet<number>;
}

export interface IntentPlan {
  checks: IntentCheck[];
  /** Checks that stood aside, by kind (the model left a doubt). */
  skipped: Map<IntentKind, number>;
}

/** The checks the model's words make in one state. */
export function intentChecks(w: ModelWords, state: IntentState): IntentPlan {
  const checks: IntentCheck[] = [];
  const skipped = new Map<IntentKind, number>();
  const skip = (k: IntentKind): void => void skipped.set(k, (skipped.get(k) ?? 0) + 1);
  const main = mainTable(w, state.present, state.lost);
  const outside = outsideDestinations(w, 2);
  const egressLinks = w.links.filter((l) => l.onBoot && l.egress);

  // Traffic with no source to outside destinations: the main default (the egress recipe's when it wins).
  for (const dest of outside) {
    const to = formatIPv4(dest);
    const hit = lookup(main, dest);
    const kind: IntentKind = hit !== undefined && hit !== 'tie' && egressLinks.some((l) => l.name === hit.dev && hit.what.startsWith('egress')) ? 'vip-outside' : 'main-default';
    if (ruleMayMatch(w, undefined, dest) || hit === 'tie' || hit?.doubtful) {
      skip(kind);
      continue;
    }
    if (hit === undefined) {
      checks.push({ kind, why: 'no default route anywhere in the model', to, expect: { unreachable: true } });
      continue;
    }
    const expect: IntentCheck['expect'] = { dev: hit.dev, via: hit.via === undefined ? undefined : formatIPv4(hit.via) };
    if (hit.src !== undefined) expect.src = formatIPv4(hit.src);
    checks.push({ kind, why: hit.what, to, expect });
  }

  // Each half of every egress split: from the VIP while it is here.
  for (const l of egressLinks) {
    const eg = l.egress!;
    const net = egressNet(l, eg.prefer);
    if (net === undefined || net.prefix >= 31) continue;
    const half = 2 ** (31 - net.prefix);
    const vipHere = state.present.has(eg.prefer);
    // While the VIP is gone the kernel's connected route answers, from the subnet's first address.
    const primary = l.addresses.find((a) => a.address !== eg.prefer && state.present.has(a.address) && a.prefix === net.prefix && covers(net, a.address));
    for (const lo of [net.net, (net.net + half) >>> 0]) {
      // An address inside the half that is no host's, nor the subnet's network or broadcast.
      const hosts = new Set(w.links.flatMap((x) => x.addresses.map((a) => a.address)));
      const inside = [lo + Math.floor(half / 2), lo + 1, lo + half - 2].map((x) => x >>> 0).find((x) => !hosts.has(x) && x !== net.net && x !== (net.net + 2 * half - 1) >>> 0);
      if (inside === undefined) continue;
      const hit = lookup(main, inside);
      const src = vipHere ? eg.prefer : primary?.address;
      const meant = vipHere ? hit !== undefined && hit !== 'tie' && hit.src === eg.prefer : hit !== undefined && hit !== 'tie' && hit.what.startsWith('connected');
      if (src === undefined || ruleMayMatch(w, undefined, inside) || hit === undefined || hit === 'tie' || hit.doubtful || !meant || hit.dev !== l.name) {
        skip('vip-split');
        continue;
      }
      checks.push({
        kind: 'vip-split',
        why: `egress of ${l.name} prefers ${formatIPv4(eg.prefer)}${vipHere ? '' : ', which is gone'}`,
        to: formatIPv4(inside),
        expect: { dev: l.name, via: undefined, src: formatIPv4(src) },
      });
    }
  }

  // Per-source routing: from each present address of the interface.
  for (const l of w.links) {
    const sr = l.sourceRouting;
    if (!l.onBoot || !sr) continue;
    const own: Candidate[] = [];
    for (const a of l.addresses) if (a.prefix < 32) own.push({ to: { net: netOf(a.address, a.prefix), prefix: a.prefix }, metric: 0, dev: l.name, doubtful: false, what: 'own subnet' });
    if (sr.gateway !== undefined) own.push({ to: { net: 0, prefix: 0 }, metric: 0, dev: l.name, via: sr.gateway, doubtful: false, what: 'own gateway' });
    for (const r of [...sr.routes, ...w.links.flatMap((x) => x.routes), ...w.topRoutes]) {
      if (r.table !== sr.table) continue;
      const c: Candidate = { to: r.to, metric: r.metric, dev: r.dev, doubtful: state.lost.size > 0, what: `own-table route to ${show(r.to)}` };
      if (r.via !== undefined) c.via = r.via;
      own.push(c);
    }
    const hosts = new Set(w.links.flatMap((x) => x.addresses.map((a) => a.address)));
    for (const a of l.addresses) {
      if (!state.present.has(a.address)) continue;
      const from = formatIPv4(a.address);
      const dests: [IntentKind, number][] = [];
      if (sr.gateway !== undefined) for (const d of outside.slice(0, 1)) dests.push(['source-out', d]);
      for (const s of own.filter((c) => c.what === 'own subnet')) {
        const size = 2 ** (32 - s.to.prefix);
        const peer = [s.to.net + Math.floor(size / 2) + 1, s.to.net + 1, s.to.net + size - 2].map((x) => x >>> 0).find((x) => !hosts.has(x));
        if (peer !== undefined) dests.push(['source-link', peer]);
      }
      for (const [kind, dest] of dests.slice(0, 3)) {
        const hit = lookup(own, dest);
        if (ruleMayMatch(w, a.address, dest) || hit === undefined || hit === 'tie' || hit.doubtful) {
          skip(kind);
          continue;
        }
        if (kind === 'source-link' && hit.what !== 'own subnet') {
          skip(kind);
          continue;
        }
        checks.push({
          kind,
          why: `source-routing of ${l.name} (${hit.what}) from ${from}`,
          to: formatIPv4(dest),
          from,
          expect: { dev: hit.dev, via: hit.via === undefined ? undefined : formatIPv4(hit.via) },
        });
      }
    }
  }
  return { checks, skipped };
}

/** The kernel's answer against a check; empty when it holds. */
export function intentMismatch(c: IntentCheck, k: { dev: string; via?: string; src?: string }): string | undefined {
  if ('unreachable' in c.expect) return k.dev === '' ? undefined : 'reachable';
  if (k.dev === '') return 'unreachable';
  const out: string[] = [];
  if (k.dev !== c.expect.dev) out.push('dev');
  if (k.via !== c.expect.via) out.push('via');
  if (c.expect.src !== undefined && k.src !== c.expect.src) out.push('src');
  return out.length === 0 ? undefined : out.join(',');
}

export function showExpectation(c: IntentCheck): string {
  if ('unreachable' in c.expect) return 'unreachable';
  const e = c.expect;
  return `dev ${e.dev}${e.via === undefined ? '' : ` via ${e.via}`}${e.src === undefined ? '' : ` src ${e.src}`}`;
}
