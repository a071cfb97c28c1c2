// Plans written directly, for the IPv6 simulator's tests and the IPv6 kernel facts: the
// shapes compile produces (IPV6.md), without needing the model to spell them.
import type { Applier, Plan, PlanAddress, PlanRoute, PlanRule } from '../../src/plan/types.js';

export interface Addr6 {
  cidr: string;
  dev: string;
  deprecated?: boolean;
  appliedBy?: Applier;
  cluster?: string;
  label?: string;
}

/** A Plan from links, addresses (IPv4 or IPv6 by their text), routes and rules; family from the text. */
export function mkPlan6(p: { links: string[]; macs?: Record<string, string>; addresses: (Addr6 | [string, string])[]; routes?: Partial<PlanRoute>[]; rules?: Partial<PlanRule>[]; tables?: string[] }): Plan {
  const addresses = p.addresses.map((x): PlanAddress => {
    const a: Addr6 = Array.isArray(x) ? { cidr: x[0], dev: x[1] } : x;
    const [address, prefix] = a.cidr.split('/') as [string, string];
    const out: PlanAddress = {
      family: address.includes(':') ? 6 : 4,
      address,
      prefix: Number(prefix),
      device: a.dev,
      onParent: (a.appliedBy ?? 'boot') === 'boot',
      secondary: false,
      appliedBy: a.appliedBy ?? 'boot',
    };
    if (a.deprecated) out.deprecated = true;
    if (a.cluster !== undefined) out.cluster = a.cluster;
    if (a.label !== undefined) out.label = a.label;
    return out;
  });
  const familyOf = (r: { to?: string; via?: string; src?: string; from?: string }): 4 | 6 =>
    [r.to, r.via, r.src, r.from].some((t) => t !== undefined && t.includes(':')) ? 6 : 4;
  return {
    host: 'h',
    source: 'h.yaml',
    links: p.links.map((name) => ({ name, kind: 'ethernet', onBoot: true, ...(p.macs?.[name] !== undefined ? { mac: p.macs[name] } : {}) })),
    addresses,
    routes: (p.routes ?? []).map((r) => ({ family: familyOf(r), to: 'default', dev: p.links[0]!, metric: 1024, table: 'main', origin: 'static', appliedBy: 'boot', ...r }) as PlanRoute),
    rules: (p.rules ?? []).map((r) => ({ family: familyOf(r), priority: 100, table: 'main', dev: p.links[0]!, origin: 'static', appliedBy: 'boot', ...r }) as PlanRule),
    tables: (p.tables ?? []).map((name, i) => ({ name, id: 100 + i })),
    removeGlobalGateway: false,
    removeGlobalGateway6: false,
    expectations: [],
    checks: [],
    vrrpInstances: [],
    pacemakerGroups: [],
  };
}

export const PRIMARY6 = '2001:db8:3::111';
export const VIP6 = '2001:db8:3::105';
export const GW6 = '2001:db8:3::1';

/**
 * Scenario A for IPv6 as IPV6.md's egress recipe spells it: primary 2001:db8:3::111/64 on
 * eth0, the VIP 2001:db8:3::105/64 deprecated, brought up by `appliedBy` (an alias by
 * default), the /65 halves and the preferred default from the VIP at metric 1, the fallback
 * default from the primary at metric 100. `deprecated: false` leaves the VIP preferred.
 */
export function scenarioA6(o: { appliedBy?: Applier; deprecated?: boolean } = {}): Plan {
  const by = o.appliedBy ?? 'alias';
  const dep = { dependsOn: VIP6, appliedBy: by };
  return mkPlan6({
    links: ['eth0'],
    addresses: [
      { cidr: `${PRIMARY6}/64`, dev: 'eth0' },
      { cidr: `${VIP6}/64`, dev: 'eth0', deprecated: o.deprecated ?? true, appliedBy: by, ...(by === 'keepalived' || by === 'pacemaker' ? { cluster: 'vip' } : {}) },
    ],
    routes: [
      { to: 'default', via: GW6, dev: 'eth0', src: PRIMARY6, metric: 100, origin: 'egress-fallback' },
      { to: '2001:db8:3::/65', dev: 'eth0', proto: 'kernel', scope: 'link', src: VIP6, metric: 1, origin: 'egress-split', ...dep },
      { to: '2001:db8:3:0:8000::/65', dev: 'eth0', proto: 'kernel', scope: 'link', src: VIP6, metric: 1, origin: 'egress-split', ...dep },
      { to: 'default', via: GW6, dev: 'eth0', src: VIP6, metric: 1, origin: 'egress-preferred', ...dep },
    ],
  });
}
