// Facts of design/consumers.md that netgen's back-ends rely on and that no other kernel test
// held (the whole table, fact by fact: test/kernel/README.md). Each test applies netgen's
// output, or that output changed the way a user or another tool changes it, through the
// emulation of its consumer, and fails if the back-end or the emulation ignored the fact.
import { expect, it } from 'vitest';
import { BACKENDS } from '../../src/backends/index.js';
import type { BackendOptions } from '../../src/backends/types.js';
import { runProgram } from '../../src/kernel/exec.js';
import { CONSUMERS as ALL_CONSUMERS, materialiseTree, withKernelSession, type AddressEntry, type Consumer, type KernelSession, type TreeFile } from '../../src/kernel/index.js';
import { RESERVED_RT_TABLES } from '../../src/kernel/tree.js';
import { compilePlan } from '../../src/plan/compile.js';
import type { Plan } from '../../src/plan/types.js';
import { renderFiles } from '../../src/render/index.js';
import { formatRouteGet, simulateRouteGet } from '../../src/simulate/index.js';
import { applyModeOf } from '../../src/commands/verify.js';
import { loadModelText } from '../helpers/model-text.js';
import { describeKernel } from './gate.js';
import { A_VIP_UP, B_PROBES, expectClean, expectTable, PRIMARY, VIP } from './scenarios.js';

const NS = 'etc/sysconfig/network-scripts/';
const NETWORK = 'etc/sysconfig/network';
const RT_TABLES = 'etc/iproute2/rt_tables';

/** The seed's VIP host (examples/rhel-vip-egress) without its expectations. */
const SEED = `
host: db
interfaces:
  eth0:
    addresses: [172.16.3.111/24]
    gateway: 172.16.3.1
    aliases:
      eth0:1: { address: 172.16.3.105/24 }
    egress: { prefer: 172.16.3.105, metric: 1, fallback-metric: 100 }
`;

/** The seed's dual-switch host (examples/gentoo-dual-switch), tables by name. */
const DUAL = `
host: box
tables: { e0v10: 1, e0v11: 2, e1v10: 3, e1v11: 4 }
interfaces:
  eth0:
    vlans:
      10: { addresses: [1.2.3.16/24], gateway: 1.2.3.1, source-routing: { table: e0v10, gateway: 1.2.3.2 } }
      11: { addresses: [10.1.1.16/24], source-routing: { table: e0v11, routes: [{ to: 10.0.0.0/8, via: 10.1.1.1 }] } }
  eth1:
    vlans:
      10: { addresses: [1.2.3.17/24], source-routing: { table: e1v10, gateway: 1.2.3.3 } }
      11: { addresses: [10.1.1.17/24], source-routing: { table: e1v11, routes: [{ to: 10.0.0.0/8, via: 10.1.1.1 }] } }
`;

const planOf = (yaml: string): Plan => compilePlan(loadModelText(yaml));

/**
 * What the back-end a consumer reads writes (gentoo-legacy's for both Gentoo generations),
 * merged into `existing` files (else a fresh system's), as the consumer finds it.
 */
function rendered(plan: Plan, consumer: Consumer, options: BackendOptions = {}, existing: Record<string, string> = {}): TreeFile[] {
  const backend = consumer === 'gentoo-legacy-openrc' ? 'gentoo-legacy' : consumer;
  const b = BACKENDS.find((x) => x.name === backend)!;
  return materialiseTree(renderFiles(b.planFiles(plan, options)), plan.source, (p) => existing[p]);
}

function edit(tree: TreeFile[], path: string, change: (content: string) => string): TreeFile[] {
  if (!tree.some((f) => f.path === path)) throw new Error(`no ${path} in the tree`);
  return tree.map((f) => (f.path === path ? { ...f, content: change(f.content) } : f));
}

/** Replace line `n` (1-based) of a file. */
function editLine(tree: TreeFile[], path: string, n: number, change: (line: string) => string): TreeFile[] {
  return edit(tree, path, (c) => {
    const lines = c.split('\n');
    lines[n - 1] = change(lines[n - 1]!);
    return lines.join('\n');
  });
}

