// Raw data -> Model. Structure first (the schema, src/model/schema.ts), then the semantic rules; every
// problem of the file is collected and reported at once, each with its place.
import { ModelError, type ModelProblem } from '../errors.js';
import { broadcastOf, formatCidr, formatIPv4, networkOf, parseIPv4 } from '../net/ipv4.js';
import { IPV4, IPV6, type FamilyOps } from '../net/family.js';
import { familyOfText, parseIp, parsePrefix, type Family } from '../net/ip.js';
import { formatIPv6, isLoopback6, isMulticast6, isUnspecified6, parseIPv6 } from '../net/ipv6.js';
import { formatPath, type LoadedText, type PathSegment } from './load.js';
import {
  ALIAS_LABEL,
  IFNAME,
  TABLE_NAME,
  modelSchema,
  type RawLinkFields,
  type RawModel,
  type RawRoute,
  type RawRule,
} from './schema.js';
import { ObjectShape, Optional, RecordShape, ArrayShape, UnionShape, type Issue, type Shape } from './shape.js';
import { suggest } from './suggest.js';
import { bringUpOrders, type BringUpOrder } from './bring-up.js';
import type { Model, ModelAddress, ModelExpectation, ModelFamily, ModelLink, ModelManager, ModelRoute, ModelRule, ModelStep, ModelSysctl, ModelTable, ModelVrrp, Path } from './types.js';

/** Tables every system has; never declared by a model, always referable by name. */
export const RESERVED_TABLES: ReadonlyMap<string, number> = new Map([
  ['unspec', 0],
  ['default', 253],
  ['main', 254],
  ['local', 255],
]);

/** The largest metric and priority the kernel takes. */
const U32 = 4294967295;

/** Priorities the kernel's own rules use: IPv4 0 local, 32766 main, 32767 default; IPv6 has no `default` rule. */
const RESERVED_PRIORITIES = { 4: new Map([[0, 'local'], [32766, 'main'], [32767, 'default']]), 6: new Map([[0, 'local'], [32766, 'main']]) } as const;

export const DEFAULT_EGRESS_METRIC = 1;
export const DEFAULT_FALLBACK_METRIC = 100;

/** Validate a parsed model; throws ModelError listing every problem. */
export function validateModel(loaded: LoadedText): Model {
  if (loaded.problems.length > 0) throw new ModelError(loaded.problems);
  const problems: ModelProblem[] = [];
  const report = (path: Path, message: string, at: 'key' | 'value' = 'value'): void => {
    problems.push({ ref: loaded.locate(path, at), path: formatPath(path), message });
  };

  if (loaded.data === null || loaded.data === undefined) {
    report([], 'the model is empty: it needs at least `host:` and `interfaces:`');
    throw new ModelError(problems);
  }
  // Whether any string value has a colon: only those can be IPv6 addresses (checkIPv6Spelling).
  let colons = false;
  const parsed = modelSchema.safeParse(loaded.data, (s) => {
    if (!colons && s.includes(':')) colons = true;
  });
  if (!parsed.success) {
    const issues = parsed.issues;
    // A misspelt required key shows up twice (unknown `adress`, missing `address`): say it once.
    const suggested = new Set<string>();
    for (const issue of issues) {
      if (issue.code !== 'unrecognized_keys') continue;
      const known = knownKeysAt(issue.path as PathSegment[]);
      for (const key of issue.keys) {
        const hint = suggest(key, known);
        if (hint) suggested.add(formatPath([...(issue.path as PathSegment[]), hint]));
      }
    }
    for (const issue of issues) {
      const missing = issue.code === 'invalid_type' && issue.input === undefined;
      if (missing && suggested.has(formatPath(issue.path as PathSegment[]))) continue;
      structuralProblem(issue, report);
    }
    problems.push(...semanticsOfTheRest(loaded, issues));
    throw new ModelError(problems);
  }
  const model = checkSemantics(parsed.data, loaded, report, colons);
  if (problems.length > 0) throw new ModelError(problems);
  return model;
}

type Report = (path: Path, message: string, at?: 'key' | 'value') => void;

/**
 * The semantic problems of the parts that parsed, so that a user meets them in the same
 * round as the structural ones. What failed is taken out (a bad value, an unknown key) and
 * the rest checked; problems inside a part that had a structural problem (an interface, a
 * route, an expectation), and problems naming a value that was taken out, are left to the
 * next round, since they may only echo the removal. Nothing when a part the rest needs
 * is missing or top-level structure failed.
 */
function semanticsOfTheRest(loaded: LoadedText, issues: readonly Issue[]): ModelProblem[] {
  const data = structuredClone(loaded.data) as unknown;
  const removedValues: string[] = [];
  const dropItems = new Map<unknown[], Set<number>>();
  for (const issue of issues) {
    const path = issue.path as PathSegment[];
    if (path.length < 2) return []; // `host`, `interfaces` or the whole model: nothing to check around it
    const parent = path.slice(0, -1).reduce<unknown>((cur, seg) => (cur as Record<string | number, unknown> | undefined)?.[seg], data);
    const last = path[path.length - 1]!;
    if (issue.code === 'unrecognized_keys') {
      const target = (parent as Record<string | number, unknown> | undefined)?.[last] as Record<string, unknown> | undefined;
      for (const k of issue.keys) if (target && typeof target === 'object') delete target[k];
      continue;
    }
    const input = issue.input;
    if (input === undefined) return []; // a required key is missing: the part cannot be checked
    if (typeof input === 'string' || typeof input === 'number') removedValues.push(String(input).replace(/\/\d+$/, ''));
    if (Array.isArray(parent) && typeof last === 'number') {
      const set = dropItems.get(parent) ?? new Set<number>();
      set.add(last);
      dropItems.set(parent, set);
    } else if (parent && typeof parent === 'object') delete (parent as Record<string | number, unknown>)[last];
  }
  for (const [arr, idx] of dropItems) for (const i of [...idx].sort((a, b) => b - a)) arr.splice(i, 1);
  const again = modelSchema.safeParse(data);
  if (!again.success) return [];
  const found: ModelProblem[] = [];
  try {
    checkSemantics(again.data, loaded, (path, message, at = 'value') => found.push({ ref: loaded.locate(path, at), path: formatPath(path), message }));
  } catch {
    return [];
  }
  const parts = issues.map((i) => formatPath((i.path as PathSegment[]).slice(0, 2)));
  return found.filter(
    (p) => !parts.some((part) => p.path === part || p.path.startsWith(part + '.') || p.path.startsWith(part + '[')) && !removedValues.some((v) => v !== '' && p.message.includes(v)),
  );
}

function structuralProblem(issue: Issue, report: Report): void {
  const path = issue.path as PathSegment[];
  const input = issue.input;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(path);
      for (const key of issue.keys) {
        const hint = suggest(key, known);
        report([...path, key], `unknown key \`${key}\`` + (hint ? `; did you mean \`${hint}\`?` : known.length ? ` (known keys: ${known.join(', ')})` : ''), 'key');
      }
      return;
    }
    case 'invalid_type': {
      if (input === undefined) {
        report(path, `\`${String(path[path.length - 1] ?? 'value')}\` is required (${describeExpected(issue.expected)})`);
      } else {
        const hint = issue.expected === 'boolean' && typeof input === 'string' && /^(yes|no|on|off|y|n)$/i.test(input) ? ' (write true or false)' : '';
        report(path, `expected ${describeExpected(issue.expected)}, got ${describeValue(input)}${hint}`);
      }
      return;
    }
    case 'too_small':
    case 'too_big':
    case 'invalid_format':
    case 'custom':
      report(path, `${describeValue(input)} ${reasonOf(issue)}`);
      return;
    case 'invalid_union': {
      // Reached only when no option is plausible (see UnionShape): name the first reason given.
      const reasoned = issue.errors.flat().find((e) => e.code === 'invalid_format' || e.code === 'custom' || e.code === 'too_small' || e.code === 'too_big');
      report(path, `${describeValue(input)} ${reasoned ? reasonOf(reasoned) : 'is not valid here'}`);
      return;
    }
    case 'invalid_value':
      report(path, `${describeValue(input)} is not one of ${issue.values.map((v) => String(v)).join(', ')}`);
      return;
  }
}

/** What is wrong with a value of the right kind, after the value itself. */
function reasonOf(issue: Issue): string {
  if (issue.code === 'too_small') return `is too small: at least ${String(issue.minimum)}`;
  if (issue.code === 'too_big') return `is too large: at most ${String(issue.maximum)}`;
  if (issue.code === 'invalid_format' || issue.code === 'custom') return issue.message;
  return 'is not valid here';
}

function describeExpected(expected: string): string {
  if (expected === 'int' || expected === 'number') return 'a whole number';
  if (expected === 'record' || expected === 'object') return 'a mapping (key: value)';
  if (expected === 'array') return 'a list';
  return `a ${expected}`;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') {
    const shown = v.length > 60 ? v.slice(0, 57) + '...' : v;
    return JSON.stringify(shown);
  }
  return String(v);
}

/** The keys the schema allows at a path, for suggestions. */
function knownKeysAt(path: readonly PathSegment[]): string[] {
  const unwrap = (x: Shape<unknown> | undefined): Shape<unknown> | undefined => {
    let cur = x;
    while (cur instanceof Optional) cur = cur.inner as Shape<unknown>;
    // `sysctl: false | {...}`: suggest from the mapping's keys.
    if (cur instanceof UnionShape) cur = (cur.options as Shape<unknown>[]).find((o) => unwrap(o) instanceof ObjectShape) ?? cur;
    return cur;
  };
  let s: Shape<unknown> | undefined = modelSchema as Shape<unknown>;
  for (const seg of path) {
    const cur = unwrap(s);
    if (cur instanceof ObjectShape) s = (cur.shape as Record<string, Shape<unknown>>)[String(seg)];
    else if (cur instanceof RecordShape) s = cur.values as Shape<unknown>;
    else if (cur instanceof ArrayShape) s = cur.element as Shape<unknown>;
    else return [];
    if (s === undefined) return [];
  }
  const cur = unwrap(s);
  return cur instanceof ObjectShape ? Object.keys(cur.shape).filter((k) => k !== '$schema') : [];
}

