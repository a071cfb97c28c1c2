// The Plan's routes a state lacks (refused when added, flushed since), by destination: what
// an answer names as missing. A lookup asks for those that would hold its destination; one
// index per state and family, made again when the lists change, so that N lookups over N
// missing routes are not N². Shared by both families' lookups (lookup.ts, lookup6.ts).
import type { FamilyOps } from '../net/family.js';
import type { MissingRoute } from './types.js';

/** What both families' states hold of the missing routes. */
interface Missing {
  refused: MissingRoute[];
  flushed: MissingRoute[];
}

interface MissingIndex {
  refused: MissingRoute[];
  flushed: MissingRoute[];
  size: number;
  /** Refused, then flushed: positions below are into this. */
  all: MissingRoute[];
  /** `default`: holds every destination. */
  always: number[];
  /** Per prefix length: the network's key (FamilyOps.key) -> positions. */
  byPrefix: Map<number, Map<number | string, number[]>>;
  /** A destination whose prefix is not a plain 0..bits: checked as written. */
  odd: number[];
}

const indexes = new WeakMap<Missing, MissingIndex>();

function indexOf<A extends number | bigint>(ops: FamilyOps<A>, state: Missing): MissingIndex {
  let index = indexes.get(state);
  if (index !== undefined && index.refused === state.refused && index.flushed === state.flushed && index.size === state.refused.length + state.flushed.length) return index;
  const all = [...state.refused, ...state.flushed];
  index = { refused: state.refused, flushed: state.flushed, size: all.length, all, always: [], byPrefix: new Map(), odd: [] };
  for (const [i, m] of all.entries()) {
    if (m.route.to === 'default') {
      index.always.push(i);
      continue;
    }
    const [net, len] = m.route.to.split('/');
    const n = ops.parse(net ?? '');
    if (n === undefined) continue;
    const prefix = Number(len);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > ops.bits) {
      index.odd.push(i);
      continue;
    }
    let byNet = index.byPrefix.get(prefix);
    if (byNet === undefined) index.byPrefix.set(prefix, (byNet = new Map()));
    const key = ops.key(ops.networkOf(n, prefix));
    const same = byNet.get(key);
    if (same === undefined) byNet.set(key, [i]);
    else same.push(i);
  }
  indexes.set(state, index);
  return index;
}

/** Refused and flushed routes that would hold the destination, refused first, each list in its order. */
export function missingTo<A extends number | bigint>(ops: FamilyOps<A>, state: Missing, daddr: A): MissingRoute[] {
  const index = indexOf(ops, state);
  const hits = [...index.always];
  for (const [prefix, byNet] of index.byPrefix) hits.push(...(byNet.get(ops.key(ops.networkOf(daddr, prefix))) ?? []));
  for (const i of index.odd) {
    const [net, len] = index.all[i]!.route.to.split('/');
    const n = ops.parse(net ?? '');
    if (n !== undefined && ops.contains(n, Number(len), daddr)) hits.push(i);
  }
  return hits.sort((a, b) => a - b).map((i) => index.all[i]!);
}