function session<T>(plan: Plan, fn: (s: KernelSession) => T): T {
  return withKernelSession({ links: plan.links, addresses: plan.addresses }, fn);
}

const onEth0 = (s: KernelSession): AddressEntry[] => s.addresses().filter((a) => a.dev === 'eth0');

const CONSUMERS: readonly Consumer[] = ALL_CONSUMERS;

describeKernel('consumers.md facts the back-ends rely on: RHEL initscripts', () => {
  it('a key of ifcfg-eth0 beats the same key of /etc/sysconfig/network: DEFROUTE=no holds against DEFROUTE=yes and GATEWAY put back there', () => {
    const plan = planOf('host: h\ninterfaces:\n  eth0: { addresses: [10.0.0.5/24], gateway: 10.0.0.1 }\n');
    // An installer or another tool writes the global keys back after netgen ran.
    const tree = edit(rendered(plan, 'rhel6'), NETWORK, (c) => c + 'DEFROUTE=yes\nGATEWAY=10.0.0.1\n');
    session(plan, (s) => {
      expectClean(s.apply('rhel6', tree), 'boot');
      // Only route-eth0's default: ifup-eth added none of its own (it would make route-eth0's fail: File exists).
      expect(s.routes().filter((l) => l.startsWith('default'))).toEqual(['default via 10.0.0.1 dev eth0']);
    });
  });

  it('netgen takes GATEWAY out of an existing /etc/sysconfig/network (ifup-aliases would add a default without src from it), keeping the rest', () => {
    const plan = planOf(SEED);
    // As an installer leaves it (no GATEWAYDEV, which would keep ifup-aliases from using it).
    const existing = 'NETWORKING=yes\nHOSTNAME=db.example.com\nGATEWAY=172.16.3.1\n';
    const tree = rendered(plan, 'rhel6', {}, { [NETWORK]: existing });
    session(plan, (s) => {
      expectClean(s.apply('rhel6', tree), 'boot');
      expectTable(s, A_VIP_UP, 'booted');
    });
    expect(tree.find((f) => f.path === NETWORK)?.content).toBe('NETWORKING=yes\nHOSTNAME=db.example.com\n');
  });

  it('GATEWAY put back into /etc/sysconfig/network reaches ifup-aliases, which ignores DEFROUTE: a default without src, and the VIP loses', () => {
    const plan = planOf(SEED);
    const tree = edit(rendered(plan, 'rhel6'), NETWORK, (c) => c + 'GATEWAY=172.16.3.1\n');
    session(plan, (s) => {
      const boot = s.apply('rhel6', tree);
      expect(boot.commands.filter((c) => c.argv.includes('default') && c.origin.startsWith('ifup-aliases')).map((c) => c.argv.join(' '))).toEqual(['ip route add default via 172.16.3.1 dev eth0']);
      expect(s.probe({ to: '192.168.1.1' }).src).toBe(PRIMARY);
    });
  });

  it('an alias file states its own PREFIX: the parent\'s PREFIX=24 would beat the alias\'s NETMASK', () => {
    const plan = planOf('host: h\ninterfaces:\n  eth0:\n    addresses: [10.0.0.5/24]\n    aliases:\n      eth0:1: { address: 10.0.0.50/32 }\n');
    session(plan, (s) => {
      expectClean(s.apply('rhel6', rendered(plan, 'rhel6')), 'boot');
      expect(s.addresses().find((a) => a.address === '10.0.0.50')).toMatchObject({ prefix: 32, label: 'eth0:1' });
    });
  });

  // The validator refuses this route (netifrc starts eth0.10 with eth0, before eth1), so the
  // line is written into the rendered files by hand: the facts are the consumers'.
  const VLAN_HOST = 'host: h\ninterfaces:\n  eth0:\n    vlans:\n      10:\n        addresses: [10.0.10.5/24]\n  eth1: { addresses: [10.0.20.5/24] }\n';
  const VLAN_ROUTE = '10.99.0.0/16 via 10.0.10.1 src 10.0.20.5 metric 5';

  it('VLANs come up after the other interfaces: a VLAN route may name an address of a later-named NIC as src', () => {
    // eth0 < eth0.10 < eth1 by name; service network starts eth0, eth1, then eth0.10.
    const plan = planOf(VLAN_HOST);
    const tree = [...rendered(plan, 'rhel6'), { path: `${NS}route-eth0.10`, mode: 0o644, content: `${VLAN_ROUTE} dev eth0.10\n` }];
    session(plan, (s) => {
      expectClean(s.apply('rhel6', tree), 'boot');
      expect(s.probe({ to: '10.99.1.1' })).toMatchObject({ dev: 'eth0.10', via: '10.0.10.1', src: '10.0.20.5' });
    });
  });

  it('netifrc starts a VLAN with its parent: the same route, src on the later NIC, is refused at boot (Invalid prefsrc address)', () => {
    const plan = planOf(VLAN_HOST);
    const tree = edit(rendered(plan, 'gentoo'), 'etc/conf.d/net', (c) => c + `routes_eth0_10="${VLAN_ROUTE}"\n`);
    session(plan, (s) => {
      const boot = s.apply('gentoo', tree);
      expect(boot.failed.map((c) => c.stderr.trim())).toEqual([expect.stringContaining('Invalid prefsrc address')]);
      expect(s.routes().some((r) => r.startsWith('10.99.0.0/16'))).toBe(false);
    });
  });

  it('route- lines: a line that fails is simply missing, never retried with replace (a line the kernel\'s own route already answers)', () => {
    const plan = planOf(SEED);
    // The kernel's connected route has the same prefix and metric: `ip route add` says File exists.
    const tree = edit(rendered(plan, 'rhel6'), `${NS}route-eth0`, (c) => c + `172.16.3.0/24 dev eth0 scope link src ${VIP}\n`);
    session(plan, (s) => {
      const boot = s.apply('rhel6', tree);
      expect(boot.failed.map((c) => [c.origin, c.stderr.trim()])).toEqual([['route-eth0:6', 'RTNETLINK answers: File exists']]);
      expect(s.routes()).toContain(`172.16.3.0/24 dev eth0 proto kernel scope link src ${PRIMARY}`);
    });
  });

  it('route- lines: a backslash at the end of a line joins the next line to it (read without -r), and both routes are lost', () => {
    const plan = planOf(SEED);
    // Line 3 is the lower half of the split /24, line 4 the upper half.
    const tree = editLine(rendered(plan, 'rhel6'), `${NS}route-eth0`, 3, (l) => l + ' \\');
    session(plan, (s) => {
      const boot = s.apply('rhel6', tree);
      expect(boot.failed.map((c) => c.origin)).toEqual(['route-eth0:3']);
      expect(s.probe({ to: '172.16.3.1' }).src).toBe(PRIMARY);
      expect(s.probe({ to: '172.16.3.200' }).src).toBe(PRIMARY);
    });
  });

  it('route- lines: dev is not added for you (a scope link line without dev fails)', () => {
    const plan = planOf(SEED);
    const tree = editLine(rendered(plan, 'rhel6'), `${NS}route-eth0`, 3, (l) => l.replace(' dev eth0', ''));
    session(plan, (s) => {
      const boot = s.apply('rhel6', tree);
      expect(boot.failed.map((c) => c.origin)).toEqual(['route-eth0:3']);
      expect(s.probe({ to: '172.16.3.1' }).src).toBe(PRIMARY);
    });
  });

  it('route- lines: a glob character is a file name pattern to the shell, and the harness says so', () => {
    const plan = planOf(SEED);
    const tree = edit(rendered(plan, 'rhel6'), `${NS}route-eth0`, (c) => c + '10.9.0.0/16 via 172.16.3.1 dev eth0 metric 7 realm r*\n');
    session(plan, (s) => {
      const boot = s.apply('rhel6', tree);
      expect(boot.problems).toEqual([`${NS}route-eth0:6: r* would be expanded as a file name pattern`]);
    });
  });

  it('ONPARENT=no: an alias left for later is not up after boot, and comes up with ifup', () => {
    const plan = planOf('host: h\ninterfaces:\n  eth0:\n    addresses: [10.0.0.5/24]\n    aliases:\n      eth0:1: { address: 10.0.0.50/24, on-parent: false }\n');
    for (const consumer of CONSUMERS) {
      session(plan, (s) => {
        expectClean(s.apply(consumer, rendered(plan, consumer)), `${consumer} boot`);
        expect(onEth0(s).map((a) => a.address), consumer).toEqual(['10.0.0.5']);
        expectClean(s.up('10.0.0.50'), `${consumer} up`);
        expect(onEth0(s).map((a) => a.address).sort(), consumer).toEqual(['10.0.0.5', '10.0.0.50']);
      });
    }
  });

  it('ONBOOT=no: a NIC not wanted at boot stays down, and ifup brings it up', () => {
    const plan = planOf('host: h\ninterfaces:\n  eth0: { addresses: [10.0.0.5/24] }\n  eth1: { addresses: [10.0.1.5/24], on-boot: false }\n');
    session(plan, (s) => {
      const boot = s.apply('rhel6', rendered(plan, 'rhel6'));
      expectClean(boot, 'boot');
      expect(boot.commands.filter((c) => c.origin.includes('eth1'))).toEqual([]);
      expect(s.addresses().map((a) => a.dev)).not.toContain('eth1');
      expectClean(s.up('10.0.1.5'), 'ifup eth1');
      expect(s.probe({ to: '10.0.1.9' })).toMatchObject({ dev: 'eth1', src: '10.0.1.5' });
    });
  });

  it('service network stop then start leaves the same routes and rules as boot: none stale, none twice', () => {
    const plan = planOf(
      'host: h\ntables: { t0: 10, t1: 11 }\ninterfaces:\n  eth0:\n    addresses: [1.2.3.16/24]\n    gateway: 1.2.3.1\n    source-routing: { table: t0, gateway: 1.2.3.2 }\n' +
        '  eth1:\n    addresses: [1.2.3.17/24]\n    aliases:\n      eth1:0: { address: 1.2.3.20/24 }\n    source-routing: { table: t1, gateway: 1.2.3.3 }\n',
    );
    const state = (s: KernelSession): string[] => [
      ...['main', 't0', 't1'].flatMap((t) => s.routes(t).map((l) => `${t}: ${l}`)),
      ...s.rules().map((r) => r.raw),
    ];
    session(plan, (s) => {
      expectClean(s.apply('rhel6', rendered(plan, 'rhel6')), 'boot');
      const booted = state(s);
      expect(booted.filter((l) => l.includes('lookup t'))).toHaveLength(3);
      // stop: ifdown of every device, in reverse order; start: ifup of each again.
      for (const a of ['1.2.3.17', '1.2.3.16']) expect(s.ifdown(a).failed).toEqual([]);
      expect(state(s).filter((l) => l.includes('lookup t') || l.includes('1.2.3.'))).toEqual([]);
      for (const a of ['1.2.3.16', '1.2.3.17']) expectClean(s.up(a), `ifup of ${a}`);
      expect(state(s)).toEqual(booted);
    });
  });
});