// ---------------------------------------------------------------------------
// Semantic rules

/** `colons`: false when no string value of `raw` has a colon (so none is an IPv6 address). */
function checkSemantics(raw: RawModel, loaded: LoadedText, report: Report, colons = true): Model {
  checkConsumerWords(raw, report);
  if (colons) checkIPv6Spelling(raw, report);
  const tables = collectTables(raw, report);
  const tableNames = new Map<string, ModelTable>();
  for (let i = 0; i < tables.length; i++) tableNames.set(tables[i]!.name, tables[i]!);
  const { links, raws } = collectLinks(raw, report);
  const linkByName = new Map<string, ModelLink>();
  for (let i = 0; i < links.length; i++) linkByName.set(links[i]!.name, links[i]!);

  // Addresses: once per host, host addresses, not the network or broadcast address.
  const seen = new Map<number, Path>();
  for (let l = 0; l < links.length; l++) {
    const addresses = links[l]!.addresses;
    for (let k = 0; k < addresses.length; k++) {
      const a = addresses[k]!;
      const prev = seen.get(a.address);
      if (prev) report(a.path, `${formatIPv4(a.address)} is configured twice (also at ${formatPath(prev)})`);
      else seen.set(a.address, a.path);
      if (a.prefix === 0) report(a.path, `/0 is not a host address prefix`);
      else if (a.prefix <= 30 && a.address === networkOf(a.address, a.prefix)) {
        report(a.path, `${formatIPv4(a.address)} is the network address of ${formatCidr(a.address, a.prefix)}, not a host address`);
      } else if (a.prefix <= 30 && a.address === broadcastOf(a.address, a.prefix)) {
        report(a.path, `${formatIPv4(a.address)} is the broadcast address of ${formatCidr(a.address, a.prefix)}, not a host address`);
      }
    }
  }
  const hostHas = (addr: number): boolean => seen.has(addr);
  const hostHas6 = checkAddresses6(links, report);

  // Declared tables by number, the first of each (collectTables reported a number used twice).
  const tableById = new Map<number, ModelTable>();
  for (const t of tables) if (t.id !== undefined && !tableById.has(t.id)) tableById.set(t.id, t);
  /** `at`: where the reference is written, `table` under it. */
  const resolveTable = (ref: string | number | undefined, at: Path, forRule: boolean): string => {
    if (ref === undefined) return 'main';
    if (typeof ref === 'number') {
      for (const [name, id] of RESERVED_TABLES) if (id === ref && (forRule || name === 'main')) return name;
      const t = tableById.get(ref);
      if (t) return t.name;
      report([...at, 'table'], `table ${ref} is not declared under \`tables:\``);
      return 'main';
    }
    if (ref === 'main' || (forRule && (ref === 'local' || ref === 'default'))) return ref;
    if (tableNames.has(ref)) return ref;
    report([...at, 'table'], `table \`${ref}\` is not declared under \`tables:\`${suggestText(ref, [...tableNames.keys(), 'main'])}`);
    return 'main';
  };

  // The consumers' bring-up orders, each with every link's place in it: made once, when a
  // route first names a source on another device.
  let orders: { order: BringUpOrder; place: Map<string, number> }[] | undefined;
  const upOrders = () => (orders ??= bringUpOrders(links).map((order) => ({ order, place: new Map(order.names.map((n, i) => [n, i])) })));
  const ctx4: FamilyContext<number> = { ops: IPV4, links, linkByName, ownerOf: ownerIndex(IPV4, links, (l) => l), upOrders, famOf: (l) => l, hostHas, resolveTable, report };
  const ctx6: FamilyContext<bigint> = { ops: IPV6, links, linkByName, ownerOf: ownerIndex(IPV6, links, (l) => l.ipv6), upOrders, famOf: (l) => l.ipv6, hostHas: hostHas6, resolveTable, report };
  const routes: ModelRoute[] = [];
  const routes6: ModelRoute<bigint>[] = [];
  /** A route goes to its family's list; one that mixes families goes nowhere. */
  const takeRoute = (r: AnyRawRoute, dev: string, path: Path, into4: ModelRoute[], into6: ModelRoute<bigint>[], tableOverride?: string): void => {
    const family = routeFamily(r, path, report);
    if (family === 4) {
      const route = convertRoute(ctx4, r, dev, path, tableOverride);
      if (route) into4.push(route);
    } else if (family === 6) {
      const route = convertRoute(ctx6, r, dev, path, tableOverride);
      if (route) into6.push(route);
    }
  };

  for (let l = 0; l < links.length; l++) {
    const link = links[l]!;
    const rawLink = raws[l]!;
    const base = link.path;
    if (rawLink.gateway !== undefined) {
      const gws = perFamily(rawLink.gateway, base, 'gateway', 'gateway', report);
      const gw4 = gws.v4 && checkGateway(ctx4, link, gws.v4, base, 'gateway');
      const gw6 = gws.v6 && checkGateway(ctx6, link, gws.v6, base, 'gateway');
      if (gw4 !== undefined) link.gateway = gw4;
      if (gw6 !== undefined) link.ipv6.gateway = gw6;
    }
    const rawRoutes = rawLink.routes;
    if (rawRoutes) for (let i = 0; i < rawRoutes.length; i++) takeRoute(rawRoutes[i]!, link.name, [...base, 'routes', i], link.routes, link.ipv6.routes);
    const rawRules = rawLink['routing-policy'];
    for (let i = 0; rawRules && i < rawRules.length; i++) {
      const r = rawRules[i]!;
      const path = [...base, 'routing-policy', i];
      const family = ruleFamily(r, path, report);
      if (family === 4) {
        const rule = convertRule(IPV4, r, link.name, path, resolveTable, report);
        if (rule) link.rules.push(rule);
      } else if (family === 6) {
        const rule = convertRule(IPV6, r, link.name, path, resolveTable, report);
        if (rule) link.ipv6.rules.push(rule);
      }
    }
    if (rawLink.egress) {
      const p = [...base, 'egress'];
      const prefers = perFamily(rawLink.egress.prefer, p, 'prefer', 'preferred source', report);
      if (prefers.v4) checkEgress(ctx4, link, prefers.v4, rawLink.egress, p);
      if (prefers.v6) checkEgress(ctx6, link, prefers.v6, rawLink.egress, p);
    }
    const sr = rawLink['source-routing'];
    if (sr) {
      const p = [...base, 'source-routing'];
      const table = resolveTable(sr.table, p, false);
      if (table === 'main' && (sr.table === 'main' || sr.table === 254)) report([...p, 'table'], 'per-source routing needs a table of its own, not `main`');
      const srRoutes: ModelRoute[] = [];
      const srRoutes6: ModelRoute<bigint>[] = [];
      const rawSrRoutes = sr.routes;
      if (rawSrRoutes) for (let i = 0; i < rawSrRoutes.length; i++) takeRoute(rawSrRoutes[i]!, link.name, [...p, 'routes', i], srRoutes, srRoutes6, table);
      const gws = sr.gateway === undefined ? NO_ITEMS : perFamily(sr.gateway, p, 'gateway', 'gateway', report);
      if (link.addresses.length === 0 && link.ipv6.addresses.length === 0) report(p, `${link.name} has no addresses to route by source`);
      // Each family that has addresses (or routes) gets the recipe; one table serves both.
      if (link.addresses.length > 0 || srRoutes.length > 0 || gws.v4 || link.ipv6.addresses.length === 0) {
        link.sourceRouting = { table, routes: srRoutes, path: p };
        if (gws.v4) {
          const gw = checkGateway(ctx4, link, gws.v4, p, 'gateway');
          if (gw !== undefined) link.sourceRouting.gateway = gw;
        }
        if (sr.priority !== undefined) link.sourceRouting.priority = sr.priority;
      }
      if (link.ipv6.addresses.length > 0 || srRoutes6.length > 0 || gws.v6) {
        link.ipv6.sourceRouting = { table, routes: srRoutes6, path: p };
        if (gws.v6) {
          const gw = checkGateway(ctx6, link, gws.v6, p, 'gateway');
          if (gw !== undefined) link.ipv6.sourceRouting.gateway = gw;
        }
        if (sr.priority !== undefined) link.ipv6.sourceRouting.priority = sr.priority;
      }
    }
  }

  (raw.routes ?? []).forEach((r, i) => {
    const path = ['routes', i];
    const dev = r.dev;
    if (!linkByName.has(dev)) {
      const isAlias = ALIAS_LABEL.exec(dev);
      const hint = isAlias ? `; \`${dev}\` is an alias label, routes go on its device \`${isAlias[1]}\`` : suggestText(dev, [...linkByName.keys()]);
      report([...path, 'dev'], `device \`${dev}\` is not an interface of this model${hint}`);
      return;
    }
    takeRoute(r, dev, path, routes, routes6);
  });

  checkRouteCollisions(IPV4, links, (l) => l, routes, report);
  checkRouteCollisions(IPV6, links, (l) => l.ipv6, routes6, report);
  checkZeroNetSubnets(links, report);
  checkGatewaysAtBoot(IPV4, links, (l) => l, routes, report);
  checkGatewaysAtBoot(IPV6, links, (l) => l.ipv6, routes6, report);
  checkMacs(links, report);
  checkPriorities(IPV4, links, (l) => l, report);
  checkPriorities(IPV6, links, (l) => l.ipv6, report);
  checkManagers(links, linkByName, hostHas, report);

  const hostHasText = (text: string): boolean => {
    const a = parseIp(text);
    return a !== undefined && (a.family === 4 ? hostHas(a.address) : hostHas6(a.address));
  };
  const expect = (raw.expect ?? []).flatMap((e, i): ModelExpectation[] => {
    const path = ['expect', i];
    const devCheck = (key: 'dev' | 'iif' | 'on', name: string): void => {
      if (!linkByName.has(name)) report([...path, key], `device \`${name}\` is not an interface of this model${suggestText(name, [...linkByName.keys()])}`);
    };
    const has = (k: string): boolean => (e as Record<string, unknown>)[k] !== undefined;
    if (e['who-has'] !== undefined) {
      // An ARP question: who-has, on, answers; nothing of a route lookup.
      const extra = ['to', 'from', 'iif', 'accept', 'down', 'after', 'dev', 'via', 'src', 'table'].filter(has);
      if (extra.length > 0) report([...path, extra[0]!], `an ARP expectation (\`who-has\`) takes only \`on\` and \`answers\`, not \`${extra[0]}\``, 'key');
      if (e.on === undefined) {
        report(path, 'an ARP expectation needs `on`: the interface the request arrives on');
        return [];
      }
      devCheck('on', e.on);
      return [{ kind: 'arp', family: 4, to: canonicalText(e['who-has']), steps: [], on: e.on, answers: e.answers ?? true, path }];
    }
    for (const k of ['on', 'answers'] as const) if (has(k)) report([...path, k], `\`${k}\` belongs to an ARP expectation (with \`who-has\`)`, 'key');
    if (e.to === undefined) {
      report(path, '`to` is required (or `who-has` for an ARP expectation)');
      return [];
    }
    const family = familyOfText(e.to);
    // One lookup is one family: `ip route get 2001:db8::1 from 10.0.0.1` is refused by ip.
    for (const k of ['from', 'via', 'src'] as const) {
      const v = e[k];
      if (v !== undefined && familyOfText(v) !== family) report([...path, k], `${v} is ${familyName(familyOfText(v))} and \`to\` ${e.to} is ${familyName(family)}: one lookup is one family`);
    }
    const x: ModelExpectation = { kind: e.iif !== undefined ? 'inbound' : 'route', family, to: canonicalText(e.to), steps: expectationSteps(e, path, hostHasText, report), path };
    if (e.from !== undefined) x.from = canonicalText(e.from);
    if (e.iif !== undefined) {
      devCheck('iif', e.iif);
      x.iif = e.iif;
      x.accept = e.accept ?? true;
      if (e.from === undefined) report([...path, 'iif'], 'an inbound expectation (`iif`) needs `from`: the remote sender');
      if (family === 6) report([...path, 'iif'], 'inbound lookups (`iif`) are checked for IPv4 only: the IPv6 inbound path (neighbour discovery, rp_filter for IPv6) is not simulated');
      const extra = ['via', 'src', 'table', 'dev'].filter(has);
      if (extra.length > 0) report([...path, extra[0]!], `an inbound expectation (\`iif\`) checks only \`accept\`, not \`${extra[0]}\``, 'key');
    } else if (e.accept !== undefined) report([...path, 'accept'], '`accept` belongs to an inbound expectation (with `iif`)', 'key');
    if (e.dev !== undefined) {
      devCheck('dev', e.dev);
      x.dev = e.dev;
    }
    if (e.via !== undefined) {
      const via = parseIPv6(e.via);
      // fe80::1 is on every link: which one is part of the answer.
      if (via !== undefined && IPV6.isOnEveryLink(via) && e.dev === undefined) report([...path, 'via'], `${e.via} is a link-local gateway, which every link has: give \`dev\`, the interface it is expected on`);
      x.via = canonicalText(e.via);
    }
    if (e.src !== undefined) x.src = canonicalText(e.src);
    if (e.table !== undefined) {
      if (!tableNames.has(e.table) && !RESERVED_TABLES.has(e.table)) report([...path, 'table'], `table \`${e.table}\` is not declared under \`tables:\``);
      x.table = e.table;
    }
    return [x];
  });

  checkVlanSysctl(links, report);
  // The model keeps the locator only, not the parsed data it came from (which it would keep
  // alive as long as the Plan: a second copy of a large host).
  const locate = loaded.locate;
  const model: Model = { host: raw.host, source: loaded.file, links, routes, routes6, tables, expect, locate: (p) => locate(p) };
  if (raw.sysctl === false) model.sysctl = false;
  else if (raw.sysctl !== undefined) model.sysctl = { values: sysctlValues(raw.sysctl), path: ['sysctl'] };
  return model;
}

