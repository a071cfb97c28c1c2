// A model's `expect:` entries asked of a booted session: what `netgen verify --kernel` needs.
import type { Expectation } from '../plan/types.js';
import { compareAnswer } from './probe.js';
import { broadcastOf, formatIPv4, networkOf, parseIPv4 } from '../net/ipv4.js';
import type { KernelSession } from './session.js';
import type { ApplyReport, Probe, RouteAnswer } from './types.js';

export interface ExpectationResult {
  expectation: Expectation;
  answer: RouteAnswer;
  /** Empty when the kernel agrees. */
  mismatches: string[];
}

export interface ExpectationCheck {
  /** Addresses the files leave to failover tooling, brought up before asking (with what that did). */
  broughtUp: { address: string; report: ApplyReport }[];
  results: ExpectationResult[];
}

/**
 * Ask every expectation of a booted session. Every expectation starts from "every planned
 * address here": addresses not up after boot are brought up first, through their manager
 * (failover tooling, keepalived, Pacemaker). Then its failover steps run in order (`down`:
 * `ip addr del`, or for a VIP keepalived or Pacemaker moves, its manager giving it up; `up`: through the address's manager or the consumer's own scripts; `add`:
 * `ip addr add` alone), the kernel is asked, and every address a step touched is put back
 * the way it was: taken down if present, then brought up through its manager.
 */
export function checkExpectations(session: KernelSession, expectations: readonly Expectation[], planned: readonly { address: string; prefix?: number }[]): ExpectationCheck {
  const broughtUp: ExpectationCheck['broughtUp'] = [];
  const present = (): Set<string> => new Set(session.addresses().map((a) => a.address));
  // Asked again each time: one manager may bring several (the VIPs of one keepalived instance).
  for (const { address } of planned) {
    if (!present().has(address)) broughtUp.push({ address, report: session.up(address) });
  }
  const results: ExpectationResult[] = [];
  // Route look-ups without steps leave the state as it is: a run of them is one batch.
  const still = (e: Expectation | undefined): e is Expectation => e !== undefined && e.steps.length === 0 && e.kind !== 'inbound' && e.kind !== 'arp';
  for (let i = 0; i < expectations.length; ) {
    if (still(expectations[i])) {
      const run: Expectation[] = [];
      for (let e = expectations[i]; still(e); e = expectations[++i]) run.push(e);
      const answers = session.probeAll(run.map(probeOf));
      for (const [k, e] of run.entries()) results.push(routeResult(e, answers[k]!));
      continue;
    }
    const e = expectations[i++]!;
    for (const st of e.steps) {
      if (st.op === 'down') session.leave(st.address);
      else if (st.op === 'up') session.up(st.address);
      else session.add(st.address);
    }
    if (e.kind === 'inbound' || e.kind === 'arp') {
      const { answer, mismatches } = e.kind === 'inbound' ? askInbound(session, e) : askArp(session, e, planned);
      results.push({ expectation: e, answer, mismatches });
      restore(session, [...new Set(e.steps.map((st) => st.address))]);
      continue;
    }
    results.push(routeResult(e, session.probe(probeOf(e))));
    restore(session, [...new Set(e.steps.map((st) => st.address))]);
  }
  return { broughtUp, results };
}

function probeOf(e: Expectation): Probe {
  return e.from !== undefined ? { to: e.to, from: e.from } : { to: e.to };
}

/** A route expectation against the kernel's answer. */
function routeResult(e: Expectation, answer: RouteAnswer): ExpectationResult {
  const want: { dev?: string; via?: string; src?: string; table?: string } = {};
  if (e.dev !== undefined) want.dev = e.dev;
  if (e.via !== undefined) want.via = e.via;
  if (e.src !== undefined) want.src = e.src;
  if (e.table !== undefined) want.table = e.table;
  const mismatches = answer.dev === '' ? [`no route: ${answer.raw}`] : compareAnswer(answer, want);
  return { expectation: e, answer, mismatches };
}

/** Put touched addresses back with what depends on them: down if present (maybe alone), then up through the manager. */
export function restore(session: KernelSession, touched: readonly string[]): void {
  if (touched.length === 0) return;
  const now = new Set(session.addresses().map((a) => a.address));
  for (const a of touched) if (now.has(a)) session.leave(a);
  const after = new Set(session.addresses().map((a) => a.address));
  for (const a of touched) if (!after.has(a)) session.up(a);
}

/** `ip route get TO from FROM iif IIF`: accepted or refused, as expected? */
function askInbound(session: KernelSession, e: Expectation): { answer: RouteAnswer; mismatches: string[] } {
  const r = session.probeInbound({ to: e.to, from: e.from ?? '0.0.0.0', iif: e.iif ?? 'lo' });
  const want = e.accept ?? true;
  return { answer: { dest: e.to, dev: '', raw: r.raw }, mismatches: r.ok === want ? [] : [`${want ? 'refused' : 'accepted'}: ${r.raw}`] };
}

/** A real ARP request for TO from the client: did the device `on` answer, as expected? */
function askArp(session: KernelSession, e: Expectation, planned: readonly { address: string; prefix?: number }[]): { answer: RouteAnswer; mismatches: string[] } {
  const own = planned.find((p) => p.address === e.to);
  const prefix = own?.prefix ?? 24;
  const sender = arpSender(e.to, prefix, planned.map((p) => p.address));
  const r = session.arping(e.to, sender, prefix);
  const answered = r.devices.includes(e.on ?? '');
  const want = e.answers ?? true;
  const text = answered ? 'answers' : 'does not answer';
  return { answer: { dest: e.to, dev: '', raw: `${text} (replies from ${r.devices.join(', ') || 'none'})` }, mismatches: answered === want ? [] : [`${e.on ?? ''} ${text}`] };
}

/** The lowest address of the target's subnet that the host does not have (as the simulator assumes). */
export function arpSender(target: string, prefix: number, host: readonly string[]): string {
  const t = parseIPv4(target)!;
  const net = networkOf(t, prefix);
  const taken = new Set(host);
  for (let v = net + 1; v < broadcastOf(t, prefix); v++) {
    const s = formatIPv4(v >>> 0);
    if (!taken.has(s)) return s;
  }
  return formatIPv4(net + 1);
}
