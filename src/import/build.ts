// Facts -> the raw model object the YAML loader would produce, checked by the same
// validator and compiled by the same compiler as any hand-written model. Lifting tries
// each recipe on a copy and keeps it only when the compiled Plan is the same routing as the
// literal one: the same routes, the same addresses, rules in the same order wherever two
// of them could both match.
import { ModelError, NetgenError } from '../errors.js';
import { formatPath, type PathSegment } from '../model/load.js';
import type { Model } from '../model/types.js';
import { compareLabels, egressSubnets, validateModel } from '../model/validate.js';
import { IPV4 } from '../net/family.js';
import { HOST_NAME } from '../model/schema.js';
import { contains, formatCidr, formatIPv4, networkOf } from '../net/ipv4.js';
import { compilePlan } from '../plan/compile.js';
import type { Plan, PlanRoute, PlanRule } from '../plan/types.js';
import type { Cidr4, FactAddress, FactLink, FactRoute, FactRule, Facts, ReportEntry } from './types.js';

/** One link as the model will say it. */
export interface DraftLink {
  link: FactLink;
  own: FactAddress[];
  aliases: FactAddress[];
  /** `gateway:` (RHEL GATEWAY, or a plain metric-0 default folded into it). */
  gateway?: { address: number; entries: ReportEntry[]; route?: FactRoute };
  routes: FactRoute[];
  rules: FactRule[];
  egress?: { prefer: number; metric: number; fallbackMetric: number; gateway: number; consumed: FactRoute[] };
  sourceRouting?: { table: string; gateway?: FactRoute; routes: FactRoute[]; priority?: number; consumedRoutes: FactRoute[]; consumedRules: FactRule[] };
}

export interface Draft {
  host: string;
  links: DraftLink[];
  tables: { name: string; id: number; entries: ReportEntry[] }[];
  /** Rule priorities the model states (undefined: left to netgen). */
  priority: Map<FactRule, number | undefined>;
}

/** Where each fact ended up in the raw model (model path as a user reads it). */
export type Placement = Map<string, { entries: ReportEntry[]; fact: object }>;

export interface Built {
  raw: Record<string, unknown>;
  placement: Placement;
}

export interface BuildOptions {
  host?: string;
  lift: boolean;
  /** The name the model is shown under in messages. */
  file: string;
}

export interface BuildResult {
  draft: Draft;
  raw: Record<string, unknown>;
  model: Model;
  plan: Plan;
}

const sel = (c: Cidr4 | undefined): string | undefined => (c === undefined ? undefined : c.prefix === 32 ? formatIPv4(c.address) : formatCidr(c.address, c.prefix));
const ruleKey = (r: { from?: string | undefined; to?: string | undefined; table: string }): string => `${r.from ?? 'all'}|${r.to ?? 'all'}|${r.table}`;

