// Dual-stack Plans built by hand, as the IPv6 contract (issue 14) says compile produces them:
// the IPv4 Plan of an example plus the IPv6 twin of each piece. They let the back-ends and
// the consumer emulation be tested on IPv6 independently of the model's IPv6 keys.
import type { Plan, PlanAddress, PlanRoute, PlanRule } from '../../src/plan/types.js';
import { compilePlan } from '../../src/plan/compile.js';
import { planOfModel } from './backend.js';
import { loadModelText } from './model-text.js';

export const VIP6 = '2001:db8:3::105';
export const PRIMARY6 = '2001:db8:3::111';
export const GATEWAY6 = '2001:db8:3::1';

function address6(a: Omit<PlanAddress, 'family' | 'onParent' | 'secondary' | 'appliedBy'> & Partial<PlanAddress>): PlanAddress {
  return { family: 6, onParent: true, secondary: false, appliedBy: 'boot', ...a };
}

function route6(r: Omit<PlanRoute, 'family' | 'table' | 'appliedBy'> & Partial<PlanRoute>): PlanRoute {
  return { family: 6, table: 'main', appliedBy: 'boot', ...r };
}

/**
 * Scenario A with an IPv6 VIP: examples/rhel-vip-egress, plus the primary 2001:db8:3::111/64
 * on eth0 and the VIP 2001:db8:3::105/64 beside it (deprecated), with the contract's IPv6
 * egress recipe. `vip` says who applies the IPv6 VIP (boot, keepalived or pacemaker).
 */
export function dualStackVipPlan(vip: 'boot' | 'keepalived' | 'pacemaker' = 'boot', options: { example?: string; fallbackMetric?: number } = {}): Plan {
  const base = planOfModel(options.example ?? 'examples/rhel-vip-egress/netgen.yaml');
  const managed = vip !== 'boot';
  // With an example whose IPv4 VIP a cluster tool moves, the IPv6 VIP joins its instance or group.
  const cluster = vip === 'keepalived' ? (base.vrrpInstances[0]?.name ?? 'VI_6') : vip === 'pacemaker' ? (base.pacemakerGroups[0]?.name ?? 'grp6') : undefined;
  const vipAddress = address6({
    address: VIP6,
    prefix: 64,
    device: 'eth0',
    label: 'eth0:2',
    secondary: true,
    deprecated: true,
    appliedBy: vip,
    onParent: !managed,
    ...(cluster !== undefined ? { cluster } : {}),
  });
  const dep = { dependsOn: VIP6, appliedBy: vip } as const;
  // As compile does for IPv4: a managed split route names no proto (keepalived would track it only as its own).
  const proto = managed ? {} : ({ proto: 'kernel' } as const);
  const routes: PlanRoute[] = [
    route6({ to: 'default', via: GATEWAY6, dev: 'eth0', src: PRIMARY6, metric: options.fallbackMetric ?? 100, origin: 'egress-fallback' }),
    route6({ to: '2001:db8:3::/65', dev: 'eth0', ...proto, scope: 'link', src: VIP6, metric: 1, origin: 'egress-split', ...dep }),
    route6({ to: '2001:db8:3:0:8000::/65', dev: 'eth0', ...proto, scope: 'link', src: VIP6, metric: 1, origin: 'egress-split', ...dep }),
    route6({ to: 'default', via: GATEWAY6, dev: 'eth0', src: VIP6, metric: 1, origin: 'egress-preferred', ...dep }),
  ];
  const plan: Plan = {
    ...base,
    addresses: [...base.addresses, address6({ address: PRIMARY6, prefix: 64, device: 'eth0' }), vipAddress],
    routes: [...base.routes, ...routes],
    removeGlobalGateway6: true,
  };
  if (vip === 'keepalived') {
    const [first, ...rest] = base.vrrpInstances;
    plan.vrrpInstances = first
      ? [{ ...first, addresses: [...first.addresses, VIP6] }, ...rest]
      : [{ name: 'VI_6', interface: 'eth0', routerId: 60, priority: 150, advertInt: 1, state: 'MASTER', unicastPeers: [], addresses: [VIP6] }];
  } else if (vip === 'pacemaker') {
    const [first, ...rest] = base.pacemakerGroups;
    plan.pacemakerGroups = first ? [{ ...first, addresses: [...first.addresses, VIP6] }, ...rest] : [{ name: 'grp6', prefix: 'db', addresses: [VIP6] }];
  }
  return plan;
}

/** Two NICs in one subnet, each with its own table and rule (IPv4), the base of dualStackSourcePlan. */
const TWO_NICS = `
host: two-nics
interfaces:
  eth0:
    addresses: [1.2.3.16/24]
    gateway: 1.2.3.1
    source-routing: { table: t0, gateway: 1.2.3.2 }
  eth1:
    addresses: [1.2.3.17/24]
    source-routing: { table: t1, gateway: 1.2.3.3 }
tables: { t0: 10, t1: 11 }
`;

/**
 * Per-source routing for IPv6 on two NICs: eth0 2001:db8:1::16/64 and eth1 2001:db8:1::17/64
 * beside their IPv4 addresses, each with its own table (v6t0 = 60, v6t1 = 61) holding the
 * subnet and a default through that NIC's router (link-local), one `from` rule per address,
 * and the main default through eth0.
 */
export function dualStackSourcePlan(): Plan {
  const base = compilePlan(loadModelText(TWO_NICS, 'two-nics.yaml'));
  const addresses = [address6({ address: '2001:db8:1::16', prefix: 64, device: 'eth0' }), address6({ address: '2001:db8:1::17', prefix: 64, device: 'eth1' })];
  const routes: PlanRoute[] = [
    route6({ to: 'default', via: '2001:db8:1::1', dev: 'eth0', metric: 1024, origin: 'gateway' }),
    route6({ to: '2001:db8:1::/64', dev: 'eth0', scope: 'link', metric: 1024, table: 'v6t0', origin: 'source-table' }),
    route6({ to: 'default', via: 'fe80::2', dev: 'eth0', metric: 1024, table: 'v6t0', origin: 'source-table' }),
    route6({ to: '2001:db8:1::/64', dev: 'eth1', scope: 'link', metric: 1024, table: 'v6t1', origin: 'source-table' }),
    route6({ to: 'default', via: 'fe80::3', dev: 'eth1', metric: 1024, table: 'v6t1', origin: 'source-table' }),
  ];
  const rules: PlanRule[] = [
    { family: 6, priority: 2000, from: '2001:db8:1::16', table: 'v6t0', dev: 'eth0', origin: 'source-table', appliedBy: 'boot' },
    { family: 6, priority: 2001, from: '2001:db8:1::17', table: 'v6t1', dev: 'eth1', origin: 'source-table', appliedBy: 'boot' },
  ];
  return {
    ...base,
    addresses: [...base.addresses, ...addresses],
    routes: [...base.routes, ...routes],
    rules: [...base.rules, ...rules],
    tables: [...base.tables, { name: 'v6t0', id: 60 }, { name: 'v6t1', id: 61 }].sort((a, b) => a.id - b.id),
    removeGlobalGateway6: true,
  };
}
