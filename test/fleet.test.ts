// Many hosts in one run: -m repeated or a directory, each host under --root DIR/<host>/.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { terminalProgress } from '../src/commands/hosts.js';
import { runCli } from './helpers/cli.js';
import { REPO } from './helpers/repo.js';

let dir: string;
let models: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'netgen-fleet-'));
  models = join(dir, 'models');
  mkdirSync(models);
  copyFileSync(join(REPO, 'examples/rhel-vip-egress/netgen.yaml'), join(models, 'db.yaml'));
  copyFileSync(join(REPO, 'examples/gentoo-dual-switch/netgen.yaml'), join(models, 'box.yaml'));
  writeFileSync(join(models, 'notes.txt'), 'not a model\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const out = () => join(dir, 'out');

describe('fleets', () => {
  it('renders every model of a directory under DIR/<host>/', () => {
    const r = runCli(['render', '--distro', 'rhel6', '-m', models, '--root', out()]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out()).sort()).toEqual(['box', 'db-172-16-3-111']);
    expect(existsSync(join(out(), 'db-172-16-3-111/etc/sysconfig/network-scripts/route-eth0'))).toBe(true);
    expect(existsSync(join(out(), 'box/etc/iproute2/rt_tables'))).toBe(true);
    expect(r.stdout).toMatch(/^2 hosts: 19 files created, 0 updated, 0 unchanged$/m);
  });

  it('takes -m several times, and checks and diffs the whole fleet', () => {
    const args = ['--distro', 'gentoo', '-m', join(models, 'db.yaml'), '-m', join(models, 'box.yaml'), '--root', out()];
    expect(runCli(['render', '--check', ...args]).code).toBe(1);
    expect(runCli(['render', ...args]).code).toBe(0);
    const check = runCli(['render', '--check', ...args]);
    expect([check.code, check.stdout]).toEqual([0, 'up to date: 5 files of 2 hosts\n']);
    expect(runCli(['diff', ...args]).code).toBe(0);
    writeFileSync(join(out(), 'box/etc/conf.d/net'), '# hand edit\n');
    const d = runCli(['diff', ...args]);
    expect(d.code).toBe(1);
    expect(d.stdout).toContain('-# hand edit');
  });

  it('validates every host first, reports all problems together, and writes nothing when one fails', () => {
    writeFileSync(join(models, 'bad1.yaml'), 'host: bad1\ninterfaces:\n  eth0: { addresses: [10.0.0.300/24] }\n');
    writeFileSync(join(models, 'bad2.yaml'), 'host: bad2\ninterfaces:\n  eth0: { adresses: [10.0.0.3/24] }\n');
    const r = runCli(['render', '--distro', 'rhel6', '-m', models, '--root', out()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('2 problems in the model:');
    expect(r.stderr).toMatch(/bad1\.yaml:3:23: interfaces\.eth0\.addresses\[0\]: "10\.0\.0\.300\/24" is not an IPv4 address/);
    expect(r.stderr).toMatch(/bad2\.yaml:3:11: interfaces\.eth0\.adresses: unknown key `adresses`; did you mean `addresses`\?/);
    expect(existsSync(out())).toBe(false);
  });

  it('--keep-going writes the valid hosts, lists the failing ones, and still exits 2', () => {
    writeFileSync(join(models, 'bad1.yaml'), 'host: bad1\ninterfaces:\n  eth0: { addresses: [10.0.0.300/24] }\n');
    const r = runCli(['render', '--distro', 'rhel6', '-m', models, '--root', out(), '--keep-going']);
    expect(r.code).toBe(2);
    expect(readdirSync(out()).sort()).toEqual(['box', 'db-172-16-3-111']);
    // The failures go to stderr, where errors go; stdout keeps the summary.
    expect(r.stderr).toContain('failed: 1 host (nothing written for them):');
    expect(r.stderr).toMatch(/bad1\.yaml: 1 problem in the model:/);
    expect(r.stdout).not.toContain('failed');
  });

  it('refuses two models for one host, and -o for a fleet', () => {
    copyFileSync(join(models, 'db.yaml'), join(models, 'db-copy.yaml'));
    const r = runCli(['render', '--distro', 'rhel6', '-m', models, '--root', out()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/host db-172-16-3-111 is also the host of \S+\.yaml; each host needs its own directory/);
    const o = runCli(['render', '--distro', 'rhel6', '-m', models, '-o', out()]);
    expect(o.code).toBe(2);
    expect(o.stderr).toContain('give --root DIR (each host goes to DIR/<host>/)');
  });

  it('checks against a --root that is a file: each host says so, as with one host', () => {
    writeFileSync(out(), 'a file\n');
    const r = runCli(['render', '--check', '--distro', 'rhel6', '-m', models, '--root', out()]);
    expect(r.code).toBe(2);
    const says = `the target ${out()} is not a directory; --root and -o name the directory to write into`;
    expect(r.stderr.split('\n').filter((l) => l.includes(says))).toHaveLength(2);
  });

  it('says so when a directory holds no model', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(runCli(['render', '--distro', 'rhel6', '-m', empty, '--root', out()]).stderr).toContain(`directory ${empty} holds no *.yaml, *.yml or *.json model`);
  });
});

describe('progress', () => {
  const stream = (isTTY: boolean) => {
    const writes: string[] = [];
    return { writes, s: { isTTY, write: (t: string) => writes.push(t) } as unknown as NodeJS.WriteStream };
  };
  it('is shown on a terminal for more than 100 hosts, and never with --quiet or in a pipe', () => {
    for (const [tty, quiet, total, shown] of [
      [true, false, 500, true],
      [true, false, 100, false],
      [true, true, 500, false],
      [false, false, 500, false],
    ] as const) {
      const { writes, s } = stream(tty);
      const p = terminalProgress(quiet, () => s);
      p.start(total);
      for (let i = 1; i <= total; i++) p.tick(i);
      p.done();
      expect(writes.some((w) => w.includes(`rendering ${total}/${total} hosts`)), `${tty} ${quiet} ${total}`).toBe(shown);
    }
  });

  it('never reaches stderr in a pipe', () => {
    const r = runCli(['render', '--distro', 'rhel6', '-m', models, '--root', out()]);
    expect(r.stderr).toBe('');
  });
});