/** Facts -> a validated model, lifted where a recipe matches exactly. */
export function buildModel(facts: Facts, options: BuildOptions): BuildResult {
  const host = facts.host?.name ?? options.host;
  if (host === undefined) {
    throw new NetgenError('usage', 'the files name no host (HOSTNAME= in etc/sysconfig/network, etc/conf.d/hostname or etc/hostname): give --host NAME');
  }
  if (!HOST_NAME.test(host)) throw new NetgenError('usage', `the host name ${JSON.stringify(host)} is not one a model accepts; give --host NAME`);
  assignKernelPriorities(facts);
  placeRoutesOnLinks(facts);

  let draft = literalDraft(facts, host);
  let literal = compileDraft(draft, options.file);
  draft = literal.draft;
  // Rules without a priority: leave the number to netgen when that orders them as the kernel did.
  if (!samePrecedence(truthRules(draft), literal.plan.rules)) {
    for (const [rule] of draft.priority) draft.priority.set(rule, rule.priority ?? rule.kernelPriority);
    literal = compileDraft(draft, options.file);
    draft = literal.draft;
  }
  const truth = truthRules(draft);
  const literalRoutes = routeKeys(literal.plan);
  let current = literal;
  const same = (c: { plan: Plan }): boolean => sameList(routeKeys(c.plan), literalRoutes) && sameList(addressKeys(c.plan), addressKeys(literal.plan)) && samePrecedence(truth, c.plan.rules);

  const attempt = (change: (d: Draft) => boolean): void => {
    const copy = cloneDraft(current.draft);
    if (!change(copy)) return;
    const c = tryCompile(copy, options.file);
    if (c && same(c)) current = { draft: copy, ...c };
  };

  // A plain `default via G` at metric 0 in main is what `gateway:` says.
  for (let i = 0; i < current.draft.links.length; i++) {
    attempt((d) => foldGateway(d.links[i]!));
  }
  if (options.lift) {
    for (let i = 0; i < current.draft.links.length; i++) {
      const l = current.draft.links[i]!;
      for (const cand of egressCandidates(l)) {
        const before = current;
        attempt((d) => liftEgress(d, d.links[i]!, cand, options.file));
        if (current !== before) break;
      }
    }
    for (let i = 0; i < current.draft.links.length; i++) {
      for (const table of new Set(current.draft.links[i]!.routes.map((r) => r.table))) {
        if (table === 'main') continue;
        attempt((d) => liftSourceRouting(d, d.links[i]!, table));
      }
    }
  }
  // Priorities that netgen would allocate the same way anyway need not be written.
  {
    const copy = cloneDraft(current.draft);
    for (const k of copy.priority.keys()) copy.priority.set(k, undefined);
    for (const l of copy.links) if (l.sourceRouting) delete l.sourceRouting.priority;
    const c = tryCompile(copy, options.file);
    if (c && sameList(ruleList(c.plan.rules), ruleList(current.plan.rules))) current = { draft: copy, ...c };
  }
  markLifted(current.draft);
  return { draft: current.draft, raw: toRaw(current.draft).raw, model: current.model, plan: current.plan };
}

/** The kernel numbers a rule added without a priority: one below the first rule after priority 0. */
function assignKernelPriorities(facts: Facts): void {
  const prios: number[] = [0, 32766, 32767];
  for (const r of facts.rules) {
    if (r.priority !== undefined) {
      prios.push(r.priority);
    } else {
      const first = prios.filter((p) => p > 0).sort((a, b) => a - b)[0] ?? 1;
      r.kernelPriority = first - 1;
      prios.push(first - 1);
      for (const e of r.entries) e.why = `no priority: the kernel gave it ${first - 1} (one below the first rule after the local table's)`;
    }
  }
}

/** Routes on an alias label belong to its device; routes on a device nobody configures cannot be modelled. */
function placeRoutesOnLinks(facts: Facts): void {
  const names = new Set(facts.links.map((l) => l.name));
  for (const r of facts.routes) {
    const colon = r.dev.indexOf(':');
    if (!names.has(r.dev) && colon > 0 && names.has(r.dev.slice(0, colon))) r.dev = r.dev.slice(0, colon);
  }
}

