// The CLI as a user meets it: the README's commands, exit codes, and what is printed.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { REPO } from './helpers/repo.js';

const SEED = join(REPO, 'examples/rhel-vip-egress/netgen.yaml');
const DUAL = join(REPO, 'examples/gentoo-dual-switch/netgen.yaml');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'netgen-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p, rel + n + '/');
      else out.push(rel + n);
    }
  };
  if (existsSync(root)) walk(root, '');
  return out;
}

describe('render', () => {
  it('-o at the canonical path writes the same tree as --root, and lists what it wrote', () => {
    const a = runCli(['render', '--distro', 'rhel6', '-m', SEED, '-o', join(dir, 'a/etc/sysconfig/network-scripts')]);
    const b = runCli(['render', '--distro', 'rhel6', '-m', SEED, '--root', join(dir, 'b')]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(tree(join(dir, 'a'))).toEqual(['etc/sysconfig/network', 'etc/sysconfig/network-scripts/ifcfg-eth0', 'etc/sysconfig/network-scripts/ifcfg-eth0:1', 'etc/sysconfig/network-scripts/route-eth0']);
    expect(tree(join(dir, 'a'))).toEqual(tree(join(dir, 'b')));
    expect(a.stdout).toContain(`created ${join(dir, 'a/etc/sysconfig/network-scripts/route-eth0')}`);
    expect(a.stdout).toContain(`created ${join(dir, 'a/etc/sysconfig/network')}`);
  });

  it('-o elsewhere writes the main directory and names the sibling files it did not write', () => {
    const r = runCli(['render', '--distro', 'rhel6', '-m', DUAL, '-o', join(dir, 'scripts')]);
    expect(r.code, r.stderr).toBe(0);
    expect(tree(join(dir, 'scripts'))).toContain('route-eth0.10');
    expect(tree(dir).every((p) => p.startsWith('scripts/'))).toBe(true);
    expect(r.stdout).toContain('not written: /etc/sysconfig/network lives beside -o DIR; use --root DIR to write the whole tree');
    expect(r.stdout).toContain('not written: /etc/iproute2/rt_tables');
  });

  it('re-rendering an unchanged model changes no byte and no mtime', () => {
    runCli(['render', '--distro', 'gentoo', '-m', DUAL, '--root', dir]);
    const before = tree(dir).map((p) => [p, statSync(join(dir, p)).mtimeMs, readFileSync(join(dir, p), 'utf8')]);
    const r = runCli(['render', '--distro', 'gentoo', '-m', DUAL, '--root', dir]);
    expect(r.stdout.trim().split('\n').every((l) => l.startsWith('unchanged '))).toBe(true);
    expect(tree(dir).map((p) => [p, statSync(join(dir, p)).mtimeMs, readFileSync(join(dir, p), 'utf8')])).toEqual(before);
    expect(statSync(join(dir, 'etc/local.d/netgen.start')).mode & 0o777).toBe(0o755);
  });

  it('keeps other people\'s lines in shared files', () => {
    mkdirSync(join(dir, 'etc/sysconfig'), { recursive: true });
    mkdirSync(join(dir, 'etc/iproute2'), { recursive: true });
    writeFileSync(join(dir, 'etc/sysconfig/network'), 'NETWORKING=yes\nHOSTNAME=db1.example\nGATEWAY=172.16.3.1\nNOZEROCONF=yes\n');
    writeFileSync(join(dir, 'etc/iproute2/rt_tables'), '255 local\n254 main\n253 default\n0 unspec\n200 vpn\n');
    expect(runCli(['render', '--distro', 'rhel6', '-m', SEED, '--root', dir]).code).toBe(0);
    expect(readFileSync(join(dir, 'etc/sysconfig/network'), 'utf8')).toBe('NETWORKING=yes\nHOSTNAME=db1.example\nNOZEROCONF=yes\n');
    expect(runCli(['render', '--distro', 'rhel6', '-m', DUAL, '--root', dir]).code).toBe(0);
    expect(readFileSync(join(dir, 'etc/iproute2/rt_tables'), 'utf8')).toMatch(/^255 local\n254 main\n253 default\n0 unspec\n200 vpn\n# BEGIN netgen .*\n1 e0v10\n2 e0v11\n3 e1v10\n4 e1v11\n# END netgen\n$/);
  });

  it('refuses an rt_tables clash, naming the foreign line, and writes nothing', () => {
    mkdirSync(join(dir, 'etc/iproute2'), { recursive: true });
    writeFileSync(join(dir, 'etc/iproute2/rt_tables'), '255 local\n254 main\n3 vpn\n');
    const r = runCli(['render', '--distro', 'gentoo', '-m', DUAL, '--root', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'etc/iproute2/rt_tables')}:3: "3 vpn" clashes with netgen's table "3 e1v10"`);
    expect(tree(dir)).toEqual(['etc/iproute2/rt_tables']);
  });

  it('never overwrites a file it did not generate without --force, and names it when forced', () => {
    const scripts = join(dir, 'etc/sysconfig/network-scripts');
    mkdirSync(scripts, { recursive: true });
    writeFileSync(join(scripts, 'ifcfg-eth0'), 'DEVICE=eth0\nBOOTPROTO=dhcp\n');
    const r = runCli(['render', '--distro', 'rhel6', '-m', SEED, '--root', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refusing to overwrite file netgen did not generate:');
    expect(r.stderr).toContain(join(scripts, 'ifcfg-eth0'));
    expect(tree(dir)).toEqual(['etc/sysconfig/network-scripts/ifcfg-eth0']);
    const f = runCli(['render', '--distro', 'rhel6', '-m', SEED, '--root', dir, '--force']);
    expect(f.code).toBe(0);
    expect(f.stdout).toContain(`updated ${join(scripts, 'ifcfg-eth0')} (overwrote a file netgen had not generated)`);
  });

  it('lists stale files it generated earlier, and removes them only with --prune', () => {
    // The model had a second interface; the model file is the same, so its old files are its own.
    const model = join(dir, 'db1.yaml');
    writeFileSync(model, readFileSync(DUAL, 'utf8'));
    const root = join(dir, 'out');
    expect(runCli(['render', '--distro', 'rhel6', '-m', model, '--root', root]).code).toBe(0);
    writeFileSync(model, readFileSync(SEED, 'utf8'));
    const scripts = join(root, 'etc/sysconfig/network-scripts');
    writeFileSync(join(scripts, 'ifcfg-lo'), 'DEVICE=lo\n');
    const r = runCli(['render', '--distro', 'rhel6', '-m', model, '--root', root, '--force']);
    expect(r.stdout).toContain(`stale: ${join(scripts, 'route-eth1.11')} was generated by netgen but is no longer in the model; --prune removes it`);
    expect(existsSync(join(scripts, 'route-eth1.11'))).toBe(true);
    const p = runCli(['render', '--distro', 'rhel6', '-m', model, '--root', root, '--prune']);
    expect(p.stdout).toContain(`removed ${join(scripts, 'route-eth1.11')}`);
    expect(tree(scripts)).toEqual(['ifcfg-eth0', 'ifcfg-eth0:1', 'ifcfg-lo', 'route-eth0']);
  });

  it('--prune removes only files of this model, in its back-end\'s own names, never backups or other programs\' files', () => {
    const model = join(dir, 'db1.yaml');
    writeFileSync(model, readFileSync(DUAL, 'utf8'));
    const root = join(dir, 'out');
    expect(runCli(['render', '--distro', 'rhel6', '-m', model, '--root', root]).code).toBe(0);
    const scripts = join(root, 'etc/sysconfig/network-scripts');
    // Every file of the two-NIC render but ifcfg-eth0 (which the one-NIC model rewrites).
    const ownOld = tree(scripts).filter((n) => n !== 'ifcfg-eth0').sort();
    expect(ownOld).toEqual(expect.arrayContaining(['ifcfg-eth1', 'route-eth1.11']));
    const mine = readFileSync(join(scripts, 'ifcfg-eth1'), 'utf8');
    const other = mine.replace('from db1.yaml.', 'from db2.yaml.');
    const keep: Record<string, string> = {
      'ifcfg-eth1.bak': mine, // an admin's backup copy carries the very same header
      'route-eth1.orig': mine,
      'ifcfg-eth1~': mine,
      'ifcfg-eth7': other, // another model's file in the same directory
      'ifcfg-eth8': mine.replace('Generated by netgen from', 'Generated by netgenius from'),
      'ifcfg-eth9': '# hand-made. Generated by netgen from db1.yaml\nDEVICE=eth9\n',
    };
    for (const [n, t] of Object.entries(keep)) writeFileSync(join(scripts, n), t);
    mkdirSync(join(root, 'etc/conf.d'), { recursive: true });
    writeFileSync(join(root, 'etc/conf.d/sshd'), mine); // outside the back-end's namespace
    writeFileSync(model, readFileSync(SEED, 'utf8'));
    const p = runCli(['render', '--distro', 'rhel6', '-m', model, '--root', root, '--prune', '--force']);
    expect(p.code, p.stderr).toBe(0);
    const removed = p.stdout.split('\n').filter((l) => l.startsWith('removed ')).map((l) => l.split(' ')[1]!.split('/').pop()).sort();
    expect(removed).toEqual(ownOld);
    for (const n of Object.keys(keep)) expect(existsSync(join(scripts, n)), n).toBe(true);
    expect(existsSync(join(root, 'etc/conf.d/sshd'))).toBe(true);
    for (const n of removed) expect(existsSync(join(scripts, n!))).toBe(false);
  });

  it('--dry-run lists files and sizes and writes nothing', () => {
    const r = runCli(['render', '--distro', 'rhel6', '-m', SEED, '--root', dir, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/would create \S+route-eth0 \(\d+ bytes\)/);
    expect(tree(dir)).toEqual([]);
  });
});

describe('review: render --check and diff', () => {
  it('exit 1 with the changes listed, 0 once written, 1 again after a hand edit', () => {
    const check = () => runCli(['render', '--check', '--distro', 'rhel6', '-m', SEED, '--root', dir]);
    const diff = () => runCli(['diff', '--distro', 'rhel6', '-m', SEED, '--root', dir]);
    const c1 = check();
    expect(c1.code).toBe(1);
    expect(c1.stdout).toContain(`missing: ${join(dir, 'etc/sysconfig/network-scripts/route-eth0')}`);
    const d1 = diff();
    expect(d1.code).toBe(1);
    expect(d1.stdout).toContain('--- /dev/null\n+++ b/etc/sysconfig/network-scripts/route-eth0');
    expect(d1.stdout).toContain('+default via 172.16.3.1 dev eth0 src 172.16.3.105 metric 1');
    expect(tree(dir)).toEqual([]);
    runCli(['render', '--distro', 'rhel6', '-m', SEED, '--root', dir]);
    expect(check().code).toBe(0);
    expect(check().stdout).toBe('up to date: 4 files\n');
    const d2 = diff();
    // Like --check, diff says so when there is nothing to show (--quiet keeps it silent).
    expect([d2.code, d2.stdout]).toEqual([0, 'up to date: 4 files\n']);
    const q = runCli(['diff', '--quiet', '--distro', 'rhel6', '-m', SEED, '--root', dir]);
    expect([q.code, q.stdout]).toEqual([0, '']);
    const route = join(dir, 'etc/sysconfig/network-scripts/route-eth0');
    writeFileSync(route, readFileSync(route, 'utf8').replace('metric 100', 'metric 5'));
    expect(check().code).toBe(1);
    const d3 = diff();
    expect(d3.code).toBe(1);
    expect(d3.stdout).toContain('-default via 172.16.3.1 dev eth0 src 172.16.3.111 metric 5\n+default via 172.16.3.1 dev eth0 src 172.16.3.111 metric 100');
    expect(d3.stdout).not.toContain('\x1b[');
  });

  it('colours the diff only when asked or on a terminal without NO_COLOR', () => {
    const r = runCli(['diff', '--color', '--distro', 'rhel6', '-m', SEED, '--root', dir]);
    expect(r.stdout).toContain('\x1b[32m+default');
  });

  it('a wrong mode on an owned file: --check reports it, render repairs it', () => {
    expect(runCli(['render', '--distro', 'gentoo', '-m', DUAL, '--root', dir]).code).toBe(0);
    const script = join(dir, 'etc/local.d/netgen.start');
    chmodSync(script, 0o644);
    const c = runCli(['render', '--check', '--distro', 'gentoo', '-m', DUAL, '--root', dir]);
    expect(c.code).toBe(1);
    expect(c.stdout).toContain(`differs: ${script}`);
    const r = runCli(['render', '--distro', 'gentoo', '-m', DUAL, '--root', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`chmod ${script}`);
    expect(statSync(script).mode & 0o777).toBe(0o755);
    expect(runCli(['render', '--check', '--distro', 'gentoo', '-m', DUAL, '--root', dir]).code).toBe(0);
  });

  it('--check and diff report stale files netgen generated earlier', () => {
    // One model file whose second interface went: its old files are its own (another model's would not be).
    const model = join(dir, 'host.yaml');
    const root = join(dir, 'out');
    writeFileSync(model, readFileSync(DUAL, 'utf8'));
    expect(runCli(['render', '--distro', 'rhel6', '-m', model, '--root', root]).code).toBe(0);
    writeFileSync(model, readFileSync(SEED, 'utf8'));
    expect(runCli(['render', '--distro', 'rhel6', '-m', model, '--root', root]).code).toBe(0);
    const stale = join(root, 'etc/sysconfig/network-scripts/route-eth1.11');
    const c = runCli(['render', '--check', '--distro', 'rhel6', '-m', model, '--root', root]);
    expect(c.code).toBe(1);
    expect(c.stdout).toContain(`stale: ${stale}`);
    const d = runCli(['diff', '--distro', 'rhel6', '-m', model, '--root', root]);
    expect(d.code).toBe(1);
    expect(d.stdout).toContain(`stale: ${stale} was generated by netgen but is no longer in the model (render --prune removes it)`);
  });

  it('exit 2 on error, like diff(1)', () => {
    expect(runCli(['diff', '--distro', 'rhel6', '-m', join(dir, 'missing.yaml'), '--root', dir]).code).toBe(2);
    expect(runCli(['render', '--check', '--distro', 'rhel6', '-m', join(REPO, 'test/errors/yaml-syntax/model.yaml'), '--root', dir]).code).toBe(2);
  });
});

describe('usage', () => {
  it('--help answers for every command, --version prints the version', () => {
    const top = runCli(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['render', 'diff']) {
      expect(top.stdout).toContain(cmd);
      const h = runCli([cmd, '--help']);
      expect(h.code).toBe(0);
      expect(h.stdout).toContain('--distro');
      expect(h.stdout).toContain('--root');
    }
    for (const [cmd, option] of [
      [['route', 'get'], '--down'],
      [['verify'], '--kernel'],
    ] as const) {
      const h = runCli([...cmd, '--help']);
      expect(h.code).toBe(0);
      expect(h.stdout).toContain(option);
    }
    expect(runCli(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('an unknown --distro lists the known ones; missing options say what to give', () => {
    const r = runCli(['render', '--distro', 'debian', '-m', SEED, '--root', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown --distro "debian"; known: rhel6, gentoo, gentoo-legacy');
    const n = runCli(['render', '--distro', 'rhel6', '-m', SEED]);
    expect(n.code).toBe(2);
    expect(n.stderr).toContain('give -o DIR or --root DIR');
    const m = runCli(['render', '--distro', 'rhel6', '--root', dir], { cwd: dir });
    expect(m.code).toBe(2);
    expect(m.stderr).toContain('model netgen.yaml does not exist (give one with -m FILE)');
    const u = runCli(['render', '--distro', 'rhel6', '--root', dir, '--frobnicate']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/Unknown argument: frobnicate/);
  });

  it('reads ./netgen.yaml by default', () => {
    copyFileSync(SEED, join(dir, 'netgen.yaml'));
    const r = runCli(['render', '--distro', 'rhel6', '--root', 'out'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out/etc/sysconfig/network-scripts/route-eth0'), 'utf8')).toContain('# Generated by netgen from netgen.yaml.');
  });
});

describe('durability', () => {
  /** A `sync` first on PATH that logs its arguments, then runs the real one. */
  function syncLog(): { env: Record<string, string>; calls: () => string[] } {
    const bin = join(dir, 'shim');
    mkdirSync(bin);
    const log = join(dir, 'sync.log');
    const real = spawnSync('sh', ['-c', 'command -v sync'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(bin, 'sync'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real}' "$@"\n`);
    chmodSync(join(bin, 'sync'), 0o755);
    return { env: { PATH: `${bin}:${process.env['PATH'] ?? ''}` }, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
  }

  it('a host with a few files fsyncs them one by one; one with many flushes its file system once, and again after replacing files', () => {
    const few = syncLog();
    expect(runCli(['render', '--distro', 'rhel6', '-m', SEED, '--root', join(dir, 'few')], { env: few.env }).code).toBe(0);
    expect(few.calls()).toEqual([]);
    const names = Array.from({ length: 70 }, (_, i) => `eth${i}`);
    const model = join(dir, 'many.yaml');
    writeFileSync(model, ['host: many', 'interfaces:', ...names.flatMap((n, i) => [`  ${n}:`, `    addresses: [10.${i}.0.1/24]`])].join('\n') + '\n');
    const r = runCli(['render', '--distro', 'rhel6', '-m', model, '--root', join(dir, 'many')], { env: few.env });
    expect(r.code, r.stderr).toBe(0);
    // Every file new, in directories the run made: nothing to rename after the commit mark.
    expect(few.calls()).toEqual([`-f ${join(dir, 'many')}`]);
    // Every ifcfg file replaced through a temporary: flushed before the mark and after the renames.
    writeFileSync(model, readFileSync(model, 'utf8').replace(/\.0\.1\/24/g, '.0.2/24'));
    const again = runCli(['render', '--distro', 'rhel6', '-m', model, '--root', join(dir, 'many')], { env: few.env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('updated');
    expect(few.calls()).toEqual([`-f ${join(dir, 'many')}`, `-f ${join(dir, 'many')}`, `-f ${join(dir, 'many')}`]);
  });

  it('a fleet written into a directory that does not exist yet is flushed too', () => {
    const log = syncLog();
    const fleet = join(dir, 'fleet');
    mkdirSync(fleet);
    for (const h of ['h1', 'h2']) writeFileSync(join(fleet, `${h}.yaml`), readFileSync(SEED, 'utf8').replace(/^host: .*$/m, `host: ${h}`));
    const r = runCli(['render', '--distro', 'rhel6', '-m', fleet, '--root', join(dir, 'new/out')], { env: log.env });
    expect(r.code, r.stderr).toBe(0);
    expect(log.calls()).toEqual([`-f ${join(dir, 'new/out')}`]);
    // A host's file replaced: flushed before the commit mark and after the rename.
    writeFileSync(join(fleet, 'h1.yaml'), readFileSync(join(fleet, 'h1.yaml'), 'utf8').replaceAll('172.16.3.111', '172.16.3.112'));
    const again = runCli(['render', '--distro', 'rhel6', '-m', fleet, '--root', join(dir, 'new/out')], { env: log.env });
    expect(again.code, again.stderr).toBe(0);
    expect(log.calls()).toEqual([`-f ${join(dir, 'new/out')}`, `-f ${join(dir, 'new/out')}`, `-f ${join(dir, 'new/out')}`]);
  });
});

describe('a reader that stops early', () => {
  /** `netgen ARGS | head -0`: the pipe's reading end is closed before the CLI writes a line. */
  function runIntoClosedPipe(args: string[]): Promise<{ code: number | null; stderr: string }> {
    const cli = process.env['NETGEN_TEST_CLI'];
    const argv = cli ? [cli, ...args] : ['--import', join(REPO, 'node_modules/tsx/dist/loader.mjs'), join(REPO, 'test/helpers/cli-entry.ts'), ...args];
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  }

  it('render still writes every file and exits 0, saying nothing about the closed pipe', async () => {
    const r = await runIntoClosedPipe(['render', '--distro', 'rhel6', '-m', SEED, '--root', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(tree(dir)).toHaveLength(4);
  });

  it('diff keeps its exit code (1: changes found)', async () => {
    const r = await runIntoClosedPipe(['diff', '--distro', 'rhel6', '-m', SEED, '--root', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });
});

describe('the installed binary', () => {
  it('bin/netgen.cjs runs the bundled CLI (npm ci builds dist/netgen.cjs)', () => {
    if (!existsSync(join(REPO, 'dist/netgen.cjs'))) spawnSync('npm', ['run', 'build'], { cwd: REPO });
    const r = spawnSync(process.execPath, [join(REPO, 'bin/netgen.cjs'), 'render', '--distro', 'rhel6', '-m', SEED, '--root', dir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(tree(dir)).toHaveLength(4);
  });
});

describe('blocks in shared files', () => {
  it('removes its old rules and tables when the model drops them, keeping the rest', () => {
    const withRules = join(REPO, 'examples/gentoo-dual-switch/netgen.yaml');
    const without = join(dir, 'plain.yaml');
    writeFileSync(without, 'host: box\ninterfaces:\n  eth0: { addresses: [1.2.3.16/24], gateway: 1.2.3.1 }\n');
    mkdirSync(join(dir, 'etc/conf.d'), { recursive: true });
    writeFileSync(join(dir, 'etc/conf.d/local.start'), '# mine\necho hello\n');
    expect(runCli(['render', '--distro', 'gentoo-legacy', '-m', withRules, '--root', dir]).code).toBe(0);
    expect(readFileSync(join(dir, 'etc/conf.d/local.start'), 'utf8')).toContain('/sbin/ip rule add from 1.2.3.16 table e0v10 priority 1000');
    expect(readFileSync(join(dir, 'etc/iproute2/rt_tables'), 'utf8')).toContain('1 e0v10');
    const r = runCli(['render', '--distro', 'gentoo-legacy', '-m', without, '--root', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'etc/conf.d/local.start'), 'utf8')).toBe('# mine\necho hello\n');
    expect(readFileSync(join(dir, 'etc/iproute2/rt_tables'), 'utf8')).not.toContain('netgen');
  });

  it('creates no shared file just to hold an empty block', () => {
    const r = runCli(['render', '--distro', 'gentoo-legacy', '-m', SEED, '--root', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(tree(dir)).toEqual(['etc/conf.d/net']);
  });
});

describe('headers', () => {
  it('name the model relative to the working directory, never by an absolute path', () => {
    copyFileSync(SEED, join(dir, 'db1.yaml'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'netgen-cwd-'));
    try {
      const r = runCli(['render', '--distro', 'rhel6', '-m', join(dir, 'db1.yaml'), '--root', join(dir, 'out')], { cwd: elsewhere });
      expect(r.code, r.stderr).toBe(0);
      const route = readFileSync(join(dir, 'out/etc/sysconfig/network-scripts/route-eth0'), 'utf8');
      expect(route.split('\n')[0]).toBe('# Generated by netgen from db1.yaml. Do not edit: change the model and render again.');
      const inside = runCli(['render', '--distro', 'rhel6', '-m', 'db1.yaml', '--root', 'out2'], { cwd: dir });
      expect(inside.code, inside.stderr).toBe(0);
      expect(readFileSync(join(dir, 'out2/etc/sysconfig/network-scripts/route-eth0'), 'utf8')).toBe(route);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

describe('hardening', () => {
  it('an empty or blank --root or -o (an unset variable) is a usage error, and nothing is written', () => {
    for (const flag of [['--root', ''], ['--root', '  '], ['-o', '']]) {
      const r = runCli(['render', '--distro', 'rhel6', '-m', SEED, ...flag], { cwd: dir });
      expect(r.code, flag.join(' ')).toBe(2);
      expect(r.stderr).toContain(`${flag[0]} is empty (an unset variable?); give the directory to write into`);
    }
    expect(tree(dir)).toEqual([]);
  });

  it('user mistakes are exit 2 with a message, never an internal error', () => {
    writeFileSync(join(dir, 'file'), '');
    mkdirSync(join(dir, 'r/etc'), { recursive: true });
    writeFileSync(join(dir, 'r/etc/sysconfig'), '');
    const bomb = join(dir, 'bomb.yaml');
    writeFileSync(bomb, 'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nhost: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n');
    const cases: [string[], RegExp][] = [
      [['render', '--distro', '-m', SEED, '--root', dir], /Not enough arguments following: distro/],
      [['render', '--distro', 'rhel6', '-m', SEED, '--root', join(dir, 'file')], /the target \S+file is not a directory; --root and -o name the directory to write into/],
      [['render', '--distro', 'rhel6', '-m', SEED, '-o', join(dir, 'file')], /the target \S+file is not a directory/],
      [['render', '--distro', 'rhel6', '-m', SEED, '-o', '/dev/null'], /the target \/dev\/null is not a directory/],
      [['render', '--distro', 'rhel6', '-m', SEED, '--root', join(dir, 'r')], /r\/etc\/sysconfig is not a directory, but netgen must write \S+ below it/],
      [['render', '--distro', 'rhel6', '-m', bomb, '--root', join(dir, 'out')], /bomb\.yaml:2:\d+: YAML aliases here expand to too much data/],
      [['render', '--distro', 'rhel6', '-m', SEED, '--root', join(dir, 'out'), '--check', '--dry-run'], /Arguments check and dry-run are mutually exclusive/],
      [['render', '--distro', 'rhel6', '-m', SEED, '--root', join(dir, 'out'), '--check', '--force'], /Arguments check and force are mutually exclusive/],
      [['render', '--distro', 'rhel6', '-m', SEED, '--root', join(dir, 'out'), '--check', '--prune'], /Arguments check and prune are mutually exclusive/],
      [['render', '--distro', 'rhel6', '-m', SEED, '--root', join(dir, 'out'), '--gentoo-rules', 'native'], /--gentoo-rules applies to the gentoo back-ends only, not to --distro rhel6/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args);
      expect([r.code, r.stderr], args.join(' ')).toEqual([2, expect.stringMatching(message)]);
      expect(r.stderr).not.toContain('internal error');
    }
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(tree(join(dir, 'r'))).toEqual(['etc/sysconfig']);
  });

  it('a model that is not a regular file (a FIFO) is a usage error, not a hang', () => {
    const fifo = join(dir, 'host.yaml');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const r = runCli(['render', '--distro', 'rhel6', '-m', fifo, '--root', join(dir, 'out')], { timeout: 60_000 });
    expect([r.code, r.stderr]).toEqual([2, `netgen: model ${fifo} is not a regular file (a pipe, socket or device); give a .yaml or .json file\n`]);
  });

  it('a model file name with a line break is refused on every back-end; one holding a block marker stays a comment', () => {
    const evil = join(dir, 'x\ntouch pwned\n.yaml');
    writeFileSync(evil, readFileSync(DUAL, 'utf8'));
    for (const distro of ['rhel6', 'gentoo', 'gentoo-legacy']) {
      for (const name of [evil]) {
        const r = runCli(['render', '--distro', distro, '-m', name, '--root', join(dir, 'out')], { cwd: dir });
        expect(r.code, distro).toBe(2);
        expect(r.stderr).toContain("contains a line break or another control character; netgen writes it into comment lines of files the shell reads, so rename the file");
      }
      expect(runCli(['verify', '--kernel', '--distro', distro, '-m', evil], { cwd: dir }).code).toBe(2);
    }
    const cr = join(dir, 'x\rtouch y.yaml');
    writeFileSync(cr, readFileSync(DUAL, 'utf8'));
    expect(runCli(['render', '--distro', 'gentoo', '-m', cr, '--root', join(dir, 'out')]).code).toBe(2);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    // A name holding "# END netgen" lands inside the comment of the BEGIN line only.
    const marker = join(dir, 'a # END netgen.yaml');
    writeFileSync(marker, readFileSync(DUAL, 'utf8'));
    const root = join(dir, 'legacy');
    expect(runCli(['render', '--distro', 'gentoo-legacy', '-m', marker, '--root', root]).code).toBe(0);
    const again = runCli(['render', '--distro', 'gentoo-legacy', '-m', marker, '--root', root]);
    expect(again.stdout.trim().split('\n').every((l) => l.startsWith('unchanged '))).toBe(true);
    for (const f of ['etc/conf.d/local.start', 'etc/iproute2/rt_tables']) {
      const lines = readFileSync(join(root, f), 'utf8').split('\n');
      expect(lines.filter((l) => l.startsWith('# BEGIN netgen')), f).toEqual(['# BEGIN netgen (from a # END netgen.yaml): edit the model, not these lines']);
      expect(lines.filter((l) => l.startsWith('# END netgen')), f).toEqual(['# END netgen']);
    }
  });

  it('the header names the model by its path in its repository, the same from any working directory', () => {
    mkdirSync(join(dir, 'repo/.git'), { recursive: true });
    mkdirSync(join(dir, 'repo/hosts'));
    const model = join(dir, 'repo/hosts/db1.yaml');
    copyFileSync(SEED, model);
    const headers = [join(dir, 'repo'), join(dir, 'repo/hosts'), dir, REPO].map((cwd, i) => {
      const root = join(dir, `out${i}`);
      const r = runCli(['render', '--distro', 'rhel6', '-m', model, '--root', root], { cwd });
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(join(root, 'etc/sysconfig/network-scripts/route-eth0'), 'utf8').split('\n')[0];
    });
    expect(new Set(headers)).toEqual(new Set(['# Generated by netgen from hosts/db1.yaml. Do not edit: change the model and render again.']));
    const check = runCli(['render', '--check', '--distro', 'rhel6', '-m', 'db1.yaml', '--root', join(dir, 'out0')], { cwd: join(dir, 'repo/hosts') });
    expect([check.code, check.stdout]).toEqual([0, 'up to date: 4 files\n']);
  });

  it('a target held by a running netgen is refused, naming the pid; a dead holder\'s lock is recovered', () => {
    const root = join(dir, 'out');
    mkdirSync(root);
    const start = readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
    writeFileSync(join(root, '.netgen.lock'), `netgen-run pid=${process.pid} start=${start}\n`);
    for (const args of [['render'], ['render', '--check'], ['render', '--dry-run'], ['diff']]) {
      const r = runCli([...args, '--distro', 'rhel6', '-m', SEED, '--root', root]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(`${root} is being written by another netgen run (pid ${process.pid}); run again when it has finished.`);
    }
    expect(tree(root)).toEqual(['.netgen.lock']);
    // A holder that is gone (pid 1's start time never matches a netgen's): recovered, then written.
    writeFileSync(join(root, '.netgen.lock'), 'netgen-run pid=1 start=1\nD\t"etc"\n');
    const r = runCli(['render', '--distro', 'rhel6', '-m', SEED, '--root', root]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(`netgen: an earlier netgen run on ${root} (pid 1) was interrupted; rolled back it first\n`);
    expect(existsSync(join(root, '.netgen.lock'))).toBe(false);
  });

  it('a second render while one is writing is refused with the writer\'s pid; the first completes alone', async () => {
    const root = join(dir, 'race');
    // The first run stops itself (SIGSTOP) at its tenth change of the tree, holding the lock.
    const first = spawn(process.execPath, ['--import', join(REPO, 'node_modules/tsx/dist/loader.mjs'), '--import', join(REPO, 'test/faults/kill-at.mjs'), join(REPO, 'test/helpers/cli-entry.ts'), 'render', '--distro', 'rhel6', '-m', SEED, '--root', root], {
      env: { ...process.env, NETGEN_FAULT_ROOT: root, NETGEN_FAULT_AT: '10', NETGEN_FAULT_SIGNAL: 'SIGSTOP' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((res) => first.on('exit', (code) => res(code)));
    try {
    const stopped = (): boolean => existsSync(`/proc/${first.pid}/stat`) && readFileSync(`/proc/${first.pid}/stat`, 'utf8').split(') ')[1]!.startsWith('T');
    for (let i = 0; i < 600 && !stopped(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(stopped()).toBe(true);
    expect(existsSync(join(root, '.netgen.lock'))).toBe(true);
    const second = runCli(['render', '--distro', 'gentoo', '-m', DUAL, '--root', root]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`${root} is being written by another netgen run (pid ${first.pid}); run again when it has finished.`);
    process.kill(first.pid!, 'SIGCONT');
    expect(await exited).toBe(0);
    expect(tree(root)).toEqual(['etc/sysconfig/network', 'etc/sysconfig/network-scripts/ifcfg-eth0', 'etc/sysconfig/network-scripts/ifcfg-eth0:1', 'etc/sysconfig/network-scripts/route-eth0']);
    } finally {
      if (first.exitCode === null && first.signalCode === null) first.kill('SIGKILL'); // never leave it stopped
    }
  });

  it('a fleet diff names the host in its ---/+++ lines', () => {
    const models = join(dir, 'models');
    mkdirSync(models);
    copyFileSync(SEED, join(models, 'a.yaml'));
    copyFileSync(DUAL, join(models, 'b.yaml'));
    const d = runCli(['diff', '--distro', 'rhel6', '-m', models, '--root', join(dir, 'fleet')]);
    expect(d.code).toBe(1);
    expect(d.stdout).toContain('--- /dev/null\n+++ b/db-172-16-3-111/etc/sysconfig/network-scripts/ifcfg-eth0\n');
    expect(d.stdout).toMatch(/\+\+\+ b\/box\/etc\/sysconfig\/network-scripts\/ifcfg-eth0\n/);
    runCli(['render', '--distro', 'rhel6', '-m', models, '--root', join(dir, 'fleet')]);
    writeFileSync(join(dir, 'fleet/box/etc/sysconfig/network-scripts/ifcfg-eth0'), '# Generated by netgen from x\n');
    expect(runCli(['diff', '--distro', 'rhel6', '-m', models, '--root', join(dir, 'fleet')]).stdout).toContain('--- a/box/etc/sysconfig/network-scripts/ifcfg-eth0\n+++ b/box/etc/sysconfig/network-scripts/ifcfg-eth0\n');
  });

  it('-o elsewhere names only the sibling files that would exist (no rt_tables for a model without tables)', () => {
    const r = runCli(['render', '--distro', 'rhel6', '-m', SEED, '-o', join(dir, 'scripts')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('not written: /etc/sysconfig/network lives beside -o DIR');
    expect(r.stdout).not.toContain('rt_tables');
  });

  it('a cluster tool file the model no longer needs (keepalived) is stale and pruned', () => {
    const model = join(dir, 'db.yaml');
    const kept = readFileSync(join(REPO, 'examples/keepalived-vip/netgen.yaml'), 'utf8');
    writeFileSync(model, kept);
    const root = join(dir, 'out');
    expect(runCli(['render', '--distro', 'rhel6', '-m', model, '--root', root]).code).toBe(0);
    const conf = join(root, 'etc/keepalived/netgen.conf');
    expect(existsSync(conf)).toBe(true);
    writeFileSync(join(root, 'etc/keepalived/keepalived.conf'), readFileSync(conf, 'utf8')); // the admin's own copy stays
    // The VIP stays on the host for good: no cluster tool, no keepalived file.
    writeFileSync(model, kept.replace(/\n\s+managed-by: keepalived\n\s+vrrp: \{[^}]*\}/, ''));
    const check = runCli(['render', '--check', '--distro', 'rhel6', '-m', model, '--root', root]);
    expect(check.stdout).toContain(`stale: ${conf}\n`);
    expect(runCli(['render', '--prune', '--distro', 'rhel6', '-m', model, '--root', root]).stdout).toContain(`removed ${conf}`);
    expect(tree(join(root, 'etc/keepalived'))).toEqual(['keepalived.conf']);
  });

  it('a netgen.start the model no longer needs is stale: --check and diff say so, --prune removes it', () => {
    const model = join(dir, 'box.yaml');
    writeFileSync(model, readFileSync(DUAL, 'utf8'));
    const root = join(dir, 'out');
    expect(runCli(['render', '--distro', 'gentoo', '-m', model, '--root', root]).code).toBe(0);
    const start = join(root, 'etc/local.d/netgen.start');
    expect(existsSync(start)).toBe(true);
    // Rules move into conf.d/net (native), so the script would add them a second time at boot.
    const native = ['--distro', 'gentoo', '--gentoo-rules', 'native', '-m', model, '--root', root];
    expect(runCli(['render', ...native]).code).toBe(0);
    const check = runCli(['render', '--check', ...native]);
    expect([check.code, check.stdout]).toEqual([1, `stale: ${start}\n`]);
    const d = runCli(['diff', ...native]);
    expect(d.code).toBe(1);
    expect(d.stdout).toContain(`stale: ${start} was generated by netgen but is no longer in the model`);
    const p = runCli(['render', '--prune', ...native]);
    expect(p.stdout).toContain(`removed ${start}`);
    expect(existsSync(start)).toBe(false);
    expect(runCli(['render', '--check', ...native]).code).toBe(0);
  });
});
