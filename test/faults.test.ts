// Faults while writing a target: a read-only file system and a full disk, made in a
// private mount namespace (root only; the host's mounts are never touched). In each case
// the exit code and message say what happened and every target file is as it was.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeKernel } from './kernel/gate.js';
import { REPO } from './helpers/repo.js';

const dir = mkdtempSync(join(tmpdir(), 'netgen-faults-'));
chmodSync(dir, 0o711); // the unprivileged case must reach its target below
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tsx = join(REPO, 'node_modules/tsx/dist/loader.mjs');
const entry = join(REPO, 'test/helpers/cli-entry.ts');
const SEED = join(REPO, 'examples/rhel-vip-egress/netgen.yaml');
const DUAL = join(REPO, 'examples/gentoo-dual-switch/netgen.yaml');

/**
 * Run a shell script in a private mount namespace. $T is a scratch target, $NETGEN runs
 * the CLI; the script prints `exit=N` for the render under test and the tree's checksums.
 */
function inMountNamespace(script: string): string {
  const target = mkdtempSync(join(dir, 't-'));
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh'], {
    encoding: 'utf8',
    env: { ...process.env, T: target, NETGEN: `${process.execPath} --import ${tsx} ${entry}`, SEED, DUAL, NO_COLOR: '1' },
  });
  return r.stdout + r.stderr;
}

// Files with their checksums, and every directory (a failed run must not leave new ones).
const snapshot = 'find "$T" -type f | sort | xargs -r sha256sum; find "$T" -type d | sort';

describeKernel('write faults', () => {
  it('a read-only target: exit 2, "read-only file system", nothing changed', () => {
    const out = inMountNamespace(`
      $NETGEN render --distro rhel6 -m "$SEED" --root "$T" >/dev/null || exit 9
      echo "--- before"; ${snapshot}
      mount --bind "$T" "$T" && mount -o remount,bind,ro "$T" || exit 8
      $NETGEN render --distro rhel6 -m "$DUAL" --root "$T" --force 2>&1; echo "exit=$?"
      echo "--- after"; ${snapshot}
    `);
    expect(out).toContain('exit=2');
    expect(out).toMatch(/netgen: taking the lock \S+ failed: read-only file system; no target file was changed/);
    const [before, after] = [out.split('--- before')[1]!.split('netgen:')[0]!.trim(), out.split('--- after')[1]!.trim()];
    expect(after).toBe(before);
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('a full disk: exit 2, "no space left", every target as it was, no temporary and no new directory left', () => {
    // The second render is gentoo's: its directories (etc/conf.d, etc/local.d) are new.
    const out = inMountNamespace(`
      mount -t tmpfs -o size=64k,nr_inodes=200 netgen-full "$T" || exit 8
      $NETGEN render --distro rhel6 -m "$SEED" --root "$T" >/dev/null || exit 9
      # Room for one page: the lock fits, the new files do not.
      avail=$(df --output=avail -k "$T" | tail -1)
      dd if=/dev/zero of="$T/filler" bs=1k count=$((avail - 4)) 2>/dev/null
      echo "--- before"; ${snapshot}
      $NETGEN render --distro gentoo -m "$DUAL" --root "$T" --force 2>&1; echo "exit=$?"
      echo "--- after"; ${snapshot}
      find "$T" -name '.netgen-*' | sed 's/^/leftover: /'
    `);
    expect(out).toContain('exit=2');
    expect(out).toMatch(/netgen: writing \S+ failed: no space left on the device; no target file was changed/);
    expect(out.split('--- before')[1]).toContain('/etc/sysconfig\n');
    const before = out.split('--- before')[1]!.split('netgen:')[0]!.trim();
    const after = out.split('--- after')[1]!.split('leftover:')[0]!.trim();
    expect(after).toBe(before);
    expect(out).not.toContain('leftover:');
  });

  it('a target directory the process may not write: exit 2, "permission denied"', () => {
    // Root ignores mode bits, so drop to an unprivileged user for this one.
    const out = inMountNamespace(`
      chmod 0777 "$T"
      mkdir -p "$T/etc/sysconfig/network-scripts" && chmod 0555 "$T/etc/sysconfig/network-scripts"
      setpriv --reuid=65534 --regid=65534 --clear-groups $NETGEN render --distro rhel6 -m "$SEED" --root "$T" 2>&1; echo "exit=$?"
      echo "--- after"; ${snapshot}
    `);
    expect(out).toContain('exit=2');
    expect(out).toMatch(/permission denied; no target file was changed/);
    expect(out.split('--- after')[1]!.trim()).not.toMatch(/[0-9a-f]{64}/); // no file
    expect(out).not.toContain('.netgen');
  });
});