function literalDraft(facts: Facts, host: string): Draft {
  const links = new Map<string, DraftLink>();
  for (const l of facts.links) links.set(l.name, { link: l, own: [], aliases: [], routes: [], rules: [], ...(l.gateway ? { gateway: { ...l.gateway } } : {}) });
  // A VLAN's parent that has no file of its own still has to be in the model.
  for (const l of facts.links) {
    if (l.parent !== undefined && !links.has(l.parent)) {
      const parent: FactLink = { name: l.parent, kind: 'ethernet', onBoot: true, entries: [] };
      links.set(l.parent, { link: parent, own: [], aliases: [], routes: [], rules: [] });
    }
  }
  for (const a of facts.addresses) {
    const d = links.get(a.dev);
    if (!d) continue;
    (a.label === undefined ? d.own : d.aliases).push(a);
  }
  for (const d of links.values()) {
    d.aliases.sort((a, b) => compareLabels(a.label!, b.label!));
    // The model brings a device's own addresses up before its aliases: say so where the files differ.
    const order = facts.addresses.filter((a) => a.dev === d.link.name);
    for (const alias of d.aliases) {
      const later = d.own.find((o) => order.indexOf(o) > order.indexOf(alias) && o.prefix === alias.prefix && contains(networkOf(alias.address, alias.prefix), alias.prefix, o.address));
      if (later && !d.own.some((o) => order.indexOf(o) < order.indexOf(alias) && o.prefix === alias.prefix && contains(networkOf(alias.address, alias.prefix), alias.prefix, o.address))) {
        for (const e of alias.entries) {
          e.status = 'not-representable';
          e.why = `the files bring ${alias.label} up before ${formatIPv4(later.address)}, making it the primary address of its subnet; the model brings a device's own addresses up first`;
        }
      }
    }
  }
  for (const r of facts.routes) {
    const d = links.get(r.dev);
    if (d) d.routes.push(r);
    else for (const e of r.entries) Object.assign(e, { status: 'not-representable', why: `no configured interface ${r.dev} in the files` });
  }
  const all = [...links.values()];
  const priority = new Map<FactRule, number | undefined>();
  for (const r of facts.rules) {
    const d = ruleCarrier(all, r);
    if (!d) {
      for (const e of r.entries) Object.assign(e, { status: 'not-representable', why: 'no interface to carry the rule' });
      continue;
    }
    d.rules.push(r);
    priority.set(r, r.priority);
  }
  // Physical links first, VLANs after (the Plan's bring-up order); each in the files' order.
  const ordered = [...all.filter((d) => d.link.kind !== 'vlan'), ...all.filter((d) => d.link.kind === 'vlan')];
  return { host, links: ordered, tables: facts.tables.map((t) => ({ name: t.name, id: t.id, entries: t.entries })), priority };
}

/** The interface whose files carry a rule: the owner of its `from` address, else of the subnet, else of the table's routes. */
function ruleCarrier(links: DraftLink[], r: FactRule): DraftLink | undefined {
  if (r.from) {
    const f = r.from;
    const owner = links.find((d) => [...d.own, ...d.aliases].some((a) => f.prefix === 32 && a.address === f.address));
    if (owner) return owner;
    const subnet = links.find((d) => [...d.own, ...d.aliases].some((a) => a.prefix <= f.prefix && contains(networkOf(a.address, a.prefix), a.prefix, f.address)));
    if (subnet) return subnet;
  }
  return links.find((d) => d.routes.some((x) => x.table === r.table)) ?? links[0];
}

function cloneDraft(d: Draft): Draft {
  return {
    host: d.host,
    tables: d.tables,
    priority: new Map(d.priority),
    links: d.links.map((l) => {
      const c: DraftLink = { ...l, own: [...l.own], aliases: [...l.aliases], routes: [...l.routes], rules: [...l.rules] };
      if (l.gateway) c.gateway = { ...l.gateway };
      if (l.egress) c.egress = { ...l.egress, consumed: [...l.egress.consumed] };
      if (l.sourceRouting) c.sourceRouting = { ...l.sourceRouting, routes: [...l.sourceRouting.routes], consumedRoutes: [...l.sourceRouting.consumedRoutes], consumedRules: [...l.sourceRouting.consumedRules] };
      return c;
    }),
  };
}