type AnyRawRoute = RawRoute | (Omit<RawRoute, 'dev'> & { dev?: string });

/** For each address of one family, the first link that holds it (made on first use). */
function ownerIndex<A extends number | bigint>(ops: FamilyOps<A>, links: readonly ModelLink[], famOf: (l: ModelLink) => ModelFamily<A>): (a: A) => ModelLink | undefined {
  let owners: Map<number | string, ModelLink> | undefined;
  return (a) => {
    if (owners === undefined) {
      owners = new Map();
      for (const l of links) {
        for (const x of famOf(l).addresses) {
          const key = ops.key(x.address);
          if (!owners.has(key)) owners.set(key, l);
        }
      }
    }
    return owners.get(ops.key(a));
  };
}

/** What the family-neutral checks need of one family. */
interface FamilyContext<A extends number | bigint> {
  ops: FamilyOps<A>;
  links: readonly ModelLink[];
  /** The links by name (the first of a name: a second was reported). */
  linkByName: ReadonlyMap<string, ModelLink>;
  /** The first link holding an address of this family. */
  ownerOf: (a: A) => ModelLink | undefined;
  /** bringUpOrders of the links, each with every link's place in it. */
  upOrders: () => { order: BringUpOrder; place: Map<string, number> }[];
  famOf: (l: ModelLink) => ModelFamily<A>;
  hostHas: (a: A) => boolean;
  resolveTable: (ref: string | number | undefined, at: Path, forRule: boolean) => string;
  report: Report;
}

function familyName(f: Family): string {
  return f === 4 ? 'IPv4' : 'IPv6';
}

/** The canonical text of an address the schema accepted (RFC 5952 for IPv6). */
function canonicalText(text: string): string {
  const a = parseIp(text)!;
  return a.family === 4 ? formatIPv4(a.address) : formatIPv6(a.address);
}

/**
 * IPv6 addresses are written in RFC 5952's canonical form (lower case, the longest run of
 * zero groups as `::`, no leading zeros), the form `ip -6` prints: a model read beside `ip`
 * output, a diff and a grep all see one spelling of one address.
 */
function checkIPv6Spelling(raw: RawModel, report: Report): void {
  // One path, grown and shrunk as the walk goes: copied only for a report (every value of
  // the model is visited, so a path per value would be most of the work).
  const path: (string | number)[] = [];
  // Called for the strings with a colon only (those are few).
  const check = (v: string): void => {
    const slash = v.indexOf('/');
    const addr = slash < 0 ? v : v.slice(0, slash);
    const a = parseIPv6(addr);
    if (a === undefined) return;
    const canonical = formatIPv6(a);
    if (canonical !== addr) report([...path], `${v} is not written in canonical form (RFC 5952, as ip -6 prints it): write ${canonical}${slash < 0 ? '' : v.slice(slash)}`);
  };
  // Strings and other leaves are looked at in place: a call and a path entry only for a
  // collection, or for a string that has a colon.
  const walk = (v: object): void => {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'string') {
          if (!x.includes(':')) continue;
        } else if (x === null || typeof x !== 'object') continue;
        path.push(i);
        if (typeof x === 'string') check(x);
        else walk(x as object);
        path.pop();
      }
      return;
    }
    for (const k in v) {
      if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
      const x = (v as Record<string, unknown>)[k];
      if (typeof x === 'string') {
        if (!x.includes(':')) continue;
      } else if (x === null || typeof x !== 'object') continue;
      path.push(k);
      if (typeof x === 'string') check(x);
      else walk(x as object);
      path.pop();
    }
  };
  walk(raw);
}

/** IPv6 addresses: once per host, and addresses a host can have. Returns the host's lookup. */
function checkAddresses6(links: readonly ModelLink[], report: Report): (a: bigint) => boolean {
  const seen = new Map<number | string, Path>();
  for (let l = 0; l < links.length; l++) {
    const addresses = links[l]!.ipv6.addresses;
    for (let k = 0; k < addresses.length; k++) {
      const a = addresses[k]!;
      const key = IPV6.key(a.address);
      const prev = seen.get(key);
      if (prev) report(a.path, `${formatIPv6(a.address)} is configured twice (also at ${formatPath(prev)})`);
      else seen.set(key, a.path);
      if (a.prefix === 0) report(a.path, `/0 is not a host address prefix`);
      else if (isUnspecified6(a.address) || isLoopback6(a.address)) report(a.path, `${formatIPv6(a.address)} is ${isLoopback6(a.address) ? 'the loopback address' : 'the unspecified address'}, not an interface address`);
      else if (isMulticast6(a.address)) report(a.path, `${formatIPv6(a.address)} is a multicast address, not an interface address`);
    }
  }
  return (a) => seen.has(IPV6.key(a));
}

