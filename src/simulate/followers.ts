// What a bring-up may add, found by what it depends on instead of reading the whole Plan for
// each address: the Plan's addresses of each cluster, and the places (in Plan order) of its
// routes and rules by the address they depend on, and of the boot ones by device. Plan-side
// bookkeeping of both families' simulated kernels (fib.ts, fib6.ts), made once per state.
import type { Plan, PlanAddress, PlanRoute } from '../plan/types.js';
import type { MissingRoute } from './types.js';

interface Places {
  byDependsOn: Map<string, number[]>;
  bootByDev: Map<string, number[]>;
}

export interface Followers {
  /** By `appliedBy cluster`. */
  clusters: Map<string, PlanAddress[]>;
  routes: Places;
  rules: Places;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function placesOf(list: readonly { family: number; appliedBy: string; dependsOn?: string; dev: string }[], family: 4 | 6): Places {
  const out: Places = { byDependsOn: new Map(), bootByDev: new Map() };
  list.forEach((r, i) => {
    if (r.family !== family) return;
    if (r.dependsOn !== undefined) push(out.byDependsOn, r.dependsOn, i);
    if (r.appliedBy === 'boot') push(out.bootByDev, r.dev, i);
  });
  return out;
}

/** The followers of one family's addresses in the Plan. */
export function followersOf(plan: Plan, family: 4 | 6): Followers {
  const clusters = new Map<string, PlanAddress[]>();
  for (const x of plan.addresses) if (x.family === family) push(clusters, `${x.appliedBy} ${x.cluster ?? ''}`, x);
  return { clusters, routes: placesOf(plan.routes, family), rules: placesOf(plan.rules, family) };
}

/** The places that may follow a bring-up of `names` (and, for a device's files read again, of `dev`), in Plan order. */
export function followingPlaces(index: Places, names: ReadonlySet<string>, dev: string | undefined): number[] {
  const parts: number[][] = [];
  for (const n of names) parts.push(index.byDependsOn.get(n) ?? []);
  if (dev !== undefined) parts.push(index.bootByDev.get(dev) ?? []);
  const places = [...new Set(parts.flat())];
  return places.sort((x, y) => x - y);
}

/** Drop the refused and flushed entries of routes that are back (once per bring-up, not once per route). */
export function forgetMissing(state: { refused: MissingRoute[]; flushed: MissingRoute[] }, refused: ReadonlySet<PlanRoute>, flushed: ReadonlySet<PlanRoute>): void {
  if (refused.size > 0) state.refused = state.refused.filter((m) => !refused.has(m.route as PlanRoute));
  if (flushed.size > 0) state.flushed = state.flushed.filter((m) => !flushed.has(m.route as PlanRoute));
}