/** The draft as the raw object the YAML loader would give, and where each fact went. */
export function toRaw(d: Draft): Built {
  const placement: Placement = new Map();
  const place = (path: PathSegment[], fact: object, entries: ReportEntry[]): void => {
    placement.set(formatPath(path), { entries, fact });
  };
  const raw: Record<string, unknown> = { host: d.host };
  const interfaces: Record<string, unknown> = {};
  const topVlans: Record<string, unknown> = {};
  const linkPath = new Map<string, PathSegment[]>();
  const body = new Map<string, Record<string, unknown>>();
  const nestedVlans = new Map<string, [string, Record<string, unknown>][]>();
  for (const l of d.links) {
    const o: Record<string, unknown> = {};
    body.set(l.link.name, o);
    const parent = l.link.parent;
    const nested = l.link.kind === 'vlan' && parent !== undefined && l.link.name === `${parent}.${l.link.vlanId}` && d.links.some((p) => p.link.name === parent && p.link.kind !== 'vlan');
    if (l.link.kind !== 'vlan') {
      interfaces[l.link.name] = o;
      linkPath.set(l.link.name, ['interfaces', l.link.name]);
    } else if (nested) {
      // Attached to the parent after its own fields (below), so `vlans:` comes last.
      const list = nestedVlans.get(parent!) ?? nestedVlans.set(parent!, []).get(parent!)!;
      list.push([String(l.link.vlanId), o]);
      linkPath.set(l.link.name, ['interfaces', parent!, 'vlans', String(l.link.vlanId)]);
    } else {
      o['id'] = l.link.vlanId;
      o['link'] = parent;
      topVlans[l.link.name] = o;
      linkPath.set(l.link.name, ['vlans', l.link.name]);
    }
  }
  for (const l of d.links) {
    const o = body.get(l.link.name)!;
    const base = linkPath.get(l.link.name)!;
    if (l.own.length > 0) {
      o['addresses'] = l.own.map((a, i) => {
        place([...base, 'addresses', i], a, a.entries);
        return `${formatIPv4(a.address)}/${a.prefix}`;
      });
    }
    if (l.gateway) {
      o['gateway'] = formatIPv4(l.gateway.address);
      place([...base, 'gateway'], l.gateway, l.gateway.entries);
    } else if (l.egress) o['gateway'] = formatIPv4(l.egress.gateway);
    if (l.link.mtu !== undefined) o['mtu'] = l.link.mtu;
    if (l.link.mac !== undefined) o['mac'] = l.link.mac;
    if (!l.link.onBoot) o['on-boot'] = false;
    if (l.aliases.length > 0) {
      const aliases: Record<string, unknown> = {};
      for (const a of l.aliases) {
        const x: Record<string, unknown> = { address: `${formatIPv4(a.address)}/${a.prefix}` };
        if (!a.onParent) x['on-parent'] = false;
        aliases[a.label!] = x;
        place([...base, 'aliases', a.label!], a, a.entries);
      }
      o['aliases'] = aliases;
    }
    if (l.routes.length > 0) {
      o['routes'] = l.routes.map((r, i) => {
        place([...base, 'routes', i], r, r.entries);
        return routeObject(r, true);
      });
    }
    if (l.rules.length > 0) {
      o['routing-policy'] = l.rules.map((r, i) => {
        place([...base, 'routing-policy', i], r, r.entries);
        const x: Record<string, unknown> = {};
        if (r.from) x['from'] = sel(r.from);
        if (r.to) x['to'] = sel(r.to);
        x['table'] = r.table;
        const p = d.priority.get(r);
        if (p !== undefined) x['priority'] = p;
        return x;
      });
    }
    if (l.egress) {
      o['egress'] = { prefer: formatIPv4(l.egress.prefer), metric: l.egress.metric, 'fallback-metric': l.egress.fallbackMetric };
      for (const r of l.egress.consumed) place([...base, 'egress'], r, r.entries);
    }
    if (l.sourceRouting) {
      const sr = l.sourceRouting;
      const x: Record<string, unknown> = { table: sr.table };
      if (sr.gateway) x['gateway'] = formatIPv4(sr.gateway.via!);
      if (sr.routes.length > 0) {
        x['routes'] = sr.routes.map((r, i) => {
          place([...base, 'source-routing', 'routes', i], r, r.entries);
          return routeObject(r, false);
        });
      }
      if (sr.priority !== undefined) x['priority'] = sr.priority;
      o['source-routing'] = x;
    }
  }
  for (const [parent, list] of nestedVlans) body.get(parent)!['vlans'] = Object.fromEntries(list);
  raw['interfaces'] = interfaces;
  if (Object.keys(topVlans).length > 0) raw['vlans'] = topVlans;
  if (d.tables.length > 0) {
    raw['tables'] = Object.fromEntries(d.tables.map((t) => [t.name, t.id]));
    for (const t of d.tables) place(['tables', t.name], t, t.entries);
  }
  return { raw, placement };
}

