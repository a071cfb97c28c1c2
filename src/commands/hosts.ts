// One host or a fleet: expand -m into model files, render every host, and place each
// host's files in the target. Shared by `render` and `diff`. Every model is validated
// before anything is written; all problems of all hosts are reported together.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ModelError, NetgenError, type ModelProblem } from '../errors.js';
import { findStale, placeFiles, prepareChanges, readTargetText, shownPath, targetRoot, type Change, type Placement, type StaleFile, type TreeState } from '../output/write.js';
import { SYSCTL_PATH } from '../backends/sysctl.js';
import { sysctlConflicts } from '../plan/sysctl.js';
import { shownModelPath } from '../pipeline.js';
import { HostRenderer, modelCount, modelList, modelPath, renderHost, type HostRender, type ModelList } from './render-pool.js';
import type { Backend, BackendOptions } from '../backends/types.js';
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
  /** The model's host name. */
  host: string;
  placement: Placement;
  changes: Change[];
  /** Things in the target that undo part of what is rendered (a foreign sysctl.conf line). */
  warnings: string[];
  /** Files netgen wrote earlier for this model that it no longer produces. */
  stale: StaleFile[];
}

export interface Failure {
  shown: string;
  error: NetgenError;
}

const MODEL_EXT = /\.(ya?ml|json)$/;

/**
 * The model files `-m` names: files as given, directories as their *.yaml/*.yml/*.json in
 * name order. One directory is held as its names (a fleet of 100,000 hosts holds no path).
 */
export function expandModels(models: readonly string[]): { paths: ModelList; fleet: boolean } {
  const paths: string[] = [];
  let fleet = models.length > 1;
  let only: ModelList | undefined;
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
    if (models.length === 1) only = modelList(m, names);
    else paths.push(...names.map((n) => join(m, n)));
  }
  return { paths: only ?? modelList(undefined, [...new Set(paths)]), fleet };
}

export interface HostRun {
  failures: Failure[];
  fleet: boolean;
  /** Hosts that rendered and were visited. */
  count: number;
}

/** The model files of a run, and whether they make a fleet. */
export function modelsOf(a: HostArgs): { paths: ModelList; fleet: boolean } {
  getBackend(a.distro);
  return expandModels(Array.isArray(a.model) ? a.model : [a.model]);
}

/** The directory a run works on: `--root` for a fleet, else the host's target root. */
export function runRoot(a: HostArgs): string {
  if (a.root !== undefined) return resolve(a.root);
  return targetRoot(a.output === undefined ? {} : { outDir: a.output }, getBackend(a.distro).mainDir);
}

/**
 * Render every host and decide its changes, one host at a time: `visit` sees each host
 * that rendered, in model order, and may drop it afterwards (a fleet is never held whole
 * in memory). Failures are collected (every host is still rendered, so all problems are
 * reported together); whether that ends the run is the caller's decision.
 */
export async function forEachHost(
  a: HostArgs,
  options: BackendOptions,
  state: TreeState,
  visit: (host: HostResult, failed: boolean) => void | Promise<void>,
  progress: Progress = silentProgress,
  models: { paths: ModelList; fleet: boolean } = modelsOf(a),
): Promise<HostRun> {
  const backend = getBackend(a.distro); // a wrong --distro is one usage error, not one per host
  const { paths, fleet } = models;
  const total = modelCount(paths);
  if (fleet && a.root === undefined) {
    throw new NetgenError('usage', `${total} models: give --root DIR (each host goes to DIR/<host>/); -o names one host's directory`);
  }
  const failures: Failure[] = [];
  /** The hosts so far: two models for one host are refused. */
  const seen = new HostIndex();
  let count = 0;
  // A fleet whose root did not exist (or that this run created) has no host directory, so no
  // host's sysctl.conf to check: the worker need not send what that check reads.
  const renderer = new HostRenderer(paths, a.distro, options, fleet, !fleet || rootExists(state));
  try {
    progress.start(total);
    for (let i = 0; i < total; i++) {
      const path = modelPath(paths, i);
      const shown = shownModelPath(path);
      let host: HostResult;
      try {
        const r = await renderer.take(i);
        if (fleet) {
          for (const other of seen.candidates(r.host)) {
            // A name that hashes alike: the same host only if that model's host is this one.
            if (hostOf(paths, other, a.distro, options) !== r.host) continue;
            throw new NetgenError('usage', `${shown}: host ${r.host} is also the host of ${shownModelPath(modelPath(paths, other))}; each host needs its own directory`);
          }
          seen.add(r.host, i);
        }
        const target = fleet ? { root: join(a.root!, r.host) } : a.root !== undefined ? { root: a.root } : a.output !== undefined ? { outDir: a.output } : {};
        const placement = placeFiles(r.files, target, backend.mainDir);
        const changes = prepareChanges(placement, r.source, state);
        host = { shown, host: r.host, placement, changes, stale: findStale(placement, changes, backend.prunable, state), warnings: sysctlWarnings(r, placement, state, backend) };
      } catch (err) {
        if (!(err instanceof NetgenError) || err.kind === 'internal') throw err;
        failures.push({ shown, error: err });
        progress.tick(i + 1);
        continue;
      }
      count++;
      // Writing errors are not the host's: they end the run.
      await visit(host, failures.length > 0);
      if (fleet) state.forgetBelow(host.placement.root);
      progress.tick(i + 1);
    }
  } finally {
    renderer.close();
  }
  progress.done();
  return { failures, fleet, count };
}

