// The model's `expect:` entries checked against the simulator (`netgen verify`), and the
// inbound checks verify makes by itself on a multi-homed host.
import type { Expectation, FailoverStep, Plan } from '../plan/types.js';
import { arp, defaultArpSender, formatInbound, inbound } from './inbound.js';
import type { ArpAnswer, InboundAnswer } from './inbound.js';
import { formatRouteGet } from './format.js';
import { networkOf, parseIPv4 } from '../net/ipv4.js';
import { routeGet } from './lookup.js';
import { routeGet6 } from './lookup6.js';
import { buildFibState } from './fib.js';
import { buildFibState6, type FibState6 } from './fib6.js';
import type { ExpectationResult, FibState, Mismatch, RouteAnswer, StateOptions } from './types.js';

/** How many states of different failover steps are kept for the expectations still to come. */
const KEPT_STATES = 8;

/**
 * The simulated states expectations are asked in, by their failover steps. A lookup only
 * reads its state, so expectations with the same steps share one, built once per family:
 * building a state adds every route of the Plan, and building it per expectation made
 * verify quadratic (10,000 routes and 10,000 expectations after one failover). The latest
 * few are kept, so memory stays bounded however many different steps the model names.
 */
class States {
  private readonly v4 = new Map<string, FibState>();
  private readonly v6 = new Map<string, FibState6>();

  constructor(
    private readonly plan: Plan,
    private readonly options: Omit<StateOptions, 'down' | 'up' | 'steps'>,
  ) {}

  four(steps: readonly FailoverStep[]): FibState {
    return kept(this.v4, steps, () => buildFibState(this.plan, { ...this.options, steps }));
  }

  six(steps: readonly FailoverStep[]): FibState6 {
    return kept(this.v6, steps, () => buildFibState6(this.plan, { ...this.options, steps }));
  }
}

function kept<S>(states: Map<string, S>, steps: readonly FailoverStep[], build: () => S): S {
  const key = JSON.stringify(steps);
  let s = states.get(key);
  if (s !== undefined) states.delete(key);
  else s = build();
  // Most recently used last; the oldest goes when there are too many.
  states.set(key, s);
  if (states.size > KEPT_STATES) states.delete(states.keys().next().value!);
  return s;
}

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
  const states = new States(plan, options);
  return expectations.map((expectation) => checkOne(plan, expectation, states));
}

function checkOne(plan: Plan, expectation: Expectation, states: States): ExpectationResult {
  const mismatches: Mismatch[] = [];
  if ((expectation.kind === 'inbound' || expectation.kind === 'arp') && expectation.to.includes(':')) {
    // Inbound and ARP questions are IPv4's (IPv6 has neighbour discovery, not modelled): say so rather than answer.
    const actual = 'not simulated for IPv6';
    mismatches.push({ field: expectation.kind === 'arp' ? 'answers' : 'accept', expected: 'an IPv4 question', actual });
    return { expectation, actual, pass: false, mismatches };
  }
  if (expectation.kind === 'inbound') {
    const got = inbound(plan, states.four(expectation.steps), { to: expectation.to, from: expectation.from ?? '0.0.0.0', iif: expectation.iif ?? 'lo' });
    const want = expectation.accept ?? true;
    if (got.ok !== want) mismatches.push({ field: 'accept', expected: want ? 'accepted' : 'refused', actual: formatInbound(got) });
    return { expectation, inbound: got, actual: formatInbound(got), pass: mismatches.length === 0, mismatches };
  }
  if (expectation.kind === 'arp') {
    const on = expectation.on ?? 'lo';
    const sender = defaultArpSender(plan, expectation.to, on) ?? '0.0.0.0';
    const got = arp(plan, states.four(expectation.steps), { target: expectation.to, on, sender });
    const want = expectation.answers ?? true;
    if (got.answers !== want) mismatches.push({ field: 'answers', expected: want ? 'answers' : 'does not answer', actual: arpCell(got) });
    return { expectation, arp: got, actual: arpCell(got), pass: mismatches.length === 0, mismatches };
  }
  const query = { to: expectation.to, ...(expectation.from === undefined ? {} : { from: expectation.from }) };
  const answer = query.to.includes(':') ? routeGet6(states.six(expectation.steps), query) : routeGet(states.four(expectation.steps), query);
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

/** An address's subnet as `net/len`, to group addresses by it. */
function subnetOf(a: { address: string; prefix: number }): string {
  return `${networkOf(parseIPv4(a.address)!, a.prefix)}/${a.prefix}`;
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
  // Every check asks the state with every address up: built once (a check only reads it).
  let state: FibState | undefined;
  const allUp = (): FibState => (state ??= buildFibState(plan));
  const perSource = plan.rules.some((r) => r.family === 4 && r.from !== undefined);
  const v4 = plan.addresses.filter((a) => a.family === 4);
  // The devices with an address in each subnet (prefix and network), grouped once: not
  // every address read again for every address.
  const devicesIn = new Map<string, Set<string>>();
  for (const b of v4) {
    const key = subnetOf(b);
    let set = devicesIn.get(key);
    if (set === undefined) devicesIn.set(key, (set = new Set()));
    set.add(b.device);
  }
  for (const a of v4) {
    if (!a.onParent || a.prefix > 30) continue;
    const sharing = devicesIn.get(subnetOf(a))!;
    // The other devices in the subnet, in link order.
    const others = sharing.size === 1 ? [] : plan.links.filter((l) => l.name !== a.device && sharing.has(l.name));
    if (others.length === 0 && !perSource) continue;
    const sender = defaultArpSender(plan, a.address, a.device);
    if (sender === undefined) continue;
    for (const dev of [a.device, ...others.map((l) => l.name)]) {
      const got = arp(plan, allUp(), { target: a.address, on: dev, sender });
      const want = dev === a.device;
      out.push({ lookup: `arp who-has ${a.address} tell ${sender} on ${dev}`, ask: { kind: 'arp', target: a.address, sender, on: dev }, expected: want ? 'answers' : 'does not answer', actual: arpCell(got), pass: got.answers === want, why: got.why });
    }
    const accepted: InboundAnswer = inbound(plan, allUp(), { to: a.address, from: sender, iif: a.device });
    out.push({ lookup: `${a.address} from ${sender} iif ${a.device}`, ask: { kind: 'inbound', to: a.address, from: sender, iif: a.device }, expected: 'accepted', actual: formatInbound(accepted), pass: accepted.ok, why: accepted.why });
  }
  return out;
}

