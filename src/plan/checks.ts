// The promises of the VIP-egress intent, as lookups `netgen verify` checks on every model
// that has one, beside the model's own `expect:` entries: with the VIP here the source is
// the VIP; with the VIP gone, the primary address; with the VIP back through whoever brings
// it back (ifup, keepalived, Pacemaker), the VIP again. Each is asked for a destination
// through the gateway (when the link has one), for one on each half of each split subnet,
// and for one through each of the link's own routes that the intent took over.
import type { Model, ModelFamily, ModelLink } from '../model/types.js';
import { formatPath } from '../model/load.js';
import { IPV4, IPV6, type FamilyOps } from '../net/family.js';
import type { Expectation, FailoverStep, PlanAddress, PlanRoute } from './types.js';

/** Destinations tried, in order, for "somewhere through the gateway": documentation networks first. */
const OUTSIDE = {
  4: ['192.0.2.1', '198.51.100.1', '203.0.113.1', '8.8.8.8', '1.1.1.1'],
  6: ['3fff::1', '2001:db8:ffff:ffff::1', '2001:4860:4860::8888', '2606:4700:4700::1111'],
};

/** The built-in checks of every egress intent of the model, IPv4 and IPv6. */
export function egressChecks(model: Model, addresses: readonly PlanAddress[], routes: readonly PlanRoute[]): Expectation[] {
  const out: Expectation[] = [];
  // What every link's checks look at, made once per family and only when some link has
  // an egress intent (per link it made a host with many such links quadratic).
  let v4: FamilyView | undefined;
  let v6: FamilyView | undefined;
  for (const link of model.links) {
    if (link.egress) out.push(...familyChecks(IPV4, model, link, link, (v4 ??= familyView(IPV4, addresses, routes))));
    if (link.ipv6.egress) out.push(...familyChecks(IPV6, model, link, link.ipv6, (v6 ??= familyView(IPV6, addresses, routes))));
  }
  return out;
}

/** One family's addresses and routes, those of each device, and the host's addresses. */
interface FamilyView {
  addresses: PlanAddress[];
  routes: PlanRoute[];
  addressesOf: Map<string, PlanAddress[]>;
  routesOf: Map<string, PlanRoute[]>;
  taken: Set<string>;
  /** Whether a destination lies in no route's prefix and no address's subnet (asked for a few fixed ones). */
  outside: (d: string) => boolean;
}

function familyView<A extends number | bigint>(ops: FamilyOps<A>, allAddresses: readonly PlanAddress[], allRoutes: readonly PlanRoute[]): FamilyView {
  const addresses = allAddresses.filter((a) => a.family === ops.family);
  const routes = allRoutes.filter((r) => r.family === ops.family);
  const byDevice = <T extends { dev: string } | { device: string }>(list: readonly T[]): Map<string, T[]> => {
    const out = new Map<string, T[]>();
    for (const x of list) {
      const key = 'dev' in x ? x.dev : x.device;
      const l = out.get(key);
      if (l) l.push(x);
      else out.set(key, [x]);
    }
    return out;
  };
  const outside = new Map<string, boolean>();
  return {
    addresses,
    routes,
    addressesOf: byDevice(addresses),
    routesOf: byDevice(routes),
    taken: new Set(addresses.map((a) => a.address)),
    outside: (d) => {
      let v = outside.get(d);
      if (v === undefined) {
        // `d` read once; each route's prefix and each address's subnet against it.
        const target = ops.parse(d);
        v = target === undefined || (!routes.some((r) => r.to !== 'default' && holds(ops, r.to, target)) && !addresses.some((a) => holds(ops, `${a.address}/${a.prefix}`, target)));
        outside.set(d, v);
      }
      return v;
    },
  };
}

