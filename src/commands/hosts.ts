// One host or a fleet: expand -m into model files, render every host, and place each
// host's files in the target. Shared by `render` and `diff`. Every model is validated
// before anything is written; all problems of all hosts are reported together.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError, NetgenError, type ModelProblem } from '../errors.js';
import { placeFiles, prepareChanges, readTargetText, shownPath, type Change, type Placement } from '../output/write.js';
import { SYSCTL_PATH } from '../backends/sysctl.js';
import { sysctlConflicts } from '../plan/sysctl.js';
import { renderModelFile, shownModelPath, type Rendered } from '../pipeline.js';
import type { BackendOptions } from '../backends/types.js';
import { getBackend } from '../backends/index.js';

export interface HostArgs {
  model: string | string[];
  distro: string;
  output?: string;
  root?: string;
  keepGoing?: boolean;
  quiet?: boolean;
}

export interface HostResult {
  shown: string;
  rendered: Rendered;
  placement: Placement;
  changes: Change[];
  /** Things in the target that undo part of what is rendered (a foreign sysctl.conf line). */
  warnings: string[];
}

export interface Failure {
  shown: string;
  error: NetgenError;
}

const MODEL_EXT = /\.(ya?ml|json)$/;

/** The model files `-m` names: files as given, directories as their *.yaml/*.yml/*.json in name order. */
export function expandModels(models: readonly string[]): { paths: string[]; fleet: boolean } {
  const paths: string[] = [];
  let fleet = models.length > 1;
  for (const m of models) {
    let isDir = false;
    try {
      isDir = statSync(m).isDirectory();
    } catch {
      // a missing file is reported by loadModel with its name
    }
    if (!isDir) {
      paths.push(m);
      continue;
    }
    fleet = true;
    const names = readdirSync(m).filter((n) => MODEL_EXT.test(n)).sort();
    if (names.length === 0) throw new NetgenError('usage', `directory ${m} holds no *.yaml, *.yml or *.json model`);
    paths.push(...names.map((n) => join(m, n)));
  }
  return { paths: [...new Set(paths)], fleet };
}

/**
 * Render every host and decide its changes. Throws when any host fails, unless
 * keepGoing; then the failures are returned beside the hosts that rendered.
 */
export function renderHosts(a: HostArgs, options: BackendOptions, progress: Progress = silentProgress): { hosts: HostResult[]; failures: Failure[]; fleet: boolean } {
  getBackend(a.distro); // a wrong --distro is one usage error, not one per host
  const { paths, fleet } = expandModels(Array.isArray(a.model) ? a.model : [a.model]);
  if (fleet && a.root === undefined) {
    throw new NetgenError('usage', `${paths.length} models: give --root DIR (each host goes to DIR/<host>/); -o names one host's directory`);
  }
  const rendered: { shown: string; r: Rendered }[] = [];
  const failures: Failure[] = [];
  progress.start(paths.length);
  for (const [i, path] of paths.entries()) {
    const shown = shownModelPath(path);
    try {
      rendered.push({ shown, r: renderModelFile(path, a.distro, options) });
    } catch (err) {
      if (!(err instanceof NetgenError) || err.kind === 'internal') throw err;
      failures.push({ shown, error: err });
    }
    progress.tick(i + 1);
  }
  progress.done();

  if (fleet) {
    const seen = new Map<string, string>();
    for (const { shown, r } of rendered) {
      const other = seen.get(r.plan.host);
      if (other) failures.push({ shown, error: new NetgenError('usage', `${shown}: host ${r.plan.host} is also the host of ${other}; each host needs its own directory`) });
      seen.set(r.plan.host, shown);
    }
  }
  if (failures.length > 0 && !a.keepGoing) throw combine(failures);
  const failed = new Set(failures.map((f) => f.shown));
  const hosts = rendered
    .filter(({ shown }) => !failed.has(shown))
    .map(({ shown, r }): HostResult => {
      const target = fleet ? { root: join(a.root!, r.plan.host) } : a.root !== undefined ? { root: a.root } : a.output !== undefined ? { outDir: a.output } : {};
      const placement = placeFiles(r.files, target, r.backend.mainDir);
      return { shown, rendered: r, placement, changes: prepareChanges(placement, r.plan.source), warnings: sysctlWarnings(r, placement) };
    });
  return { hosts, failures, fleet };
}

/** Lines of the target's own /etc/sysctl.conf that would override netgen's sysctl file at boot. */
function sysctlWarnings(r: Rendered, placement: Placement): string[] {
  if (!placement.placed.some((p) => p.file.path === SYSCTL_PATH)) return [];
  const text = readTargetText(placement.root, SYSCTL_CONF_PATH);
  if (text === undefined) return [];
  const shown = shownPath(join(placement.root, ...SYSCTL_CONF_PATH.split('/')), process.cwd());
  return sysctlConflicts(r.plan, text, r.backend.sysctlConfAfter === true).map((c) => `warning: ${shown}:${c.line}: ${c.message}`);
}

const SYSCTL_CONF_PATH = 'etc/sysctl.conf';

/** One error carrying every host's problems (model problems merged, others listed). */
export function combine(failures: Failure[]): NetgenError {
  const models = failures.filter((f): f is Failure & { error: ModelError } => f.error instanceof ModelError);
  const others = failures.filter((f) => !(f.error instanceof ModelError));
  if (others.length === 0) return new ModelError(models.flatMap((f) => f.error.problems));
  const problems: ModelProblem[] = models.flatMap((f) => f.error.problems);
  const lines = others.map((f) => f.error.message);
  if (problems.length) lines.unshift(new ModelError(problems).message);
  return new NetgenError('usage', lines.join('\n'));
}

export interface Progress {
  start(total: number): void;
  tick(done: number): void;
  done(): void;
}

const silentProgress: Progress = { start() {}, tick() {}, done() {} };

/** Progress on stderr for long runs on a terminal; silent otherwise. */
export function terminalProgress(quiet: boolean | undefined, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (quiet || !stream.isTTY) return silentProgress;
  let total = 0;
  let last = 0;
  return {
    start(t) {
      total = t;
    },
    tick(done) {
      if (total <= 100) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      stream.write(`\rrendering ${done}/${total} hosts`);
    },
    done() {
      if (total > 100) stream.write('\r\x1b[K');
    },
  };
}
