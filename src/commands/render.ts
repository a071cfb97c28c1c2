// `netgen render`: write the rendered tree(s), or check them (--check), or list them (--dry-run).
import { EXIT, NetgenError } from '../errors.js';
import { printErrorLine, printLine } from '../stdio.js';
import { Run, inspectTarget, interruptedNote } from '../output/run.js';
import { TreeState, type Change } from '../output/write.js';
import type { BackendOptions } from '../backends/types.js';
import { combine, forEachHost, modelsOf, runRoot, terminalProgress, type Failure, type HostArgs } from './hosts.js';

export interface RenderArgs extends HostArgs {
  check?: boolean;
  dryRun?: boolean;
  force?: boolean;
  prune?: boolean;
  gentooRules?: string;
}

/** Options a back-end takes from the command line. */
export function backendOptions(a: { gentooRules?: string }): BackendOptions {
  return a.gentooRules === 'native' || a.gentooRules === 'local-start' ? { gentooRules: a.gentooRules } : {};
}

type Out = (line: string) => void;
const stdoutLine: Out = printLine;
const stderrLine: Out = printErrorLine;

export async function runRender(a: RenderArgs, out: Out = stdoutLine, err: Out = stderrLine): Promise<void> {
  if (a.check || a.dryRun) return readOnly(a, out, err);
  return write(a, out, err);
}

/** The list of hosts that failed, on stderr; the run still ends in 2. */
function failureNote(failures: Failure[], err: Out): void {
  if (failures.length === 0) return;
  err(`failed: ${failures.length} host${failures.length === 1 ? '' : 's'} (nothing written for them):`);
  for (const f of failures) err(`  ${f.shown}: ${f.error.message.split('\n').join('\n    ')}`);
  process.exitCode = EXIT.user;
}

/** `--check` and `--dry-run`: read the target, write nothing. Output is held until every host validated. */
async function readOnly(a: RenderArgs, out: Out, err: Out): Promise<void> {
  const root = runRoot(a);
  const target = inspectTarget(root);
  const lines: string[] = [];
  let pending = 0;
  let files = 0;
  const { failures, fleet, count } = await forEachHost(a, backendOptions(a), new TreeState(root), (h) => {
    // Said in every mode: the files alone will not hold at boot.
    for (const w of h.warnings) err(`netgen: ${w}`);
    files += h.changes.length;
    if (a.check) {
      for (const c of h.changes) {
        if (c.action === 'unchanged' && !c.modeChanged) continue;
        pending++;
        lines.push(`${c.action === 'create' ? 'missing' : 'differs'}: ${c.shown}`);
      }
      for (const s of h.stale) lines.push(`stale: ${s.shown}`);
      pending += h.stale.length;
    } else {
      for (const c of h.changes) lines.push(`${verb(c, true)} ${c.shown} (${Buffer.byteLength(c.after)} bytes)`);
      for (const s of h.stale) lines.push(`stale: ${s.shown}${a.prune ? ' (would be removed)' : ''}`);
    }
    for (const f of h.placement.skipped) lines.push(`not written: /${f.path} lives beside -o DIR; use --root DIR to write the whole tree`);
  }, terminalProgress(a.quiet));
  if (failures.length > 0 && !a.keepGoing) throw combine(failures);
  if (target.kind === 'interrupted') out(interruptedNote(root, target));
  if (a.check && a.quiet && pending === 0) lines.length = 0;
  // One write for the whole listing (a host with 10,000 interfaces lists 20,000 files).
  if (lines.length > 0) out(lines.join('\n'));
  if (a.check) {
    if (pending === 0 && target.kind === 'free') out(`up to date: ${files} file${files === 1 ? '' : 's'}${fleet ? ` of ${count} hosts` : ''}`);
    else process.exitCode = EXIT.changes;
  }
  failureNote(failures, err);
}

/** Stream every host into one run on the target: all of it is written, or none. */
async function write(a: RenderArgs, out: Out, err: Out): Promise<void> {
  const root = runRoot(a);
  const state = new TreeState(root);
  const models = modelsOf(a);
  // A fleet's files are flushed once per file system at the end; one host's are fsynced one by one.
  const run = Run.open(state, { expectedFiles: models.fleet ? Infinity : 0, note: (l) => err(`netgen: ${l}`) });
  const lines: string[] = [];
  const refused: string[] = [];
  const counts = { create: 0, update: 0, unchanged: 0 };
  let result;
  try {
    result = await forEachHost(a, backendOptions(a), state, async (h, failedBefore) => {
      for (const w of h.warnings) err(`netgen: ${w}`);
      const unmanaged = h.changes.filter((c) => c.unmanaged && c.action === 'update');
      if (unmanaged.length > 0 && !a.force) refused.push(...unmanaged.map((c) => c.shown));
      // After a failure (without --keep-going) or a refusal, hosts are only validated.
      if ((failedBefore && !a.keepGoing) || refused.length > 0) return;
      run.stageHost(h.changes, a.prune ? h.stale : []);
      for (const c of h.changes) counts[c.action]++;
      for (const c of h.changes) {
        const overwrote = c.unmanaged && c.action === 'update';
        if (!models.fleet) lines.push(`${verb(c, false)} ${c.shown}${overwrote ? ' (overwrote a file netgen had not generated)' : ''}`);
        else if (overwrote && !a.quiet) lines.push(`overwrote ${c.shown} (netgen had not generated it)`);
      }
      for (const f of h.placement.skipped) lines.push(`not written: /${f.path} lives beside -o DIR; use --root DIR to write the whole tree`);
      for (const s of h.stale) {
        lines.push(a.prune ? `removed ${s.shown} (generated by netgen earlier, no longer in the model)` : `stale: ${s.shown} was generated by netgen but is no longer in the model; --prune removes it`);
      }
      await run.checkSignal();
    }, terminalProgress(a.quiet), models);
    if (result.failures.length > 0 && !a.keepGoing) throw combine(result.failures);
    if (refused.length > 0) {
      throw new NetgenError(
        'usage',
        `refusing to overwrite file${refused.length === 1 ? '' : 's'} netgen did not generate:\n` +
          refused.map((s) => `  ${s}`).join('\n') +
          '\nCheck them with "netgen diff", then run again with --force to replace them. Nothing was written.',
      );
    }
    run.commit();
  } catch (e) {
    run.rollback();
    throw e;
  }
  if (result.fleet && !a.quiet) out(`${result.count} hosts: ${counts.create} files created, ${counts.update} updated, ${counts.unchanged} unchanged`);
  // One write for the whole listing (a host with 10,000 interfaces lists 20,000 files).
  if (lines.length > 0) out(lines.join('\n'));
  failureNote(result.failures, err);
}

function verb(c: Change, dry: boolean): string {
  if (c.action === 'create') return dry ? 'would create' : 'created';
  if (c.action === 'update') return dry ? 'would update' : 'updated';
  if (c.modeChanged) return dry ? 'would chmod' : 'chmod';
  return 'unchanged';
}
