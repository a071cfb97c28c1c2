// CPU profiles of the installed command, attributed to the packages and netgen directories
// the time is spent in. Used by bench/run.ts for "what limits it", and by hand:
//   node --import tsx bench/profile.ts [RUNS] -- render --distro rhel6 -m host.yaml --root /tmp/x
// The bundles are minified; `npm run build` writes dist/netgen.cjs.map and dist/render.cjs.map
// (never loaded at run time), which map each sampled function back to its source file here.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../', import.meta.url));
/** The bundles bin/netgen.cjs runs: a `render` line's, and every other command's. */
const BUNDLES = ['render.cjs', 'netgen.cjs'];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

interface Segment {
  col: number;
  src: number;
  line: number;
  name: number;
}

/** Per generated line: its segments, sorted by column (source maps v3, base64 VLQ). */
function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let src = 0;
  let srcLine = 0;
  let name = 0;
  for (const line of mappings.split(';')) {
    const segs: Segment[] = [];
    let col = 0;
    for (const seg of line.split(',')) {
      if (!seg) continue;
      const vals: number[] = [];
      let shift = 0;
      let value = 0;
      for (const ch of seg) {
        const d = B64.indexOf(ch);
        value += (d & 31) << shift;
        if (d & 32) shift += 5;
        else {
          vals.push(value & 1 ? -(value >> 1) : value >> 1);
          value = 0;
          shift = 0;
        }
      }
      col += vals[0]!;
      if (vals.length >= 4) {
        src += vals[1]!;
        srcLine += vals[2]!;
        let nm = -1;
        if (vals.length >= 5) {
          name += vals[4]!;
          nm = name;
        }
        segs.push({ col, src, line: srcLine, name: nm });
      }
    }
    lines.push(segs);
  }
  return lines;
}

export interface SourcePlace {
  file: string;
  /** 1-based line in that file */
  line: number;
  /** the original name at that place, when the map has one */
  name?: string;
}

/** Maps a position (0-based line and column) in dist/NAME to the source it came from. */
export function bundleLocator(name = 'netgen.cjs'): ((line: number, col: number) => SourcePlace) | undefined {
  const mapFile = join(REPO, 'dist', name + '.map');
  if (!existsSync(mapFile)) return undefined;
  const map = JSON.parse(readFileSync(mapFile, 'utf8')) as { sources: string[]; names: string[]; mappings: string };
  const lines = decodeMappings(map.mappings);
  return (line, col) => {
    const segs = lines[line];
    if (!segs || segs.length === 0) return { file: '(bundle, unmapped)', line: line + 1 };
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid]!.col <= col) lo = mid;
      else hi = mid - 1;
    }
    const s = segs[lo]!;
    const place: SourcePlace = { file: map.sources[s.src] ?? '?', line: s.line + 1 };
    if (s.name >= 0 && map.names[s.name]) place.name = map.names[s.name]!;
    return place;
  };
}

const short = (file: string) => file.replace(/^(\.\.\/)+/, '').replace(/^.*node_modules\//, '');
/** A function as `src/backends/gentoo.ts:120 (name)`: where its definition starts in the sources. */
const fnName = (p: SourcePlace) => `${short(p.file)}:${p.line}${p.name ? ` ${p.name}` : ''}`;

/** A source path as a group: a package, or a netgen directory. */
function group(source: string): string {
  const s = source.replace(/^(\.\.\/)+/, '');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)(\/.*)?$/.exec(s);
  if (nm) return nm[1]!;
  const m = /^(src\/[^/]+)(\/|$)/.exec(s);
  if (m) return m[1]!.endsWith('.ts') ? 'src (cli)' : `${m[1]}`;
  return s;
}

export interface ProfileSummary {
  runs: number;
  /** milliseconds per run, by group, largest first */
  groups: [string, number][];
  /** milliseconds per run, by function (group: name), largest first */
  functions: [string, number][];
  totalMs: number;
}