/** Whether the target's root is a directory that was there before this run (a root that is not a directory is each host's error, as before). */
function rootExists(state: TreeState): boolean {
  try {
    return state.statDir(state.root) === 'dir';
  } catch {
    return true;
  }
}

/** The host of an earlier model (rendered again: only when a later host's name hashes alike). */
function hostOf(paths: ModelList, i: number, distro: string, options: BackendOptions): string | undefined {
  try {
    return renderHost(modelPath(paths, i), distro, options).host;
  } catch {
    return undefined; // changed since: not the same host
  }
}

/**
 * The host names of a fleet so far, as 53-bit hashes with the index of their model (12 bytes a
 * host in typed arrays; a Map of 100,000 names holds ~6 MB, and V8 lets the heap grow to a
 * few times what is live). A hash says which earlier models may have the same name;
 * the caller decides by their host.
 */
class HostIndex {
  private hashes = new Float64Array(1024);
  private models = new Int32Array(1024);
  private size = 0;

  private static hash(name: string): number {
    let a = 0x811c9dc5;
    let b = 0x2545f491;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    // 1 .. 2^53: 0 marks an empty slot.
    return (a >>> 0) * 0x200000 + (b >>> 11) + 1;
  }

  /** Models before this one whose host name hashes like `name`. */
  *candidates(name: string): Generator<number> {
    const h = HostIndex.hash(name);
    const mask = this.hashes.length - 1;
    for (let at = h % this.hashes.length; this.hashes[at] !== 0; at = (at + 1) & mask) if (this.hashes[at] === h) yield this.models[at]!;
  }

  add(name: string, model: number): void {
    if ((this.size + 1) * 2 > this.hashes.length) this.grow();
    this.put(HostIndex.hash(name), model);
    this.size++;
  }

  private put(h: number, model: number): void {
    const mask = this.hashes.length - 1;
    let at = h % this.hashes.length;
    while (this.hashes[at] !== 0) at = (at + 1) & mask;
    this.hashes[at] = h;
    this.models[at] = model;
  }

  private grow(): void {
    const [hashes, models] = [this.hashes, this.models];
    this.hashes = new Float64Array(hashes.length * 2);
    this.models = new Int32Array(hashes.length * 2);
    hashes.forEach((h, at) => {
      if (h !== 0) this.put(h, models[at]!);
    });
  }
}

/** Lines of the target's own /etc/sysctl.conf that would override netgen's sysctl file at boot. */
function sysctlWarnings(r: HostRender, placement: Placement, state: TreeState, backend: Backend): string[] {
  if (!placement.placed.some((p) => p.file.path === SYSCTL_PATH)) return [];
  // A host directory this run creates (or that is missing) holds no sysctl.conf.
  if (placement.root !== state.root && state.statDir(placement.root) !== 'dir') return [];
  const text = readTargetText(placement.root, SYSCTL_CONF_PATH);
  if (text === undefined) return [];
  const shown = shownPath(join(placement.root, ...SYSCTL_CONF_PATH.split('/')), process.cwd());
  return sysctlConflicts(r.sysctl(), text, backend.sysctlConfAfter === true).map((c) => `warning: ${shown}:${c.line}: ${c.message}`);
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

/**
 * Progress on stderr for long runs (over 100 hosts) on a terminal; silent otherwise. Whether
 * stderr is a terminal is asked only for a long run: asking builds process.stderr (see src/stdio.ts).
 */
export function terminalProgress(quiet: boolean | undefined, streamOf: () => NodeJS.WriteStream = () => process.stderr): Progress {
  if (quiet) return silentProgress;
  let stream: NodeJS.WriteStream | undefined;
  let total = 0;
  let last = 0;
  return {
    start(t) {
      if (t <= 100) return;
      const s = streamOf();
      if (!s.isTTY) return;
      stream = s;
      total = t;
    },
    tick(done) {
      if (total <= 100) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      stream?.write(`\rrendering ${done}/${total} hosts`);
    },
    done() {
      if (total > 100) stream?.write('\r\x1b[K');
    },
  };
}