/** One family's address of `key: A` or `key: [A, B]`: its text and its index in the list (-1: not a list). */
interface FamilyItem {
  text: string;
  index: number;
}
/** The IPv4 and the IPv6 item of such a value (named fields: an object keyed 4 and 6 is an array inside). */
class PerFamily {
  constructor(
    readonly v4: FamilyItem | undefined,
    readonly v6: FamilyItem | undefined,
  ) {}
}
const NO_ITEMS = new PerFamily(undefined, undefined);

/** Where a FamilyItem is written: `at.key` or `at.key[index]` (made only for a message). */
function itemPath(at: Path, key: string, item: FamilyItem): Path {
  return item.index < 0 ? [...at, key] : [...at, key, item.index];
}

/**
 * `gateway: A` or `gateway: [A, B]` (the value of `key` under `at`) with at most one address
 * of each family; a wrong item is reported and left out.
 */
function perFamily(value: string | string[], at: Path, key: string, what: string, report: Report): PerFamily {
  if (typeof value === 'string') return familyOfText(value) === 4 ? new PerFamily({ text: value, index: -1 }, undefined) : new PerFamily(undefined, { text: value, index: -1 });
  let v4: FamilyItem | undefined;
  let v6: FamilyItem | undefined;
  for (let i = 0; i < value.length; i++) {
    const text = value[i]!;
    const f = familyOfText(text);
    const prev = f === 4 ? v4 : v6;
    if (prev) report([...at, key, i], `a second ${familyName(f)} ${what} (${prev.text} is the first): give at most one per family`);
    else if (f === 4) v4 = { text, index: i };
    else v6 = { text, index: i };
  }
  return new PerFamily(v4, v6);
}

/** An interface's (or own table's) default gateway: inside a subnet of the link (IPv6 link-local: always), not the host's. */
function checkGateway<A extends number | bigint>(ctx: FamilyContext<A>, link: ModelLink, item: FamilyItem, at: Path, key: string): A | undefined {
  const { ops, report } = ctx;
  const text = item.text;
  const gw = ops.parse(text);
  if (gw === undefined) return undefined;
  const fam = ctx.famOf(link);
  if (!ops.isOnEveryLink(gw) && !inSubnetOf(ops, fam.addresses, gw)) {
    report(itemPath(at, key, item), `gateway ${text} is not inside a subnet of ${link.name} (${subnetsOf(ops, fam) || `it has no ${ops.family === 4 ? '' : 'IPv6 '}addresses`})`);
  }
  if (ctx.hostHas(gw)) report(itemPath(at, key, item), `gateway ${text} is an address of this host`);
  return gw;
}

/** Whether `a` is inside the subnet of one of the addresses (a host prefix has none). */
function inSubnetOf<A extends number | bigint>(ops: FamilyOps<A>, addresses: readonly ModelAddress<A>[], a: A): boolean {
  for (let i = 0; i < addresses.length; i++) {
    const x = addresses[i]!;
    if (x.prefix < ops.bits && ops.contains(x.address, x.prefix, a)) return true;
  }
  return false;
}

/** A route is one family: that of `to`, else of `via` or `src`; `default` alone is IPv4. */
function routeFamily(r: AnyRawRoute, path: Path, report: Report): Family | undefined {
  const given = (
    [
      ['to', r.to === 'default' ? undefined : r.to],
      ['via', r.via],
      [r.src !== undefined ? 'src' : 'from', r.src ?? r.from],
    ] as const
  ).filter((x): x is readonly ['to' | 'via' | 'src' | 'from', string] => x[1] !== undefined);
  const first = given[0];
  if (first === undefined) return 4;
  const family = familyOfText(first[1]);
  const other = given.find(([, v]) => familyOfText(v) !== family);
  if (other) {
    report([...path, other[0]], `${other[1]} is ${familyName(familyOfText(other[1]))} but \`${first[0]}\` ${first[1]} is ${familyName(family)}: a route is one family (ip -4 or ip -6)`);
    return undefined;
  }
  return family;
}

/** A rule is one family: that of `from`/`to`; a rule with neither is IPv4 (`ip rule`). */
function ruleFamily(r: RawRule, path: Path, report: Report): Family | undefined {
  if (r.from !== undefined && r.to !== undefined && familyOfText(r.from) !== familyOfText(r.to)) {
    report([...path, 'to'], `${r.to} is ${familyName(familyOfText(r.to))} but \`from\` ${r.from} is ${familyName(familyOfText(r.from))}: a rule is one family (ip -4 rule or ip -6 rule)`);
    return undefined;
  }
  const text = r.from ?? r.to;
  return text === undefined ? 4 : familyOfText(text);
}

function convertRoute<A extends number | bigint>(ctx: FamilyContext<A>, r: AnyRawRoute, dev: string, path: Path, tableOverride?: string): ModelRoute<A> | undefined {
  const { ops, report } = ctx;
  const to = parseTarget(ops, r.to);
  if (!to) return undefined;
  if (!to.isDefault && to.address !== ops.networkOf(to.address, to.prefix)) {
    report([...path, 'to'], `${r.to} has host bits set; the network is ${ops.formatCidr(to.address, to.prefix)}`);
  }
  if (r.from !== undefined && r.src !== undefined) report([...path, 'src'], 'give the source once: `from` and `src` mean the same');
  const srcText = r.src ?? r.from;
  const src = srcText === undefined ? undefined : ops.parse(srcText);
  const srcKey = r.src !== undefined ? 'src' : 'from';
  const refused = ops.family === 4 ? 'Invalid prefsrc address' : 'Invalid source address';
  if (src !== undefined && !ctx.hostHas(src)) {
    report([...path, srcKey], `source ${srcText} is not an address configured on this host (the kernel refuses it: ${refused})`);
  } else if (src !== undefined) {
    // Routes go in when their device comes up; a source on a device that comes up later
    // is not there yet, and the route is refused at boot, by any consumer that starts it later.
    const owner = ctx.ownerOf(src);
    const later = owner && owner.name !== dev ? ctx.upOrders().find((o) => o.place.get(owner.name)! > (o.place.get(dev) ?? -1))?.order : undefined;
    if (owner && later) {
      report(
        [...path, srcKey],
        `source ${srcText} is on ${owner.name}, which comes up after ${dev} (${later.who !== 'model' ? later.why : owner.kind === 'vlan' ? 'VLANs come up after the other interfaces' : 'interfaces come up in model order'}); ` +
          `the route would be refused at boot (${refused}): put the route on ${owner.name}, or the address on ${dev}`,
      );
    }
  }
  const link = ctx.linkByName.get(dev);
  const via = r.via === undefined ? undefined : ops.parse(r.via);
  if (via !== undefined && link && !r['on-link'] && !ops.isOnEveryLink(via) && !ctx.famOf(link).addresses.some((a) => a.prefix < ops.bits && ops.contains(a.address, a.prefix, via))) {
    report([...path, 'via'], `gateway ${r.via} is not inside a subnet of ${dev}; add it there or set \`on-link: true\``);
  }
  checkRouteScope(r, via !== undefined, path, report);
  if (via !== undefined && ctx.hostHas(via)) report([...path, 'via'], `gateway ${r.via} is an address of this host (the kernel refuses it: Nexthop has invalid gateway)`);
  const route: ModelRoute<A> = {
    to,
    dev,
    metric: r.metric ?? ops.defaultMetric,
    table: tableOverride ?? ctx.resolveTable(r.table, path, false),
    onlink: r['on-link'] ?? false,
    path,
  };
  if (via !== undefined) route.via = via;
  if (src !== undefined) route.src = src;
  if (r.scope) route.scope = r.scope;
  if (r.proto) route.proto = r.proto;
  return route;
}

/**
 * VLANs are created after the boot's sysctl pass, so they all take the `default` values
 * (src/plan/sysctl.ts): two VLANs cannot be given different values of one key.
 */
function checkVlanSysctl(links: ModelLink[], report: Report): void {
  let first: Map<string, { value: number; link: ModelLink }> | undefined;
  for (let i = 0; i < links.length; i++) {
    const link = links[i]!;
    if (link.kind !== 'vlan' || !link.sysctl) continue;
    first ??= new Map();
    for (const [key, value] of Object.entries(link.sysctl.values)) {
      const prev = first.get(key);
      if (prev && prev.value !== value) {
        report(
          [...link.sysctl.path, key],
          `${key} ${value} differs from ${prev.link.name}'s ${key} ${prev.value}; VLANs are created after sysctl runs at boot, so every VLAN takes the one \`default\` value: give them the same`,
        );
      } else if (!prev) first.set(key, { value, link });
    }
  }
}

function sysctlValues(raw: Record<string, number | undefined>): ModelSysctl['values'] {
  const out: ModelSysctl['values'] = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) out[k as keyof ModelSysctl['values']] = v;
  return out;
}

/**
 * Table names `ip` reads as a word of its own: `ip route show|flush table all` means every
 * table and `table cache` the route cache (iproute2 looks these words up only when
 * rt_tables does not map them, so a table of that name changes what those commands do).
 */
export const IP_TABLE_WORDS: ReadonlySet<string> = new Set(['all', 'cache', 'help']);

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/** Whether an object has an own enumerable key (Object.keys(o).length > 0, without the array). */
function hasOwnKey(o: object): boolean {
  for (const k in o) if (hasOwn(o, k)) return true;
  return false;
}