/** Profile `netgen ARGS` RUNS times (setup() before each run gives fresh args). */
export function profileNetgen(runs: number, args: () => string[], env: Record<string, string> = {}): ProfileSummary {
  const dir = mkdtempSync(join(tmpdir(), 'netgen-prof-'));
  try {
    // One run first, not counted: --cpu-prof is a V8 flag, so bin/netgen.cjs makes a code
    // cache for it on its first run (see there), and the profile should show the usual case.
    for (let i = -1; i < runs; i++) {
      if (i === 0) for (const f of readdirSync(dir)) rmSync(join(dir, f));
      const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '100', join(REPO, 'bin/netgen.cjs'), ...args()], {
        encoding: 'utf8',
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ...env },
      });
      if (r.status !== 0) throw new Error(`profiled run failed (${r.status}): ${r.stderr}`);
    }
    const locators = new Map(BUNDLES.map((b) => [`/dist/${b}`, bundleLocator(b)]));
    const groups = new Map<string, number>();
    const fns = new Map<string, number>();
    let total = 0;
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    for (const f of files) {
      const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile;
      const byId = new Map(p.nodes.map((n) => [n.id, n]));
      const self = new Map<number, number>();
      for (let i = 0; i < p.samples.length; i++) {
        const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
        self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
      }
      const add = (g: string, fn: string, ms: number) => {
        total += ms;
        groups.set(g, (groups.get(g) ?? 0) + ms);
        fns.set(`${g}: ${fn}`, (fns.get(`${g}: ${fn}`) ?? 0) + ms);
      };
      for (const [id, ms] of self) {
        const node = byId.get(id)!;
        const cf = node.callFrame;
        let g: string;
        const ticks = node.positionTicks?.reduce((a, t) => a + t.ticks, 0) ?? 0;
        const bundle = BUNDLES.find((b) => cf.url.endsWith(`/dist/${b}`));
        const locate = bundle && locators.get(`/dist/${bundle}`);
        if (locate && ticks > 0) {
          // Long functions (the bundle's top level runs every module's initialisation):
          // split their time by the line, hence the module, it was sampled on.
          const fnPlace = locate(cf.lineNumber, cf.columnNumber);
          for (const t of node.positionTicks!) {
            const place = locate(t.line - 1, 0);
            const fn = place.file === fnPlace.file && cf.functionName ? `${fnName(fnPlace)}` : `(line ${place.line} of ${short(place.file)})`;
            add(group(place.file), fn, (ms * t.ticks) / ticks);
          }
          continue;
        }
        if (locate) {
          const place = locate(cf.lineNumber, cf.columnNumber);
          add(group(place.file), fnName(place), ms);
          continue;
        }
        if (bundle) g = 'netgen bundle';
        else if (cf.url.endsWith('/bin/netgen.cjs')) g = 'bin/netgen.cjs';
        else if (cf.url.startsWith('node:')) g = 'node internals';
        else if (cf.url === '') g = cf.functionName; // (program), (garbage collector), (idle)
        else g = cf.url;
        if (g === '(idle)') continue;
        add(g, cf.functionName || '(anonymous)', ms);
      }
    }
    // Per run, not per profile: a fleet's render worker thread writes a profile of its own
    // (CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile); its time counts with its run's.
    const n = new Set(files.map((f) => f.split('.')[3])).size || 1;
    const sorted = (m: Map<string, number>) => [...m].map(([k, v]) => [k, v / n] as [string, number]).sort((a, b) => b[1] - a[1]);
    return { runs: n, groups: sorted(groups), functions: sorted(fns), totalMs: total / n };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Markdown table of the largest groups. */
export function profileTable(p: ProfileSummary, top = 10): string[] {
  const rows = p.groups.slice(0, top).map(([g, ms]) => `| ${g} | ${ms.toFixed(1)} ms | ${((100 * ms) / p.totalMs).toFixed(0)} % |`);
  return ['| where (self time) | per run | share |', '|---|---|---|', ...rows, `| total sampled (every thread of the run) | ${p.totalMs.toFixed(1)} ms | |`];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const sep = process.argv.indexOf('--');
  const runs = Number(process.argv[2] && process.argv[2] !== '--' ? process.argv[2] : 10);
  const args = sep >= 0 ? process.argv.slice(sep + 1) : ['--version'];
  const p = profileNetgen(runs, () => args);
  process.stdout.write(profileTable(p, 25).join('\n') + '\n\nfunctions:\n');
  for (const [f, ms] of p.functions.slice(0, 40)) process.stdout.write(`${ms.toFixed(2).padStart(7)} ms  ${f}\n`);
}
