// Failover done the way production does it (issue "VIP egress that survives failover"):
//  - the real keepalived on two nodes (two namespaces on one bridge), each with its own
//    rendered netgen.conf: MASTER sends from the VIP; stop it and the other node takes the
//    VIP and sends from it while the first sends from its primary; start it again and it
//    preempts and sends from the VIP again. Every answer is also the simulator's;
//  - Pacemaker's real OCF agents (IPaddr2, Route) started and stopped as the rendered pcs
//    commands configure them;
//  - `keepalived --config-test` on every rendered file;
//  - an `on-parent: false` VIP on RHEL: no failed command at boot, scenario A after `ifup eth0:1`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { BACKENDS } from '../../src/backends/index.js';
import { KEEPALIVED_CONF_PATH } from '../../src/backends/cluster.js';
import { createSegment, materialiseTree, openKernelSession, type KernelSession, type Segment } from '../../src/kernel/index.js';
import { runProgram } from '../../src/kernel/exec.js';
import { compilePlan } from '../../src/plan/compile.js';
import type { FailoverStep, Plan } from '../../src/plan/types.js';
import { formatRouteGet, simulateRouteGet } from '../../src/simulate/index.js';
import { renderFiles } from '../../src/render/index.js';
import { planFilesLocated } from '../../src/pipeline.js';
import { loadModelText } from '../helpers/model-text.js';
import { REPO } from '../helpers/repo.js';
import { describeKernel } from './gate.js';
import { A_VIP_GONE, A_VIP_UP, expectClean, expectTable } from './scenarios.js';

const VIP = '172.16.3.105';
const OCF_DIR = '/usr/lib/ocf/resource.d/heartbeat';
const KA_MODEL = readFileSync(join(REPO, 'examples/keepalived-vip/netgen.yaml'), 'utf8');
const PM_MODEL = readFileSync(join(REPO, 'examples/pacemaker-vip/netgen.yaml'), 'utf8');

/** Which of the real programs are here; under CI (NETGEN_KERNEL_TESTS=required) a missing one fails. */
function tool(name: string, present: boolean): boolean {
  if (present) return true;
  if (process.env['NETGEN_KERNEL_TESTS'] === 'required') throw new Error(`${name} is not installed; .ci/run installs it (README, "Tests")`);
  console.warn(`[netgen] ${name} is not installed: its failover tests are skipped`);
  return false;
}
const haveKeepalived = (): boolean => tool('keepalived (Debian package keepalived)', runProgram(['keepalived', '--version']).status === 0);
const haveOcf = (): boolean => tool('the OCF agents (Debian package resource-agents)', existsSync(join(OCF_DIR, 'IPaddr2')) && existsSync(join(OCF_DIR, 'Route')));

interface Node {
  plan: Plan;
  session: KernelSession;
  keepalived?: ChildProcess;
  conf: string;
}

function planOf(text: string, name: string): Plan {
  return compilePlan(loadModelText(text, name));
}

/** Render for the consumer's back-end and boot it (gentoo-legacy-openrc reads gentoo-legacy's files). */
function boot(plan: Plan, distro: string, options: { ocfDir?: string } = {}): KernelSession {
  const backend = BACKENDS.find((b) => b.name === (distro === 'gentoo-legacy-openrc' ? 'gentoo-legacy' : distro))!;
  const files = renderFiles(planFilesLocated(backend, plan, {}, { locate: () => ({ file: plan.source, line: 1, col: 1 }) }));
  const s = openKernelSession({ links: plan.links, addresses: plan.addresses, ...options });
  try {
    expectClean(s.apply(distro as 'rhel6', materialiseTree(files, plan.source)), `${plan.host}: boot`);
  } catch (err) {
    s.close();
    throw err;
  }
  return s;
}

/** What the simulator answers for the node after the given events. */
function simulated(plan: Plan, to: string, steps: FailoverStep[]): string {
  return formatRouteGet(simulateRouteGet(plan, { to, steps }));
}

