// `ip route get D [from S]` over a simulated kernel state: ip_route_output_key_hash_rcu,
// fib_lookup, fib_select_path and fib_result_prefsrc, for what a Plan can produce.
//
// Kernel behaviour relied on (Linux 6.18, iproute2 6.1, scratch namespaces `ngsim-*`):
//  - `from S`: S must be an address of the host now (any device), else "RTNETLINK answers:
//    Network is unreachable" (`ip route get 8.8.8.8 from 9.9.9.9`); the rules see S, and S
//    is the source whatever the route's `src`. Without `from` the rules see 0.0.0.0.
//  - No rule's table has a route: "RTNETLINK answers: Network is unreachable". A rule whose
//    table has no route falls through to the next (`from 10.9.0.5 lookup 9` with no route
//    to 10.60.1.1 in 9 gave main's route).
//  - A local route answers `local D dev lo ... src P`, P the route's src (the primary for a
//    secondary: `local 172.16.3.105 dev lo src 172.16.3.111`). A broadcast route answers
//    `broadcast D dev DEV ... src P`. 255.255.255.255 takes the route the tables give it but
//    answers as broadcast without `via` (`broadcast 255.255.255.255 dev eth0 src ...`).
//  - A unicast route without `src` takes inet_select_addr's answer (see selectSource).
//  - A source in 127/8 on a route out of a device other than lo is "RTNETLINK answers:
//    Invalid argument" (`ip route get 8.8.8.8 from 127.0.0.1`; also a `scope host` route on
//    a device without address, which picks 127.0.0.1). Destinations in 0/8 and 240/4 are
//    routed like any other (`0.1.2.3 via 10.1.0.1 dev eth0 src 10.1.0.10`).
//  - Several default routes with gateways and the same metric in one table: the kernel's
//    fib_select_default may pick another one by the neighbour (ARP) state of the gateways.
//    With no neighbour entry (a fresh namespace) it keeps the first: six `ip route get
//    8.8.8.8` after `ip route append default via 10.1.0.2 dev eth1` all named 10.1.0.1.
import type { Plan } from '../plan/types.js';
import { formatIPv4, parseIPv4 } from '../net/ipv4.js';
import { SCOPE_LINK, SCOPE_UNIVERSE, buildFibState, findAddress, holdersOf, lookupPolicy, refusedRulesFor, selectSource, traceOf, traceOfFailure } from './fib.js';
import type { Flow, PolicyResult } from './fib.js';
import { describeRoute, describeRule } from './format.js';
import { missingTo } from './missing.js';
import { IPV4 } from '../net/family.js';
import { simulateRouteGet6 } from './lookup6.js';
import type { FibState, InstalledRoute, Loser, RouteAnswer, RouteFailure, RouteGetQuery, RuleStep } from './types.js';

const UNREACHABLE = 'RTNETLINK answers: Network is unreachable';
const INVALID = 'RTNETLINK answers: Invalid argument';

/**
 * What `ip route get` answers for the Plan in the state `query` describes (all addresses up
 * by default); an IPv6 destination is `ip -6 route get` (lookup6.ts), over the IPv6 state only.
 */
export function simulateRouteGet(plan: Plan, query: RouteGetQuery): RouteAnswer {
  if (query.to.includes(':')) return simulateRouteGet6(plan, query);
  return routeGet(buildFibState(plan, query), query);
}

