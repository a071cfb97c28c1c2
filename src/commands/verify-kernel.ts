// `netgen verify --kernel`: the model's expectations asked of the real kernel, after the
// back-end's rendered files are applied in a throw-away namespace the way its consumer
// applies them; gentoo-legacy's files once per generation of Gentoo that reads them.
// Shares the harness with the kernel tests (src/kernel).
import { NetgenError } from '../errors.js';
import { checkExpectations, consumersOf, generationOf, kernelAvailable, materialiseTree, withKernelSession } from '../kernel/index.js';
import type { RenderedFile } from '../backends/types.js';
import type { Expectation, Plan } from '../plan/types.js';

export interface KernelRow {
  answer: string;
  ok: boolean;
}

/** The answers of one consumer of the files; `generation` names it when the files meet more than one (gentoo-legacy). */
export interface KernelColumn {
  generation?: string;
  rows: KernelRow[];
}

/**
 * One column per consumer of the back-end's files (gentoo-legacy's: baselayout-1 and
 * current OpenRC), one row per expectation: the kernel's answer and whether it matches.
 * Notes say what failed or could not be read while applying, prefixed by the generation;
 * limits where the harness could not do what the real consumer does (at boot or bringing
 * addresses up), once each, prefixed the same way.
 */
export function verifyInKernel(plan: Plan, distro: string, files: RenderedFile[], expectations: readonly Expectation[]): { columns: KernelColumn[]; notes: string[]; limits: string[] } {
  const avail = kernelAvailable();
  if (!avail.ok) {
    throw new NetgenError('usage', `verify --kernel needs root, ip, unshare and nsenter to build a throw-away network namespace: ${avail.reason}. Without --kernel, verify checks the same expectations with the simulator.`);
  }
  const tree = materialiseTree(files, plan.source);
  const columns: KernelColumn[] = [];
  const notes: string[] = [];
  const limits: string[] = [];
  for (const consumer of consumersOf(distro)) {
    const generation = generationOf(consumer);
    const prefix = generation === undefined ? '' : `${generation}: `;
    withKernelSession({ links: plan.links, addresses: plan.addresses }, (s) => {
      const report = s.apply(consumer, tree);
      const check = checkExpectations(s, expectations, plan.addresses);
      notes.push(...report.failed.map((c) => `${prefix}${c.origin}: \`${c.argv.join(' ')}\` failed: ${c.stderr.trim()}`), ...report.problems.map((p) => `${prefix}${p}`));
      const rows = check.results.map((r) => ({
        answer: r.answer.dev === '' ? r.answer.raw.trim() : r.answer.raw.trim().replace(/^\S+ /, '').replace(/\s+uid \d+.*$/s, ''),
        ok: r.mismatches.length === 0,
      }));
      columns.push(generation === undefined ? { rows } : { generation, rows });
      for (const l of new Set(s.limits)) limits.push(`${prefix}${l}`);
    });
  }
  return { columns, notes, limits };
}
