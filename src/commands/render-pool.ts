// A fleet's hosts rendered on both cores: one worker thread renders hosts ahead of the main
// thread, which writes them in model order (and renders ahead itself whenever the worker's
// next host is not ready). Rendering is the pure pipeline (read a model, validate, compile,
// template), so a host renders to the same bytes on either thread; everything that touches
// the target tree stays on the main thread.
//
// - Order and output: hosts are handed to the caller strictly in model order, whoever
//   rendered them, so the run (its journal, messages, errors) is the one a single thread makes.
// - Errors: a host that fails in the worker is rendered again on the main thread, which
//   throws exactly the error a single-threaded run throws (same object, same stack).
// - Memory: neither thread renders more than WINDOW hosts ahead of the one being written.
// - The worker is an optimisation only: when it cannot start or dies, the main thread
//   renders what is left. It runs the same bundle as the main thread (never the sources).
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { BackendOptions, RenderedFile } from '../backends/types.js';
import { renderModelFile } from '../pipeline.js';
import type { SysctlPlanView } from '../plan/sysctl.js';

/** One rendered host: what the write path needs of it. */
export interface HostRender {
  host: string;
  /** The model's name in generated headers. */
  source: string;
  files: RenderedFile[];
  /**
   * What src/plan/sysctl.ts needs to warn about a foreign /etc/sysctl.conf: asked only for a
   * host whose directory exists (a host the worker rendered keeps it as JSON until then).
   */
  sysctl(): SysctlPlanView;
}

/**
 * A host as the worker sends it: three strings. Structured cloning copies a string with one
 * memcpy but rebuilds an object graph property by property on the receiving (main, writing)
 * thread: a host's files and sysctl view as objects cost ~35-50 us there, as strings ~13 us.
 */
export interface PackedHost {
  /** JSON: [host, source, [[path, mode, owner, content length], ...]] */
  meta: string;
  /** Every file's content, one after the other. */
  text: string;
  /**
   * JSON of the sysctl view (parsed only if the main thread asks for it); left out when the
   * fleet's root did not exist, so that no host has a sysctl.conf to check (~9 us a host).
   */
  sysctl?: string;
}

export function packHost(r: HostRender, withSysctl: boolean): PackedHost {
  const files = r.files.map((f) => [f.path, f.mode, f.owner, f.content.length]);
  let text = '';
  for (const f of r.files) text += f.content;
  const meta = JSON.stringify([r.host, r.source, files]);
  return withSysctl ? { meta, text, sysctl: JSON.stringify(r.sysctl()) } : { meta, text };
}

/** The host a worker packed; `again` gives its sysctl view should it have been left out. */
export function unpackHost(p: PackedHost, again: () => SysctlPlanView): HostRender {
  const [host, source, meta] = JSON.parse(p.meta) as [string, string, [string, number, RenderedFile['owner'], number][]];
  const text = p.text;
  let at = 0;
  const files = meta.map(([path, mode, owner, length]): RenderedFile => ({ path, mode, owner, content: text.slice(at, (at += length)) }));
  let view: SysctlPlanView | undefined;
  return { host, source, files, sysctl: () => (view ??= p.sysctl !== undefined ? (JSON.parse(p.sysctl) as SysctlPlanView) : again()) };
}

/**
 * The model files of a run, in order: a directory and its names, or paths (dir undefined).
 * The names are one string with NUL between them (no file name holds one) and the offset
 * where each ends: 100,000 hosts take 2 MB, not the 8 MB of an array of strings.
 */
export interface ModelList {
  dir: string | undefined;
  text: string;
  ends: Uint32Array;
}

export function modelList(dir: string | undefined, names: readonly string[]): ModelList {
  const ends = new Uint32Array(names.length);
  let at = 0;
  names.forEach((n, i) => {
    at += n.length;
    ends[i] = at;
    at += 1;
  });
  return { dir, text: names.join('\0'), ends };
}

export function modelCount(list: ModelList): number {
  return list.ends.length;
}

export function modelPath(list: ModelList, i: number): string {
  const name = list.text.slice(i === 0 ? 0 : list.ends[i - 1]! + 1, list.ends[i]!);
  return list.dir === undefined ? name : join(list.dir, name);
}

/** Render one host on this thread. Throws what the pipeline throws. */
export function renderHost(path: string, distro: string, options: BackendOptions): HostRender {
  const r = renderModelFile(path, distro, options);
  const p = r.plan;
  const view: SysctlPlanView = { sysctl: p.sysctl, links: p.links.map((l) => ({ name: l.name, kind: l.kind })), addresses: p.addresses.map((a) => ({ device: a.device })) };
  return { host: p.host, source: p.source, files: r.files, sysctl: () => view };
}

/**
 * Hosts a thread may render ahead of the one being written. With 64 the worker waited for
 * the main thread ~5-9% of a 10,000-host run (while the main thread renders a host itself,
 * the worker fills the window); a host in flight is ~10 kB.
 */
