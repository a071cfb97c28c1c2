// The bundled CLI (what `npx netgen` runs: dist/render.cjs for a render line, dist/netgen.cjs
// for everything else) carries its templates precompiled at build time and other stand-ins
// (scripts/bundle.mjs); the other tests run the sources. This proves the bundles write every
// golden tree byte for byte, and print the same help and usage errors, as the sources do.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { goldenCases, readTree, REPO } from './helpers/golden.js';

const BIN = join(REPO, 'bin/netgen.cjs');
const work = mkdtempSync(join(tmpdir(), 'netgen-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the bundled CLI', () => {
  if (!existsSync(join(REPO, 'dist/netgen.cjs'))) spawnSync('npm', ['run', 'build'], { cwd: REPO });
  let n = 0;
  for (const c of goldenCases()) {
    for (const distro of c.backends) {
      it(`writes ${c.name} on ${distro} as its golden tree`, () => {
        const expected = readTree(join(c.dir, 'expected', distro));
        const root = join(work, String(n++));
        const args = ['render', '--distro', distro, '-m', relative(REPO, c.model), '--root', root];
        if (c.options.gentooRules) args.push('--gentoo-rules', c.options.gentooRules);
        const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, encoding: 'utf8' });
        const error = expected.get('ERROR');
        if (error) {
          expect(r.status, r.stderr).toBe(2);
          expect(r.stderr).toContain(error.content.trim());
          return;
        }
        expect(r.status, r.stderr).toBe(0);
        const got = readTree(root);
        expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
        for (const [path, want] of expected) expect(got.get(path), path).toEqual(want);
      });
    }
  }
});

describe('the bundled CLI and the sources', () => {
  const SEED = 'examples/rhel-vip-egress/netgen.yaml';
  // Help is laid out by cliui with a plain width in the bundle (scripts/plain-width.mjs).
  for (const args of [['--help'], ['render', '--help'], ['diff', '--help'], ['route', 'get', '--help'], ['verify', '--help'], [], ['render'], ['route', 'get'], ['bogus'], ['--version'], ['verify', '-m', SEED], ['route', 'get', '192.168.1.1', '--explain', '-m', SEED]]) {
    it(`say the same for netgen ${args.join(' ')}`, () => {
      const bundled = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      const source = runCli(args);
      expect({ code: bundled.status, stdout: bundled.stdout, stderr: bundled.stderr }).toEqual({ code: source.code, stdout: source.stdout, stderr: source.stderr });
    });
  }

  it("never ask yargs for help text after a parse (the bundle leaves out yargs' help cache)", () => {
    const files = readdirSync(join(REPO, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const callers = files.filter((f) => /\.(showHelp|getHelp)\(/.test(readFileSync(join(REPO, 'src', f), 'utf8')));
    expect(callers).toEqual([]);
  });
});

describe("the bundled CLI's render worker", () => {
  it('loads dist/render.cjs as bin/netgen.cjs does and renders a fleet as one thread does', () => {
    // Four copies of the seed as four hosts: the worker renders all of them.
    const models = join(work, 'fleet-models');
    mkdirSync(models);
    const seed = readFileSync(join(REPO, 'examples/rhel-vip-egress/netgen.yaml'), 'utf8');
    for (const h of ['a', 'b', 'c', 'd']) writeFileSync(join(models, `${h}.yaml`), seed.replace(/^host: .*$/m, `host: db-${h}`));
    const run = (mode: string, root: string) =>
      spawnSync(process.execPath, [BIN, 'render', '--distro', 'rhel6', '-m', models, '--root', root, '--quiet'], {
        encoding: 'utf8',
        env: { ...process.env, NETGEN_RENDER_WORKER: mode, NETGEN_RENDER_WORKER_REPORT: '1' },
      });
    const worker = run('only', join(work, 'fleet-worker'));
    expect(worker.status, worker.stderr).toBe(0);
    // The worker loads the bundle from the code cache bin/netgen.cjs used (the build's).
    expect(worker.stderr).toBe('netgen-render-worker=4/4\nnetgen-render-worker-code-cache=hit\n');
    const one = run('off', join(work, 'fleet-one'));
    expect(one.status, one.stderr).toBe(0);
    expect(readTree(join(work, 'fleet-worker'))).toEqual(readTree(join(work, 'fleet-one')));
  });
});

describe('the dependency tree', () => {
  it('npm ls finds no invalid, missing or extraneous package (esbuild agrees with tsx and vite)', () => {
    const r = spawnSync('npm', ['ls', '--all'], { cwd: REPO, encoding: 'utf8' });
    expect(r.stderr.split('\n').filter((l) => /invalid|missing|extraneous|ELSPROBLEMS/.test(l)), r.stdout.slice(-2000)).toEqual([]);
    expect(r.status).toBe(0);
  });
});

describe('the published package', () => {
  it('ships the bundle, its code cache, the templates and the schema, and not the source map (only bench/profile.ts reads it)', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/netgen.cjs', 'dist/netgen.cjs', 'dist/render.cjs', 'schema/netgen.schema.json', 'templates/header.hbs']));
    expect(files.some((f) => /^dist\/netgen\.cjs\..*\.cache$/.test(f))).toBe(true);
    expect(files.some((f) => /^dist\/render\.cjs\..*\.cache$/.test(f))).toBe(true);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    // Nothing in the bundles asks for a map (esbuild's `external` writes no sourceMappingURL).
    for (const b of ['netgen.cjs', 'render.cjs']) expect(readFileSync(join(REPO, 'dist', b), 'utf8')).not.toContain('sourceMappingURL');
  });
});