/** The kernel's answer, without ` uid 0` and the cache line. */
function kernelAnswer(s: KernelSession, to: string): string {
  return s.probe({ to }).raw.split('\n')[0]!.replace(/\s+uid \d+.*$/, '').trim();
}

/** Poll until the node answers `want` for `to` (VRRP needs a few advert intervals), then return the answer. */
async function settle(s: KernelSession, to: string, want: string, seconds = 20): Promise<string> {
  const end = Date.now() + seconds * 1000;
  let got = kernelAnswer(s, to);
  while (got !== want && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 250));
    got = kernelAnswer(s, to);
  }
  return got;
}

function startKeepalived(node: Node, name: string): void {
  const dir = node.session.scratch;
  const main = join(dir, `keepalived-${name}.conf`);
  // The host's keepalived.conf, reduced to what reads netgen's file.
  writeFileSync(main, `global_defs {\n    router_id ${name}\n}\ninclude ${node.conf}\n`);
  const argv = node.session.commandArgv([
    'keepalived', '--dont-fork', '--log-console', '--vrrp', '--use-file', main,
    '--pid', join(dir, `${name}.pid`), '--vrrp_pid', join(dir, `${name}-vrrp.pid`),
  ]);
  node.keepalived = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
}

async function stopKeepalived(node: Node): Promise<void> {
  const k = node.keepalived;
  if (k === undefined || k.exitCode !== null) return;
  const done = new Promise((r) => k.once('exit', r));
  k.kill('SIGTERM');
  await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
  if (k.exitCode === null) k.kill('SIGKILL');
  node.keepalived = undefined as never;
}