/** What the model says that a consumer would read differently or refuse: checked before the rest. */
function checkConsumerWords(raw: RawModel, report: Report): void {
  if (!hasOwnKey(raw.interfaces)) {
    report(['interfaces'], 'the model has no interfaces: a host needs at least one, e.g. `eth0: { addresses: [192.0.2.10/24] }`');
  }
  const tables = raw.tables;
  if (tables === undefined || !(hasOwn(tables, 'all') || hasOwn(tables, 'cache') || hasOwn(tables, 'help'))) return;
  for (const name of Object.keys(tables)) {
    if (IP_TABLE_WORDS.has(name)) {
      report(
        ['tables', name],
        `\`${name}\` is a word \`ip\` reads as something else (\`ip route show table ${name}\` means ${name === 'all' ? 'every table' : name === 'cache' ? 'the route cache' : 'its usage text'}); name the table otherwise`,
        'key',
      );
    }
  }
}

/**
 * A gateway route is at most `scope global`'s narrower kin: the kernel looks the gateway up
 * with a scope narrower than the route's, so `scope: link` leaves nothing to find it in
 * (Nexthop has invalid gateway; with `on-link`, Nexthop has invalid scope), and `scope:
 * host` takes no gateway at all. Measured with iproute2 6.1 on Linux 6.x.
 */
function checkRouteScope(r: { scope?: string | undefined; 'on-link'?: boolean | undefined }, hasVia: boolean, path: Path, report: Report): void {
  if (r['on-link'] === true && !hasVia) {
    report([...path, 'on-link'], '`on-link` is about a gateway and this route has no `via` (the kernel refuses it: Invalid flags for nexthop); drop `on-link`');
  }
  if (!hasVia || r.scope === undefined || r.scope === 'global') return;
  if (r.scope === 'host') {
    report([...path, 'scope'], 'a route with `scope: host` cannot have a gateway (the kernel refuses it: Route with host scope can not have a gateway)');
  } else {
    report([...path, 'scope'], 'a route via a gateway cannot be `scope: link` (the kernel refuses it: Nexthop has invalid gateway, or invalid scope with `on-link`); drop `scope`');
  }
}

function suggestText(word: string, candidates: string[]): string {
  const hint = suggest(word, candidates);
  return hint ? `; did you mean \`${hint}\`?` : '';
}

function subnetsOf<A extends number | bigint>(ops: FamilyOps<A>, fam: Pick<ModelFamily<A>, 'addresses'>): string {
  return [...new Set(fam.addresses.filter((a) => a.prefix < ops.bits).map((a) => ops.formatCidr(a.address, a.prefix)))].join(', ');
}

function parseTarget<A extends number | bigint>(ops: FamilyOps<A>, text: string): ModelRoute<A>['to'] | undefined {
  if (text === 'default') return { address: ops.zero, prefix: 0, isDefault: true };
  const c = ops.parseCidr(text, true);
  return c ? { address: c.address, prefix: c.prefix, isDefault: c.prefix === 0 } : undefined;
}

function collectTables(raw: RawModel, report: Report): ModelTable[] {
  const out: ModelTable[] = [];
  const ids = new Map<number, string>();
  const tables = raw.tables;
  if (tables === undefined) return out;
  const names = Object.keys(tables);
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const value = tables[name]!;
    const path = ['tables', name];
    if (RESERVED_TABLES.has(name)) {
      report(path, `\`${name}\` is a reserved table (${RESERVED_TABLES.get(name)} ${name}); refer to it without declaring it`, 'key');
      continue;
    }
    if (!TABLE_NAME.test(name)) {
      report(path, `${JSON.stringify(name)} is not a table name \`ip\` accepts (a letter first, then letters, digits, _ . -; at most 64)`, 'key');
      continue;
    }
    const t: ModelTable = { name, path };
    if (value !== 'auto') {
      if (value === 253 || value === 254 || value === 255) {
        report(path, `table number ${value} is reserved (${[...RESERVED_TABLES].find(([, id]) => id === value)![0]})`);
        continue;
      }
      const other = ids.get(value);
      if (other !== undefined) report(path, `table number ${value} is taken by \`${other}\` already`);
      ids.set(value, name);
      t.id = value;
    }
    out.push(t);
  }
  return out;
}

/** The model's links, physical first then VLANs, and (at the same index) the raw fields each was made from. */
function collectLinks(raw: RawModel, report: Report): { links: ModelLink[]; raws: RawLinkFields[] } {
  const physical: ModelLink[] = [];
  const physicalRaws: RawLinkFields[] = [];
  const vlans: ModelLink[] = [];
  const vlanRaws: RawLinkFields[] = [];
  const names = new Map<string, Path>();
  const claim = (name: string, path: Path): boolean => {
    const prev = names.get(name);
    if (prev) {
      report(path, `interface \`${name}\` is defined twice (also at ${formatPath(prev)})`, 'key');
      return false;
    }
    names.set(name, path);
    return true;
  };

  const interfaces = raw.interfaces;
  for (const name in interfaces) {
    if (!Object.prototype.hasOwnProperty.call(interfaces, name)) continue;
    const iface = interfaces[name]!;
    const path = ['interfaces', name];
    if (!checkIfName(name, path, report)) continue;
    if (endsWithDotNumber(name) && !raw.vlans?.[name]) {
      // `eth0.10` under interfaces: a VLAN spelled by name; its parent must exist.
      const dot = name.lastIndexOf('.');
      const parent = name.slice(0, dot);
      const id = Number(name.slice(dot + 1));
      if (!raw.interfaces[parent]) {
        report(path, `VLAN \`${name}\` needs its parent interface \`${parent}\` under \`interfaces:\``, 'key');
        continue;
      }
      if (!checkVlanId(id, path, report)) continue;
      if (iface.vlans) report([...path, 'vlans'], 'a VLAN cannot carry VLANs of its own');
      if (claim(name, path)) {
        vlans.push(makeLink(name, 'vlan', iface, path, report, parent, id));
        vlanRaws.push(iface);
      }
      continue;
    }
    if (claim(name, path)) {
      physical.push(makeLink(name, 'ethernet', iface, path, report));
      physicalRaws.push(iface);
    }
    if (iface.vlans === undefined) continue;
    for (const [idText, v] of Object.entries(iface.vlans)) {
      const vpath = [...path, 'vlans', idText];
      const id = /^\d+$/.test(idText) ? Number(idText) : NaN;
      if (!checkVlanId(id, vpath, report, idText)) continue;
      const vname = `${name}.${id}`;
      if (!checkIfName(vname, vpath, report)) continue;
      if (claim(vname, vpath)) {
        vlans.push(makeLink(vname, 'vlan', v, vpath, report, name, id));
        vlanRaws.push(v);
      }
    }
  }
  for (const [name, v] of Object.entries(raw.vlans ?? {})) {
    const path = ['vlans', name];
    if (!checkIfName(name, path, report)) continue;
    if (!raw.interfaces[v.link] || endsWithDotNumber(v.link)) {
      report([...path, 'link'], `VLAN \`${name}\` names parent \`${v.link}\`, which is not an interface under \`interfaces:\`${suggestText(v.link, Object.keys(raw.interfaces))}`);
      continue;
    }
    if (!checkVlanId(v.id, [...path, 'id'], report)) continue;
    if (claim(name, path)) {
      vlans.push(makeLink(name, 'vlan', v, path, report, v.link, v.id));
      vlanRaws.push(v);
    }
  }
  // The same (parent, id) twice would be two names for one device.
  const byParentId = new Map<string, string>();
  for (let i = 0; i < vlans.length; i++) {
    const l = vlans[i]!;
    const key = `${l.parent}/${l.vlanId}`;
    const other = byParentId.get(key);
    if (other) report(l.path, `VLAN ${l.vlanId} on ${l.parent} is defined twice (\`${other}\` and \`${l.name}\`)`, 'key');
    byParentId.set(key, l.name);
  }
  for (let i = 0; i < vlans.length; i++) {
    physical.push(vlans[i]!);
    physicalRaws.push(vlanRaws[i]!);
  }
  return { links: physical, raws: physicalRaws };
}

/** Whether a name ends in `.` and digits (`eth0.10`): /\.\d+$/ without a regular expression per name. */
export function endsWithDotNumber(name: string): boolean {
  let i = name.length - 1;
  while (i >= 0) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i--;
  }
  return i < name.length - 1 && i >= 0 && name.charCodeAt(i) === 46;
}

function checkVlanId(id: number, path: Path, report: Report, shown?: string): boolean {
  if (!Number.isInteger(id) || id < 1 || id > 4094) {
    report(path, `VLAN id ${shown ?? String(id)} is not a whole number from 1 to 4094`, shown !== undefined ? 'key' : 'value');
    return false;
  }
  return true;
}

function checkIfName(name: string, path: Path, report: Report): boolean {
  if (name === '.' || name === '..') {
    report(path, `\`${name}\` is not an interface name`, 'key');
    return false;
  }
  if (name.length > 15) {
    report(path, `interface name ${JSON.stringify(name)} is ${name.length} characters; Linux allows at most 15`, 'key');
    return false;
  }
  if (!IFNAME.test(name)) {
    const why = /[:]/.test(name)
      ? ' (`:` marks an alias label: put it under the interface\'s `aliases:`)'
      : ' (letters, digits, _ . - only; no /, whitespace or shell characters)';
    report(path, `${JSON.stringify(name)} is not an interface name Linux and the shell accept${why}`, 'key');
    return false;
  }
  return true;
}

