// The orders in which the consumers bring a host's links up at boot. A route is added when
// its device comes up, so a route whose `src` lives on another device works only if that
// device is up first, in every consumer's order (the kernel refuses the route otherwise).
import type { ModelLink } from './types.js';

/** RHEL's network script order: by the letters, then numerically by what follows the first digit (eth2 before eth10). */
export function compareInterfaceNames(a: string, b: string): number {
  const split = (s: string): [string, number, string] => {
    const i = s.search(/\d/);
    if (i < 0) return [s, -1, ''];
    const num = /^\d+/.exec(s.slice(i))![0];
    return [s.slice(0, i), Number(num), s.slice(i)];
  };
  const [pa, na, ra] = split(a);
  const [pb, nb, rb] = split(b);
  if (pa !== pb) return pa < pb ? -1 : 1;
  if (na !== nb) return na - nb;
  return ra < rb ? -1 : ra > rb ? 1 : 0;
}

export interface BringUpOrder {
  who: 'model' | 'rhel' | 'netifrc';
  /** Who brings the links up in this order, and how, for messages. */
  why: string;
  /** Link names, first up first. */
  names: string[];
}

/**
 * Every order a consumer of netgen's files may use:
 *  - the model's (the Plan's, which the simulator replays): physical links in model order, VLANs after;
 *  - RHEL initscripts: `service network start` takes the ifcfg files by name and VLANs after the others;
 *  - netifrc: the net.* services in the runlevel by name (OpenRC's order, or the model's: both are
 *    checked through the other two orders), each VLAN as its parent starts (vlans_<parent>).
 */
export function bringUpOrders(links: readonly Pick<ModelLink, 'name' | 'kind' | 'parent'>[]): BringUpOrder[] {
  const physical = links.filter((l) => l.kind !== 'vlan');
  const vlans = links.filter((l) => l.kind === 'vlan');
  const byName = (a: { name: string }, b: { name: string }): number => compareInterfaceNames(a.name, b.name);
  const withVlans = (parents: typeof physical): string[] =>
    parents.flatMap((p) => [p.name, ...vlans.filter((v) => v.parent === p.name).map((v) => v.name)]);
  return [
    { who: 'model', why: 'interfaces come up in model order, VLANs after the other interfaces', names: [...physical, ...vlans].map((l) => l.name) },
    { who: 'rhel', why: 'RHEL starts interfaces by name, VLANs after the others', names: [...[...physical].sort(byName), ...[...vlans].sort(byName)].map((l) => l.name) },
    { who: 'netifrc', why: 'netifrc starts a VLAN with its parent interface', names: withVlans(physical) },
  ];
}
