// The batched probes (`probeAll`, `probeInboundAll`: one `ip -batch` a state) must answer
// exactly as one `ip route get` a probe does, failures and their text included: the
// cross-check and the scenario tables rely on them.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { withKernelSession } from '../../src/kernel/index.js';
import { loadModel } from '../../src/model/index.js';
import { compilePlan } from '../../src/plan/compile.js';
import { inboundProbes, renderVariant, seedProbes, VARIANTS, type CrossProbe } from '../helpers/probes.js';
import { REPO } from '../helpers/repo.js';
import { describeKernel } from './gate.js';

describeKernel('batched probes answer as single ones', () => {
  it('the seed host on gentoo-legacy: every generated probe, failures included, in boot and failover states', () => {
    const rel = 'examples/rhel-vip-egress/netgen.yaml';
    const plan = compilePlan(loadModel(join(REPO, rel), rel));
    const v = VARIANTS.find((x) => x.consumer === 'gentoo-legacy')!;
    // Failures too: a source the host does not have, multicast, an unknown input device.
    const probes: CrossProbe[] = [...seedProbes(plan), { to: '8.8.8.8', from: '192.0.2.77' }, { to: '224.0.0.1' }, { to: '10.200.0.1', from: '172.16.3.111' }];
    const inbound = [...inboundProbes(plan), { to: '172.16.3.111', from: '172.16.3.9', iif: 'nosuch0' }, { to: '172.16.3.111', from: '172.16.3.9', iif: 'lo' }];
    withKernelSession({ links: plan.links, addresses: plan.addresses }, (s) => {
      expect(s.apply(v.consumer, renderVariant(plan, v)).failed).toEqual([]);
      const compare = (state: string): void => {
        const runs = s.probeRuns;
        const batched = s.probeAll(probes);
        // One batch for the text answers, one for the JSON: not one `ip` a probe.
        expect(s.probeRuns - runs, state).toBe(2);
        expect(batched, state).toEqual(probes.map((p) => s.probe(p)));
        // Both kinds of answer were compared.
        expect(batched.filter((a) => a.dev === '').length, state).toBeGreaterThan(0);
        expect(batched.filter((a) => a.dev !== '').length, state).toBeGreaterThan(probes.length / 2);
        const inboundRuns = s.probeRuns;
        const inb = s.probeInboundAll(inbound);
        expect(s.probeRuns - inboundRuns, state).toBe(1);
        expect(inb, state).toEqual(inbound.map((p) => s.probeInbound(p)));
        expect(inb.filter((a) => !a.ok).length, state).toBeGreaterThan(0);
      };
      compare('boot');
      expect(s.down('172.16.3.105').status).toBe(0);
      compare('VIP down');
    });
  });
});