function makeLink(name: string, kind: 'ethernet' | 'vlan', raw: RawLinkFields, path: Path, report: Report, parent?: string, vlanId?: number): ModelLink {
  const link: ModelLink = { name, kind, onBoot: raw['on-boot'] ?? true, addresses: [], routes: [], rules: [], ipv6: { addresses: [], routes: [], rules: [] }, path };
  if (parent !== undefined) link.parent = parent;
  if (vlanId !== undefined) link.vlanId = vlanId;
  if (raw.mtu !== undefined) link.mtu = raw.mtu;
  if (raw.mac !== undefined) link.mac = raw.mac.toLowerCase();
  if (raw.sysctl !== undefined) link.sysctl = { values: sysctlValues(raw.sysctl), path: [...path, 'sysctl'] };
  const addresses = raw.addresses;
  for (let i = 0; addresses && i < addresses.length; i++) {
    const c = parsePrefix(addresses[i]!)!;
    const at = [...path, 'addresses', i];
    if (c.family === 4) link.addresses.push({ address: c.address, prefix: c.prefix, onParent: true, path: at });
    else link.ipv6.addresses.push({ address: c.address, prefix: c.prefix, onParent: true, path: at });
  }
  if (raw.aliases === undefined) return link;
  for (const [label, a] of Object.entries(raw.aliases).sort(([x], [y]) => compareLabels(x, y))) {
    const apath = [...path, 'aliases', label];
    const m = ALIAS_LABEL.exec(label);
    if (!m) {
      report(apath, `alias label ${JSON.stringify(label)} is not \`${name}:N\` (N: letters, digits, _)`, 'key');
      continue;
    }
    if (m[1] !== name) {
      report(apath, `alias \`${label}\` is under \`${name}\`; its label must start with \`${name}:\``, 'key');
      continue;
    }
    if (label.length > 15) {
      report(apath, `alias label \`${label}\` is ${label.length} characters; Linux allows at most 15`, 'key');
      continue;
    }
    const c = parsePrefix(a.address, true)!;
    const manager = aliasManager(name, label, a, apath, report);
    const fill = <A extends number | bigint>(address: ModelAddress<A>): ModelAddress<A> => {
      if (manager) {
        address.manager = manager;
        // The manager brings it up; nothing at boot may.
        address.onParent = false;
      }
      return address;
    };
    const onParent = a['on-parent'] ?? true;
    if (c.family === 4) link.addresses.push(fill({ address: c.address, prefix: c.prefix, label, onParent, path: [...apath, 'address'] }));
    else link.ipv6.addresses.push(fill({ address: c.address, prefix: c.prefix, label, onParent, path: [...apath, 'address'] }));
  }
  return link;
}

type RawAlias = NonNullable<RawLinkFields['aliases']>[string];

/** `managed-by` with the settings of its tool; each key only with the tool it belongs to. */
function aliasManager(link: string, label: string, a: RawAlias, path: Path, report: Report): ModelManager | undefined {
  const by = a['managed-by'];
  if (a.vrrp !== undefined && by !== 'keepalived') report([...path, 'vrrp'], '`vrrp:` configures keepalived: add `managed-by: keepalived` to this alias', 'key');
  if (a.pacemaker !== undefined && by !== 'pacemaker') report([...path, 'pacemaker'], '`pacemaker:` configures Pacemaker: add `managed-by: pacemaker` to this alias', 'key');
  if (by === undefined) return undefined;
  if (a['on-parent'] === true) {
    report([...path, 'on-parent'], `${label} is managed by ${by}, which brings it up only on the node that holds it; \`on-parent: true\` would bring it up at boot on every node: drop it`);
  }
  if (by === 'pacemaker') {
    const m: ModelManager = { kind: 'pacemaker', path: [...path, 'managed-by'] };
    if (a.pacemaker?.group !== undefined) m.group = a.pacemaker.group;
    if (a.pacemaker?.['resource-prefix'] !== undefined) m.prefix = a.pacemaker['resource-prefix'];
    return m;
  }
  const v = a.vrrp;
  if (v === undefined) {
    report([...path, 'managed-by'], `${label} is managed by keepalived: give its \`vrrp:\` instance, router-id and priority (the same instance and router-id on every node)`);
    return undefined;
  }
  const vrrp: ModelVrrp = {
    instance: v.instance,
    routerId: v['router-id'],
    priority: v.priority,
    advertInt: v['advert-int'] ?? 1,
    unicastPeers: (v['unicast-peers'] ?? []).map((p) => parseIPv4(p)!),
    interface: v.interface ?? link,
    path: [...path, 'vrrp'],
  };
  if (v.state !== undefined) vrrp.state = v.state;
  return { kind: 'keepalived', vrrp, path: [...path, 'managed-by'] };
}