function routeObject(r: FactRoute, withTableAndSrc: boolean): Record<string, unknown> {
  const x: Record<string, unknown> = { to: r.to.isDefault ? 'default' : formatCidr(r.to.address, r.to.prefix) };
  if (r.via !== undefined) x['via'] = formatIPv4(r.via);
  if (withTableAndSrc && r.src !== undefined) x['src'] = formatIPv4(r.src);
  if (r.metric !== 0) x['metric'] = r.metric;
  if (withTableAndSrc && r.table !== 'main') x['table'] = r.table;
  if (r.scope !== undefined) x['scope'] = r.scope;
  if (withTableAndSrc && r.proto !== undefined) x['proto'] = r.proto;
  if (r.onlink) x['on-link'] = true;
  return x;
}

function validateRaw(raw: Record<string, unknown>, file: string): Model {
  const locate = () => ({ file, line: 1, col: 1 });
  return validateModel({ file, data: raw, problems: [], locate });
}

function tryCompile(d: Draft, file: string): { model: Model; plan: Plan } | undefined {
  try {
    const model = validateRaw(toRaw(d).raw, file);
    return { model, plan: compilePlan(model) };
  } catch (err) {
    if (err instanceof ModelError) return undefined;
    throw err;
  }
}

/**
 * Validate and compile the literal draft. What the validator refuses (a route the kernel
 * would refuse too, a second route with the same key) leaves the model and is reported.
 */
function compileDraft(d: Draft, file: string): { draft: Draft; model: Model; plan: Plan } {
  for (let round = 0; round < 50; round++) {
    const { raw, placement } = toRaw(d);
    try {
      const model = validateRaw(raw, file);
      return { draft: d, model, plan: compilePlan(model) };
    } catch (err) {
      if (!(err instanceof ModelError)) throw err;
      let removed = 0;
      for (const p of err.problems) {
        const spot = findPlacement(placement, p.path);
        if (!spot) continue;
        if (removeFact(d, spot.fact)) {
          removed++;
          for (const e of spot.entries) Object.assign(e, { status: 'not-representable', why: `netgen's validator refuses it: ${p.message}` });
        }
      }
      if (removed === 0) throw err;
    }
  }
  throw new NetgenError('internal', 'import: the model did not settle');
}

function findPlacement(placement: Placement, path: string): { entries: ReportEntry[]; fact: object } | undefined {
  // The problem's path, or the nearest placed ancestor (`interfaces.eth0.routes[1].via` -> `interfaces.eth0.routes[1]`).
  let p = path;
  for (;;) {
    const hit = placement.get(p);
    if (hit) return hit;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) return undefined;
    p = p.slice(0, cut);
  }
}

function removeFact(d: Draft, fact: object): boolean {
  for (const l of d.links) {
    for (const list of [l.routes, l.rules, l.own, l.aliases] as object[][]) {
      const i = list.indexOf(fact);
      if (i >= 0) {
        list.splice(i, 1);
        return true;
      }
    }
    if (l.gateway === fact) {
      delete l.gateway;
      return true;
    }
  }
  const t = d.tables.indexOf(fact as Draft['tables'][number]);
  if (t >= 0) {
    d.tables.splice(t, 1);
    return true;
  }
  return false;
}

const routeKey = (r: PlanRoute): string => [r.table, r.to, r.via ?? '-', r.dev, r.src ?? '-', r.metric, r.scope ?? '-', r.proto ?? '-', r.onlink ? 'onlink' : '-'].join(' ');
const routeKeys = (p: Plan): string[] => p.routes.map(routeKey).sort();
const addressKeys = (p: Plan): string[] => p.addresses.map((a) => `${a.device} ${a.address}/${a.prefix} ${a.label ?? '-'} ${a.onParent} ${a.secondary}`);
const ruleList = (rules: readonly PlanRule[]): string[] => rules.map((r) => `${r.priority} ${ruleKey(r)}`).sort();
function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

interface RankedRule {
  key: string;
  from?: Cidr4;
  to?: Cidr4;
  priority: number;
}

