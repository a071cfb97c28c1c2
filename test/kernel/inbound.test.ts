// The inbound half with real ARP (issue 15, part 5): the dual-switch example's devices on
// one bridge with a client namespace beside them. `arping` from the client asks for each
// address: which MACs answer, before netgen's sysctl file (kernel defaults: ARP flux) and
// after it, on a host that already has rp_filter 1 on every interface as RHEL 6 ships it;
// then real traffic both ways (a TCP connection from the client, which must reach the
// address through its owner's MAC, and one from the host bound to the address; the
// listener and connector are `node`, since neither ping nor nc is on every test machine). The simulator's answers are
// compared with the kernel's for every ARP question and inbound lookup asked.
// Needs iputils `arping` (Debian: iputils-arping).
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { BACKENDS } from '../../src/backends/index.js';
import { consumersOf, materialiseTree, withKernelSession, type KernelSession } from '../../src/kernel/index.js';
import { loadModel } from '../../src/model/index.js';
import { compilePlan } from '../../src/plan/compile.js';
import { effectiveSysctl } from '../../src/plan/sysctl.js';
import type { Plan } from '../../src/plan/types.js';
import { renderFiles } from '../../src/render/index.js';
import { formatInbound, simulateArp, simulateInbound } from '../../src/simulate/index.js';
import { REPO } from '../helpers/repo.js';
import { describeKernel } from './gate.js';
import { expectClean } from './scenarios.js';

const rel = 'examples/gentoo-dual-switch/netgen.yaml';
const plan = compilePlan(loadModel(join(REPO, rel), rel));
/** The same host without netgen's settings (`sysctl: false`). */
const bare: Plan = (({ sysctl: _, ...rest }) => rest)(plan);

/** The client's address in each subnet (not the host's, not a gateway of the model). */
const CLIENT: Record<string, string> = { '1.2.3.16': '1.2.3.50', '1.2.3.17': '1.2.3.50', '10.1.1.16': '10.1.1.50', '10.1.1.17': '10.1.1.50' };
const OWNER: Record<string, string> = { '1.2.3.16': 'eth0.10', '1.2.3.17': 'eth1.10', '10.1.1.16': 'eth0.11', '10.1.1.17': 'eth1.11' };
const DEVICES = ['eth0.10', 'eth0.11', 'eth1.10', 'eth1.11'];

function tree(p: Plan, distro: string): ReturnType<typeof materialiseTree> {
  const backend = BACKENDS.find((b) => b.name === distro)!;
  return materialiseTree(renderFiles(backend.planFiles(p, {})), p.source);
}

function session<T>(fn: (s: KernelSession) => T): T {
  return withKernelSession({ links: plan.links, addresses: plan.addresses, segment: true }, fn);
}

/**
 * Which devices the simulator says answer a request for `target` from `sender`: every
 * device hears it (one bridge), the VLANs' parents too (their stand-ins are untagged ports).
 */
function simAnswering(p: Plan, target: string, sender: string): string[] {
  return p.links.map((l) => l.name).filter((on) => simulateArp(p, { target, on, sender }).answers).sort();
}

describeKernel('inbound: real ARP on one segment with both NICs (dual-switch example)', () => {
  it('kernel defaults, no sysctl file: both NICs answer for each public address (ARP flux), as the simulator says', () => {
    session((s) => {
      expectClean(s.apply('rhel6', tree(bare, 'rhel6')), 'boot');
      for (const a of ['1.2.3.16', '1.2.3.17']) {
        // Every port hears the request (one bridge), so the other stand-ins answer too.
        const got = s.arping(a, CLIENT[a]!, 24).devices.sort();
        expect(got, `arping ${a}`).toEqual(expect.arrayContaining(['eth0.10', 'eth1.10']));
        expect(simAnswering(bare, a, CLIENT[a]!)).toEqual(got);
      }
    });
  }, 60_000);

  for (const [distro, consumer] of BACKENDS.flatMap((b) => consumersOf(b.name).map((c) => [b.name, c] as const))) {
    it(`${consumer}: with rp_filter 1 as RHEL 6 ships it and netgen's file, every address is answered and reached through its own NIC`, () => {
      session((s) => {
        // The host as the distro left it: rp_filter 1 everywhere (RHEL 6's default).
        for (const scope of ['all', 'default', ...plan.links.map((l) => l.name.replace(/\./g, '/'))]) s.setSysctl(`net.ipv4.conf.${scope}.rp_filter`, 1);
        expectClean(s.apply(consumer, tree(plan, distro)), 'boot');

        // What the consumer applied is what the Plan means.
        for (const link of plan.links.filter((l) => l.kind === 'vlan')) {
          for (const key of ['rp_filter', 'arp_ignore', 'arp_announce'] as const) {
            const all = Number(s.getSysctl(`net.ipv4.conf.all.${key}`));
            const own = Number(s.getSysctl(`net.ipv4.conf.${link.name.replace(/\./g, '/')}.${key}`));
            expect(Math.max(all, own), `${key} on ${link.name}`).toBe(effectiveSysctl(plan.sysctl!.settings, link.name, 'vlan', key));
          }
        }

        // Real traffic both ways: in through the owner's MAC, out bound to each address.
        const pairs = Object.keys(OWNER).map((host) => ({ host, client: CLIENT[host]!, prefix: 24 }));
        expect(s.exchangeTcp(pairs)).toEqual(pairs.map((p) => ({ toHost: true, fromHost: true, via: OWNER[p.host] })));

        for (const [address, owner] of Object.entries(OWNER)) {
          const client = CLIENT[address]!;
          const got = s.arping(address, client, 24).devices.sort();
          expect(got, `arping ${address}`).toEqual([owner]);
          expect(simAnswering(plan, address, client), `simulator, arping ${address}`).toEqual(got);

          // From the peer: accepted on the owner only. From afar: as the reverse path says
          // (10.1.1.16's table has no default, so a remote's replies leave by main's, eth0.10).
          for (const [iif, from] of [...DEVICES.map((d) => [d, client] as const), [owner, '198.51.100.7'] as const]) {
            const k = s.probeInbound({ to: address, from, iif });
            expect(formatInbound(simulateInbound(plan, { to: address, from, iif })), `ip route get ${address} from ${from} iif ${iif}`).toBe(k.raw);
            if (from === client) expect(k.ok, `${address} from ${from} arriving on ${iif}`).toBe(iif === owner);
          }
        }
      });
    }, 120_000);
  }
});