describeKernel('failover by keepalived, for real: two nodes, one VIP', () => {
  const nodes: Node[] = [];
  let segment: Segment | undefined;
  afterAll(async () => {
    for (const n of nodes) await stopKeepalived(n);
    for (const n of nodes) n.session.close();
    segment?.close();
  });

  for (const distro of ['rhel6', 'gentoo'] as const) {
    it(`${distro}: MASTER sends from the VIP; failover, then failback by preemption, on both nodes`, async () => {
      if (!haveKeepalived()) return;
      // Node a is the example (priority 150); node b its peer (priority 100, its own primary).
      const a = planOf(KA_MODEL, 'node-a.yaml');
      const b = planOf(KA_MODEL.replace('172.16.3.111/24', '172.16.3.112/24').replace('priority: 150', 'priority: 100').replace('host: db-172-16-3-111', 'host: db-172-16-3-112'), 'node-b.yaml');
      segment = createSegment();
      const pair: Node[] = [];
      for (const [plan, name] of [[a, 'a'], [b, 'b']] as const) {
        const session = boot(plan, distro);
        const node: Node = { plan, session, conf: join(session.scratch, 'root', KEEPALIVED_CONF_PATH) };
        nodes.push(node);
        pair.push(node);
        session.plugInto(segment, 'eth0', `ng${name}${distro === 'rhel6' ? 'r' : 'g'}0`);
        // Nothing at boot brings the VIP up: keepalived does.
        expect(session.addresses().map((x) => x.address), `${name} after boot`).not.toContain(VIP);
      }
      const [na, nb] = pair as [Node, Node];
      const here: FailoverStep[] = [];
      const gone: FailoverStep[] = [{ op: 'down', address: VIP }];
      const back: FailoverStep[] = [...gone, { op: 'up', address: VIP }];
      const dest = '192.168.1.1';

      startKeepalived(na, 'a');
      startKeepalived(nb, 'b');
      // a (150) becomes MASTER: it sends from the VIP; b sends from its primary.
      expect(await settle(na.session, dest, simulated(a, dest, here))).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.105');
      expect(await settle(nb.session, dest, simulated(b, dest, gone))).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.112');
      expect(kernelAnswer(na.session, '172.16.3.200')).toBe(simulated(a, '172.16.3.200', here));

      // a's keepalived stops: b takes the VIP and sends from it, a from its primary.
      await stopKeepalived(na);
      expect(await settle(nb.session, dest, simulated(b, dest, back))).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.105');
      expect(await settle(na.session, dest, simulated(a, dest, gone))).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.111');
      expect(kernelAnswer(na.session, '172.16.3.1')).toBe(simulated(a, '172.16.3.1', gone));

      // a starts again and preempts: the failback restores the VIP as its source.
      startKeepalived(na, 'a');
      expect(await settle(na.session, dest, simulated(a, dest, back))).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.105');
      expect(await settle(nb.session, dest, simulated(b, dest, gone))).toBe('192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.112');
      expect(kernelAnswer(na.session, '172.16.3.1')).toBe(simulated(a, '172.16.3.1', back));
      expect(kernelAnswer(na.session, '172.16.3.128')).toBe(simulated(a, '172.16.3.128', back));

      for (const n of pair) await stopKeepalived(n);
      for (const n of pair) n.session.close();
      segment.close();
      segment = undefined;
    }, 120_000);
  }

  it('keepalived --config-test accepts every rendered netgen.conf, and rejects a broken one', () => {
    if (!haveKeepalived()) return;
    const plans = [planOf(KA_MODEL, 'ka.yaml'), planOf(TWO_INSTANCES, 'two.yaml')];
    for (const plan of plans) {
      for (const backend of BACKENDS) {
        // Booted, so that keepalived resolves table names through the rendered rt_tables.
        const s = boot(plan, backend.name);
        try {
          const path = join(s.scratch, 'netgen.conf');
          const conf = readFileSync(join(s.scratch, 'root', KEEPALIVED_CONF_PATH), 'utf8');
          writeFileSync(path, conf);
          const ok = runProgram(s.commandArgv(['keepalived', '--config-test', '--log-console', '--use-file', path]));
          // keepalived exits 0 even for an empty file: warnings on stderr count as a failure too.
          expect(ok.stderr.trim(), `${backend.name} ${plan.host}`).toBe('');
          expect(ok.status, `${backend.name} ${plan.host}`).toBe(0);
          writeFileSync(path, conf.replace('virtual_router_id', 'virtual_router_idd'));
          const bad = runProgram(s.commandArgv(['keepalived', '--config-test', '--log-console', '--use-file', path]));
          expect(bad.stderr).toContain('virtual_router_idd');
        } finally {
          s.close();
        }
      }
    }
  });
});

const TWO_INSTANCES = `
host: two
interfaces:
  eth0:
    addresses: [10.1.0.5/24]
    gateway: 10.1.0.1
    aliases:
      eth0:1: { address: 10.1.0.50/32, managed-by: keepalived, vrrp: { instance: app, router-id: 7, priority: 120, advert-int: 2, unicast-peers: [10.1.0.6] } }
    egress: { prefer: 10.1.0.50 }
  eth1:
    addresses: [10.2.0.5/24]
    aliases:
      eth1:1: { address: 10.2.0.50/24, managed-by: keepalived, vrrp: { instance: repl, router-id: 8, priority: 90, state: MASTER } }
    routes:
      - { to: 10.60.0.0/16, via: 10.2.0.1, src: 10.2.0.50, metric: 1, table: repl_t }
    source-routing: { table: t1, gateway: 10.2.0.1 }
tables: { t1: 11, repl_t: 12 }
`;

