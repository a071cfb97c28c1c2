// CPU profiles of the installed command, attributed to the packages and netgen directories
// the time is spent in. Used by bench/run.ts for "what limits it", and by hand:
//   node --import tsx bench/profile.ts [RUNS] -- render --distro rhel6 -m host.yaml --root /tmp/x
// The bundle is minified; `npm run build` writes dist/netgen.cjs.map (never loaded at run time),
// which maps each sampled function back to its source file here.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const BUNDLE = join(REPO, 'dist/netgen.cjs');

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

/** Per generated line: sorted [column, source index] pairs (source maps v3, VLQ). */
function decodeMappings(mappings: string): [number, number][][] {
  const lines: [number, number][][] = [];
  let src = 0;
  for (const line of mappings.split(';')) {
    const segs: [number, number][] = [];
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
        segs.push([col, src]);
      }
      // the line/column deltas of the source are not needed: only which file
    }
    lines.push(segs);
  }
  return lines;
}

/** Maps a bundle position to the source file it came from. */
export function bundleLocator(): ((line: number, col: number) => string) | undefined {
  const mapFile = BUNDLE + '.map';
  if (!existsSync(mapFile)) return undefined;
  const map = JSON.parse(readFileSync(mapFile, 'utf8')) as { sources: string[]; mappings: string };
  const lines = decodeMappings(map.mappings);
  return (line, col) => {
    const segs = lines[line];
    if (!segs || segs.length === 0) return '?';
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid]![0] <= col) lo = mid;
      else hi = mid - 1;
    }
    return map.sources[segs[lo]![1]] ?? '?';
  };
}

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
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '100', join(REPO, 'bin/netgen.cjs'), ...args()], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });
      if (r.status !== 0) throw new Error(`profiled run failed (${r.status}): ${r.stderr}`);
    }
    const locate = bundleLocator();
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
        if (cf.url.endsWith('/dist/netgen.cjs') && locate && ticks > 0) {
          // Long functions (the bundle's top level runs every module's initialisation):
          // split their time by the line, hence the module, it was sampled on.
          for (const t of node.positionTicks!) add(group(locate(t.line - 1, 0)), cf.functionName || `(top level, line ${t.line})`, (ms * t.ticks) / ticks);
          continue;
        }
        if (cf.url.endsWith('/dist/netgen.cjs')) g = locate ? group(locate(cf.lineNumber, cf.columnNumber)) : 'netgen bundle';
        else if (cf.url.endsWith('/bin/netgen.cjs')) g = 'bin/netgen.cjs';
        else if (cf.url.startsWith('node:')) g = 'node internals';
        else if (cf.url === '') g = cf.functionName; // (program), (garbage collector), (idle)
        else g = cf.url;
        if (g === '(idle)') continue;
        add(g, cf.functionName || '(anonymous)', ms);
      }
    }
    const n = files.length || 1;
    const sorted = (m: Map<string, number>) => [...m].map(([k, v]) => [k, v / n] as [string, number]).sort((a, b) => b[1] - a[1]);
    return { runs: files.length, groups: sorted(groups), functions: sorted(fns), totalMs: total / n };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Markdown table of the largest groups. */
export function profileTable(p: ProfileSummary, top = 10): string[] {
  const rows = p.groups.slice(0, top).map(([g, ms]) => `| ${g} | ${ms.toFixed(1)} ms | ${((100 * ms) / p.totalMs).toFixed(0)} % |`);
  return ['| where (self time) | per run | share |', '|---|---|---|', ...rows, `| total sampled on the main thread | ${p.totalMs.toFixed(1)} ms | |`];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const sep = process.argv.indexOf('--');
  const runs = Number(process.argv[2] && process.argv[2] !== '--' ? process.argv[2] : 10);
  const args = sep >= 0 ? process.argv.slice(sep + 1) : ['--version'];
  const p = profileNetgen(runs, () => args);
  process.stdout.write(profileTable(p, 25).join('\n') + '\n\nfunctions:\n');
  for (const [f, ms] of p.functions.slice(0, 40)) process.stdout.write(`${ms.toFixed(2).padStart(7)} ms  ${f}\n`);
}
