// The model's `expect:` entries checked against the simulator (`netgen verify`), and the
// inbound checks verify makes by itself on a multi-homed host.
import type { Expectation, Plan } from '../plan/types.js';
import { defaultArpSender, formatInbound, simulateArp, simulateInbound } from './inbound.js';
import type { ArpAnswer, InboundAnswer } from './inbound.js';
import { formatRouteGet } from './format.js';
import { contains, parseIPv4 } from '../net/ipv4.js';
import { routeGet, simulateRouteGet } from './lookup.js';
import { routeGet6 } from './lookup6.js';
import { buildFibState } from './fib.js';
import { buildFibState6, type FibState6 } from './fib6.js';
import type { ExpectationResult, FibState, Mismatch, RouteAnswer, StateOptions } from './types.js';

/**
 * Compare each Plan expectation with the simulated answer in the state it names (its failover steps).
 * Route lookups: its dev, via, src and table, when given (`table` is the table holding the
 * route). Inbound lookups: accepted or not. ARP: answered or not.
 */
export function checkExpectations(
  plan: Plan,
  options: Omit<StateOptions, 'down' | 'up' | 'steps'> = {},
  expectations: readonly Expectation[] = plan.expectations,
): ExpectationResult[] {
  // Every route lookup without failover steps asks the same state: built once per family
  // (a lookup only reads it), not once per expectation.
  let state4: FibState | undefined;
  let state6: FibState6 | undefined;
  const routeGetAllUp = (query: { to: string; from?: string }): RouteAnswer =>
    query.to.includes(':') ? routeGet6((state6 ??= buildFibState6(plan, options)), query) : routeGet((state4 ??= buildFibState(plan, options)), query);
  return expectations.map((expectation) => checkOne(plan, expectation, options, routeGetAllUp));
}

function checkOne(
  plan: Plan,
  expectation: Expectation,
  options: Omit<StateOptions, 'down' | 'up' | 'steps'>,
  routeGetAllUp: (query: { to: string; from?: string }) => RouteAnswer,
): ExpectationResult {
  const mismatches: Mismatch[] = [];
  if ((expectation.kind === 'inbound' || expectation.kind === 'arp') && expectation.to.includes(':')) {
    // Inbound and ARP questions are IPv4's (IPv6 has neighbour discovery, not modelled): say so rather than answer.
    const actual = 'not simulated for IPv6';
    mismatches.push({ field: expectation.kind === 'arp' ? 'answers' : 'accept', expected: 'an IPv4 question', actual });
    return { expectation, actual, pass: false, mismatches };
  }
  if (expectation.kind === 'inbound') {
    const inbound = simulateInbound(plan, { ...options, to: expectation.to, from: expectation.from ?? '0.0.0.0', iif: expectation.iif ?? 'lo', steps: expectation.steps });
    const want = expectation.accept ?? true;
    if (inbound.ok !== want) mismatches.push({ field: 'accept', expected: want ? 'accepted' : 'refused', actual: formatInbound(inbound) });
    return { expectation, inbound, actual: formatInbound(inbound), pass: mismatches.length === 0, mismatches };
  }
  if (expectation.kind === 'arp') {
    const on = expectation.on ?? 'lo';
    const sender = defaultArpSender(plan, expectation.to, on) ?? '0.0.0.0';
    const arp = simulateArp(plan, { ...options, target: expectation.to, on, sender, steps: expectation.steps });
    const want = expectation.answers ?? true;
    if (arp.answers !== want) mismatches.push({ field: 'answers', expected: want ? 'answers' : 'does not answer', actual: arpCell(arp) });
    return { expectation, arp, actual: arpCell(arp), pass: mismatches.length === 0, mismatches };
  }
  const query = { ...options, to: expectation.to, steps: expectation.steps, ...(expectation.from === undefined ? {} : { from: expectation.from }) };
  const answer = expectation.steps.length === 0 ? routeGetAllUp(query) : simulateRouteGet(plan, query);
  if (!answer.ok) {
    mismatches.push({ field: 'route', expected: 'a route', actual: answer.error });
  } else {
    const compare = (field: Mismatch['field'], expected: string | undefined, actual: string | undefined): void => {
      if (expected !== undefined && expected !== actual) mismatches.push({ field, expected, actual: actual ?? 'none' });
    };
    compare('dev', expectation.dev, answer.dev);
    compare('via', expectation.via, answer.via);
    compare('src', expectation.src, answer.src);
    compare('table', expectation.table, answer.table);
  }
  return { expectation, answer, actual: answerCell(answer), pass: mismatches.length === 0, mismatches };
}

