// `netgen verify`: check the model's `expect:` lookups, and the promises of its egress
// intents, with the simulator (and, with --kernel, with the real kernel in a throw-away
// namespace, once per generation of the distribution that reads the files). Exit 1 when any fails.
import { EXIT, NetgenError } from '../errors.js';
import type { Expectation, Plan } from '../plan/types.js';
import { planModelFile, renderModelFile } from '../pipeline.js';
import { builtinInboundChecks, checkExpectations, describeSteps, type ApplyMode, type ExpectationResult } from '../simulate/index.js';
import { backendOptions } from './render.js';
import type { KernelColumn } from './verify-kernel.js';

export interface VerifyArgs {
  model: string;
  kernel?: boolean;
  distro?: string;
  gentooRules?: string;
}

interface Row {
  cells: string[];
  ok: boolean;
  expectation: Expectation;
  answer: ExpectationResult['answer'];
}

export async function runVerify(a: VerifyArgs, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<void> {
  if (a.kernel && a.distro === undefined) throw new NetgenError('usage', 'verify --kernel needs --distro: the kernel is asked after applying that back-end\'s files');
  const rendered = a.kernel ? renderModelFile(a.model, a.distro!, backendOptions(a)) : undefined;
  const plan = rendered ? rendered.plan : planModelFile(a.model);
  const builtin = builtinInboundChecks(plan);
  if (plan.expectations.length === 0 && plan.checks.length === 0 && builtin.length === 0) {
    throw new NetgenError('usage', `${plan.source} has no \`expect:\` entries and no egress intent to verify; add lookups such as "- { to: 192.168.1.1, src: 172.16.3.105 }"`);
  }
  const all = [...plan.expectations, ...plan.checks];
  const sim = checkExpectations(plan, { apply: applyModeOf(a.distro) }, all);
  // One kernel column per consumer of the files: gentoo-legacy's are read by two generations of Gentoo.
  let columns: KernelColumn[] = [];
  let notes: string[] = [];
  let limits: string[] = [];
  if (rendered) {
    const { verifyInKernel } = await import('./verify-kernel.js');
    const k = verifyInKernel(plan, a.distro!, rendered.files, all, builtin);
    columns = k.columns;
    notes = k.notes;
    limits = k.limits;
  }
  const header = ['#', 'lookup', 'expected', 'simulator', ...columns.map((c) => (c.generation === undefined ? 'kernel' : `kernel ${c.generation}`)), 'result'];
  const rows: Row[] = all.map((e, i) => {
    const s = sim[i]!;
    const ok = s.pass && columns.every((c) => c.rows[i]?.ok === true);
    const n = i < plan.expectations.length ? String(i + 1) : `b${i - plan.expectations.length + 1}`;
    return {
      cells: [n, describeLookup(e), describeExpected(e), s.actual, ...columns.map((c) => c.rows[i]?.answer ?? '(no answer)'), ok ? 'ok' : 'FAIL'],
      ok,
      expectation: e,
      answer: s.answer,
    };
  });
  if (rows.length > 0) for (const line of table(header, rows.map((r) => r.cells))) out(line);
  for (const n of notes) out(`note: ${n}`);
  // Where the harness could not follow the consumer, a pass is no proof for that part: say so.
  for (const l of limits) out(`limit: ${l}`);
  const generations = columns.map((c) => c.generation).filter((g): g is string => g !== undefined);
  const where = a.kernel ? ` in the simulator and the kernel${generations.length > 0 ? ` (${generations.join(' and ')})` : ''}${limits.length > 0 ? ', within the limits above' : ''}` : '';
  const written = rows.slice(0, plan.expectations.length);
  const egress = rows.slice(plan.expectations.length);
  for (const [list, what] of [[written, 'expectations'], [egress, 'built-in egress checks']] as const) {
    if (list.length === 0) continue;
    const failed = list.filter((r) => !r.ok).length;
    out(failed === 0 ? `${list.length} of ${list.length} ${what} hold${where}` : `${failed} of ${list.length} ${what} FAILED`);
  }
  const failedRows = rows.filter((r) => !r.ok);
  if (failedRows.length > 0) {
    for (const r of failedRows) {
      const e = r.expectation;
      out(`  ${e.ref.file}:${e.ref.line}:${e.ref.col}: ${e.path}${e.builtin !== undefined ? `: built-in check: ${e.builtin}` : ''}`);
    }
    for (const hint of hints(plan, failedRows)) out(`hint: ${hint}`);
  }
  let failed = failedRows.length;
  if (builtin.length > 0) {
    // The inbound half, checked without being asked: each address answers ARP on its own
    // interface only, and what arrives there for it is accepted.
    if (rows.length > 0) out('');
    out('inbound (interfaces sharing a subnet or routing by source):');
    const brows = builtin.map((c, i) => {
      const ok = c.pass && columns.every((col) => col.builtin[i]?.ok === true);
      return { cells: [String(i + 1), c.lookup, c.expected, c.actual, ...columns.map((col) => col.builtin[i]?.answer ?? '(no answer)'), ok ? 'ok' : 'FAIL'], ok, check: c };
    });
    for (const line of table(header, brows.map((r) => r.cells))) out(line);
    const bfailed = brows.filter((r) => !r.ok);
    out(bfailed.length === 0 ? `${brows.length} of ${brows.length} inbound checks hold${where}` : `${bfailed.length} of ${brows.length} inbound checks FAILED`);
    for (const r of bfailed) for (const w of r.check.why.slice(-1)) out(`  ${r.cells[0]}: ${w}`);
    failed += bfailed.length;
  }
  if (failed > 0) process.exitCode = EXIT.changes;
}

/**
 * What a failure most likely means, where netgen can tell: an address brought back with
 * `add` has nothing that adds its routes; that is what happens when a cluster tool moves a
 * VIP that the model does not say it moves.
 */
function hints(plan: Plan, failed: readonly Row[]): string[] {
  const out = new Set<string>();
  for (const r of failed) {
    for (const st of r.expectation.steps) {
      if (st.op !== 'add') continue;
      const a = plan.addresses.find((x) => x.address === st.address);
      if (a === undefined || !plan.routes.some((x) => x.dependsOn === st.address)) continue;
      if (a.appliedBy === 'keepalived' || a.appliedBy === 'pacemaker') continue;
      out.add(
        `${st.address} came back with \`add\` (the address alone), and nothing adds the routes that name it as src: the kernel dropped them when it went. ` +
          `If keepalived or Pacemaker moves ${a.label ?? st.address}, declare \`managed-by: keepalived\` (with \`vrrp:\`) or \`managed-by: pacemaker\` on it: netgen then hands those routes to the tool, which adds them with the VIP`,
      );
    }
  }
  return [...out];
}

/** How each back-end's consumer adds route lines: RHEL `ip route add`, netifrc `ip route append`. */
export function applyModeOf(distro: string | undefined): ApplyMode {
  return distro === 'gentoo' || distro === 'gentoo-legacy' ? 'append' : 'add';
}

function describeLookup(e: Expectation): string {
  if (e.kind === 'arp') return `arp who-has ${e.to} on ${e.on ?? ''}`;
  return [e.to, e.from && `from ${e.from}`, e.iif && `iif ${e.iif}`, e.steps.length ? `(${describeSteps(e.steps)})` : ''].filter(Boolean).join(' ');
}

function describeExpected(e: Expectation): string {
  if (e.kind === 'arp') return e.answers === false ? 'does not answer' : 'answers';
  if (e.kind === 'inbound') return e.accept === false ? 'refused' : 'accepted';
  return [e.via && `via ${e.via}`, e.dev && `dev ${e.dev}`, e.src && `src ${e.src}`, e.table && `table ${e.table}`].filter(Boolean).join(' ');
}

/** Plain aligned columns: readable in a terminal and in a CI log, stable for diffs. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
}
