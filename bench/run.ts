// npm run bench: every speed target of netgen, measured side by side in one run, written to
// bench/RESULTS.md. Medians of alternating runs (a shared, noisy machine: compare the
// ratios, not absolute numbers). Where a target is not met, a CPU profile (bench/profile.ts)
// says what limits it. Nothing here is asserted in tests.
//   BENCH_RUNS=25        single-host runs (default 15)
//   BENCH_FLEET=1000,10000,100000   fleet sizes (the 10,000 and 100,000 targets need those)
//   BENCH_SCALE=1000,10000          sizes for the one-host scaling of every model dimension
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { profileNetgen, type ProfileSummary } from './profile.js';
import { DIMENSIONS, netplanYaml, scaledHost, syntheticHost, timedWith, type Dimension } from './synthetic.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(REPO, 'bin/netgen.cjs');
const RSS_HOOK = join(REPO, 'bench/rss-hook.cjs');
const HEAP_HOOK = join(REPO, 'bench/heap-hook.cjs');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const FLEET_SIZES = (process.env.BENCH_FLEET ?? '1000,10000,100000').split(',').map(Number);
const SCALE_SIZES = (process.env.BENCH_SCALE ?? '1000,10000').split(',').map(Number);
const SCALE_DISTROS = ['rhel6', 'gentoo', 'gentoo-legacy'];

interface Sample {
  ms: number;
  rssKb: number;
  /** bin/netgen.cjs's code cache report: hit, miss or rejected */
  cache?: string;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Sample {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(0, 2000)}`);
  const m = /netgen-bench-maxrss=(\d+)/.exec(r.stderr);
  const c = /netgen-code-cache=(\w+)/.exec(r.stderr);
  return { ms, rssKb: m ? Number(m[1]) : 0, ...(c ? { cache: c[1]! } : {}) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface Netplan {
  cmd: string;
  args: string[];
  env: Record<string, string>;
  how: string;
}

/**
 * `netplan generate` as installed, or as unpacked by bench/netplan.sh (Debian's packages,
 * run in place with Debian's /usr/bin/python3; nothing installed).
 */
function findNetplan(): Netplan | undefined {
  if (spawnSync('sh', ['-c', 'command -v netplan'], { encoding: 'utf8' }).status === 0) {
    return { cmd: 'netplan', args: ['generate', '--root-dir'], env: {}, how: 'installed' };
  }
  const root = join(REPO, 'bench/.netplan/root');
  // A fresh clone has no unpacked copy: make one where Debian's tools can (nothing is installed).
  if (!existsSync(join(root, 'usr/sbin/netplan')) && spawnSync('sh', ['-c', 'command -v apt-get && command -v dpkg'], { encoding: 'utf8' }).status === 0) {
    progress('netplan is not installed: unpacking Debian\'s netplan.io with bench/netplan.sh');
    spawnSync('sh', [join(REPO, 'bench/netplan.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  if (!existsSync(join(root, 'usr/sbin/netplan')) || !existsSync('/usr/bin/python3')) return undefined;
  const lib = join(root, 'usr/lib/x86_64-linux-gnu');
  return {
    cmd: '/usr/bin/python3',
    args: [join(root, 'usr/sbin/netplan'), 'generate', '--root-dir'],
    env: {
      PYTHONPATH: `${join(root, 'usr/share/netplan')}:${join(root, 'usr/lib/python3/dist-packages')}`,
      LD_LIBRARY_PATH: lib,
      // The CLI finds libnetplan through ctypes in the process's global symbols.
      LD_PRELOAD: join(lib, 'libnetplan.so.0.0'),
      NETPLAN_GENERATE_PATH: join(root, 'usr/libexec/netplan/generate'),
    },
    how: 'Debian netplan.io 0.106 unpacked by bench/netplan.sh',
  };
}

const fmt = (ms: number) => (ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms < 100 ? 1 : 0)} ms`);
const ratio = (x: number) => `${x.toFixed(2)} ×`;
const count = (n: number) => n.toLocaleString('en-US');
const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : '**not met**');

/** The largest self-time entries of a profile, as one line. */
function topOf(p: ProfileSummary, n = 4, by: 'groups' | 'functions' = 'functions'): string {
  return p[by]
    .slice(0, n)
    .map(([f, ms]) => `${f} ${fmt(ms)}`)
    .join('; ');
}