/**
 * The answer without its destination, as verify's column shows it. IPv6 in the same words as
 * IPv4 (`via G dev D [table T] src S`): `ip -6`'s `from ::`, proto, metric and `pref` add
 * nothing to a comparison of dev, via, src and table, and `--explain` of route get has them.
 */
function answerCell(answer: RouteAnswer): string {
  if (answer.ok && answer.family === 6) {
    const w: string[] = [];
    if (answer.type !== 'unicast') w.push(answer.type);
    if (answer.from !== undefined) w.push('from', answer.from);
    if (answer.via !== undefined) w.push('via', answer.via);
    w.push('dev', answer.dev);
    if (answer.kernelTable !== 'main') w.push('table', answer.kernelTable);
    if (answer.src !== undefined) w.push('src', answer.src);
    return w.join(' ');
  }
  return formatRouteGet(answer).replace(/^\S+ /, '');
}

function arpCell(a: ArpAnswer): string {
  return a.answers ? 'answers' : `does not answer (${a.decidedBy})`;
}

/** An inbound check verify makes by itself: what must hold, and what the simulator says. */
export interface InboundCheck {
  /** `arp who-has A tell S on D` or `A from R iif D`. */
  lookup: string;
  /** The same question, for asking the kernel. */
  ask: { kind: 'arp'; target: string; sender: string; on: string } | { kind: 'inbound'; to: string; from: string; iif: string };
  expected: string;
  actual: string;
  pass: boolean;
  /** Why, when it fails. */
  why: string[];
}

/**
 * On a host whose interfaces share a subnet or route by source: every address answers ARP
 * on its own interface only (among the interfaces in its subnet), and a packet for it from
 * a peer in that subnet arriving on its own interface is accepted.
 */
export function builtinInboundChecks(plan: Plan): InboundCheck[] {
  const out: InboundCheck[] = [];
  const perSource = plan.rules.some((r) => r.family === 4 && r.from !== undefined);
  const v4 = plan.addresses.filter((a) => a.family === 4);
  for (const a of v4) {
    if (!a.onParent || a.prefix > 30) continue;
    const net = parseIPv4(a.address)!;
    const others = plan.links.filter((l) => l.name !== a.device && v4.some((b) => b.device === l.name && b.prefix === a.prefix && contains(net, a.prefix, parseIPv4(b.address)!)));
    if (others.length === 0 && !perSource) continue;
    const sender = defaultArpSender(plan, a.address, a.device);
    if (sender === undefined) continue;
    for (const dev of [a.device, ...others.map((l) => l.name)]) {
      const arp = simulateArp(plan, { target: a.address, on: dev, sender });
      const want = dev === a.device;
      out.push({ lookup: `arp who-has ${a.address} tell ${sender} on ${dev}`, ask: { kind: 'arp', target: a.address, sender, on: dev }, expected: want ? 'answers' : 'does not answer', actual: arpCell(arp), pass: arp.answers === want, why: arp.why });
    }
    const inbound: InboundAnswer = simulateInbound(plan, { to: a.address, from: sender, iif: a.device });
    out.push({ lookup: `${a.address} from ${sender} iif ${a.device}`, ask: { kind: 'inbound', to: a.address, from: sender, iif: a.device }, expected: 'accepted', actual: formatInbound(inbound), pass: inbound.ok, why: inbound.why });
  }
  return out;
}