/** What `ip route get` answers in an already built state (cheap to repeat for many destinations). */
export function routeGet(state: FibState, query: { to: string; from?: string }): RouteAnswer {
  const daddr = parseIPv4(query.to);
  const saddr = query.from === undefined ? 0 : parseIPv4(query.from);
  const base = { dest: query.to, ...(query.from === undefined ? {} : { from: query.from }) };
  // The trace is made when read (explain, --json): verify keeps every answer and reads none.
  const fail = (type: RouteFailure['type'], error: string, why: string, trace: () => RuleStep[] = () => [], notes: string[] = [...state.events]): RouteFailure => {
    let steps: RuleStep[] | undefined;
    return {
      ok: false,
      type,
      ...base,
      error,
      why,
      get trace() {
        return (steps ??= trace());
      },
      missing: daddr === undefined ? [] : missingTo(IPV4, state, daddr),
      notes,
    };
  };
  if (daddr === undefined) return fail('invalid', `Error: inet address is expected rather than "${query.to}".`, `${query.to} is not an IPv4 address`);
  if (saddr === undefined) return fail('invalid', `Error: inet address is expected rather than "${query.from ?? ''}".`, `${query.from ?? ''} is not an IPv4 address`);
  if (daddr === 0 || isMulticast(daddr)) return fail('unsupported', 'netgen: not simulated', `${query.to}: the simulator models unicast and broadcast destinations only`);
  if (saddr !== 0) {
    if (isMulticast(saddr) || saddr === 0xffffffff || saddr >>> 24 === 0) return fail('invalid', INVALID, `${query.from ?? ''} cannot be a source address`);
    if (findAddress(state, saddr) === undefined) {
      return fail('unreachable', UNREACHABLE, `from ${query.from ?? ''}: it is not an address of the host${state.events.length > 0 ? ' (any more)' : ''}`);
    }
    // The kernel sends a limited broadcast from S out of S's device without any lookup
    // (`broadcast 255.255.255.255 from 10.0.1.67 dev eth1`): no rule or route decides.
    if (daddr === 0xffffffff) return fail('unsupported', 'netgen: not simulated', 'a limited broadcast from a given source takes no route');
  }

  const flow: Flow = { daddr, saddr, scope: SCOPE_UNIVERSE };
  const hit = lookupPolicy(state, flow);
  // What the failover steps did comes first: it explains the state the answer is from.
  const notes: string[] = [...state.events, ...refusedRuleNotes(state, flow)];
  if (hit === undefined) return fail('unreachable', UNREACHABLE, `no rule's table has a route to ${query.to}`, () => traceOfFailure(state, flow), notes);
  const { entry } = hit;
  // The routes of the deciding lookup that hold the destination (the winner among them).
  const holders = holdersOf(hit.tables, daddr);

  let type = entry.type;
  let dev = entry.dev;
  let via: string | undefined;
  let src: number | undefined;
  let srcWhy: string;
  if (type === 'local') {
    // The kernel delivers to itself through lo.
    dev = 'lo';
    if (saddr !== 0) [src, srcWhy] = [saddr, 'given with from'];
    else if (entry.prefsrc !== undefined) [src, srcWhy] = [entry.prefsrc, "the route's src"];
    else [src, srcWhy] = [daddr, 'the destination itself'];
  } else {
    notes.push(...defaultRouteNotes(hit.entry, holders));
    if (saddr !== 0) [src, srcWhy] = [saddr, 'given with from'];
    else if (entry.prefsrc !== undefined) [src, srcWhy] = [entry.prefsrc, "the route's src"];
    else {
      const chosen = selectSource(state, entry.dev, entry.gw ?? 0, entry.scope);
      src = chosen.address?.value;
      srcWhy = chosen.why;
    }
    if (src !== undefined && src >>> 24 === 127 && dev !== 'lo') {
      return fail('invalid', INVALID, `the source would be ${formatIPv4(src)}, a loopback address, on ${dev}`, () => traceOf(hit, flow), notes);
    }
    if (daddr === 0xffffffff) type = 'broadcast';
    else if (type === 'unicast' && entry.gw !== undefined && entry.nhScope === SCOPE_LINK) via = formatIPv4(entry.gw);
  }

  if (src !== undefined && entry.prefsrc === src && saddr === 0 && findAddress(state, src) === undefined) {
    notes.push(
      `src ${formatIPv4(src)} is no longer an address of the host, but the kernel kept this route: ` +
        `it flushes routes with a vanished src from table main only, and this one is in table ${entry.table}`,
    );
  }
  if (saddr === 0 && src !== undefined) notes.push(...reconnectNotes(state, hit, daddr, src));

  let trace: RuleStep[] | undefined;
  const answer: RouteAnswer = {
    ok: true,
    type,
    ...base,
    dev,
    srcWhy,
    table: hit.table,
    kernelTable: hit.kernelTable,
    route: entry.route,
    rule: hit.rule,
    losers: losersOf(holders, entry),
    get trace() {
      return (trace ??= traceOf(hit, flow));
    },
    missing: missingTo(IPV4, state, daddr),
    notes,
  };
  if (via !== undefined) answer.via = via;
  if (src !== undefined) answer.src = formatIPv4(src);
  return answer;
}

