// `netgen verify --kernel`: the model's expectations asked of the real kernel, after the
// back-end's rendered files are applied in a throw-away namespace the way its consumer
// applies them. Shares the harness with the kernel tests (src/kernel).
import { NetgenError } from '../errors.js';
import { checkExpectations, kernelAvailable, materialiseTree, withKernelSession, type Consumer } from '../kernel/index.js';
import type { RenderedFile } from '../backends/types.js';
import type { Expectation, Plan } from '../plan/types.js';

export interface KernelRow {
  answer: string;
  ok: boolean;
}

/** One row per expectation: the kernel's answer and whether it matches. */
export function verifyInKernel(plan: Plan, distro: string, files: RenderedFile[], expectations: readonly Expectation[]): { rows: KernelRow[]; notes: string[] } {
  const avail = kernelAvailable();
  if (!avail.ok) {
    throw new NetgenError('usage', `verify --kernel needs root, ip, unshare and nsenter to build a throw-away network namespace: ${avail.reason}. Without --kernel, verify checks the same expectations with the simulator.`);
  }
  return withKernelSession({ links: plan.links, addresses: plan.addresses }, (s) => {
    const report = s.apply(distro as Consumer, materialiseTree(files, plan.source));
    const check = checkExpectations(s, expectations, plan.addresses);
    const notes = [
      ...report.failed.map((c) => `${c.origin}: \`${c.argv.join(' ')}\` failed: ${c.stderr.trim()}`),
      ...report.problems,
    ];
    return {
      rows: check.results.map((r) => ({
        answer: r.answer.dev === '' ? r.answer.raw.trim() : r.answer.raw.trim().replace(/^\S+ /, '').replace(/\s+uid \d+.*$/s, ''),
        ok: r.mismatches.length === 0,
      })),
      notes,
    };
  });
}
