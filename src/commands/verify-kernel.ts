// `netgen verify --kernel`: the model's expectations asked of the real kernel, after the
// back-end's rendered files are applied in a throw-away namespace the way its consumer
// applies them; gentoo-legacy's files once per generation of Gentoo that reads them.
// Shares the harness with the kernel tests (src/kernel).
import { NetgenError } from '../errors.js';
import { answerText, checkExpectations, consumersOf, generationOf, kernelAvailable, materialiseTree, withKernelSession } from '../kernel/index.js';
import type { RenderedFile } from '../backends/types.js';
import type { Expectation, Plan } from '../plan/types.js';
import type { InboundCheck } from '../simulate/index.js';
import type { KernelSession } from '../kernel/index.js';

export interface KernelRow {
  answer: string;
  ok: boolean;
}

/** The answers of one consumer of the files; `generation` names it when the files meet more than one (gentoo-legacy). */
export interface KernelColumn {
  generation?: string;
  rows: KernelRow[];
  /** The built-in inbound checks, asked of this consumer's kernel. */
  builtin: KernelRow[];
}

/**
 * One column per consumer of the back-end's files (gentoo-legacy's: baselayout-1 and
 * current OpenRC), one row per expectation: the kernel's answer and whether it matches.
 * Notes say what failed or could not be read while applying, prefixed by the generation;
 * limits where the harness could not do what the real consumer does (at boot or bringing
 * addresses up), once each, prefixed the same way.
 */
export function verifyInKernel(
  plan: Plan,
  distro: string,
  files: RenderedFile[],
  expectations: readonly Expectation[],
  builtin: readonly InboundCheck[] = [],
): { columns: KernelColumn[]; notes: string[]; limits: string[] } {
  const avail = kernelAvailable();
  if (!avail.ok) {
    throw new NetgenError('usage', `verify --kernel needs root, ip, unshare and nsenter to build a throw-away network namespace: ${avail.reason}. Without --kernel, verify checks the same expectations with the simulator.`);
  }
  const tree = materialiseTree(files, plan.source);
  // ARP needs a real segment: the devices' peers on a bridge with a client beside it.
  const segment = plan.expectations.some((e) => e.kind === 'arp') || builtin.length > 0;
  const columns: KernelColumn[] = [];
  const notes: string[] = [];
  const limits: string[] = [];
  for (const consumer of consumersOf(distro)) {
    const generation = generationOf(consumer);
    const prefix = generation === undefined ? '' : `${generation}: `;
    withKernelSession({ links: plan.links, addresses: plan.addresses, segment }, (s) => {
      const report = s.apply(consumer, tree);
      const check = checkExpectations(s, expectations, plan.addresses);
      notes.push(...report.failed.map((c) => `${prefix}${c.origin}: \`${c.argv.join(' ')}\` failed: ${c.stderr.trim()}`), ...report.problems.map((p) => `${prefix}${p}`));
      const rows = check.results.map((r) => ({
        answer: answerText(r.answer),
        ok: r.mismatches.length === 0,
      }));
      const asked = builtin.map((c) => askBuiltin(s, plan, c));
      columns.push(generation === undefined ? { rows, builtin: asked } : { generation, rows, builtin: asked });
      for (const l of new Set(s.limits)) limits.push(`${prefix}${l}`);
    });
  }
  return { columns, notes, limits };
}

/** One built-in inbound check asked of the kernel: a real ARP request, or `ip route get ... iif`. */
function askBuiltin(s: KernelSession, plan: Plan, c: InboundCheck): KernelRow {
  const q = c.ask;
  if (q.kind === 'arp') {
    const prefix = plan.addresses.find((a) => a.address === q.target)?.prefix ?? 24;
    const answered = s.arping(q.target, q.sender, prefix).devices.includes(q.on);
    return { answer: answered ? 'answers' : 'does not answer', ok: answered === (c.expected === 'answers') };
  }
  const r = s.probeInbound(q);
  return { answer: r.raw, ok: r.ok === (c.expected === 'accepted') };
}
