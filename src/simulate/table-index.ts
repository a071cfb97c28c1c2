// A route table's routes by prefix length and network, each bucket in the table's order: what
// a lookup probes (one bucket per prefix length present) instead of reading the whole table.
// The kernel's lookup rules stay with each family's FIB (fib.ts, fib6.ts); this is only the
// index both keep beside their tables. insertRoute keeps it; a table rewritten whole
// (rewriteTable) gets a new one when next read.

export interface TableIndex<R> {
  /** The table's length when the index was last in step with it. */
  size: number;
  /** The prefix lengths present, longest first. */
  prefixes: number[];
  /** Per prefix length: the network's key → the routes of that prefix, in table order. */
  buckets: (Map<number | string, R[]> | undefined)[];
}

export interface TableIndexes<A, R> {
  /** The index of a table, made again if the table changed length behind its back. */
  tableIndex(table: readonly R[]): TableIndex<R>;
  /** The bucket of a prefix and network, made (empty) if absent. */
  bucketOf(index: TableIndex<R>, prefix: number, net: A): R[];
  /** Replace a table's routes with `keep` (in place: its index is made again when next read). */
  rewriteTable(table: R[], keep: R[]): void;
}

/** The indexes of one family's tables; `key` is the network of an address under a prefix, as a Map key. */
export function tableIndexes<A, R extends { prefix: number; net: A }>(key: (net: A, prefix: number) => number | string): TableIndexes<A, R> {
  const indexes = new WeakMap<readonly R[], TableIndex<R>>();
  const bucketOf = (index: TableIndex<R>, prefix: number, net: A): R[] => {
    let byNet = index.buckets[prefix];
    if (byNet === undefined) {
      byNet = new Map();
      index.buckets[prefix] = byNet;
      let i = 0;
      while (i < index.prefixes.length && index.prefixes[i]! > prefix) i++;
      index.prefixes.splice(i, 0, prefix);
    }
    const k = key(net, prefix);
    let bucket = byNet.get(k);
    if (bucket === undefined) {
      bucket = [];
      byNet.set(k, bucket);
    }
    return bucket;
  };
  return {
    bucketOf,
    tableIndex(table) {
      let index = indexes.get(table);
      if (index === undefined || index.size !== table.length) {
        index = { size: table.length, prefixes: [], buckets: [] };
        for (const e of table) bucketOf(index, e.prefix, e.net).push(e);
        indexes.set(table, index);
      }
      return index;
    },
    rewriteTable(table, keep) {
      table.length = 0;
      for (const e of keep) table.push(e);
      indexes.delete(table);
    },
  };
}