describeKernel("failover by Pacemaker's OCF agents, for real", () => {
  for (const distro of ['rhel6', 'gentoo', 'gentoo-legacy', 'gentoo-legacy-openrc'] as const) {
    it(`${distro}: IPaddr2 and Route started, stopped and started again as the rendered pcs commands say`, () => {
      if (!haveOcf()) return;
      const plan = planOf(PM_MODEL, 'pm.yaml');
      const s = boot(plan, distro, { ocfDir: OCF_DIR });
      try {
        const dest = '192.168.1.1';
        expect(s.addresses().map((x) => x.address)).not.toContain(VIP);
        const start = s.up(VIP);
        expect(start.failed, JSON.stringify(start.failed)).toEqual([]);
        expect(start.commands.map((c) => c.origin)).toEqual([
          'pacemaker db-vip-vip-172.16.3.105 start (ocf:heartbeat:IPaddr2)',
          'pacemaker db-vip-route-1 start (ocf:heartbeat:Route)',
          'pacemaker db-vip-route-2 start (ocf:heartbeat:Route)',
          'pacemaker db-vip-route-3 start (ocf:heartbeat:Route)',
        ]);
        expectTable(s, A_VIP_UP, 'group started');
        expect(kernelAnswer(s, dest)).toBe(simulated(plan, dest, []));

        const stop = s.release(VIP);
        expect(stop.failed, JSON.stringify(stop.failed)).toEqual([]);
        expectTable(s, A_VIP_GONE, 'group stopped');
        expect(kernelAnswer(s, dest)).toBe(simulated(plan, dest, [{ op: 'down', address: VIP }]));

        expect(s.up(VIP).failed).toEqual([]);
        expectTable(s, A_VIP_UP, 'group started again');
        expect(kernelAnswer(s, '172.16.3.200')).toBe(simulated(plan, '172.16.3.200', [{ op: 'down', address: VIP }, { op: 'up', address: VIP }]));
      } finally {
        s.close();
      }
    });
  }
});

describeKernel('the seed on RHEL, taken down and up with initscripts itself', () => {
  it('renders as the seed did, and ifdown eth0:1 / ifup eth0:1 give scenario A\'s table, twice over', () => {
    const plan = compilePlan(loadModelText(readFileSync(join(REPO, 'examples/rhel-vip-egress/netgen.yaml'), 'utf8'), 'seed.yaml'));
    expect(plan.routes.every((r) => r.appliedBy === 'boot')).toBe(true);
    const s = boot(plan, 'rhel6');
    try {
      expectTable(s, A_VIP_UP, 'boot (ONPARENT=yes)');
      for (const round of [1, 2]) {
        expect(s.ifdown(VIP).failed, `ifdown eth0:1, round ${round}`).toEqual([]);
        expectTable(s, A_VIP_GONE, `ifdown eth0:1, round ${round}`);
        expectClean(s.up(VIP), `ifup eth0:1, round ${round}`);
        expectTable(s, A_VIP_UP, `ifup eth0:1, round ${round}`);
      }
    } finally {
      s.close();
    }
  });
});

describeKernel('an on-parent: false VIP on RHEL: routes in route-eth0:1', () => {
  it('the network starts with no failed command, and scenario A holds after ifup eth0:1, failover and ifup again', () => {
    const plan = planOf(KA_MODEL.replace(/managed-by: keepalived\n\s+vrrp: .*\n/, 'on-parent: false\n'), 'later.yaml');
    expect(plan.addresses.find((a) => a.address === VIP)?.appliedBy).toBe('alias');
    const s = boot(plan, 'rhel6');
    try {
      // boot() asserted a clean boot: no `Invalid prefsrc address` for the VIP's routes.
      expectTable(s, A_VIP_GONE, 'boot, VIP not up yet');
      expectClean(s.up(VIP), 'ifup eth0:1');
      expectTable(s, A_VIP_UP, 'after ifup eth0:1');
      expect(s.down(VIP).status).toBe(0);
      expectTable(s, A_VIP_GONE, 'VIP taken away');
      expectClean(s.up(VIP), 'ifup eth0:1 again');
      expectTable(s, A_VIP_UP, 'VIP back');
    } finally {
      s.close();
    }
  });
});