const WINDOW = 256;
/** Below this many hosts a worker does not pay for its start (about 25 ms of the other core). */
const MIN_HOSTS = 32;
// Int32 slots of the shared control block.
const NEXT = 0; // the next host nobody has claimed
const CONSUMED = 1; // hosts handed to the caller

/**
 * A host ready to be taken. The worker's hosts stay packed until taken: while the main
 * thread writes, up to WINDOW of them wait here, and as three strings each they are a few
 * objects for the young generation's collections to copy, not a few dozen.
 */
type Entry = { ok: HostRender } | { packed: PackedHost } | { error: unknown } | { retry: true };
type WorkerMessage = { i: number; r: PackedHost | undefined } | { cache: 'hit' | 'rejected' | 'none' };

interface WorkerData {
  bundle: string;
  models: ModelList;
  distro: string;
  options: BackendOptions;
  ctl: SharedArrayBuffer;
  /** Whether to send each host's sysctl view (see PackedHost). */
  sysctl: boolean;
  /** The V8 code cache file bin/netgen.cjs loaded the bundle with, if V8 accepted one. */
  cache: string | undefined;
}

/**
 * The bundle this code runs from (dist/render.cjs or dist/netgen.cjs, or the test suite's
 * bundle), or undefined when it runs from the TypeScript sources: a worker loads the same file.
 */
function bundleFile(): string | undefined {
  const url = import.meta.url;
  return url.startsWith('file:') && url.endsWith('.cjs') ? fileURLToPath(url) : undefined;
}

/**
 * `NETGEN_RENDER_WORKER`: `off` (one thread), or `only` (for tests: the worker renders every
 * host, whatever the fleet's size; the main thread only what fails there).
 */
function mode(): 'auto' | 'off' | 'only' {
  const v = process.env['NETGEN_RENDER_WORKER'];
  return v === 'off' || v === 'only' ? v : 'auto';
}

/** Hands out rendered hosts in order: `take(i)` for i = 0, 1, 2, ... */
export class HostRenderer {
  private readonly models: ModelList;
  private readonly distro: string;
  private readonly options: BackendOptions;
  private readonly sysctl: boolean;
  private worker: Worker | undefined;
  private ctl: Int32Array | undefined;
  private workerGone = false;
  private readonly ready = new Map<number, Entry>();
  private wake: (() => void) | undefined;
  private readonly only = mode() === 'only';
  /** Hosts the worker rendered (NETGEN_RENDER_WORKER_REPORT=1 says how many, for tests and the bench). */
  private fromWorker = 0;
  /** Whether the worker loaded its bundle from a code cache (reported with fromWorker). */
  private workerCache: string | undefined;

  /** `sysctl`: whether a host's sysctl view may be asked for (its directory may exist). */
  constructor(models: ModelList, distro: string, options: BackendOptions, fleet: boolean, sysctl = true) {
    this.models = models;
    this.distro = distro;
    this.options = options;
    this.sysctl = sysctl;
    // One host never starts a worker: nothing else is asked (the bundle's URL costs ~0.3 ms).
    if (!fleet) return;
    const n = modelCount(models);
    const bundle = bundleFile();
    const m = mode();
    if (bundle === undefined || m === 'off' || (m === 'auto' && (n < MIN_HOSTS || availableParallelism() < 2))) return;
    try {
      this.start(bundle);
    } catch {
      this.workerGone = true;
    }
  }

