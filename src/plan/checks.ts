// The promises of the VIP-egress intent, as lookups `netgen verify` checks on every model
// that has one, beside the model's own `expect:` entries: with the VIP here the source is
// the VIP; with the VIP gone, the primary address; with the VIP back through whoever brings
// it back (ifup, keepalived, Pacemaker), the VIP again. Each is asked for a destination
// through the gateway (when the link has one), for one on each half of each split subnet,
// and for one through each of the link's own routes that the intent took over.
import type { Model } from '../model/types.js';
import { formatPath } from '../model/load.js';
import { contains, formatIPv4, parseCidr, parseIPv4 } from '../net/ipv4.js';
import type { Expectation, FailoverStep, PlanAddress, PlanRoute } from './types.js';

/** Destinations tried, in order, for "somewhere through the gateway": documentation networks first. */
const OUTSIDE = ['192.0.2.1', '198.51.100.1', '203.0.113.1', '8.8.8.8', '1.1.1.1'];

/** The built-in checks of every egress intent of the model. */
export function egressChecks(model: Model, addresses: readonly PlanAddress[], routes: readonly PlanRoute[]): Expectation[] {
  const out: Expectation[] = [];
  for (const link of model.links) {
    const eg = link.egress;
    if (!eg) continue;
    const vip = formatIPv4(eg.prefer);
    const split = routes.filter((r) => r.origin === 'egress-split' && r.dev === link.name && r.src === vip);
    const fallback = routes.find((r) => r.origin === 'egress-fallback' && r.dev === link.name);
    const primary = fallback?.src ?? addresses.find((a) => a.device === link.name && a.label === undefined && !a.secondary)?.address;
    const vipAddress = link.addresses.find((a) => a.address === eg.prefer);
    if (primary === undefined || vipAddress === undefined) continue;
    const taken = new Set(addresses.map((a) => a.address));
    const targets: { to: string; via?: string }[] = [];
    if (link.gateway !== undefined) {
      const to = OUTSIDE.find((d) => !taken.has(d) && !routes.some((r) => r.to !== 'default' && holds(r.to, d)) && !addresses.some((a) => holds(`${a.address}/${a.prefix}`, d)));
      if (to !== undefined) targets.push({ to, via: formatIPv4(link.gateway) });
    }
    for (const half of split) {
      const to = firstFreeHost(half.to, taken);
      if (to !== undefined) targets.push({ to });
    }
    // The link's own routes the intent took over: one destination in each, the first of a prefix.
    const seen = new Set<string>();
    for (const r of routes) {
      if (r.origin !== 'egress-route-preferred' || r.dev !== link.name || r.src !== vip || r.to === 'default' || seen.has(r.to)) continue;
      seen.add(r.to);
      const to = firstFreeHost(r.to, taken);
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
        const x: Expectation = {
          to: t.to,
          steps: s.steps,
          dev: link.name,
          src: s.src,
          builtin: s.what,
          get ref() {
            return model.locate(vipAddress.path);
          },
          path,
        };
        if (t.via !== undefined) x.via = t.via;
        out.push(x);
      }
    }
  }
  return out;
}

function holds(prefix: string, address: string): boolean {
  const c = parseCidr(prefix, true);
  const a = parseIPv4(address);
  return c !== undefined && a !== undefined && contains(c.address, c.prefix, a);
}

/** The first address of a prefix, after its network address, that is not the host's. */
function firstFreeHost(prefix: string, taken: ReadonlySet<string>): string | undefined {
  const c = parseCidr(prefix);
  if (c === undefined) return undefined;
  const size = 2 ** (32 - c.prefix);
  for (let i = 1; i < Math.min(size, 64); i++) {
    const a = formatIPv4((c.address + i) >>> 0);
    if (!taken.has(a)) return a;
  }
  return undefined;
}