function isMulticast(a: number): boolean {
  return a >>> 28 === 0xe;
}

/** Routes of the deciding lookup that hold the destination (`holders`) but lost, and why. */
function losersOf(holders: readonly InstalledRoute[], winner: InstalledRoute): Loser[] {
  const same: Loser[] = [];
  const shorter: { prefix: number; loser: Loser }[] = [];
  for (const e of holders) {
    if (e === winner) continue;
    if (e.prefix < winner.prefix) shorter.push({ prefix: e.prefix, loser: { route: e.route, why: 'longer prefix wins' } });
    else if (e.prefix === winner.prefix) {
      // Same prefix: the kernel keeps them by metric, then as inserted (`append` after the
      // equal ones); in the merged local/main trie a local route comes before a main one.
      same.push({ route: e.route, why: e.metric > winner.metric ? 'lower metric wins' : 'inserted earlier' });
    }
  }
  return [...same, ...shorter.sort((a, b) => b.prefix - a.prefix).map((s) => s.loser)];
}

/** fib_select_default: equal-metric default gateways in one table may rotate with ARP state. */
function defaultRouteNotes(e: InstalledRoute, holders: readonly InstalledRoute[]): string[] {
  if (e.prefix !== 0 || e.type !== 'unicast' || e.gw === undefined || e.nhScope !== SCOPE_LINK) return [];
  const rivals = holders.filter((x) => x !== e && x.prefix === 0 && x.table === e.table && x.type === 'unicast' && x.gw !== undefined && x.nhScope === SCOPE_LINK && x.metric === e.metric && x.scope === e.scope);
  if (rivals.length === 0) return [];
  const gws = rivals.map((x) => formatIPv4(x.gw!)).join(', ');
  return [
    `table ${e.table} has other default routes with metric ${e.metric} (via ${gws}); the kernel answers with the first while no ` +
      `gateway has a neighbour entry, but may switch between them by ARP state once traffic flows`,
  ];
}

/**
 * `ip route get` without `from` looks up with source 0.0.0.0, so no `from` rule matches;
 * a TCP connect() then looks up again with the source it was given (ip_route_connect),
 * and that second lookup may take another rule and route.
 */
function reconnectNotes(state: FibState, hit: PolicyResult, daddr: number, src: number): string[] {
  const again = lookupPolicy(state, { daddr, saddr: src, scope: SCOPE_UNIVERSE });
  if (again === undefined || again.entry === hit.entry) return [];
  const s = formatIPv4(src);
  return [
    `without from the rules see source 0.0.0.0; a TCP connect() looks up again from ${s}, which takes rule ${again.rule.priority} ` +
      `to table ${again.table} and ${describeRoute(again.entry.route)} (ask with from ${s})`,
  ];
}

/** Plan rules the kernel refused whose selectors would have matched this flow. */
function refusedRuleNotes(state: FibState, flow: Flow): string[] {
  return refusedRulesFor(state, flow).map(
      ({ rule, why }) =>
        `rule ${describeRule(rule)} is not in the kernel (${why}): a rule with priority ${rule.priority} and table ${rule.table} ` +
        `already matches every selector it names`,
    );
}