// Targets go to tmpfs where there is one: the benchmark measures netgen, not the shared
// disk of the machine it runs on (RESULTS.md says which was used).
const SHM = '/dev/shm';
const onTmpfs = existsSync(SHM) && statSync(SHM).isDirectory();
const work = mkdtempSync(join(onTmpfs ? SHM : tmpdir(), 'netgen-bench-'));
// bin/netgen.cjs keeps code caches for other V8 flags here, not in the user's home.
const CACHE_ENV = { XDG_CACHE_HOME: join(work, 'cache'), NETGEN_CODE_CACHE_REPORT: '1' };
const progress = (s: string) => process.stderr.write(`bench: ${s}\n`);
const loadStart = loadavg()[0]!;
try {
  if (!existsSync(join(REPO, 'dist/netgen.cjs'))) throw new Error('dist/netgen.cjs is missing: run npm ci (or npm run build) first');

  // ---- single host: node -e 0, --version, --help, render, render under other V8 flags,
  // netplan generate; alternating, so that the machine's moods fall on all of them alike.
  progress(`single host, ${RUNS} rounds`);
  const one = join(work, 'one');
  mkdirSync(one);
  const host = syntheticHost(0);
  const model = join(one, 'netgen.yaml');
  writeFileSync(model, host.yaml);
  const npDir = join(work, 'netplan-root');
  mkdirSync(join(npDir, 'etc/netplan'), { recursive: true });
  writeFileSync(join(npDir, 'etc/netplan/01-bench.yaml'), netplanYaml(host), { mode: 0o600 });
  const netplan = findNetplan();
  const FLAGS = { NODE_OPTIONS: '--max-old-space-size=4096' };
  const single = { floor: [] as Sample[], version: [] as Sample[], help: [] as Sample[], render: [] as Sample[], flagged: [] as Sample[], netplan: [] as Sample[] };
  let flaggedFirst: Sample | undefined;
  const renderArgs = (out: string) => [BIN, 'render', '--distro', 'rhel6', '-m', model, '--root', out];
  for (let i = 0; i < RUNS + 1; i++) {
    const f = run(process.execPath, ['-e', '0']);
    const v = run(process.execPath, [BIN, '--version'], CACHE_ENV);
    const h = run(process.execPath, [BIN, '--help'], CACHE_ENV);
    const s = run(process.execPath, renderArgs(join(work, `single-${i}`)), CACHE_ENV);
    const g = run(process.execPath, renderArgs(join(work, `flagged-${i}`)), { ...CACHE_ENV, ...FLAGS });
    const n = netplan ? run(netplan.cmd, [...netplan.args, npDir], netplan.env) : undefined;
    if (i === 0) {
      flaggedFirst = g; // the run that makes the cache for these flags
      continue; // and the file cache's warm-up: not counted
    }
    single.floor.push(f);
    single.version.push(v);
    single.help.push(h);
    single.render.push(s);
    single.flagged.push(g);
    if (n) single.netplan.push(n);
  }
  const m = Object.fromEntries(Object.entries(single).map(([k, xs]) => [k, xs.length ? median(xs.map((x) => x.ms)) : NaN])) as Record<keyof typeof single, number>;
  const hits = (xs: Sample[]) => `${xs.filter((x) => x.cache === 'hit').length}/${xs.length}`;
  const renderProfile = profileNetgen(10, () => renderArgs(join(work, `prof-${Math.random()}`)).slice(1), CACHE_ENV);

  // ---- fleets: the I/O floor (tar -x of the same tree) alternating with netgen.
  const fleetRows: { hosts: number; ms: number; perHost: number; rssMb: number; tar: number; cp: number; runs: number; files: number }[] = [];
  let fleetProfile: ProfileSummary | undefined;
  /** The largest fleet's memory, sampled after full GCs in one more run (bench/heap-hook.cjs). */
  let fleetHeap: { hosts: number; liveMb: number; totalMb: number; rssMb: number } | undefined;
  for (const n of FLEET_SIZES) {
    progress(`fleet of ${count(n)} hosts`);
    const dir = join(work, `fleet-${n}`);
    mkdirSync(dir);
    for (let i = 0; i < n; i++) writeFileSync(join(dir, `host-${String(i).padStart(6, '0')}.yaml`), syntheticHost(i).yaml);
    const runs = n >= 100000 ? 1 : n >= 10000 ? 3 : 5;
    const times: number[] = [];
    const rss: number[] = [];
    const tars: number[] = [];
    const cps: number[] = [];
    const tarball = join(work, `fleet-${n}.tar`);
    let files = 0;
    for (let r = 0; r < runs; r++) {
      const out = join(work, `out-${n}-${r}`);
      const s = run(process.execPath, ['--require', RSS_HOOK, BIN, 'render', '--distro', 'rhel6', '-m', dir, '--root', out, '--quiet'], CACHE_ENV);
      times.push(s.ms);
      rss.push(s.rssKb);
      if (r === 0) {
        run('tar', ['-cf', tarball, '-C', out, '.']);
        files = Number(spawnSync('sh', ['-c', `find "${out}" -type f | wc -l`], { encoding: 'utf8' }).stdout.trim());
      }
      // cp -a needs a second copy of the tree beside the first: skipped where that would not
      // fit in tmpfs (100,000 hosts are 1.2 million files).
      if (n < 100000) {
        const copy = join(work, `cp-${n}-${r}`);
        cps.push(run('cp', ['-a', out, copy]).ms);
        rmSync(copy, { recursive: true, force: true });
      }
      rmSync(out, { recursive: true, force: true });
      const untar = join(work, `tar-${n}-${r}`);
      mkdirSync(untar);
      tars.push(run('tar', ['-xf', tarball, '-C', untar]).ms);
      rmSync(untar, { recursive: true, force: true });
    }
    if (n === FLEET_SIZES[FLEET_SIZES.length - 1]) {
      const out = join(work, `heap-${n}`);
      const r = spawnSync(process.execPath, ['--expose-gc', '--require', HEAP_HOOK, BIN, 'render', '--distro', 'rhel6', '-m', dir, '--root', out, '--quiet'], { encoding: 'utf8', env: { ...process.env, ...CACHE_ENV }, stdio: ['ignore', 'ignore', 'pipe'] });
      const h = /netgen-bench-heap live=(\d+) total=(\d+) maxrss=(\d+)/.exec(r.stderr);
      if (h) fleetHeap = { hosts: n, liveMb: Number(h[1]) / 1e6, totalMb: Number(h[2]) / 1e6, rssMb: Number(h[3]) / 1024 };
      rmSync(out, { recursive: true, force: true });
    }
    const ms = median(times);
    fleetRows.push({ hosts: n, ms, perHost: ms / n, rssMb: Math.max(...rss) / 1024, tar: median(tars), cp: cps.length ? median(cps) : NaN, runs, files });
    if (n === 1000) {
      let k = 0;
      fleetProfile = profileNetgen(3, () => ['render', '--distro', 'rhel6', '-m', dir, '--root', join(work, `prof-fleet-${k++}`), '--quiet'], CACHE_ENV);
    }
    for (const f of readdirSync(work)) if (f.startsWith('prof-fleet-')) rmSync(join(work, f), { recursive: true, force: true });
    rmSync(tarball, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }

  // ---- one host, every model dimension scaled: linear, and under 1 s at 10,000.
  interface ScaleRow {
    dim: Dimension;
    distro: string;
    ms: Map<number, number>;
    /** The spread (slowest − fastest) of the runs at each size: the machine's noise. */
    spread: Map<number, number>;
  }
  const scaleRows: ScaleRow[] = [];
  for (const dim of DIMENSIONS) {
    progress(`one host scaled in ${dim}`);
    // `expect:` is what `verify` reads; render only carries it.
    const distros = timedWith(dim) === 'verify' ? ['verify'] : SCALE_DISTROS;
    for (const distro of distros) {
      const row: ScaleRow = { dim, distro, ms: new Map(), spread: new Map() };
      // N = 1 is the baseline, timed in the same loop: what the dimension adds is measured
      // above it (the machine's load moves all of these alike).
      for (const n of [1, ...SCALE_SIZES]) {
        const file = join(work, `scale-${dim}-${n}.yaml`);
        if (!existsSync(file)) writeFileSync(file, scaledHost(dim, n));
        const times: number[] = [];
        for (let r = 0; r < 3; r++) {
          const out = join(work, `scale-out-${r}`);
          const args = distro === 'verify' ? [BIN, 'verify', '-m', file] : [BIN, 'render', '--distro', distro, '-m', file, '--root', out];
          times.push(run(process.execPath, args, CACHE_ENV).ms);
          rmSync(out, { recursive: true, force: true });
        }
        row.ms.set(n, median(times));
        row.spread.set(n, Math.max(...times) - Math.min(...times));
      }
      scaleRows.push(row);
    }
  }
  const small = SCALE_SIZES[0]!;
  const big = SCALE_SIZES[SCALE_SIZES.length - 1]!;
  // Linear: the time a dimension adds over N = 1 grows at most 1.5 × as fast as N. What it
  // adds at the small size is taken as at least the noise of those runs (their spread): a
  // dimension that adds nothing measurable there would otherwise read as any growth at all.
  const noise = (r: ScaleRow) => Math.max(r.spread.get(1)!, r.spread.get(small)!);
  const growth = (r: ScaleRow) => (r.ms.get(big)! - r.ms.get(1)!) / Math.max(1, r.ms.get(small)! - r.ms.get(1)!, noise(r)) / (big / small);
  const scaleMet = (r: ScaleRow) => growth(r) <= 1.5 && r.ms.get(big)! < 1000;
  const scaleProfiles = new Map<ScaleRow, ProfileSummary>();
  /** For a case not met: the files it writes and what `tar -x` takes to create that tree (its I/O floor). */
  const scaleFloors = new Map<ScaleRow, { files: number; tar: number }>();
  for (const r of scaleRows.filter((x) => !scaleMet(x))) {
    progress(`profile of ${r.dim} on ${r.distro}`);
    const file = join(work, `scale-${r.dim}-${big}.yaml`);
    if (r.distro !== 'verify') {
      const out = join(work, 'scale-floor');
      run(process.execPath, [BIN, 'render', '--distro', r.distro, '-m', file, '--root', out], CACHE_ENV);
      const tarball = join(work, 'scale-floor.tar');
      run('tar', ['-cf', tarball, '-C', out, '.']);
      const files = Number(spawnSync('sh', ['-c', `find "${out}" -type f -o -type l | wc -l`], { encoding: 'utf8' }).stdout.trim());
      rmSync(out, { recursive: true, force: true });
      const tars: number[] = [];
      for (let k = 0; k < 3; k++) {
        const untar = join(work, 'scale-untar');
        mkdirSync(untar);
        tars.push(run('tar', ['-xf', tarball, '-C', untar]).ms);
        rmSync(untar, { recursive: true, force: true });
      }
      rmSync(tarball, { force: true });
      scaleFloors.set(r, { files, tar: median(tars) });
    }
    // Each run into a root of its own: a root an earlier case wrote would be profiled as updating it.
    const roots: string[] = [];
    scaleProfiles.set(
      r,
      profileNetgen(1, () => {
        roots.push(join(work, `prof-scale-${r.dim}-${r.distro}-${roots.length}`));
        return r.distro === 'verify' ? ['verify', '-m', file] : ['render', '--distro', r.distro, '-m', file, '--root', roots[roots.length - 1]!];
      }, CACHE_ENV),
    );
    for (const d of roots) rmSync(d, { recursive: true, force: true });
  }

  // ---- report
  const f1k = fleetRows.find((r) => r.hosts === 1000);
  const f10k = fleetRows.find((r) => r.hosts === 10000);
  const f100k = fleetRows.find((r) => r.hosts === 100000);
  const fleetLinear = f1k && fleetRows.length > 1 ? Math.max(...fleetRows.filter((r) => r.hosts > 1000).map((r) => r.perHost / f1k.perHost)) : undefined;
  const scaleFailed = scaleRows.filter((r) => !scaleMet(r));
  const targets: [string, string, string][] = [
    ['single-host `render` ≤ 1.25 × `node -e 0`', ratio(m.render / m.floor), verdict(m.render <= 1.25 * m.floor)],
    ['`--version` ≤ 1.5 × `node -e 0`', ratio(m.version / m.floor), verdict(m.version <= 1.5 * m.floor)],
    ['`--help` ≤ 1.5 × `node -e 0`', ratio(m.help / m.floor), verdict(m.help <= 1.5 * m.floor)],
    ['single-host `render` faster than `netplan generate`', Number.isNaN(m.netplan) ? 'netplan not available' : `${ratio(m.render / m.netplan)} netplan`, verdict(Number.isNaN(m.netplan) ? undefined : m.render < m.netplan)],
    [
      'code cache used when V8 flags are set (`NODE_OPTIONS=--max-old-space-size=4096`)',
      `${hits(single.flagged)} hits after a first run that made it (${flaggedFirst?.cache ?? '?'}); render ${ratio(m.flagged / m.floor)}`,
      verdict(single.flagged.every((x) => x.cache === 'hit')),
    ],
    ['10,000 hosts ≤ 2 × `tar -x` of the same tree', f10k ? `${ratio(f10k.ms / f10k.tar)} tar -x` : '-', verdict(f10k ? f10k.ms <= 2 * f10k.tar : undefined)],
    [
      'fleets linear from 1,000 to 100,000 hosts (time per host at most 1.25 × that at 1,000)',
      fleetLinear !== undefined ? `${ratio(fleetLinear)} the per-host time at 1,000` : '-',
      verdict(fleetLinear !== undefined && f100k ? fleetLinear <= 1.25 : undefined),
    ],
    ['peak RSS at 100,000 hosts < 250 MB', f100k ? `${f100k.rssMb.toFixed(0)} MB` : 'not run (BENCH_FLEET)', verdict(f100k ? f100k.rssMb < 250 : undefined)],
    [
      `one host, every model dimension at ${count(big)}: linear and under 1 s`,
      scaleFailed.length ? `${scaleRows.length - scaleFailed.length} of ${scaleRows.length} cases; not: ${scaleFailed.map((r) => `${r.dim} (${r.distro})`).join(', ')}` : `all ${scaleRows.length} cases`,
      verdict(scaleFailed.length === 0),
    ],
  ];

  const lines = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}: every target measured side by side in one run.`,
    `Single host: medians of ${RUNS} alternating rounds after one warm-up. Fleets: ${FLEET_SIZES.map(count).join(', ')} hosts. Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${loadStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end.`,
    'These machines are shared and noisy: read the ratios, which were measured side by side.',
    `Models and targets live in ${work.startsWith(SHM) ? 'tmpfs (/dev/shm), so file-system latency of the shared disk is not counted' : 'the temporary directory on disk'}.`,
    '',
    '## Targets',
    '',
    '| target | measured | |',
    '|---|---|---|',
    ...targets.map((t) => `| ${t.join(' | ')} |`),
    '',
    '## Single host (rhel6, `--root` into an empty directory)',
    '',
    '| command | median wall time | × `node -e 0` | code cache hits |',
    '|---|---|---|---|',
    `| \`node -e 0\` (the floor for any Node CLI) | ${fmt(m.floor)} | 1.00 × | |`,
    `| \`netgen --version\` | ${fmt(m.version)} | ${ratio(m.version / m.floor)} | ${hits(single.version)} |`,
    `| \`netgen --help\` | ${fmt(m.help)} | ${ratio(m.help / m.floor)} | ${hits(single.help)} |`,
    `| \`netgen render --distro rhel6\` | ${fmt(m.render)} | ${ratio(m.render / m.floor)} | ${hits(single.render)} |`,
    `| the same with \`NODE_OPTIONS=--max-old-space-size=4096\` (other V8 flags: the cache is made on the first run, ${flaggedFirst ? fmt(flaggedFirst.ms) : '?'}) | ${fmt(m.flagged)} | ${ratio(m.flagged / m.floor)} | ${hits(single.flagged)} |`,
    Number.isNaN(m.netplan)
      ? '| `netplan generate --root-dir` | skipped: netplan is not installed (Debian package `netplan.io`; `bench/netplan.sh` unpacks it without installing) | | |'
      : `| \`netplan generate --root-dir\` (equivalent netplan YAML; ${netplan!.how}) | ${fmt(m.netplan)} | ${ratio(m.netplan / m.floor)} | |`,
    '',
    `Where a render's time goes (\`node --cpu-prof\` of 10 renders, self time per run, bench/profile.ts; the profiler adds its own overhead, and Node's start-up before the profiler is not sampled):`,
    '',
    '| where (self time) | per run |',
    '|---|---|',
    ...renderProfile.groups.slice(0, 12).map(([g, ms]) => `| ${g} | ${fmt(ms)} |`),
    `| all sampled | ${fmt(renderProfile.totalMs)} |`,
    '',
    '## Fleets (rhel6, `-m DIR --root OUT`, each host with 2–4 interfaces, a VIP, VLANs, tables and rules)',
    '',
    'The floor is the time `tar -x` (and `cp -a`) takes to create the same output tree in the same tmpfs, measured between the renders.',
    '',
    '| hosts | files | runs | netgen wall time | per host | `tar -x` | netgen ÷ tar | `cp -a` | peak RSS |',
    '|---|---|---|---|---|---|---|---|---|',
    ...fleetRows.map(
      (r) => `| ${count(r.hosts)} | ${count(r.files)} | ${r.runs} | ${fmt(r.ms)} | ${r.perHost.toFixed(3)} ms | ${fmt(r.tar)} | ${ratio(r.ms / r.tar)} | ${Number.isNaN(r.cp) ? '-' : fmt(r.cp)} | ${r.rssMb.toFixed(0)} MB |`,
    ),
    '',
    ...(fleetProfile ? [`Where a 1,000-host render's time goes (self time, largest first): ${topOf(fleetProfile, 8, 'groups')}.`, '', `Functions: ${topOf(fleetProfile, 8)}.`, ''] : []),
    ...(fleetHeap
      ? [
          `Memory of a ${count(fleetHeap.hosts)}-host render (one more run with a full GC every 500 ms, bench/heap-hook.cjs): the live JS heap after GC was at most ${fleetHeap.liveMb.toFixed(1)} MB, ` +
            `the heap V8 had reserved at most ${fleetHeap.totalMb.toFixed(0)} MB, peak RSS ${fleetHeap.rssMb.toFixed(0)} MB (the run above, without the forced collections: ${fleetRows[fleetRows.length - 1]!.rssMb.toFixed(0)} MB). ` +
            'The live heap is what netgen holds; the rest of the RSS is room V8 keeps between collections and memory outside the JS heap.',
          '',
        ]
      : []),
    `## One host, each model dimension scaled (${SCALE_SIZES.map(count).join(' and ')})`,
    '',
    `Each host has N of one thing and little else (bench/synthetic.ts, \`scaledHost\`), or N of two things where one is looked through for each of the other (\`expect-routes\`: N routes and N expectations); \`expect\` and \`expect-*\` are timed with \`verify\`. Linear: the time N adds over N = 1 (timed in the same loop) grows at most 1.5 × as fast as N from ${count(small)} to ${count(big)}; what it adds at ${count(small)} counts as at least the noise of those runs (slowest − fastest), so that a dimension adding nothing measurable does not read as steep growth. Medians of 3 runs. For scale: \`node -e 0\` took ${fmt(m.floor)} in this run.`,
    '',
    `| dimension | back-end | 1 | ${SCALE_SIZES.map((n) => count(n)).join(' | ')} | growth ÷ N | |`,
    `|---|---|---|${SCALE_SIZES.map(() => '---|').join('')}---|---|`,
    ...scaleRows.map((r) => `| ${r.dim} | ${r.distro} | ${[1, ...SCALE_SIZES].map((n) => fmt(r.ms.get(n)!)).join(' | ')} | ${ratio(growth(r))} | ${verdict(scaleMet(r))} |`),
    '',
    ...(scaleProfiles.size
      ? [
          'What limits each case not met (CPU profile of one run at the largest size, self time, largest first):',
          '',
          ...[...scaleProfiles].map(([r, p]) => {
            const floor = scaleFloors.get(r);
            const io = floor ? ` It writes ${count(floor.files)} files and links; \`tar -x\` of that tree takes ${fmt(floor.tar)}.` : '';
            return `- ${r.dim} on ${r.distro} (${fmt(r.ms.get(big)!)}): ${topOf(p, 5)}.${io}`;
          }),
          '',
        ]
      : []),
    m.render / m.floor <= 1.25 ? '## Where a single render\'s time goes' : '## What limits the single-host target',
    '',
    `A render takes ${fmt(m.render - m.floor)} more than \`node -e 0\`; \`netgen --version\` (which loads yargs, and reads no model) ${fmt(m.version - m.floor)} more. ` +
      `The profile above: ${topOf(renderProfile, 6, 'groups')}. "node internals" is mostly V8 deserialising the code cache (\`Script\`) and Node loading its own modules; ` +
      'the rest is reading and checking the model (js-yaml, src/model) and writing with the journal. Already done: a render line run from a bundle of the render path alone ' +
      '(dist/render.cjs, half the code of the full CLI), from a V8 code cache, its text compiled as shipped (Node\'s module wrapper written in at build time); ' +
      'Handlebars templates precompiled at build time (runtime only); the model\'s structure checked by netgen\'s own schema kinds instead of zod (half the bundle); ' +
      'a plain `render` line read without loading yargs (yargs for everything else, without its per-command help formatting and without string-width); ' +
      'output written by file descriptor instead of through process.stdout\'s streams; node:crypto and fs.rmSync\'s module not loaded; Node modules and module-level tables made at first use.',
    '',
  ];
  const text = lines.join('\n');
  writeFileSync(join(REPO, 'bench/RESULTS.md'), text);
  process.stdout.write(text);
} finally {
  rmSync(work, { recursive: true, force: true });
}
