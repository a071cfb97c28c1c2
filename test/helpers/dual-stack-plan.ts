// Dual-stack Plans for the back-end and emulation tests: scenario A with an IPv6 VIP (the
// examples/dual-stack-vip/netgen.yaml, or the same host with its VIPs moved by keepalived
// or Pacemaker: the golden cases test/golden/dual-stack-keepalived and -pacemaker), and a
// small per-source host with both families.
import type { Plan } from '../../src/plan/types.js';
import { compilePlan } from '../../src/plan/compile.js';
import { planOfModel } from './backend.js';
import { loadModelText } from './model-text.js';

export const VIP6 = '2001:db8:3::105';
export const PRIMARY6 = '2001:db8:3::111';
export const GATEWAY6 = '2001:db8:3::1';

const MODELS = {
  boot: 'examples/dual-stack-vip/netgen.yaml',
  keepalived: 'test/golden/dual-stack-keepalived/netgen.yaml',
  pacemaker: 'test/golden/dual-stack-pacemaker/netgen.yaml',
} as const;

/**
 * Scenario A with an IPv6 VIP: primary 172.16.3.111/24 and 2001:db8:3::111/64 on eth0, the
 * VIPs 172.16.3.105/24 (eth0:1) and 2001:db8:3::105/64 (eth0:2, deprecated), egress from
 * both VIPs. `vip` says who applies the VIPs: the boot files (on-parent), keepalived (one
 * instance for both) or Pacemaker (one group; fallback metric 2000, above the Route agent's 1024).
 */
export function dualStackVipPlan(vip: 'boot' | 'keepalived' | 'pacemaker' = 'boot'): Plan {
  return planOfModel(MODELS[vip]);
}

/** Two NICs in one subnet per family, each with its own table (shared by both families) and rules. */
const TWO_NICS = `
host: two-nics
interfaces:
  eth0:
    addresses: [1.2.3.16/24, 2001:db8:1::16/64]
    gateway: [1.2.3.1, 2001:db8:1::1]
    source-routing: { table: t0, gateway: [1.2.3.2, fe80::2] }
  eth1:
    addresses: [1.2.3.17/24, 2001:db8:1::17/64]
    source-routing: { table: t1, gateway: [1.2.3.3, fe80::3] }
tables: { t0: 10, t1: 11 }
`;

/**
 * Per-source routing for both families on two NICs: each NIC's table holds its subnets and a
 * default through its own router (IPv6: a link-local one), one `from` rule per address and
 * family, and the main defaults through eth0.
 */
export function dualStackSourcePlan(): Plan {
  return compilePlan(loadModelText(TWO_NICS, 'two-nics.yaml'));
}
