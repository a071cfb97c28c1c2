// `ip -6 route get D [from S]` over a simulated IPv6 kernel state: inet6_rtm_getroute,
// ip6_route_output, fib6_rule_lookup and ip6_route_get_saddr, for what a Plan can produce.
//
// Kernel behaviour relied on (Linux 6.18, iproute2 6.1, scratch namespaces; each point is
// also a test in test/kernel/ipv6-facts.test.ts):
//  - `from S` is not checked: any address is taken (`from 2001:db8:99::1`, `from ff02::1`),
//    and only the rules see it; `from ::` is the same as no `from`. Without `from` a rule
//    with a `from` selector never matches.
//  - The answer's `src` is the route's src, else RFC 6724 source selection for the route's
//    device and the destination, whatever `from` says (`2001:db8:7::1 from 2001:db8:3::111
//    via 2001:db8:3::1 dev eth0 src 2001:db8:3::105`).
//  - No rule's table has a route: "RTNETLINK answers: Network is unreachable".
//  - An address of the host answers `local D from :: dev lo table local proto kernel src D
//    metric 0 pref medium`; a multicast destination takes the first device's ff00::/8 route
//    and a source of that device only; a link-local destination the first device's
//    fe80::/64 (without `oif`, which netgen does not ask about).
//  - Several routes with a gateway, the same prefix and metric in one table are one
//    multipath route: the kernel picks a nexthop by a hash of the flow.
import type { Plan } from '../plan/types.js';
import { checkIPv6, formatIPv6LikeIp, isMulticast6 } from '../net/ipv6.js';
import { buildFibState6, findAddress6, holdersOf6, lookupPolicy6, selectSource6, traceOf6, traceOfFailure6 } from './fib6.js';
import type { FibState6, Flow6, InstalledRoute6, PolicyResult6 } from './fib6.js';
import { describeRoute } from './format.js';
import { missingTo } from './missing.js';
import { IPV6 } from '../net/family.js';
import type { Loser, RouteAnswer, RouteFailure, RouteFound, RouteGetQuery, RuleStep, SourceRuleStep, StateOptions } from './types.js';

const UNREACHABLE = 'RTNETLINK answers: Network is unreachable';

/** What `ip -6 route get` answers for the Plan in the state `query` describes (all addresses up by default). */
export function simulateRouteGet6(plan: Plan, query: RouteGetQuery & StateOptions): RouteAnswer {
  return routeGet6(buildFibState6(plan, query), query);
}

/** What `ip -6 route get` answers in an already built state. */
export function routeGet6(state: FibState6, query: { to: string; from?: string }): RouteAnswer {
  const to = checkIPv6(query.to);
  const from = query.from === undefined ? undefined : checkIPv6(query.from);
  const base = { family: 6 as const, dest: query.to, ...(query.from === undefined ? {} : { from: query.from }) };
  // The trace is made when read (explain, --json): verify keeps every answer and reads none.
  const fail = (type: RouteFailure['type'], error: string, why: string, trace: () => RuleStep[] = () => [], notes: string[] = [...state.events]): RouteFailure => {
    let steps: RuleStep[] | undefined;
    return {
      ok: false,
      ...base,
      type,
      error,
      why,
      get trace() {
        return (steps ??= trace());
      },
      missing: to.ok ? missingTo(IPV6, state, to.address) : [],
      notes,
    };
  };
  if (!to.ok) return fail('invalid', `Error: inet6 prefix is expected rather than "${query.to}".`, `${query.to} is not an IPv6 address: ${to.reason}`);
  if (from !== undefined && !from.ok) return fail('invalid', `Error: inet6 prefix is expected rather than "${query.from ?? ''}".`, `${query.from ?? ''} is not an IPv6 address: ${from.reason}`);
  const daddr = to.address;
  const saddr = from?.ok ? from.address : 0n;
  const flow: Flow6 = { daddr, saddr };
  const hit = lookupPolicy6(state, flow);
  const notes: string[] = [...state.events];
  if (hit === undefined) return fail('unreachable', UNREACHABLE, `no rule's table has a route to ${query.to}`, () => traceOfFailure6(state, flow), notes);
  const { entry } = hit;
  // The routes of the deciding table that hold the destination (the winner among them).
  const holders = holdersOf6(hit.tables, daddr);

  let dev = entry.dev;
  let via: string | undefined;
  let src: string | undefined;
  // How the source was chosen, in words: made when read, as it names every other candidate.
  let srcWhy: () => string;
  let srcRules: (() => SourceRuleStep[]) | undefined;
  if (entry.type === 'local') {
    dev = 'lo';
    src = formatIPv6LikeIp(daddr);
    srcWhy = () => 'the destination itself, an address of the host (rule 1, prefer same address)';
  } else {
    if (entry.gw !== undefined) via = formatIPv6LikeIp(entry.gw);
    if (entry.prefsrc !== undefined) {
      src = formatIPv6LikeIp(entry.prefsrc);
      const why = findAddress6(state, entry.prefsrc)?.deprecated === true ? "the route's src (deprecated, so only a route that names it uses it)" : "the route's src";
      srcWhy = () => why;
    } else {
      const choice = selectSource6(state, entry.dev, daddr);
      srcRules = () => choice.steps;
      if (choice.address !== undefined && choice.address.known) src = formatIPv6LikeIp(choice.address.value);
      const cleared = entry.clearedSrc;
      srcWhy = () => {
        const why = choice.why ?? explainChoice(choice.steps);
        return cleared === undefined ? why : `the route's src ${cleared} was cleared when that address was deleted (the kernel keeps the route); so by source selection: ${why}`;
      };
    }
    notes.push(...multipathNotes(hit, holders));
  }
  if (saddr === 0n && src !== undefined) notes.push(...reconnectNotes(state, hit, daddr, src));

  let why: string | undefined;
  let trace: RuleStep[] | undefined;
  const answer: RouteFound = {
    ok: true,
    ...base,
    type: entry.type,
    dev,
    get srcWhy() {
      return (why ??= srcWhy());
    },
    metric: entry.metric,
    proto: entry.proto,
    table: hit.table,
    kernelTable: hit.table,
    route: entry.route,
    rule: hit.rule,
    losers: losersOf(holders, entry),
    get trace() {
      return (trace ??= traceOf6(hit, flow));
    },
    missing: missingTo(IPV6, state, daddr),
    notes,
  };
  if (via !== undefined) answer.via = via;
  if (src !== undefined) answer.src = src;
  if (srcRules !== undefined) {
    const steps = srcRules;
    let rules: SourceRuleStep[] | undefined;
    Object.defineProperty(answer, 'srcRules', { enumerable: true, configurable: true, get: () => (rules ??= steps()) });
  }
  return answer;
}

