// `netgen verify` and `netgen route get` as a user runs them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyInKernel } from '../src/commands/verify-kernel.js';
import { kernelAvailable } from '../src/kernel/index.js';
import { planModelFile, renderModelFile } from '../src/pipeline.js';
import { runCli } from './helpers/cli.js';
import { REPO } from './helpers/repo.js';

const SEED = join(REPO, 'examples/rhel-vip-egress/netgen.yaml');
const DUAL = join(REPO, 'examples/gentoo-dual-switch/netgen.yaml');
const dir = mkdtempSync(join(tmpdir(), 'netgen-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The seed host with one expectation that is wrong: after failover the VIP cannot be the source. */
const WRONG = join(dir, 'wrong.yaml');
writeFileSync(WRONG, readFileSync(SEED, 'utf8') + '  - { to: 192.168.1.1, down: [172.16.3.105], src: 172.16.3.105 }\n');

describe('netgen verify (simulator)', () => {
  for (const model of [SEED, DUAL]) {
    it(`passes on ${model.split('/').slice(-2, -1)[0]}`, () => {
      const r = runCli(['verify', '-m', model]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^(\d+) of \1 expectations hold$/m);
    });
  }

  it('fails with a readable table naming the expectation that does not hold', () => {
    const r = runCli(['verify', '-m', WRONG]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^#\s+lookup\s+expected\s+simulator\s+result$/);
    expect(lines.find((l) => l.startsWith('8 '))).toMatch(/^8\s+192\.168\.1\.1 \(172\.16\.3\.105 down\)\s+src 172\.16\.3\.105\s+via 172\.16\.3\.1 dev eth0 src 172\.16\.3\.111\s+FAIL$/);
    expect(r.stdout).toContain('1 of 8 expectations FAILED');
    expect(r.stdout).toContain(`${WRONG}:26:5: expect[7]`);
  });

  it('says so when a model has nothing to verify', () => {
    const none = join(dir, 'none.yaml');
    writeFileSync(none, 'host: h\ninterfaces:\n  eth0: { addresses: [10.0.0.2/24] }\n');
    const r = runCli(['verify', '-m', none]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has no `expect:` entries and no egress intent to verify');
  });

  it('checks the promises of every egress intent by itself: here, gone, back through its manager', () => {
    const bare = join(dir, 'bare.yaml');
    // The seed host without a single expectation of its own.
    writeFileSync(bare, readFileSync(SEED, 'utf8').replace(/^expect:[\s\S]*$/m, ''));
    const r = runCli(['verify', '-m', bare]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^b1\s+192\.0\.2\.1\s+via 172\.16\.3\.1 dev eth0 src 172\.16\.3\.105\s/m);
    expect(r.stdout).toMatch(/^b4\s+192\.0\.2\.1 \(172\.16\.3\.105 down\)\s+via 172\.16\.3\.1 dev eth0 src 172\.16\.3\.111\s/m);
    expect(r.stdout).toMatch(/^b7\s+192\.0\.2\.1 \(172\.16\.3\.105 down, then up by its manager\)\s+via 172\.16\.3\.1 dev eth0 src 172\.16\.3\.105\s/m);
    expect(r.stdout).toContain('9 of 9 built-in egress checks hold');
    expect(r.stdout).not.toContain('expectations hold');
  });

  it('a VIP brought back with `add` (no manager) fails, and the message says to declare managed-by', () => {
    const added = join(dir, 'added.yaml');
    writeFileSync(added, readFileSync(SEED, 'utf8') + '  - { to: 192.168.1.1, after: [{ down: 172.16.3.105 }, { add: 172.16.3.105 }], src: 172.16.3.105 }\n');
    const r = runCli(['verify', '-m', added]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^8\s+192\.168\.1\.1 \(172\.16\.3\.105 down, then added alone\)\s+src 172\.16\.3\.105\s+via 172\.16\.3\.1 dev eth0 src 172\.16\.3\.111\s+FAIL$/m);
    expect(r.stdout).toContain(`${added}:26:5: expect[7]`);
    expect(r.stdout).toContain('declare `managed-by: keepalived` (with `vrrp:`) or `managed-by: pacemaker`');
  });

  it('a built-in check that fails names the VIP\'s line', () => {
    // A user route from the primary, longer than the split half, takes on-link peers away from the VIP.
    const beaten = join(dir, 'beaten.yaml');
    writeFileSync(beaten, readFileSync(SEED, 'utf8').replace('    mtu: 1500\n', '    mtu: 1500\n    routes: [{ to: 172.16.3.0/26, src: 172.16.3.111, metric: 5 }]\n'));
    const r = runCli(['verify', '-m', beaten]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('2 of 9 built-in egress checks FAILED');
    expect(r.stdout).toContain(`${beaten}:13:18: interfaces.eth0.aliases.eth0:1.address: built-in check: 172.16.3.105 here: the source is the VIP`);
  });
});

describe('netgen route get', () => {
  it('--down, --up and --add apply in the order given', () => {
    const KA = join(REPO, 'examples/keepalived-vip/netgen.yaml');
    const ask = (...steps: string[]): string => runCli(['route', 'get', '192.168.1.1', '-m', KA, ...steps]).stdout.trim();
    expect(ask()).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.105');
    expect(ask('--down', '172.16.3.105')).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.111');
    expect(ask('--down', '172.16.3.105', '--up', '172.16.3.105')).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.105');
    expect(ask('--down', '172.16.3.105', '--add=172.16.3.105')).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.111');
    expect(ask('--down', '172.16.3.105', '--add', '172.16.3.105', '--down', '172.16.3.105', '--up', '172.16.3.105')).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.105');
    const r = runCli(['route', 'get', '192.168.1.1', '-m', KA, '--up', '172.16.3.105', '--down', '172.16.3.105']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--up 172.16.3.105: it is up at that point');
  });

  it('answers like ip route get, before and after failover', () => {
    expect(runCli(['route', 'get', '192.168.1.1', '-m', SEED]).stdout).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.105\n');
    expect(runCli(['route', 'get', '192.168.1.1', '--down', '172.16.3.105', '-m', SEED]).stdout).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.111\n');
    expect(runCli(['route', 'get', '8.8.8.8', '--from', '1.2.3.17', '-m', DUAL]).stdout).toBe('8.8.8.8 from 1.2.3.17 via 1.2.3.3 dev eth1.10 table e1v10\n');
  });

  it('--explain names the deciding rule and route and the losers; --json is parseable', () => {
    const e = runCli(['route', 'get', '172.16.3.1', '-m', SEED, '--explain']).stdout;
    expect(e).toContain('decided by rule 32766: from all lookup main');
    expect(e).toMatch(/lost: 172\.16\.3\.0\/24 dev eth0 .*longer prefix wins/);
    const j = JSON.parse(runCli(['route', 'get', '172.16.3.1', '-m', SEED, '--json']).stdout) as { dev: string; src: string };
    expect([j.dev, j.src]).toEqual(['eth0', '172.16.3.105']);
  });

  it('an error answer (no route) is printed as ip prints it and exits 1, so scripts can tell it', () => {
    const lan = join(dir, 'lan.yaml');
    writeFileSync(lan, 'host: lan\ninterfaces:\n  eth0:\n    addresses: [10.0.0.10/24]\n');
    const r = runCli(['route', 'get', '8.8.8.8', '-m', lan]);
    expect([r.code, r.stdout]).toEqual([1, 'RTNETLINK answers: Network is unreachable\n']);
    const j = runCli(['route', 'get', '8.8.8.8', '-m', lan, '--json']);
    expect(j.code).toBe(1);
    expect(runCli(['route', 'get', '10.0.0.1', '-m', lan]).code).toBe(0);
  });

  it('refuses addresses that are not addresses, or not the host\'s', () => {
    expect(runCli(['route', 'get', '300.1.1.1', '-m', SEED]).stderr).toContain('destination 300.1.1.1 is not an IPv4 address');
    const r = runCli(['route', 'get', '8.8.8.8', '--down', '10.9.9.9', '-m', SEED]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--down 10.9.9.9 is not an address of db-172-16-3-111');
  });
});

const kernel = kernelAvailable();
describe.skipIf(!kernel.ok && process.env.NETGEN_KERNEL_TESTS !== 'required')('netgen verify --kernel', () => {
  for (const distro of ['rhel6', 'gentoo', 'gentoo-legacy']) {
    const more = ['examples/keepalived-vip', 'examples/pacemaker-vip', 'test/golden/egress-own-routes', 'test/golden/vip32-other-network', ...(distro === 'rhel6' ? ['examples/vip32-egress'] : [])];
    for (const model of [SEED, DUAL, ...more.map((m) => join(REPO, m, 'netgen.yaml'))]) {
      it(`passes on ${model.split('/').slice(-2, -1)[0]} with ${distro}`, () => {
        const r = runCli(['verify', '--kernel', '--distro', distro, '-m', model]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.stdout).toMatch(/expectations hold in the simulator and the kernel/);
        expect(r.stdout).not.toContain('note:');
      });
    }
  }

  it('fails with expected / simulator / kernel side by side on a wrong expectation', () => {
    const r = runCli(['verify', '--kernel', '--distro', 'rhel6', '-m', WRONG]);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(/^#\s+lookup\s+expected\s+simulator\s+kernel\s+result$/);
    expect(r.stdout).toMatch(/^8\s+.*src 172\.16\.3\.111\s+via 172\.16\.3\.1 dev eth0 src 172\.16\.3\.111\s+FAIL$/m);
  });

  it('gentoo-legacy: asks both generations of Gentoo, one kernel column each', () => {
    const r = runCli(['verify', '--kernel', '--distro', 'gentoo-legacy', '-m', DUAL]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^#\s+lookup\s+expected\s+simulator\s+kernel baselayout-1\s+kernel OpenRC\s+result$/);
    // Lookups from the per-source addresses need the rules: both columns answer from their tables.
    expect(r.stdout).toMatch(/^1\s+8\.8\.8\.8 from 1\.2\.3\.17\s+.*(\s+from 1\.2\.3\.17 via 1\.2\.3\.3 dev eth1\.10 table e1v10){3}\s+ok$/m);
    expect(r.stdout).toContain('4 of 4 expectations hold in the simulator and the kernel (baselayout-1 and OpenRC)');
  });

  it('gentoo-legacy: a failed command is noted with the generation that ran it, and fails that column only', () => {
    const plan = planModelFile(DUAL);
    const files = renderModelFile(DUAL, 'gentoo-legacy', {}).files.map((f) =>
      // Break the OpenRC script: its first rule now names a table rt_tables does not know.
      f.path === 'etc/local.d/netgen.start' ? { ...f, content: f.content.replace('ip rule add from 1.2.3.17 table e1v10', 'ip rule add from 1.2.3.17 table nosuch') } : f,
    );
    const k = verifyInKernel(plan, 'gentoo-legacy', files, plan.expectations);
    expect(k.columns.map((c) => c.generation)).toEqual(['baselayout-1', 'OpenRC']);
    expect(k.columns[0]!.rows.map((x) => x.ok)).toEqual([true, true, true, true]);
    expect(k.columns[1]!.rows.map((x) => x.ok)).toEqual([false, true, true, true]);
    expect(k.notes).toEqual([expect.stringMatching(/^OpenRC: etc\/local\.d\/netgen\.start: `.*netgen\.start` failed: /)]);
  });

  it('removes what a verify --kernel killed with SIGKILL left: its namespace and its directory', () => {
    // A session of a process that is gone: its directory names it as owner, its namespace is still there.
    const gone = spawnSync('true');
    const pid = gone.pid!;
    const pidns = readlinkSync('/proc/self/ns/pid');
    const left = mkdtempSync(join(tmpdir(), 'ngk-'));
    writeFileSync(join(left, 'owner'), `${pid} 1 ${pidns}\n`);
    const ns = `ngk-${pid}-0`;
    expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
    // Another process's directory without an owner file is not touched.
    const foreign = mkdtempSync(join(tmpdir(), 'ngk-'));
    try {
      const r = runCli(['verify', '--kernel', '--distro', 'rhel6', '-m', SEED]);
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(left)).toBe(false);
      expect(existsSync(`/run/netns/${ns}`)).toBe(false);
      expect(existsSync(foreign)).toBe(true);
    } finally {
      spawnSync('ip', ['netns', 'del', ns]);
      rmSync(left, { recursive: true, force: true });
      rmSync(foreign, { recursive: true, force: true });
    }
  });

  it('needs --distro', () => {
    expect(runCli(['verify', '--kernel', '-m', SEED]).stderr).toContain('verify --kernel needs --distro');
  });
});
if (!kernel.ok) console.warn(`[netgen] verify --kernel tests skipped: ${kernel.reason}`);

describe('the inbound half from the command line', () => {
  it('route get --from --iif answers as ip route get ... iif does, and explains the reverse path', () => {
    expect(runCli(['route', 'get', '1.2.3.17', '--from', '8.8.8.8', '--iif', 'eth1.10', '-m', DUAL]).stdout).toBe('local 1.2.3.17 from 8.8.8.8 dev lo table local\n');
    const wrong = runCli(['route', 'get', '1.2.3.17', '--from', '8.8.8.8', '--iif', 'eth0.10', '-m', DUAL, '--explain']);
    expect(wrong.code).toBe(0);
    expect(wrong.stdout.split('\n')[0]).toBe('RTNETLINK answers: Invalid argument');
    expect(wrong.stdout).toContain('rp_filter 1 (strict) on eth0.10: the route back from 1.2.3.17 to 8.8.8.8 leaves through eth1.10');
    // What the kernel defaults would do: loose enough to take it.
    expect(runCli(['route', 'get', '1.2.3.17', '--from', '8.8.8.8', '--iif', 'eth0.10', '--sysctl', 'rp_filter=0', '-m', DUAL]).stdout).toBe('local 1.2.3.17 from 8.8.8.8 dev lo table local\n');
    const j = JSON.parse(runCli(['route', 'get', '1.2.3.17', '--from', '8.8.8.8', '--iif', 'eth0.10', '--json', '-m', DUAL]).stdout) as { ok: boolean; rpFilter: number; reverse: { dev: string } };
    expect([j.ok, j.rpFilter, j.reverse.dev]).toEqual([false, 1, 'eth1.10']);
  });

  it('arp who-has says which interface answers, and why not; the kernel defaults give ARP flux', () => {
    expect(runCli(['arp', 'who-has', '1.2.3.17', '--on', 'eth1.10', '-m', DUAL]).stdout).toBe('eth1.10 answers\n');
    expect(runCli(['arp', 'who-has', '1.2.3.17', '--on', 'eth0.10', '-m', DUAL]).stdout).toMatch(/^eth0\.10 does not answer: rp_filter 1 \(strict\) on eth0\.10: /);
    const flux = runCli(['arp', 'who-has', '1.2.3.17', '--on', 'eth0.10', '--sysctl', 'rp_filter=0', '--sysctl', 'arp_ignore=0', '--explain', '-m', DUAL]);
    expect(flux.stdout).toContain('eth0.10 answers\n');
    expect(flux.stdout).toContain('settings on eth0.10: rp_filter 0, arp_ignore 0, arp_filter 0, arp_announce 2');
    const j = JSON.parse(runCli(['arp', 'who-has', '1.2.3.16', '--on', 'eth0.10', '--from', '1.2.3.99', '--json', '-m', DUAL]).stdout) as { answers: boolean; sender: string };
    expect([j.answers, j.sender]).toEqual([true, '1.2.3.99']);
  });

  it('refuses unclear questions with exit 2', () => {
    for (const [args, msg] of [
      [['route', 'get', '1.2.3.17', '--iif', 'eth0.10'], '--iif asks about a packet arriving from the network: give its sender with --from'],
      [['route', 'get', '1.2.3.17', '--from', '8.8.8.8', '--iif', 'eth9'], '--iif eth9 is not an interface of box'],
      [['arp', 'who-has', '1.2.3.17', '--on', 'eth9'], '--on eth9 is not an interface of box'],
      [['arp', 'who-has', '1.2.3.17'], 'give --on DEV'],
      [['arp', 'who-has', '9.9.9.9', '--on', 'eth0.10'], 'give one with --from'],
      [['arp', 'who-has', '1.2.3.17', '--on', 'eth0.10', '--sysctl', 'rp_filtr=1'], '--sysctl rp_filtr=1: give KEY=VALUE'],
    ] as const) {
      const r = runCli([...args, '-m', DUAL]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(msg);
    }
    const h = runCli(['arp', 'who-has', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('--on');
    expect(runCli(['route', 'get', '--help']).stdout).toContain('--iif');
  });

  it('verify checks expect: entries with iif: and who-has:, and the built-in inbound checks', () => {
    const m = join(dir, 'inbound.yaml');
    writeFileSync(
      m,
      readFileSync(DUAL, 'utf8') +
        '  - { to: 1.2.3.17, from: 8.8.8.8, iif: eth1.10 }\n  - { to: 1.2.3.17, from: 8.8.8.8, iif: eth0.10, accept: false }\n' +
        '  - { who-has: 1.2.3.17, on: eth1.10 }\n  - { who-has: 1.2.3.17, on: eth0.10 }\n',
    );
    const r = runCli(['verify', '-m', m]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^5\s+1\.2\.3\.17 from 8\.8\.8\.8 iif eth1\.10\s+accepted\s+local 1\.2\.3\.17 from 8\.8\.8\.8 dev lo table local\s+ok$/m);
    expect(r.stdout).toMatch(/^8\s+arp who-has 1\.2\.3\.17 on eth0\.10\s+answers\s+does not answer \(rp_filter\)\s+FAIL$/m);
    expect(r.stdout).toContain('1 of 8 expectations FAILED');
    expect(r.stdout).toContain('12 of 12 inbound checks hold');
    // With the kernel defaults forced back, the built-in checks catch the ARP flux.
    const flux = join(dir, 'flux.yaml');
    writeFileSync(flux, readFileSync(DUAL, 'utf8') + 'sysctl: { rp_filter: 0, arp_ignore: 0 }\n');
    const f = runCli(['verify', '-m', flux]);
    expect(f.code).toBe(1);
    expect(f.stdout).toContain('4 of 12 inbound checks FAILED');
  });
});

describe('README, "Inbound traffic"', () => {
  it('every console example prints what the README shows', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Inbound traffic'), readme.indexOf('### Reviewing before applying'));
    const blocks = [...section.matchAll(/```console\n([\s\S]*?)```/g)].map((m) => m[1]!);
    let asked = 0;
    for (const block of blocks) {
      const parts = block.split(/^\$ netgen /m).slice(1);
      for (const part of parts) {
        const [cmd, ...out] = part.split('\n');
        const r = runCli(cmd!.split(' '));
        expect(r.stdout, cmd).toBe(out.join('\n'));
        asked++;
      }
    }
    expect(asked).toBe(5);
  });
});
