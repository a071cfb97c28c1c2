// `netgen verify`: check the model's `expect:` lookups with the simulator (and, with
// --kernel, with the real kernel in a throw-away namespace). Exit 1 when any fails.
import { EXIT, NetgenError } from '../errors.js';
import type { Expectation } from '../plan/types.js';
import { planModelFile, renderModelFile } from '../pipeline.js';
import { checkExpectations, formatRouteGet, type ApplyMode } from '../simulate/index.js';
import { backendOptions } from './render.js';

export interface VerifyArgs {
  model: string;
  kernel?: boolean;
  distro?: string;
  gentooRules?: string;
}

interface Row {
  cells: string[];
  ok: boolean;
}

export async function runVerify(a: VerifyArgs, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<void> {
  if (a.kernel && a.distro === undefined) throw new NetgenError('usage', 'verify --kernel needs --distro: the kernel is asked after applying that back-end\'s files');
  const rendered = a.kernel ? renderModelFile(a.model, a.distro!, backendOptions(a)) : undefined;
  const plan = rendered ? rendered.plan : planModelFile(a.model);
  if (plan.expectations.length === 0) {
    throw new NetgenError('usage', `${plan.source} has no \`expect:\` entries to verify; add lookups such as "- { to: 192.168.1.1, src: 172.16.3.105 }"`);
  }
  const sim = checkExpectations(plan, { apply: applyModeOf(a.distro) });
  let kernelAnswers: (string | undefined)[] | undefined;
  let kernelOk: boolean[] | undefined;
  let notes: string[] = [];
  if (rendered) {
    const { verifyInKernel } = await import('./verify-kernel.js');
    const k = verifyInKernel(plan, a.distro!, rendered.files);
    kernelAnswers = k.rows.map((x) => x.answer);
    kernelOk = k.rows.map((x) => x.ok);
    notes = k.notes;
  }
  const header = ['#', 'lookup', 'expected', 'simulator', ...(a.kernel ? ['kernel'] : []), 'result'];
  const rows: Row[] = plan.expectations.map((e, i) => {
    const s = sim[i]!;
    const ok = s.pass && (kernelOk ? kernelOk[i]! : true);
    return {
      cells: [String(i + 1), describeLookup(e), describeExpected(e), answerCell(s.answer), ...(kernelAnswers ? [kernelAnswers[i] ?? '(no answer)'] : []), ok ? 'ok' : 'FAIL'],
      ok,
    };
  });
  for (const line of table(header, rows.map((r) => r.cells))) out(line);
  for (const n of notes) out(`note: ${n}`);
  const failed = rows.filter((r) => !r.ok).length;
  out(failed === 0 ? `${rows.length} of ${rows.length} expectations hold${a.kernel ? ' in the simulator and the kernel' : ''}` : `${failed} of ${rows.length} expectations FAILED`);
  if (failed > 0) {
    for (const [i, r] of rows.entries()) if (!r.ok) out(`  ${plan.expectations[i]!.ref.file}:${plan.expectations[i]!.ref.line}:${plan.expectations[i]!.ref.col}: ${plan.expectations[i]!.path}`);
    process.exitCode = EXIT.changes;
  }
}

/** How each back-end's consumer adds route lines: RHEL `ip route add`, netifrc `ip route append`. */
export function applyModeOf(distro: string | undefined): ApplyMode {
  return distro === 'gentoo' || distro === 'gentoo-legacy' ? 'append' : 'add';
}

/** The simulator's answer without the destination (the lookup column has it). */
function answerCell(answer: Parameters<typeof formatRouteGet>[0]): string {
  return formatRouteGet(answer).replace(/^\S+ /, '');
}

function describeLookup(e: Expectation): string {
  return [e.to, e.from && `from ${e.from}`, e.down.length ? `(${e.down.join(', ')} down)` : ''].filter(Boolean).join(' ');
}

function describeExpected(e: Expectation): string {
  return [e.via && `via ${e.via}`, e.dev && `dev ${e.dev}`, e.src && `src ${e.src}`, e.table && `table ${e.table}`].filter(Boolean).join(' ');
}

/** Plain aligned columns: readable in a terminal and in a CI log, stable for diffs. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
}
