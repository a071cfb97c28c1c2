// A model's `expect:` entries asked of a booted session: what `netgen verify --kernel` needs.
import type { Expectation } from '../plan/types.js';
import { compareAnswer } from './probe.js';
import type { KernelSession } from './session.js';
import type { ApplyReport, RouteAnswer } from './types.js';

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
 * Ask every expectation of a booted session. The state an expectation describes is "every
 * planned address here" minus its `down` list: addresses not up after boot are brought up
 * first (as failover tooling would), each `down` address is taken away for its question and
 * brought back after it, the way the consumer brings it back.
 */
export function checkExpectations(session: KernelSession, expectations: readonly Expectation[], planned: readonly { address: string }[]): ExpectationCheck {
  const broughtUp: ExpectationCheck['broughtUp'] = [];
  const present = (): Set<string> => new Set(session.addresses().map((a) => a.address));
  let here = present();
  for (const { address } of planned) {
    if (!here.has(address)) broughtUp.push({ address, report: session.up(address) });
  }
  here = present();
  const results: ExpectationResult[] = [];
  for (const e of expectations) {
    const taken = e.down.filter((a) => here.has(a));
    for (const a of taken) session.down(a);
    const answer = session.probe(e.from !== undefined ? { to: e.to, from: e.from } : { to: e.to });
    const want: { dev?: string; via?: string; src?: string; table?: string } = {};
    if (e.dev !== undefined) want.dev = e.dev;
    if (e.via !== undefined) want.via = e.via;
    if (e.src !== undefined) want.src = e.src;
    if (e.table !== undefined) want.table = e.table;
    const mismatches = answer.dev === '' ? [`no route: ${answer.raw}`] : compareAnswer(answer, want);
    results.push({ expectation: e, answer, mismatches });
    for (const a of taken) session.up(a);
  }
  return { broughtUp, results };
}