/** The rules as the kernel holds them after the files were applied. */
function truthRules(d: Draft): RankedRule[] {
  const out: RankedRule[] = [];
  for (const l of d.links) {
    for (const r of [...l.rules, ...(l.sourceRouting?.consumedRules ?? [])]) {
      const x: RankedRule = { key: ruleKey({ from: sel(r.from), to: sel(r.to), table: r.table }), priority: r.priority ?? r.kernelPriority ?? 0 };
      if (r.from) x.from = r.from;
      if (r.to) x.to = r.to;
      out.push(x);
    }
  }
  return out;
}

function parseSel(s: string | undefined): Cidr4 | undefined {
  if (s === undefined) return undefined;
  const [a, p] = s.split('/');
  const parts = a!.split('.').map(Number);
  return { address: ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0, prefix: p === undefined ? 32 : Number(p) };
}

function overlaps(a: Cidr4 | undefined, b: Cidr4 | undefined): boolean {
  if (a === undefined || b === undefined) return true;
  const p = Math.min(a.prefix, b.prefix);
  return networkOf(a.address, p) === networkOf(b.address, p);
}

/**
 * Same rules, and wherever two of them could match the same packet (and lead to different
 * tables), or one could match before `main`/`default`, the same one comes first.
 */
function samePrecedence(truth: readonly RankedRule[], plan: readonly PlanRule[]): boolean {
  const got: RankedRule[] = plan.map((r) => {
    const x: RankedRule = { key: ruleKey(r), priority: r.priority };
    const f = parseSel(r.from);
    const t = parseSel(r.to);
    if (f) x.from = f;
    if (t) x.to = t;
    return x;
  });
  if (!sameList(truth.map((r) => r.key).sort(), got.map((r) => r.key).sort())) return false;
  // Pair them up in order per key.
  const queue = new Map<string, RankedRule[]>();
  for (const g of got) (queue.get(g.key) ?? queue.set(g.key, []).get(g.key)!).push(g);
  const pairs = truth.map((t) => [t, queue.get(t.key)!.shift()!] as const);
  for (const [t, g] of pairs) {
    if (t.priority < 32766 !== g.priority < 32766) return false;
    if (t.priority < 32767 !== g.priority < 32767) return false;
  }
  for (let i = 0; i < pairs.length; i++) {
    for (let j = i + 1; j < pairs.length; j++) {
      const [ti, gi] = pairs[i]!;
      const [tj, gj] = pairs[j]!;
      if (ti.key.split('|')[2] === tj.key.split('|')[2]) continue;
      if (!overlaps(ti.from, tj.from) || !overlaps(ti.to, tj.to)) continue;
      if (Math.sign(ti.priority - tj.priority) !== Math.sign(gi.priority - gj.priority)) return false;
    }
  }
  return true;
}

const plain = (r: FactRoute): boolean => r.src === undefined && r.scope === undefined && r.proto === undefined && !r.onlink;

function foldGateway(l: DraftLink): boolean {
  if (l.gateway || l.egress) return false;
  const r = l.routes.find((x) => x.table === 'main' && x.to.isDefault && x.metric === 0 && x.via !== undefined && plain(x));
  if (!r) return false;
  l.routes.splice(l.routes.indexOf(r), 1);
  l.gateway = { address: r.via!, entries: r.entries, route: r };
  return true;
}

interface EgressCandidate {
  prefer: number;
  metric: number;
  fallbackMetric: number;
  gateway: number;
}

/** Each pair of defaults through one gateway: one from a non-primary address (the VIP) at M1, one from an own address at M2 > M1. */
function egressCandidates(l: DraftLink): EgressCandidate[] {
  if (l.gateway && !l.gateway.route) return [];
  const defaults = l.routes.filter((r) => r.table === 'main' && r.to.isDefault && r.via !== undefined && r.src !== undefined && r.scope === undefined && r.proto === undefined && !r.onlink);
  const own = new Set(l.own.map((a) => a.address));
  const out: EgressCandidate[] = [];
  for (const pref of defaults) {
    if (l.own[0]?.address === pref.src) continue;
    for (const fb of defaults) {
      if (fb === pref || fb.via !== pref.via || !own.has(fb.src!) || fb.metric <= pref.metric) continue;
      out.push({ prefer: pref.src!, metric: pref.metric, fallbackMetric: fb.metric, gateway: pref.via! });
    }
  }
  return out;
}