/** `eth0:2` before `eth0:10`: numeric tags in numeric order, then the rest by code point. */
export function compareLabels(a: string, b: string): number {
  const ta = a.slice(a.indexOf(':') + 1);
  const tb = b.slice(b.indexOf(':') + 1);
  const na = /^\d+$/.test(ta);
  const nb = /^\d+$/.test(tb);
  if (na && nb) return Number(ta) - Number(tb) || (ta < tb ? -1 : ta > tb ? 1 : 0);
  if (na !== nb) return na ? -1 : 1;
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

function convertRule<A extends number | bigint>(
  ops: FamilyOps<A>,
  r: RawRule,
  dev: string,
  path: Path,
  resolveTable: (ref: string | number | undefined, at: Path, forRule: boolean) => string,
  report: Report,
): ModelRule<A> | undefined {
  const rule: ModelRule<A> = { table: resolveTable(r.table, path, true), dev, path };
  for (const key of ['from', 'to'] as const) {
    const text = r[key];
    if (text === undefined) continue;
    const c = ops.parseCidr(text, true)!;
    if (c.address !== ops.networkOf(c.address, c.prefix)) {
      report([...path, key], `${text} has host bits set; the network is ${ops.formatCidr(c.address, c.prefix)}`);
    }
    rule[key] = { address: ops.networkOf(c.address, c.prefix), prefix: c.prefix };
  }
  if (r.priority !== undefined) rule.priority = r.priority;
  return rule;
}

function checkEgress<A extends number | bigint>(
  ctx: FamilyContext<A>,
  link: ModelLink,
  preferItem: FamilyItem,
  raw: NonNullable<RawLinkFields['egress']>,
  path: Path,
): void {
  const { ops, report } = ctx;
  const preferText = preferItem.text;
  const preferPath = itemPath(path, 'prefer', preferItem);
  const fam = ctx.famOf(link);
  const prefer = ops.parse(preferText)!;
  const own = fam.addresses.filter((a) => a.label === undefined);
  const vip = fam.addresses.find((a) => a.address === prefer);
  const egress = {
    prefer,
    metric: raw.metric ?? DEFAULT_EGRESS_METRIC,
    fallbackMetric: raw['fallback-metric'] ?? DEFAULT_FALLBACK_METRIC,
    path,
  };
  if (!vip) {
    report(preferPath, `${preferText} is not an address of ${link.name}: add it under \`aliases:\` (for a VIP) or \`addresses:\``);
    return;
  }
  if (own.length === 0) {
    report(path, `${link.name} has no ${ops.family === 4 ? '' : 'IPv6 '}address of its own to fall back to`);
    return;
  }
  if (own[0]!.address === prefer) {
    report(preferPath, `${preferText} is already ${link.name}'s primary ${ops.family === 4 ? '' : 'IPv6 '}address; prefer a VIP or secondary address`);
    return;
  }
  const subnets = egressSubnets(ops, fam, prefer);
  if (subnets.length === 0) {
    report(
      preferPath,
      `${preferText} is not inside a subnet of ${link.name} (${subnetsOf(ops, fam) || 'none'}), so there is no connected subnet to prefer it in` +
        (vip.prefix < ops.bits ? ` (as a /${ops.bits} alias, ${preferText} would be preferred in every subnet of ${link.name})` : ''),
    );
    return;
  }
  const tooLong = subnets.find((n) => n.prefix > ops.bits - 2);
  if (tooLong) {
    report(preferPath, `the subnet ${ops.formatCidr(tooLong.address, tooLong.prefix)} is /${tooLong.prefix}; the egress split needs /${ops.bits - 2} or shorter`);
    return;
  }
  if (egress.metric >= egress.fallbackMetric) {
    report([...path, 'metric'], `the preferred metric ${egress.metric} must be lower than the fallback metric ${egress.fallbackMetric}`);
    return;
  }
  if (vip.manager?.kind === 'pacemaker' && ops.defaultMetric >= egress.fallbackMetric) {
    report(
      [...path, raw['fallback-metric'] !== undefined ? 'fallback-metric' : 'prefer'],
      `${preferText} is moved by Pacemaker, whose Route agent adds ${ops.name} routes without a metric, so the kernel gives them ${ops.defaultMetric}; ` +
        `the fallback from the primary must come after them, and its metric is ${egress.fallbackMetric}: set \`fallback-metric\` above ${ops.defaultMetric}`,
    );
    return;
  }
  fam.egress = egress;
}

/**
 * The connected subnets the VIP egress recipe splits: the subnet of the link's own
 * addresses that holds the VIP (a /32 VIP uses its interface's subnet), else the VIP's own;
 * a /32 VIP from another network (192.0.2.77/32 beside 10.50.0.10/26) is preferred in every
 * subnet of the link's own addresses. The same for IPv6 with /128.
 */
export function egressSubnets<A extends number | bigint>(ops: FamilyOps<A>, fam: Pick<ModelFamily<A>, 'addresses'>, prefer: A): { address: A; prefix: number }[] {
  const inside = (a: ModelAddress<A>): boolean => a.prefix < ops.bits && ops.contains(a.address, a.prefix, prefer);
  const own = fam.addresses.find((a) => a.label === undefined && inside(a));
  if (own) return [{ address: ops.networkOf(own.address, own.prefix), prefix: own.prefix }];
  const any = fam.addresses.find(inside);
  if (any) return [{ address: ops.networkOf(any.address, any.prefix), prefix: any.prefix }];
  const vip = fam.addresses.find((a) => a.address === prefer);
  if (vip === undefined || vip.prefix < ops.bits) return [];
  const out = new Map<string, { address: A; prefix: number }>();
  for (const a of fam.addresses) {
    if (a.label !== undefined || a.prefix >= ops.bits) continue;
    const net = { address: ops.networkOf(a.address, a.prefix), prefix: a.prefix };
    out.set(ops.formatCidr(net.address, net.prefix), net);
  }
  return [...out.values()];
}

/** Whether the egress intent of a link (one family of it) takes over a route: a main-table route out of it with no `src` of its own. */
export function egressCovers(link: { name: string; egress?: unknown } | undefined, route: { dev: string; table: string; src?: unknown }): boolean {
  return link?.egress !== undefined && route.dev === link.name && route.table === 'main' && route.src === undefined;
}

/**
 * The metrics a route is added with: its own, or for a route the egress intent takes over,
 * its own plus the preferred metric (from the VIP; when Pacemaker adds it, whose Route agent
 * has no metric, what the kernel gives: 0 for IPv4, 1024 for IPv6) and its own plus the
 * fallback metric (from the primary).
 */
function addedMetrics<A extends number | bigint>(ops: FamilyOps<A>, link: ModelLink | undefined, fam: ModelFamily<A> | undefined, r: ModelRoute<A>): number[] {
  const eg = fam?.egress;
  if (!link || !fam || !eg || !egressCovers({ name: link.name, egress: eg }, r)) return [r.metric];
  const vip = fam.addresses.find((a) => a.address === eg.prefer);
  return [vip?.manager?.kind === 'pacemaker' ? ops.defaultMetric : r.metric + eg.metric, r.metric + eg.fallbackMetric];
}

/** The two halves of the subnet the egress recipe splits, as `addr/n`. */
function egressHalves<A extends number | bigint>(ops: FamilyOps<A>, fam: ModelFamily<A>): string[] {
  const out: string[] = [];
  if (!fam.egress) return out;
  const subnets = egressSubnets(ops, fam, fam.egress.prefer);
  for (let i = 0; i < subnets.length; i++) {
    const n = subnets[i]!;
    if (n.prefix > ops.bits - 2) continue;
    const [lo, hi] = ops.splitHalves(n.address, n.prefix);
    out.push(ops.formatCidr(lo.address, lo.prefix), ops.formatCidr(hi.address, hi.prefix));
  }
  return out;
}

/**
 * The kernel adds no connected route for a subnet whose network lies in 0.0.0.0/8 (for
 * example 22.150.105.3/1, network 0.0.0.0/1): nothing is on-link there, and every gateway
 * in it is refused at boot (Nexthop has invalid gateway). Measured on Linux 6.x.
 */
function checkZeroNetSubnets(links: ModelLink[], report: Report): void {
  for (let l = 0; l < links.length; l++) {
    const addresses = links[l]!.addresses;
    for (let k = 0; k < addresses.length; k++) {
      const a = addresses[k]!;
      if (a.prefix === 0 || a.prefix >= 32) continue;
      const net = networkOf(a.address, a.prefix);
      if (net >>> 24 === 0) {
        report(a.path, `the subnet of ${formatIPv4(a.address)}/${a.prefix} is ${formatCidr(net, a.prefix)}, and the kernel adds no connected route for a subnet that starts in 0.0.0.0/8 (its gateways would be refused at boot); use a longer prefix`);
      }
    }
  }
}

/**
 * A gateway reached only through the subnet of an alias with `on-parent: false` is not
 * reachable at boot, when the consumers add the routes: the kernel refuses them (Nexthop
 * has invalid gateway), and nothing adds them again. `on-link` routes skip the lookup.
 */
function checkGatewaysAtBoot<A extends number | bigint>(ops: FamilyOps<A>, links: ModelLink[], famOf: (l: ModelLink) => ModelFamily<A>, topRoutes: ModelRoute<A>[], report: Report): void {
  // Per link and gateway (routes mostly share a few gateways), the address whose subnet
  // alone holds it, or null; a link whose addresses are all on the parent has none to find.
  // IPv6 gateways are keyed as text: V8 hashes a BigInt by its lowest 64 bits only.
  // Most links have no such address: the loop below passes them over without a memo.
  const hasOffParent = (link: ModelLink): boolean => {
    const addresses = famOf(link).addresses;
    for (let i = 0; i < addresses.length; i++) if (!addresses[i]!.onParent && addresses[i]!.prefix < ops.bits) return true;
    return false;
  };
  const found = new Map<ModelLink, Map<number | string, ModelAddress<A> | null> | null>();
  const offParentHolder = (link: ModelLink, via: A): ModelAddress<A> | null => {
    let memo = found.get(link);
    if (memo === undefined) {
      memo = hasOffParent(link) ? new Map() : null;
      found.set(link, memo);
    }
    if (memo === null) return null;
    const key: number | string = typeof via === 'bigint' ? via.toString(16) : (via as number);
    let a = memo.get(key);
    if (a === undefined) {
      const holders = famOf(link).addresses.filter((x) => x.prefix < ops.bits && ops.contains(x.address, x.prefix, via));
      // Outside every subnet: reported elsewhere.
      a = holders.length === 0 || holders.some((x) => x.onParent) ? null : holders[0]!;
      memo.set(key, a);
    }
    return a;
  };
  /** `at`.`key`: where the gateway is written. */
  const check = (link: ModelLink, via: A, at: Path, key: string): void => {
    const a = offParentHolder(link, via);
    if (a === null) return;
    report(
      [...at, key],
      `gateway ${ops.format(via)} is inside ${ops.formatCidr(a.address, a.prefix)} only through ${a.label ?? link.name}, which has \`on-parent: false\`: ` +
        `it is not up at boot, when the routes are added, so the kernel refuses them (Nexthop has invalid gateway); put the gateway in a subnet ${link.name} has at boot`,
    );
  };
  for (let l = 0; l < links.length; l++) {
    const link = links[l]!;
    if (!hasOffParent(link)) continue;
    const fam = famOf(link);
    if (fam.gateway !== undefined) check(link, fam.gateway, link.path, 'gateway');
    const sr = fam.sourceRouting;
    if (sr?.gateway !== undefined) check(link, sr.gateway, sr.path, 'gateway');
    for (const r of fam.routes) if (r.via !== undefined && !r.onlink) check(link, r.via, r.path, 'via');
    for (const r of sr?.routes ?? []) if (r.via !== undefined && !r.onlink) check(link, r.via, r.path, 'via');
  }
  if (topRoutes.length === 0) return;
  const byName = new Map(links.map((l) => [l.name, l]));
  for (const r of topRoutes) {
    const link = byName.get(r.dev);
    if (link && r.via !== undefined && !r.onlink) check(link, r.via, r.path, 'via');
  }
}

/** The kernel gives a device no all-zero or multicast (group bit set) MAC address (Cannot assign requested address). */
function checkMacs(links: ModelLink[], report: Report): void {
  for (let i = 0; i < links.length; i++) {
    const link = links[i]!;
    if (link.mac === undefined) continue;
    const first = parseInt(link.mac.slice(0, 2), 16);
    if (/^(00:){5}00$/.test(link.mac)) report([...link.path, 'mac'], `${link.mac} is the all-zero MAC address, which no device can have (the kernel refuses it)`);
    else if ((first & 1) === 1) report([...link.path, 'mac'], `${link.mac} is a multicast MAC address (the first octet is odd), which no device can have (the kernel refuses it)`);
  }
}

/** The kernel refuses a second route with the same table, destination and metric (File exists). */
function checkRouteCollisions<A extends number | bigint>(ops: FamilyOps<A>, links: ModelLink[], famOf: (l: ModelLink) => ModelFamily<A>, topRoutes: ModelRoute<A>[], report: Report): void {
  // The first claim of each key, where it is written: a route's path, or (for a link's
  // gateway and egress) the link's or its source routing's path and the key under it, put
  // together only for a message.
  const seen = new Map<string, Path | ClaimSite>();
  const claim = (table: string, to: string, metric: number, path: Path | ClaimSite, why = ''): void => {
    const key = `${table} ${to} ${metric}`;
    const prev = seen.get(key);
    if (prev) {
      report(sitePath(path), `route to ${to} with metric ${metric} in table ${table} is there already (${formatPath(sitePath(prev))}); the kernel refuses the second (File exists)${why}`);
    } else seen.set(key, path);
  };
  // The kernel's own connected route for each subnet (IPv4: metric 0; IPv6: metric 256, which a route's default 1024 does not meet).
  const connectedMetric = ops.family === 4 ? 0 : 256;
  // Spelt when a route first asks (most hosts have no route at that metric in main).
  let connectedSet: Set<string> | undefined;
  const connected = (): Set<string> => {
    if (connectedSet === undefined) {
      connectedSet = new Set();
      for (const link of links) for (const a of famOf(link).addresses) if (a.prefix < ops.bits) connectedSet.add(ops.formatCidr(a.address, a.prefix));
    }
    return connectedSet;
  };
  const gatewayMetric = ops.defaultMetric;
  // Made when a route first asks (a host without routes needs none).
  let byName: Map<string, ModelLink> | undefined;
  const linkByName = (name: string): ModelLink | undefined => {
    if (byName === undefined) {
      byName = new Map();
      for (const l of links) if (!byName.has(l.name)) byName.set(l.name, l);
    }
    return byName.get(name);
  };
  for (let l = 0; l < links.length; l++) {
    const link = links[l]!;
    const fam = famOf(link);
    const eg = fam.egress;
    if (fam.gateway !== undefined && !eg) claim('main', 'default', gatewayMetric, new ClaimSite(link.path, 'gateway'));
    if (eg && fam.gateway !== undefined) {
      claim('main', 'default', eg.fallbackMetric, [...link.path, 'egress']);
      const vip = fam.addresses.find((a) => a.address === eg.prefer);
      claim('main', 'default', vip?.manager?.kind === 'pacemaker' ? ops.defaultMetric : eg.metric, [...link.path, 'egress']);
    }
    // The recipe's two halves of the VIP's subnet: a second egress into the same subnet
    // (another link, the same metric) is refused by `ip route add` (File exists).
    if (eg) {
      const vip = fam.addresses.find((a) => a.address === eg.prefer);
      const metric = vip?.manager?.kind === 'pacemaker' ? ops.defaultMetric : eg.metric;
      for (const half of egressHalves(ops, fam)) claim('main', half, metric, [...link.path, 'egress']);
    }
    const routes = fam.routes;
    for (let i = 0; i < routes.length; i++) claimRoute(routes[i]!);
    const sr = fam.sourceRouting;
    if (sr === undefined) continue;
    for (let i = 0; i < sr.routes.length; i++) claimRoute(sr.routes[i]!);
    if (sr.gateway !== undefined) claim(sr.table, 'default', gatewayMetric, new ClaimSite(sr.path, 'gateway'));
  }
  for (let i = 0; i < topRoutes.length; i++) claimRoute(topRoutes[i]!);

  function claimRoute(r: ModelRoute<A>): void {
    const to = r.to.isDefault ? 'default' : ops.formatCidr(r.to.address, r.to.prefix);
    const link = linkByName(r.dev);
    const fam = link && famOf(link);
    // Most routes are added once, at their own metric (see addedMetrics).
    if (!fam?.egress) {
      claimAt(r, to, r.metric, '');
      return;
    }
    const metrics = addedMetrics(ops, link, fam, r);
    const why =
      metrics.length > 1
        ? `; the egress intent of ${r.dev} adds its routes without src twice, at their metric + ${metrics[0]! - r.metric} from the VIP and + ${fam.egress.fallbackMetric} from the primary: give them metrics further apart`
        : '';
    for (const metric of metrics) if (!claimAt(r, to, metric, why)) return;
  }

  /** One metric a route is added with; false when a problem stops its other metrics. */
  function claimAt(r: ModelRoute<A>, to: string, metric: number, why: string): boolean {
    if (metric > U32) {
      report([...r.path, 'metric'], `with the egress intent of ${r.dev} this route is also added at metric ${r.metric} + ${metric - r.metric} = ${metric}, above 4294967295`);
      return false;
    }
    if (r.table === 'main' && metric === connectedMetric && connected().has(to)) {
      report(r.path, `${to} with metric ${connectedMetric} in table main is the kernel's own connected route; give it a metric`);
      return false;
    }
    claim(r.table, to, metric, r.path, why);
    return true;
  }
}

/** Where a claim is written: `key` under `at` (the path is made only for a message). */
class ClaimSite {
  constructor(
    readonly at: Path,
    readonly key: string,
  ) {}
}

function sitePath(site: Path | ClaimSite): Path {
  return site instanceof ClaimSite ? [...site.at, site.key] : site;
}

/** Rule priorities, per family: `ip -4 rule` and `ip -6 rule` are separate lists. */
function checkPriorities<A extends number | bigint>(ops: FamilyOps<A>, links: ModelLink[], famOf: (l: ModelLink) => ModelFamily<A>, report: Report): void {
  // Each priority's first claimant: `priority` under a rule's path, or the i-th rule of a
  // source routing; named (formatted) only for a message.
  type Site = ClaimSite | { at: Path; i: number; address: A };
  const seen = new Map<number, Site>();
  const pathOf = (site: Site): Path => (site instanceof ClaimSite ? sitePath(site) : site.at);
  const shownOf = (site: Site): string =>
    site instanceof ClaimSite ? formatPath(sitePath(site)) : site.i === 0 ? formatPath(site.at) : `${formatPath(site.at)} + ${site.i}, the rule of ${ops.format(site.address)}`;
  const reserved = RESERVED_PRIORITIES[ops.bits === 32 ? 4 : 6];
  const claim = (p: number, site: Site): void => {
    if (reserved.has(p)) {
      report(pathOf(site), `priority ${p} is the kernel's own${ops.bits === 128 ? ' in `ip -6 rule`' : ''} (${[...reserved].map(([n, table]) => `${n} ${table}`).join(', ')})`);
      return;
    }
    const prev = seen.get(p);
    if (prev) report(pathOf(site), `priority ${p} is used twice (also at ${shownOf(prev)}); rules need distinct priorities to have an order`);
    else seen.set(p, site);
  };
  for (let l = 0; l < links.length; l++) {
    const fam = famOf(links[l]!);
    const rules = fam.rules;
    for (let k = 0; k < rules.length; k++) {
      const r = rules[k]!;
      if (r.priority === undefined) continue;
      claim(r.priority, new ClaimSite(r.path, 'priority'));
    }
    const sr = fam.sourceRouting;
    if (sr?.priority !== undefined) {
      // One rule per address, counting up: every one of them must be free, not just the first.
      const at = [...sr.path, 'priority'];
      const addresses = fam.addresses;
      for (let i = 0; i < addresses.length; i++) claim(sr.priority + i, { at, i, address: addresses[i]!.address });
    }
  }
}

type RawExpectation = NonNullable<RawModel['expect']>[number];

/**
 * `down: [A]` then `after: [...]`, as one ordered list of events. Every expectation starts
 * with all addresses present, so a step must change something: `down` of an address that
 * is present, `up`/`add` of one that a step before took away.
 */
function expectationSteps(e: RawExpectation, path: Path, hostHas: (text: string) => boolean, report: Report): ModelStep[] {
  const steps: ModelStep[] = [];
  const gone = new Set<string>();
  const take = (op: ModelStep['op'], text: string, at: Path): void => {
    const address = canonicalText(text);
    if (!hostHas(text)) {
      report(at, `${text} is not an address of this host, so it cannot be ${op === 'down' ? 'taken away' : 'brought back'}`);
      return;
    }
    if (op === 'down' && gone.has(address)) report(at, `${text} is already down at this point`);
    else if (op !== 'down' && !gone.has(address)) report(at, `${text} is present at this point (every lookup starts with all addresses up): take it \`down\` first`);
    if (op === 'down') gone.add(address);
    else gone.delete(address);
    steps.push({ op, address });
  };
  (e.down ?? []).forEach((d, j) => take('down', d, [...path, 'down', j]));
  (e.after ?? []).forEach((s, j) => {
    const at: Path = [...path, 'after', j];
    const given = (['down', 'up', 'add'] as const).filter((k) => s[k] !== undefined);
    if (given.length !== 1) {
      report(at, given.length === 0 ? 'a step needs one of `down`, `up` or `add`' : `a step is one event: give only one of ${given.map((k) => `\`${k}\``).join(', ')}`);
      return;
    }
    const op = given[0]!;
    take(op, s[op]!, [...at, op]);
  });
  return steps;
}

/**
 * Managed VIPs: the aliases of one VRRP instance share its settings (keepalived has one
 * block per instance), two instances on one interface need distinct router ids (VRRP
 * tells them apart by it alone), adverts go out of an interface of this host, to peers
 * that are not this host.
 */
function checkManagers(links: ModelLink[], linkByName: ReadonlyMap<string, ModelLink>, hostHas: (a: number) => boolean, report: Report): void {
  let instances: Map<string, ModelVrrp> | undefined;
  let routerIds: Map<string, ModelVrrp> | undefined;
  for (let l = 0; l < links.length; l++) {
    const link = links[l]!;
    const addresses = link.addresses;
    for (let k = 0; k < addresses.length; k++) {
      const a = addresses[k]!;
      if (a.manager?.kind !== 'keepalived') continue;
      instances ??= new Map();
      routerIds ??= new Map();
      const v = a.manager.vrrp;
      if (!linkByName.has(v.interface)) {
        report([...v.path, 'interface'], `\`${v.interface}\` is not an interface of this model${suggestText(v.interface, [...linkByName.keys()])}`);
      }
      v.unicastPeers.forEach((p, i) => {
        if (hostHas(p)) report([...v.path, 'unicast-peers', i], `${formatIPv4(p)} is an address of this host; unicast peers are the other nodes`);
      });
      const first = instances.get(v.instance);
      if (first === undefined) {
        instances.set(v.instance, v);
        const key = `${v.interface}/${v.routerId}`;
        const other = routerIds.get(key);
        if (other !== undefined) {
          report([...v.path, 'router-id'], `router-id ${v.routerId} on ${v.interface} is taken by instance ${other.instance} (${formatPath(other.path)}); VRRP tells instances on one interface apart by it`);
        } else routerIds.set(key, v);
        continue;
      }
      const differ = (key: string, x: unknown, y: unknown): void => {
        if (JSON.stringify(x) !== JSON.stringify(y)) {
          report([...v.path, key], `instance ${v.instance} has ${key} ${showSetting(y)} at ${formatPath(first.path)}; the aliases of one instance share its settings (here ${showSetting(x)})`);
        }
      };
      differ('router-id', v.routerId, first.routerId);
      differ('priority', v.priority, first.priority);
      differ('advert-int', v.advertInt, first.advertInt);
      differ('state', v.state ?? 'BACKUP', first.state ?? 'BACKUP');
      differ('unicast-peers', v.unicastPeers.map(formatIPv4), first.unicastPeers.map(formatIPv4));
      differ('interface', v.interface, first.interface);
    }
  }
}

function showSetting(v: unknown): string {
  return Array.isArray(v) ? `[${v.join(', ')}]` : String(v);
}
