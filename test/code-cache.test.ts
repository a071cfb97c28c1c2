// bin/netgen.cjs and V8's code cache: V8 silently rejects a cache made under other V8 flags
// (NODE_OPTIONS=--max-old-space-size=...), which cost every run ~47 ms. The binary notices,
// makes a cache for the flags in use in the user's cache directory, and uses it from then on;
// when it cannot, it runs without one and says nothing.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO } from './helpers/repo.js';

const BIN = join(REPO, 'bin/netgen.cjs');
const SEED = join(REPO, 'examples/rhel-vip-egress/netgen.yaml');
let dir: string;

beforeAll(() => {
  if (!existsSync(join(REPO, 'dist/netgen.cjs'))) spawnSync('npm', ['run', 'build'], { cwd: REPO });
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'netgen-cache-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function netgen(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache'), NETGEN_CODE_CACHE_REPORT: '1', NODE_OPTIONS: '', ...env },
  });
  // One line per bundle the run loaded (a render line that dist/render.cjs leaves to the full CLI loads both).
  const bundles = [...r.stderr.matchAll(/^netgen-code-cache=(\S+) bundle=(\S+) from=(\S+)(?: wrote=(\S+))?$/gm)].map((m) => ({ cache: m[1], bundle: m[2], from: m[3], wrote: m[4] }));
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, bundles, ...bundles[0] };
}

const FLAGGED = { NODE_OPTIONS: '--max-old-space-size=4096' };
const userCaches = () => (existsSync(join(dir, 'cache/netgen')) ? readdirSync(join(dir, 'cache/netgen')) : []);

describe('the code cache of the installed binary', () => {
  it('is the one the build made when Node runs without flags', () => {
    const r = netgen(['--version'], {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.bundles).toEqual([{ cache: 'hit', bundle: 'netgen.cjs', from: 'dist', wrote: undefined }]);
    const render = netgen(['render', '--distro', 'rhel6', '-m', SEED, '--root', join(dir, 'a')], {});
    expect(render.code, render.stderr).toBe(0);
    expect(render.bundles).toEqual([{ cache: 'hit', bundle: 'render.cjs', from: 'dist', wrote: undefined }]);
    expect(userCaches()).toEqual([]);
  });

  it('of both bundles serves a render line that dist/render.cjs leaves to the full CLI', () => {
    // --root=DIR is not read plainly (src/render-argv.ts): yargs reads it.
    const r = netgen(['render', '--distro', 'rhel6', '-m', SEED, `--root=${join(dir, 'a')}`], {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('created');
    expect(r.bundles.map((b) => [b.bundle, b.cache])).toEqual([
      ['render.cjs', 'hit'],
      ['netgen.cjs', 'hit'],
    ]);
    expect(readdirSync(join(dir, 'a/etc/sysconfig/network-scripts'))).toContain('ifcfg-eth0');
  });

  it('is made for other V8 flags on the first run and used from the second', () => {
    const first = netgen(['render', '--distro', 'rhel6', '-m', SEED, '--root', join(dir, 'a')], FLAGGED);
    expect(first.code, first.stderr).toBe(0);
    expect([first.bundle, first.cache]).toEqual(['render.cjs', 'miss']);
    expect(first.wrote).toMatch(/\/cache\/netgen\/render-.*\.cache$/);
    const second = netgen(['render', '--distro', 'rhel6', '-m', SEED, '--root', join(dir, 'b')], FLAGGED);
    expect([second.cache, second.from, second.wrote]).toEqual(['hit', 'user', undefined]);
    expect(userCaches()).toHaveLength(1);
  });

  it('is made again when V8 rejects it', () => {
    netgen(['--version'], FLAGGED);
    const [name] = userCaches();
    writeFileSync(join(dir, 'cache/netgen', name!), 'not a code cache');
    const r = netgen(['--version'], FLAGGED);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect([r.cache, r.from]).toEqual(['rejected', 'user']);
    expect(r.wrote).toBe(join(dir, 'cache/netgen', name!));
    expect(netgen(['--version'], FLAGGED).cache).toBe('hit');
  });

  it('replaces the caches of earlier builds of the same installation', () => {
    mkdirSync(join(dir, 'cache/netgen'), { recursive: true });
    netgen(['--version'], FLAGGED);
    const [name] = userCaches();
    const stale = name!.replace(/^(netgen-[0-9a-f]+-)\d+-\d+-/, '$11-2-');
    const otherInstall = 'netgen-00000000-1-2-deadbeef.cache';
    writeFileSync(join(dir, 'cache/netgen', stale), 'x');
    writeFileSync(join(dir, 'cache/netgen', otherInstall), 'x');
    rmSync(join(dir, 'cache/netgen', name!));
    netgen(['--version'], FLAGGED);
    expect(userCaches().sort()).toEqual([name!, otherInstall].sort());
  });

  it('cannot stand in for a bundle that was never built: exit 3, naming it and the fix', () => {
    mkdirSync(join(dir, 'pkg/bin'), { recursive: true });
    copyFileSync(BIN, join(dir, 'pkg/bin/netgen.cjs'));
    for (const [args, bundle] of [
      [['--version'], 'netgen.cjs'],
      [['render', '--distro', 'rhel6', '-m', SEED, '--root', join(dir, 'out')], 'render.cjs'],
    ] as const) {
      const r = spawnSync(process.execPath, [join(dir, 'pkg/bin/netgen.cjs'), ...args], { encoding: 'utf8' });
      expect(r.status).toBe(3);
      expect(r.stderr).toBe(`netgen: ${join(dir, 'pkg/dist', bundle)} is missing; run "npm run build" (npm ci does it)\n`);
    }
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('is skipped quietly when the cache directory cannot be written', () => {
    // (The tests run as root, whom permissions do not stop: a file, no home, /proc and a relative path.)
    writeFileSync(join(dir, 'cache-file'), '');
    for (const env of [{ ...FLAGGED, XDG_CACHE_HOME: join(dir, 'cache-file') }, { ...FLAGGED, XDG_CACHE_HOME: 'relative/dir', HOME: 'relative' }, { ...FLAGGED, XDG_CACHE_HOME: '', HOME: '' }, { ...FLAGGED, XDG_CACHE_HOME: '/proc/netgen-none' }]) {
      const r = netgen(['route', 'get', '192.168.1.1', '-m', SEED], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('192.168.1.1');
      expect(r.stderr).toBe('netgen-code-cache=miss bundle=netgen.cjs from=none\n');
    }
  });
});