function liftEgress(d: Draft, l: DraftLink, c: EgressCandidate, file: string): boolean {
  if (l.gateway?.route) {
    // The folded plain default would stay beside the recipe, which drops it: not the same routing.
    return false;
  }
  if (egressSubnets(IPV4, { addresses: [...l.own, ...l.aliases].map((a) => ({ ...a, path: [] })) }, c.prefer).length === 0) return false;
  // Ask the compiler for the recipe's routes, and take exactly those out of the explicit ones.
  const probe = cloneDraft(d);
  const pl = probe.links[d.links.indexOf(l)]!;
  pl.egress = { ...c, consumed: [] };
  // Only the expansion is wanted here; the explicit routes would collide with it.
  pl.routes = pl.routes.filter((r) => r.table !== 'main');
  const compiled = tryCompile(probe, file);
  if (!compiled) return false;
  const wanted = compiled.plan.routes.filter((r) => (r.origin === 'egress-fallback' || r.origin === 'egress-split' || r.origin === 'egress-preferred') && r.dev === l.link.name);
  const consumed: FactRoute[] = [];
  for (const w of wanted) {
    const hit = l.routes.find((r) => !consumed.includes(r) && routeKey(factPlanRoute(r)) === routeKey(w));
    if (!hit) return false;
    consumed.push(hit);
  }
  if (consumed.length === 0 || consumed.length !== wanted.length) return false;
  // The intent also covers the interface's own main-table routes: each written as a pair, from
  // the VIP at metric m+M1 and from the primary at m+M2, is one route at metric m in the model.
  const primary = compiled.plan.routes.find((r) => r.origin === 'egress-fallback' || r.origin === 'egress-split');
  const fallbackSrc = wanted.find((r) => r.origin === 'egress-fallback')?.src;
  const rest = l.routes.filter((r) => !consumed.includes(r));
  const kept: FactRoute[] = [];
  const paired = new Set<FactRoute>();
  for (const r of rest) {
    if (paired.has(r)) continue;
    if (r.table === 'main' && r.src === c.prefer && r.metric >= c.metric && fallbackSrc !== undefined && primary !== undefined) {
      const m = r.metric - c.metric;
      const partner = rest.find((x) => !paired.has(x) && x !== r && x.table === 'main' && x.src !== undefined && formatIPv4(x.src) === fallbackSrc && x.metric === m + c.fallbackMetric && samePath(x, r));
      if (partner) {
        paired.add(r).add(partner);
        const one: FactRoute = { ...r, metric: m, entries: [...r.entries, ...partner.entries] };
        delete one.src;
        kept.push(one);
        consumed.push(r, partner);
        continue;
      }
    }
    kept.push(r);
  }
  l.routes = kept;
  l.egress = { ...c, consumed };
  return true;
}

/** The same route but for source and metric. */
function samePath(a: FactRoute, b: FactRoute): boolean {
  return a.dev === b.dev && a.to.address === b.to.address && a.to.prefix === b.to.prefix && a.via === b.via && a.scope === b.scope && a.proto === b.proto && a.onlink === b.onlink;
}

function factPlanRoute(r: FactRoute): PlanRoute {
  const p: PlanRoute = { family: 4, to: r.to.isDefault ? 'default' : formatCidr(r.to.address, r.to.prefix), dev: r.dev, metric: r.metric, table: r.table, origin: 'static', appliedBy: 'boot' };
  if (r.via !== undefined) p.via = formatIPv4(r.via);
  if (r.src !== undefined) p.src = formatIPv4(r.src);
  if (r.scope !== undefined) p.scope = r.scope;
  if (r.proto !== undefined) p.proto = r.proto;
  if (r.onlink) p.onlink = true;
  return p;
}

