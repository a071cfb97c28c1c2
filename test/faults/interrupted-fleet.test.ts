// A fleet render killed at many points. Whatever the point: `render --check` and `diff`
// say the run was interrupted, the next run first brings the tree back to exactly the old
// fleet or exactly the new one (never a mix, no temporary, no lock), and then converges.
// SIGTERM and SIGINT roll back before exiting (exit 143/130), or, past the commit, finish.
// The kills come from test/faults/kill-at.mjs, preloaded into the real CLI.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/repo.js';
import { snapshot, type Snapshot } from '../helpers/snapshot.js';

const dir = mkdtempSync(join(tmpdir(), 'netgen-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const killAt = join(REPO, 'test/faults/kill-at.mjs');
// The CLI from source as test/global-setup.ts bundled it for this run: a run starts several
// times faster than through tsx, and this file starts about a hundred.
const entry = process.env['NETGEN_TEST_CLI'] ?? '';

interface Host {
  name: string;
  gateway: number;
  mtu: number;
  eth1?: boolean;
}

function modelText(i: number, h: Host): string {
  return [
    `host: ${h.name}`,
    'interfaces:',
    '  eth0:',
    `    addresses: [10.0.${i}.10/24]`,
    `    gateway: 10.0.${i}.${h.gateway}`,
    `    mtu: ${h.mtu}`,
    ...(h.eth1 ? ['  eth1:', `    addresses: [10.1.${i}.10/24]`] : []),
    '',
  ].join('\n');
}

/** The fleet's models, in one directory (the headers name them, so old and new share it). */
function writeModels(hosts: (Host | undefined)[]): string {
  const d = join(dir, 'models');
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d);
  hosts.forEach((h, i) => {
    if (h) writeFileSync(join(d, `h${i}.yaml`), modelText(i, h));
  });
  return d;
}

const base = (i: number): Host => ({ name: `h${i}`, gateway: 1, mtu: 1500 });
// Old fleet: six hosts, h4 with a second NIC.
const OLD = [0, 1, 2, 3, 4, 5].map((i) => (i === 4 ? { ...base(i), eth1: true } : base(i)));
// New fleet: h0-h2 change two files each, h3 and h5 stay, h4 drops eth1 (pruned), h6-h9 are new.
const NEW = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => (i <= 2 ? { ...base(i), gateway: 254, mtu: 9000 } : base(i)));

let newModels: string;
let oldTree: string;
let newTree: Snapshot;
let oldSnap: Snapshot;
let total: number;