function familyChecks<A extends number | bigint>(ops: FamilyOps<A>, model: Model, link: ModelLink, fam: ModelFamily<A>, view: FamilyView): Expectation[] {
  const out: Expectation[] = [];
  const eg = fam.egress;
  if (!eg) return out;
  const taken = view.taken;
  const routes = view.routesOf.get(link.name) ?? [];
  const vip = ops.format(eg.prefer);
  const split = routes.filter((r) => r.origin === 'egress-split' && r.src === vip);
  const fallback = routes.find((r) => r.origin === 'egress-fallback');
  const primary = fallback?.src ?? (view.addressesOf.get(link.name) ?? []).find((a) => a.label === undefined && !a.secondary)?.address;
  const vipAddress = fam.addresses.find((a) => a.address === eg.prefer);
  if (primary === undefined || vipAddress === undefined) return out;
  const targets: { to: string; via?: string }[] = [];
  if (fam.gateway !== undefined) {
    const to = OUTSIDE[ops.family].find((d) => !taken.has(d) && view.outside(d));
    if (to !== undefined) targets.push({ to, via: ops.format(fam.gateway) });
  }
  for (const half of split) {
    const to = firstFreeHost(ops, half.to, taken);
    if (to !== undefined) targets.push({ to });
  }
  // The link's own routes the intent took over: one destination in each, the first of a prefix.
  const seen = new Set<string>();
  for (const r of routes) {
    if (r.origin !== 'egress-route-preferred' || r.src !== vip || r.to === 'default' || seen.has(r.to)) continue;
    seen.add(r.to);
    const to = firstFreeHost(ops, r.to, taken);
    if (to !== undefined) targets.push(r.via !== undefined ? { to, via: r.via } : { to });
  }
  const states: { steps: FailoverStep[]; src: string; what: string }[] = [
    { steps: [], src: vip, what: `${vip} here: the source is the VIP` },
    { steps: [{ op: 'down', address: vip }], src: primary, what: `${vip} gone: the source is the primary ${primary}` },
    { steps: [{ op: 'down', address: vip }, { op: 'up', address: vip }], src: vip, what: `${vip} back through its manager: the VIP again` },
  ];
  const path = formatPath(vipAddress.path);
  for (const s of states) {
    for (const t of targets) {
      out.push(new BuiltinCheck(model, vipAddress.path, t.to, s.steps, link.name, s.src, s.what, path, t.via));
    }
  }
  return out;
}

/**
 * A built-in check. Its place in the model file is needed only to report it failed, so
 * `ref` locates it then: a getter shared by every check (an object literal with a getter of
 * its own is made by the runtime, several times slower, and a host has a dozen of them).
 */
class BuiltinCheck implements Expectation {
  readonly #model: Pick<Model, 'locate'>;
  readonly #at: ModelLink['path'];
  to: string;
  steps: FailoverStep[];
  dev: string;
  src: string;
  builtin: string;
  path: string;
  declare via?: string;
  constructor(model: Pick<Model, 'locate'>, at: ModelLink['path'], to: string, steps: FailoverStep[], dev: string, src: string, builtin: string, path: string, via: string | undefined) {
    this.#model = model;
    this.#at = at;
    this.to = to;
    this.steps = steps;
    this.dev = dev;
    this.src = src;
    this.builtin = builtin;
    this.path = path;
    if (via !== undefined) this.via = via;
  }
  get ref(): Expectation['ref'] {
    return this.#model.locate(this.#at);
  }
}

function holds<A extends number | bigint>(ops: FamilyOps<A>, prefix: string, address: A): boolean {
  const c = ops.parseCidr(prefix, true);
  return c !== undefined && ops.contains(c.address, c.prefix, address);
}

/** The first address of a prefix, after its network address, that is not the host's. */
function firstFreeHost<A extends number | bigint>(ops: FamilyOps<A>, prefix: string, taken: ReadonlySet<string>): string | undefined {
  const c = ops.parseCidr(prefix);
  if (c === undefined) return undefined;
  const net = ops.networkOf(c.address, c.prefix);
  const room = ops.bits - c.prefix;
  const count = room >= 6 ? 64 : 2 ** room;
  for (let i = 1; i < count; i++) {
    const a = ops.format((ops.family === 4 ? ((Number(net) + i) >>> 0) : (BigInt(net) + BigInt(i))) as A);
    if (!taken.has(a)) return a;
  }
  return undefined;
}
