// A fleet's hosts rendered by a worker thread (src/commands/render-pool.ts) give exactly what
// one thread gives: the same tree, the same stdout and stderr (errors included), the same exit
// code. NETGEN_RENDER_WORKER=only has the worker render every host whatever the fleet's size
// (the main thread renders again only what failed there, for its exact error); =off is one thread.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './helpers/cli.js';
import { REPO } from './helpers/repo.js';
import { snapshot } from './helpers/snapshot.js';

let dir: string;
let models: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'netgen-worker-'));
  models = join(dir, 'models');
  mkdirSync(models);
  copyFileSync(join(REPO, 'examples/rhel-vip-egress/netgen.yaml'), join(models, 'db.yaml'));
  copyFileSync(join(REPO, 'examples/gentoo-dual-switch/netgen.yaml'), join(models, 'box.yaml'));
  for (let i = 0; i < 12; i++) {
    writeFileSync(join(models, `h${String(i).padStart(2, '0')}.yaml`), `host: h${i}\ninterfaces:\n  eth0:\n    addresses: [10.0.${i}.10/24]\n    gateway: 10.0.${i}.1\n`);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REPORT = /^netgen-render-worker=(\d+)\/(\d+)\n/m;

/** The same command with one thread and with the worker: results, trees and the worker's count. */
function both(args: (root: string) => string[], prepare: (root: string) => void = () => {}): { off: CliResult; only: CliResult; trees: [Record<string, string>, Record<string, string>]; rendered: number; total: number } {
  const run = (mode: string): [CliResult, Record<string, string>] => {
    const root = join(dir, `out-${mode}`);
    rmSync(root, { recursive: true, force: true });
    prepare(root);
    const r = runCli(args(root), { cwd: dir, env: { NETGEN_RENDER_WORKER: mode, NETGEN_RENDER_WORKER_REPORT: '1' } });
    return [r, snapshot(root)];
  };
  const [off, offTree] = run('off');
  const [only, onlyTree] = run('only');
  const m = REPORT.exec(only.stderr);
  expect(m, only.stderr).not.toBeNull();
  expect(off.stderr).toMatch(/^netgen-render-worker=0\//m);
  const same = (text: string): string => text.split('out-off').join('out-X').split('out-only').join('out-X');
  const strip = (r: CliResult): CliResult => ({ ...r, stderr: same(r.stderr.replace(REPORT, '')), stdout: same(r.stdout) });
  return { off: strip(off), only: strip(only), trees: [offTree, onlyTree], rendered: Number(m![1]), total: Number(m![2]) };
}

describe('a fleet rendered by the worker thread', () => {
  it('writes the same tree and says the same as one thread', () => {
    const r = both((root) => ['render', '--distro', 'rhel6', '-m', models, '--root', root]);
    expect(r.only.code, r.only.stderr).toBe(0);
    expect(r.only).toEqual(r.off);
    expect(r.trees[1]).toEqual(r.trees[0]);
    expect(Object.keys(r.trees[0]).length).toBeGreaterThan(100);
    expect([r.rendered, r.total]).toEqual([14, 14]);
  });

  it('reports the same errors, and writes nothing, when hosts fail (and the same with --keep-going)', () => {
    writeFileSync(join(models, 'bad1.yaml'), 'host: bad1\ninterfaces:\n  eth0: { addresses: [10.0.0.300/24] }\n');
    writeFileSync(join(models, 'dup.yaml'), 'host: h3\ninterfaces:\n  eth0: { addresses: [10.9.0.1/24] }\n');
    writeFileSync(join(models, 'gibberish.yaml'), 'host: [\n');
    try {
      const failed = both((root) => ['render', '--distro', 'rhel6', '-m', models, '--root', root]);
      expect(failed.only.code).toBe(2);
      expect(failed.only.stderr).toContain('bad1.yaml:3:23');
      expect(failed.only.stderr).toContain('host h3 is also the host of');
      expect(failed.only).toEqual(failed.off);
      expect(failed.trees).toEqual([{}, {}]);
      // The two that fail to render are rendered again on the main thread; the duplicate renders.
      expect([failed.rendered, failed.total]).toEqual([15, 17]);

      const kept = both((root) => ['render', '--distro', 'rhel6', '-m', models, '--root', root, '--keep-going']);
      expect(kept.only.code).toBe(2);
      expect(kept.only).toEqual(kept.off);
      expect(kept.trees[1]).toEqual(kept.trees[0]);
      expect(Object.keys(kept.trees[0])).toContain('h11/etc/sysconfig/network-scripts/ifcfg-eth0');
    } finally {
      for (const f of ['bad1.yaml', 'dup.yaml', 'gibberish.yaml']) rmSync(join(models, f));
    }
  });

  it("warns about a host's own /etc/sysctl.conf the same way (the worker sends the sysctl view packed)", () => {
    const foreign = (root: string): void => {
      mkdirSync(join(root, 'box/etc'), { recursive: true });
      writeFileSync(join(root, 'box/etc/sysctl.conf'), '# site\nnet.ipv4.conf.all.rp_filter = 2\n');
    };
    const r = both((root) => ['render', '--distro', 'gentoo', '-m', models, '--root', root], foreign);
    expect(r.only.code, r.only.stderr).toBe(0);
    expect(r.only.stderr).toMatch(/warning: .*box\/etc\/sysctl\.conf:2: `net\.ipv4\.conf\.all\.rp_filter = 2` is read after netgen's file/);
    expect(r.only).toEqual(r.off);
    expect(r.trees[1]).toEqual(r.trees[0]);
    expect([r.rendered, r.total]).toEqual([14, 14]);
  });

  it('checks and diffs an existing tree the same way', () => {
    const fill = (root: string): void => {
      expect(runCli(['render', '--distro', 'rhel6', '-m', models, '--root', root], { env: { NETGEN_RENDER_WORKER: 'off' } }).code).toBe(0);
      writeFileSync(join(root, 'h5/etc/sysconfig/network-scripts/ifcfg-eth0'), '# hand edit\n');
    };
    const check = both((root) => ['render', '--check', '--distro', 'rhel6', '-m', models, '--root', root], fill);
    expect(check.only.code).toBe(1);
    expect(check.only).toEqual(check.off);
    const diff = both((root) => ['diff', '--distro', 'rhel6', '-m', models, '--root', root], fill);
    expect(diff.only.code).toBe(1);
    expect(diff.only.stdout).toContain('-# hand edit');
    expect(diff.only).toEqual(diff.off);
    expect(diff.rendered).toBe(14);
  });
});