/** The rule that singled the source out first (the highest needed), then the others: "rule 3, avoid deprecated: A is deprecated". */
export function explainChoice(steps: readonly SourceRuleStep[]): string {
  if (steps.length === 0) return 'the only candidate (RFC 6724 source selection)';
  const byRule = new Map<number, SourceRuleStep[]>();
  for (const s of steps) byRule.set(s.rule, [...(byRule.get(s.rule) ?? []), s]);
  const order = [...byRule.keys()].sort((a, b) => (a === 0 ? 99 : a) - (b === 0 ? 99 : b)).reverse();
  return order
    .map((rule) => {
      const group = byRule.get(rule)!;
      const head = rule === 0 ? group[0]!.name : `rule ${rule}, ${group[0]!.name}`;
      return `${head}: ${group.map((s) => s.why).join(', ')}`;
    })
    .join('; ');
}

/** Routes of the deciding table that hold the destination (`holders`) but lost, and why. */
function losersOf(holders: readonly InstalledRoute6[], winner: InstalledRoute6): Loser[] {
  const same: Loser[] = [];
  const shorter: { prefix: number; loser: Loser }[] = [];
  for (const e of holders) {
    if (e === winner) continue;
    if (e.prefix > winner.prefix) continue;
    if (e.prefix < winner.prefix) shorter.push({ prefix: e.prefix, loser: { route: e.route, why: 'longer prefix wins' } });
    else same.push({ route: e.route, why: e.metric > winner.metric ? 'lower metric wins' : 'inserted earlier' });
  }
  return [...same, ...shorter.sort((a, b) => b.prefix - a.prefix).map((s) => s.loser)];
}

function multipathNotes(hit: PolicyResult6, holders: readonly InstalledRoute6[]): string[] {
  const e = hit.entry;
  if (e.gw === undefined || isMulticast6(e.net)) return [];
  const siblings = holders.filter((x) => x !== e && x.net === e.net && x.prefix === e.prefix && x.metric === e.metric && x.gw !== undefined);
  if (siblings.length === 0) return [];
  return [
    `table ${hit.table} holds other routes to ${e.route.to} with metric ${e.metric} and a gateway (via ${siblings.map((x) => formatIPv6LikeIp(x.gw!)).join(', ')}): ` +
      `the kernel made them one multipath route and picks a nexthop per flow by a hash; this answer names the first`,
  ];
}

/** Without `from` the rules see `::`; a TCP connect() looks up again from the chosen source, which may take another rule. */
function reconnectNotes(state: FibState6, hit: PolicyResult6, daddr: bigint, src: string): string[] {
  const s = checkIPv6(src);
  if (!s.ok) return [];
  const again = lookupPolicy6(state, { daddr, saddr: s.address });
  if (again === undefined || again.entry === hit.entry) return [];
  return [
    `without from the rules see source ::; a TCP connect() looks up again from ${src}, which takes rule ${again.rule.priority} ` +
      `to table ${again.table} and ${describeRoute(again.entry.route)} (ask with from ${src})`,
  ];
}