describeKernel('consumers.md facts the back-ends rely on: Gentoo', () => {
  it('baselayout-1 has no rules_: native rules in conf.d/net are never added there (gentoo-legacy puts them in local.start)', () => {
    const plan = planOf(DUAL);
    // The gentoo back-end's native rules_ file, which bash reads as well as sh.
    const tree = rendered(plan, 'gentoo', { gentooRules: 'native' });
    session(plan, (s) => {
      const boot = s.apply('gentoo-legacy', tree);
      expect(boot.failed).toEqual([]);
      expect(boot.problems).toEqual(['rules_eth0_10', 'rules_eth0_11', 'rules_eth1_10', 'rules_eth1_11'].map((v) => `${v}: baselayout-1 has no rules_; these rules are not added`));
      expect(s.rules().filter((r) => r.from !== 'all')).toEqual([]);
    });
  });
});

describeKernel('consumers.md facts the back-ends rely on: every consumer', () => {
  for (const consumer of CONSUMERS) {
    it(`${consumer}: the first address of a subnet is the primary: the VIP is a secondary, so taking it away leaves the primary`, () => {
      const plan = planOf(SEED);
      session(plan, (s) => {
        expectClean(s.apply(consumer, rendered(plan, consumer)), 'boot');
        const flags = Object.fromEntries(onEth0(s).map((a) => [a.address, a.secondary]));
        expect(flags).toEqual({ [PRIMARY]: false, [VIP]: true });
        s.down(VIP);
        expect(onEth0(s).map((a) => a.address)).toEqual([PRIMARY]);
      });
    });

    it(`${consumer}: every rule has the priority the Plan gives it, not one the order of bring-up gives it`, () => {
      const plan = planOf(DUAL);
      for (const options of consumer === 'gentoo' ? [{}, { gentooRules: 'native' as const }] : [{}]) {
        session(plan, (s) => {
          expectClean(s.apply(consumer, rendered(plan, consumer, options)), 'boot');
          const got = s
            .rules()
            .filter((r) => r.from !== 'all')
            .map((r) => `${r.priority} from ${r.from} table ${r.table}`)
            .sort();
          expect(got, JSON.stringify(options)).toEqual(plan.rules.map((r) => `${r.priority} from ${r.from} table ${r.table}`).sort());
        });
      }
    });

    it(`${consumer}: routes that named a removed address as src do not come back when it is added back alone`, () => {
      const plan = planOf(SEED);
      session(plan, (s) => {
        expectClean(s.apply(consumer, rendered(plan, consumer)), 'boot');
        expectTable(s, A_VIP_UP, 'booted');
        expect(s.down(VIP).status).toBe(0);
        expect(s.routes().filter((l) => l.includes(`src ${VIP}`))).toEqual([]);
        expect(s.add(VIP).status).toBe(0);
        expect(s.routes().filter((l) => l.includes(`src ${VIP}`))).toEqual([]);
        expect(s.probe({ to: '192.168.1.1' }).src).toBe(PRIMARY);
        expect(s.probe({ to: '192.168.1.1' }).raw.split('\n')[0]!.replace(/\s+uid \d+.*$/, '')).toBe(
          formatRouteGet(simulateRouteGet(plan, { to: '192.168.1.1', steps: [{ op: 'down', address: VIP }, { op: 'add', address: VIP }], apply: applyModeOf(consumer) })),
        );
      });
    });

    it(`${consumer}: a route of another table that names the VIP as src survives the VIP's deletion, as the simulator says`, () => {
      const plan = planOf(
        SEED + '    routes: [{ to: 10.5.0.0/16, via: 172.16.3.1, src: 172.16.3.105, metric: 5, table: t100 }]\n    routing-policy: [{ to: 10.5.0.0/16, table: t100, priority: 500 }]\ntables: { t100: 100 }\n',
      );
      session(plan, (s) => {
        expectClean(s.apply(consumer, rendered(plan, consumer)), 'boot');
        expect(s.down(VIP).status).toBe(0);
        expect(s.routes('t100').filter((l) => l.includes(`src ${VIP}`))).toHaveLength(1);
        const got = s.probe({ to: '10.5.1.1' });
        expect(got.src).toBe(VIP);
        expect(got.raw.split('\n')[0]!.replace(/\s+uid \d+.*$/, '')).toBe(
          formatRouteGet(simulateRouteGet(plan, { to: '10.5.1.1', steps: [{ op: 'down', address: VIP }], apply: applyModeOf(consumer) })),
        );
      });
    });

    it(`${consumer}: rt_tables keeps other people's tables and the reserved names beside netgen's`, () => {
      const plan = planOf(DUAL);
      const existing = RESERVED_RT_TABLES + '200\tvpn\n';
      const tree = rendered(plan, consumer, {}, { [RT_TABLES]: existing });
      session(plan, (s) => {
        expectClean(s.apply(consumer, tree), 'boot');
        expectTable(s, B_PROBES, 'booted');
        for (const table of ['vpn', 'e0v10', 'main', 'local', 'default']) {
          const r = runProgram(s.commandArgv(['ip', 'route', 'add', 'unreachable', '198.51.100.0/24', 'table', table]));
          expect(r.stderr.trim(), `table ${table}`).toBe('');
        }
        expect(s.routes('200')).toEqual(['unreachable 198.51.100.0/24']);
      });
    });
  }
});
