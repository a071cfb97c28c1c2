// The harness must fail where the real consumer fails: these trees are wrong in ways
// consumers.md describes, and the kernel must show it. Plus: namespaces never outlive us.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { liveNamespaces, openKernelSession, readTreeFromDir, withKernelSession, type TreeFile } from '../../src/kernel/index.js';
import { REPO } from '../helpers/repo.js';
import { describeKernel } from './gate.js';
import { A_LINKS, A_VIP_UP, B_LINKS, expectTable, FIXTURES, PRIMARY, VIP } from './scenarios.js';

const NS = 'etc/sysconfig/network-scripts/';

function tree(name: string, edit: (files: Map<string, TreeFile>) => void): TreeFile[] {
  const files = new Map(readTreeFromDir(join(FIXTURES, name)).map((f) => [f.path, f]));
  edit(files);
  return [...files.values()];
}

function setContent(files: Map<string, TreeFile>, path: string, content: string, mode = 0o644): void {
  files.set(path, { path, mode, content });
}

function appendLine(files: Map<string, TreeFile>, path: string, line: string): void {
  const f = files.get(path);
  if (!f) throw new Error(`no ${path} in the fixture`);
  files.set(path, { ...f, content: f.content + line + '\n' });
}

describeKernel('the harness reads files the way the consumers do', () => {
  it('rhel6: GATEWAY left in ifcfg-eth0 adds a metric-0 default without src, so the VIP loses', () => {
    const t = tree('scenario-a-rhel6', (f) => appendLine(f, `${NS}ifcfg-eth0`, 'GATEWAY=172.16.3.1'));
    withKernelSession({ links: A_LINKS }, (s) => {
      const boot = s.apply('rhel6', t);
      expect(boot.commands.some((c) => c.argv.join(' ') === 'ip route replace default via 172.16.3.1')).toBe(true);
      expect(s.probe({ to: '192.168.1.1' }).src).toBe(PRIMARY);
    });
  });

  it('rhel6: GATEWAY in /etc/sysconfig/network reaches ifup-eth as well', () => {
    const t = tree('scenario-a-rhel6', (f) => appendLine(f, 'etc/sysconfig/network', 'GATEWAY=172.16.3.1'));
    withKernelSession({ links: A_LINKS }, (s) => {
      s.apply('rhel6', t);
      expect(s.probe({ to: '192.168.1.1' }).src).toBe(PRIMARY);
    });
  });

  it('rhel6: GATEWAY in the alias file makes ifup-aliases add its own default without src', () => {
    const t = tree('scenario-a-rhel6', (f) => appendLine(f, `${NS}ifcfg-eth0:1`, 'GATEWAY=172.16.3.1'));
    withKernelSession({ links: A_LINKS }, (s) => {
      const boot = s.apply('rhel6', t);
      expect(boot.commands.find((c) => c.origin.startsWith('ifup-aliases eth0') && c.argv.includes('default'))?.argv.join(' ')).toBe('ip route add default via 172.16.3.1 dev eth0');
      expect(s.probe({ to: '192.168.1.1' }).src).toBe(PRIMARY);
    });
  });

  it('rhel6: a trailing comment on a route line makes that route fail, and only that one', () => {
    const t = tree('scenario-a-rhel6', (f) => {
      const path = `${NS}route-eth0`;
      const lines = f.get(path)!.content.split('\n');
      lines[3] = lines[3]!.trimEnd() + ' # VIP default';
      setContent(f, path, lines.join('\n'));
    });
    withKernelSession({ links: A_LINKS }, (s) => {
      const boot = s.apply('rhel6', t);
      expect(boot.failed.map((c) => c.origin)).toEqual(['route-eth0:4']);
      expect(s.probe({ to: '192.168.1.1' }).src).toBe(PRIMARY);
    });
  });

  it('rhel6: a CR line ending breaks the last word of the line', () => {
    const t = tree('scenario-a-rhel6', (f) => {
      const path = `${NS}route-eth0`;
      setContent(f, path, f.get(path)!.content.replace(/ *\n/g, '\r\n'));
    });
    withKernelSession({ links: A_LINKS }, (s) => {
      const boot = s.apply('rhel6', t);
      expect(boot.failed.map((c) => c.origin)).toEqual(['route-eth0:1', 'route-eth0:2', 'route-eth0:3', 'route-eth0:4']);
    });
  });

  it('rhel6: an alias inherits the parent PREFIX, which beats its own NETMASK', () => {
    const t = tree('scenario-a-rhel6', (f) => {
      appendLine(f, `${NS}ifcfg-eth0`, 'PREFIX=24');
      const alias = `${NS}ifcfg-eth0:1`;
      setContent(f, alias, f.get(alias)!.content.replace('NETMASK="255.255.255.0"', 'NETMASK="255.255.255.255"'));
    });
    withKernelSession({ links: A_LINKS }, (s) => {
      s.apply('rhel6', t);
      expect(s.addresses().find((a) => a.address === VIP)).toMatchObject({ prefix: 24, label: 'eth0:1' });
    });
  });

  it('rhel6: ifup eth0:1 does not inherit: an alias without PREFIX or NETMASK gets the class default', () => {
    const t = tree('scenario-a-rhel6-onparent-no', (f) => {
      const alias = `${NS}ifcfg-eth0:1`;
      setContent(f, alias, f.get(alias)!.content.replace('NETMASK="255.255.255.0"\n', ''));
    });
    withKernelSession({ links: A_LINKS }, (s) => {
      s.apply('rhel6', t);
      const up = s.up(VIP);
      expect(up.problems.join('\n')).toMatch(/class default \/16/);
      expect(s.addresses().find((a) => a.address === VIP)?.prefix).toBe(16);
    });
  });

  it('rhel6: ONBOOT=no keeps a device down at boot', () => {
    const t = tree('scenario-a-rhel6', (f) => {
      const p = `${NS}ifcfg-eth0`;
      setContent(f, p, f.get(p)!.content.replace('ONBOOT="yes"', 'ONBOOT="no"'));
    });
    withKernelSession({ links: A_LINKS }, (s) => {
      const boot = s.apply('rhel6', t);
      expect(boot.commands).toEqual([]);
      expect(boot.problems.join('\n')).toMatch(/eth0: no ifcfg-eth0 brings it up/);
    });
  });

  it('gentoo: bash arrays under /bin/sh (dash) are a syntax error and nothing starts', () => {
    const t = readTreeFromDir(join(FIXTURES, 'scenario-b-gentoo-legacy'));
    withKernelSession({ links: B_LINKS }, (s) => {
      const boot = s.apply('gentoo', t);
      expect(boot.problems[0]).toMatch(/^etc\/conf\.d\/net: sh could not source it/);
      expect(s.probe({ to: '8.8.8.8' }).dev).toBe('');
    });
  });

  it('gentoo: a route line without metric gets the metric of the line before it, else the ifindex', () => {
    const t: TreeFile[] = [
      {
        path: 'etc/conf.d/net',
        mode: 0o644,
        content: 'config_eth0="10.0.0.2/24"\nroutes_eth0="10.1.0.0/16 via 10.0.0.1\n10.2.0.0/16 via 10.0.0.1 metric 7\n10.3.0.0/16 via 10.0.0.1"\n',
      },
    ];
    withKernelSession({ links: [{ name: 'eth0' }] }, (s) => {
      const boot = s.apply('gentoo', t);
      const metrics = boot.commands.filter((c) => c.argv.includes('route')).map((c) => c.argv[c.argv.indexOf('metric') + 1]);
      expect(metrics[1]).toBe('7');
      expect(metrics[2]).toBe('7');
      expect(Number(metrics[0])).toBeGreaterThan(0);
      expect(boot.failed).toEqual([]);
    });
  });

  it('gentoo: a comment line inside a value is handed to ip and fails', () => {
    const t: TreeFile[] = [{ path: 'etc/conf.d/net', mode: 0o644, content: 'config_eth0="10.0.0.2/24"\nroutes_eth0="# the default\ndefault via 10.0.0.1 metric 1"\n' }];
    withKernelSession({ links: [{ name: 'eth0' }] }, (s) => {
      const boot = s.apply('gentoo', t);
      expect(boot.failed.map((c) => c.origin)).toEqual(['routes_eth0: # the default']);
      expect(s.probe({ to: '8.8.8.8' }).via).toBe('10.0.0.1');
    });
  });

  it('gentoo: OpenRC skips a local.d script without the run bit', () => {
    const t = tree('scenario-b-gentoo-local-d', (f) => {
      const p = 'etc/local.d/netgen.start';
      f.set(p, { ...f.get(p)!, mode: 0o644 });
    });
    withKernelSession({ links: B_LINKS }, (s) => {
      const boot = s.apply('gentoo', t);
      expect(boot.problems.join('\n')).toMatch(/netgen\.start is not executable/);
      expect(s.rules().filter((r) => r.from !== 'all')).toEqual([]);
    });
  });

  it('gentoo: a VIP brought back is re-added as conf.d/net spells it, with its routes', () => {
    const t = readTreeFromDir(join(FIXTURES, 'scenario-a-gentoo'));
    withKernelSession({ links: A_LINKS }, (s) => {
      s.apply('gentoo', t);
      s.down(VIP);
      const up = s.up(VIP);
      expect(up.failed).toEqual([]);
      expect(s.addresses().find((a) => a.address === VIP)).toMatchObject({ prefix: 24, label: 'eth0:1', secondary: true });
      expectTable(s, A_VIP_UP, 'VIP back');
    });
  });
});

describeKernel('namespaces never outlive the harness', () => {
  it('close() deletes the namespace, also when the callback throws', () => {
    let name = '';
    expect(() =>
      withKernelSession({ links: [{ name: 'eth0' }] }, (s) => {
        name = s.namespace;
        expect(existsSync(`/run/netns/${name}`)).toBe(true);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(name).toMatch(/^ngk-\d+-\d+$/);
    expect(existsSync(`/run/netns/${name}`)).toBe(false);
    expect(liveNamespaces()).not.toContain(name);
  });

  it('a link the host cannot create fails the session cleanly', () => {
    const before = liveNamespaces().length;
    expect(() => openKernelSession({ links: [{ name: 'eth0' }, { name: 'eth0' }] })).toThrow(/ip link add eth0/);
    expect(liveNamespaces().length).toBe(before);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('a process killed with %s deletes its namespace', async (signal) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test', 'kernel', 'hold-session.ts')], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const name = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before opening a session: ${err}`)));
    });
    expect(existsSync(`/run/netns/${name}`)).toBe(true);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    child.kill(signal);
    expect(await exited).toBe(signal);
    expect(existsSync(`/run/netns/${name}`)).toBe(false);
  });
});