function netgen(args: string[], env: Record<string, string> = {}): { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', killAt, entry, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

const renderNew = (root: string): string[] => ['render', '--distro', 'rhel6', '-m', newModels, '--root', root, '--prune'];

beforeAll(() => {
  if (entry === '') throw new Error('NETGEN_TEST_CLI is not set: run this file through vitest, whose globalSetup (test/global-setup.ts) bundles the CLI');
  const oldModels = writeModels(OLD);
  oldTree = join(dir, 'old-tree');
  expect(netgen(['render', '--distro', 'rhel6', '-m', oldModels, '--root', oldTree]).code).toBe(0);
  newModels = writeModels(NEW);
  oldSnap = snapshot(oldTree);
  expect(oldSnap['h4/etc/sysconfig/network-scripts/ifcfg-eth1']).toBeDefined();
  const fresh = join(dir, 'new-tree');
  cpSync(oldTree, fresh, { recursive: true });
  const count = join(dir, 'count');
  const r = netgen(renderNew(fresh), { NETGEN_FAULT_ROOT: fresh, NETGEN_FAULT_COUNT: count });
  expect(r.code, r.stderr).toBe(0);
  newTree = snapshot(fresh);
  total = Number(readFileSync(count, 'utf8'));
  expect(newTree['h4/etc/sysconfig/network-scripts/ifcfg-eth1']).toBeUndefined();
  expect(Object.keys(newTree).filter((k) => k.startsWith('h9/')).length).toBeGreaterThan(0);
  expect(total).toBeGreaterThan(40);
});

/** A fresh copy of the old fleet's tree. */
function oldCopy(name: string): string {
  const t = join(dir, name);
  cpSync(oldTree, t, { recursive: true });
  return t;
}

/** About `n` kill points spread over the run, and the last few (the commit) all. */
function killPoints(n: number): number[] {
  const step = Math.max(1, Math.floor(total / n));
  const pts = new Set<number>();
  for (let k = 1; k <= total; k += step) pts.add(k);
  for (let k = Math.max(1, total - 5); k <= total; k++) pts.add(k);
  return [...pts].sort((a, b) => a - b);
}

const sameAs = (s: Snapshot): 'old' | 'new' | 'mixed' => (JSON.stringify(s) === JSON.stringify(oldSnap) ? 'old' : JSON.stringify(s) === JSON.stringify(newTree) ? 'new' : 'mixed');

describe('a fleet render killed with SIGKILL', () => {
  it('is reported as interrupted, and the next run recovers exactly the old or the new fleet before converging', () => {
    const outcomes = new Map<number, string>();
    for (const k of killPoints(10)) {
      const t = oldCopy(`kill-${k}`);
      const r = netgen(renderNew(t), { NETGEN_FAULT_ROOT: t, NETGEN_FAULT_AT: String(k) });
      expect(r.signal, `kill point ${k}: ${r.stderr}`).toBe('SIGKILL');
      if (!existsSync(join(t, '.netgen.lock'))) {
        // Killed before the lock existed: the run had not begun.
        expect(sameAs(snapshot(t)), `kill point ${k}`).toBe('old');
        outcomes.set(k, 'old');
        rmSync(t, { recursive: true, force: true });
        continue;
      }
      // Until the next run, --check and diff say what happened instead of calling it drift.
      if (k % 3 === 0 || k >= total - 5) {
      const check = netgen(['render', '--check', '--distro', 'rhel6', '-m', newModels, '--root', t]);
      expect(check.code, `kill point ${k}`).toBe(1);
      expect(check.stdout).toMatch(/^interrupted: a netgen run on \S+ \(pid \d+\) did not finish, so the tree may be half-written; the next "netgen render" on it first (completes|rolls back) that run$/m);
      const diff = netgen(['diff', '--distro', 'rhel6', '-m', newModels, '--root', t]);
      expect(diff.code).toBe(1);
      expect(diff.stdout).toContain('interrupted: a netgen run on');
      }
      // The next run recovers first (stopped right there, as it takes the lock) ...
      const rec = netgen(renderNew(t), { NETGEN_FAULT_ROOT: t, NETGEN_FAULT_STOP_AT_LOCK: '1' });
      expect(rec.signal).toBe('SIGKILL');
      expect(rec.stderr).toMatch(/netgen: an earlier netgen run on \S+ \(pid \d+\) was interrupted; (completed|rolled back) it first/);
      const recovered = sameAs(snapshot(t));
      expect(recovered, `kill point ${k} of ${total}`).not.toBe('mixed');
      outcomes.set(k, recovered);
      // ... and a whole run converges on the new fleet.
      if (k % 3 === 0 || k >= total - 5) {
        const again = netgen(renderNew(t));
        expect(again.code, again.stderr).toBe(0);
        expect(sameAs(snapshot(t))).toBe('new');
      }
      rmSync(t, { recursive: true, force: true });
    }
    // Both outcomes occur: early kills roll back, kills after the commit record complete.
    expect([...outcomes.values()]).toContain('old');
    expect([...outcomes.values()]).toContain('new');
    expect(outcomes.get(1)).toBe('old');
    expect([...outcomes.keys()].filter((k) => outcomes.get(k) === 'old').length).toBeGreaterThan(5);
    expect(outcomes.get(total)).toBe('new');
  }, 300_000);
});

describe('a fleet render stopped with SIGTERM or SIGINT', () => {
  it('rolls back before exiting (or, past the commit, finishes): exactly the old or the new fleet, no lock, no temporary', () => {
    const pts = killPoints(6);
    for (const [n, k] of pts.entries()) {
      const sig = n % 2 === 0 ? 'SIGTERM' : 'SIGINT';
      const t = oldCopy(`term-${k}`);
      const r = netgen(renderNew(t), { NETGEN_FAULT_ROOT: t, NETGEN_FAULT_AT: String(k), NETGEN_FAULT_SIGNAL: sig });
      const s = sameAs(snapshot(t));
      if (r.code === 0) expect(s, `${sig} at ${k}`).toBe('new');
      else if (r.signal === sig) expect(s, `${sig} at ${k}, before the run began`).toBe('old');
      else {
        expect(r.code, `${sig} at ${k}: ${r.stderr}`).toBe(sig === 'SIGTERM' ? 143 : 130);
        expect(r.stderr).toBe(`netgen: interrupted by ${sig}; rolled back: no target file was changed\n`);
        expect(s, `${sig} at ${k}`).toBe('old');
      }
      rmSync(t, { recursive: true, force: true });
    }
  }, 300_000);
});