  private start(bundle: string): void {
    // Loaded at first use: a single host never pays for it.
    const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
    const ctl = new SharedArrayBuffer(8);
    this.ctl = new Int32Array(ctl);
    // bin/netgen.cjs names the code cache it ran this bundle from: without it the worker would
    // compile every function it calls (~25-50 ms of the other core at the start of a fleet).
    const caches = (globalThis as Record<symbol, Record<string, string> | undefined>)[Symbol.for('netgen.code-cache')];
    const data: WorkerData = { bundle, models: this.models, distro: this.distro, options: this.options, ctl, sysctl: this.sysctl, cache: caches?.[bundle] };
    // The bundle's entry (src/render-main.ts, src/cli.ts) exports the worker's loop; loading it
    // runs nothing else. scripts/bundle.mjs ships a bundle as one function expression, which
    // bin/netgen.cjs compiles and calls (see there); the test suite's bundle is a module.
    const code = [
      "const { workerData, parentPort } = require('node:worker_threads');",
      "const fs = require('node:fs'), path = require('node:path'), vm = require('node:vm');",
      'const f = workerData.bundle;',
      "const source = fs.readFileSync(f, 'latin1');",
      'let m = { exports: {} };',
      "if (source.startsWith('(function (exports, require, module, __filename, __dirname)')) {",
      '  let cachedData;',
      '  try { if (workerData.cache) cachedData = fs.readFileSync(workerData.cache); } catch {}',
      '  const s = new vm.Script(source, { filename: f, cachedData });',
      "  parentPort.postMessage({ cache: cachedData === undefined ? 'none' : s.cachedDataRejected ? 'rejected' : 'hit' });",
      '  s.runInThisContext().call(m.exports, m.exports, require, m, f, path.dirname(f));',
      '} else m = { exports: require(f) };',
      'm.exports.runRenderWorker();',
    ].join('\n');
    // The worker's own output (there is none by design) never reaches the terminal; heap
    // limits keep its share of the memory small (a host needs a few hundred kB). The young
    // generation is 24 MB, not 8: with 8 the worker scavenged three times as often, copying the
    // host in flight each time (~6% of its CPU at 10,000 hosts), for ~15 MB less RSS.
    const w = new Worker(code, { eval: true, workerData: data, stdout: true, stderr: true, resourceLimits: { maxYoungGenerationSizeMb: 24, maxOldGenerationSizeMb: 96 } });
    w.stdout.resume();
    w.stderr.resume();
    // Not unref'd: while the main thread waits for a host, the worker is what keeps the process
    // alive. close() (always called by forEachHost) stops it.
    w.on('message', (m: WorkerMessage) => {
      if ('cache' in m) {
        this.workerCache = m.cache;
        return;
      }
      const i = m.i;
      this.ready.set(i, m.r ? { packed: m.r } : { retry: true });
      if (m.r) this.fromWorker++;
      this.poke();
    });
    const gone = (): void => {
      this.workerGone = true;
      this.poke();
    };
    w.on('error', gone);
    w.on('exit', gone);
    this.worker = w;
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private local(i: number): Entry {
    try {
      return { ok: renderHost(modelPath(this.models, i), this.distro, this.options) };
    } catch (error) {
      return { error };
    }
  }

  /** Host i (model order), rendered here or by the worker; throws what rendering it here throws. */
  async take(i: number): Promise<HostRender> {
    const entry = this.ctl === undefined ? this.local(i) : await this.fromPool(i, this.ctl);
    if ('error' in entry) throw entry.error;
    if ('retry' in entry) return renderHost(modelPath(this.models, i), this.distro, this.options);
    if ('packed' in entry) return unpackHost(entry.packed, () => renderHost(modelPath(this.models, i), this.distro, this.options).sysctl());
    return entry.ok;
  }

  private async fromPool(i: number, ctl: Int32Array): Promise<Entry> {
    const n = modelCount(this.models);
    for (;;) {
      const e = this.ready.get(i);
      if (e) {
        this.ready.delete(i);
        Atomics.store(ctl, CONSUMED, i + 1);
        Atomics.notify(ctl, CONSUMED);
        return e;
      }
      // Nobody has it (or the worker is gone with it unfinished): render it here.
      if (this.workerGone || (!this.only && Atomics.compareExchange(ctl, NEXT, i, i + 1) === i)) {
        this.ready.set(i, this.local(i));
        continue;
      }
      // The worker has it: meanwhile render the next unclaimed host here, within the window.
      const j = Atomics.load(ctl, NEXT);
      if (!this.only && j < n && j - i < WINDOW && Atomics.compareExchange(ctl, NEXT, j, j + 1) === j) {
        this.ready.set(j, this.local(j));
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** Stop the worker (the run is over, or failed). */
  close(): void {
    if (process.env['NETGEN_RENDER_WORKER_REPORT'] === '1') {
      process.stderr.write(`netgen-render-worker=${this.fromWorker}/${modelCount(this.models)}\n${this.workerCache ? `netgen-render-worker-code-cache=${this.workerCache}\n` : ''}`);
    }
    if (this.ctl) Atomics.store(this.ctl, NEXT, modelCount(this.models));
    void this.worker?.terminate();
    this.worker = undefined;
  }
}

/** The worker's side: claim the next host, render it, send it; stay within the window. */
function workerLoop(d: WorkerData): void {
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  const ctl = new Int32Array(d.ctl);
  const n = modelCount(d.models);
  for (;;) {
    for (;;) {
      const c = Atomics.load(ctl, CONSUMED);
      if (Atomics.load(ctl, NEXT) - c < WINDOW) break;
      Atomics.wait(ctl, CONSUMED, c, 100);
    }
    const i = Atomics.add(ctl, NEXT, 1);
    if (i >= n) break;
    let r: PackedHost | undefined;
    try {
      r = packHost(renderHost(modelPath(d.models, i), d.distro, d.options), d.sysctl);
    } catch {
      // the main thread renders it again, for the error exactly as a single thread gives it
    }
    parentPort!.postMessage({ i, r } satisfies WorkerMessage);
  }
}

/** The worker's entry (runRenderWorker of src/render-main.ts or src/cli.ts, which the worker calls on the bundle it loads). */
export async function runWorker(): Promise<void> {
  // require, not import(): the bundle runs as a vm.Script (bin/netgen.cjs), which has no
  // dynamic import of Node's modules.
  const { isMainThread, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  if (!isMainThread && workerData) workerLoop(workerData as WorkerData);
}