function liftSourceRouting(d: Draft, l: DraftLink, table: string): boolean {
  if (l.sourceRouting) return false;
  // The table is this link's alone.
  if (d.links.some((o) => o !== l && (o.routes.some((r) => r.table === table) || o.sourceRouting?.table === table))) return false;
  const addrs = [...l.own, ...l.aliases];
  if (addrs.length === 0) return false;
  const rules: FactRule[] = [];
  for (const a of addrs) {
    const matches = d.links.flatMap((o) => o.rules).filter((r) => r.table === table && r.to === undefined && r.from?.prefix === 32 && r.from.address === a.address);
    if (matches.length !== 1) return false;
    rules.push(matches[0]!);
  }
  const inTable = l.routes.filter((r) => r.table === table);
  const consumed: FactRoute[] = [];
  const subnets = new Set<string>();
  for (const a of addrs) {
    if (a.prefix >= 32) continue;
    const net = formatCidr(networkOf(a.address, a.prefix), a.prefix);
    if (subnets.has(net)) continue;
    subnets.add(net);
    const hit = inTable.find((r) => !consumed.includes(r) && !r.to.isDefault && formatCidr(r.to.address, r.to.prefix) === net && r.via === undefined && r.metric === 0 && r.scope === 'link' && r.src === undefined && r.proto === undefined && !r.onlink);
    if (!hit) return false;
    consumed.push(hit);
  }
  const gateway = inTable.find((r) => !consumed.includes(r) && r.to.isDefault && r.via !== undefined && r.metric === 0 && plain(r));
  if (gateway) consumed.push(gateway);
  const movable = inTable.filter((r) => !consumed.includes(r) && r.src === undefined && r.proto === undefined);
  // Rule priorities: consecutive in address order, or none at all.
  const prios = rules.map((r) => d.priority.get(r));
  let priority: number | undefined;
  if (prios.every((p) => p !== undefined)) {
    if (!prios.every((p, i) => p === prios[0]! + i)) return false;
    priority = prios[0];
  } else if (!prios.every((p) => p === undefined)) return false;
  l.routes = l.routes.filter((r) => !consumed.includes(r) && !movable.includes(r));
  for (const o of d.links) o.rules = o.rules.filter((r) => !rules.includes(r));
  l.sourceRouting = { table, routes: movable, consumedRoutes: consumed, consumedRules: rules, ...(gateway ? { gateway } : {}), ...(priority !== undefined ? { priority } : {}) };
  return true;
}

/** The link's place in the model, as a user reads it. */
export function linkModelPath(d: Draft, l: DraftLink): string {
  const parent = l.link.parent;
  if (l.link.kind !== 'vlan') return `interfaces.${l.link.name}`;
  if (parent !== undefined && l.link.name === `${parent}.${l.link.vlanId}` && d.links.some((p) => p.link.name === parent && p.link.kind !== 'vlan')) {
    return `interfaces.${parent}.vlans.${l.link.vlanId}`;
  }
  return formatPath(['vlans', l.link.name]);
}

function markLifted(d: Draft): void {
  for (const l of d.links) {
    const base = linkModelPath(d, l);
    if (l.egress) {
      for (const r of l.egress.consumed) {
        for (const e of r.entries) Object.assign(e, { status: 'lifted', why: 'part of the VIP egress recipe', model: `${base}.egress` });
      }
    }
    if (l.sourceRouting) {
      const sr = l.sourceRouting;
      for (const r of [...sr.consumedRoutes, ...sr.consumedRules]) {
        for (const e of r.entries) {
          e.status = 'lifted';
          e.why = r === sr.gateway ? 'the default route of the interface\'s own table' : 'part of the per-source routing recipe' + (e.why?.startsWith('no priority') ? ` (${e.why})` : '');
          e.model = `${base}.source-routing`;
        }
      }
      for (const r of sr.routes) {
        for (const e of r.entries) Object.assign(e, { status: 'lifted', why: `a further route of the interface's own table${e.why ? ` (${e.why})` : ''}`, model: `${base}.source-routing.routes` });
      }
    }
    if (l.gateway?.route) for (const e of l.gateway.entries) Object.assign(e, { status: 'represented', model: `${base}.gateway` });
  }
}
