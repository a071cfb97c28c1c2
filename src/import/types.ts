// What an importer reads out of a host's files (or its live state) before any of it is
// turned into a model: facts, each pointing at the line it came from, and the fidelity
// report that says for every key and line read what became of it.

/** Why an IPv6 key or line is reported not representable: the importer reads IPv4 only so far. */
export const IPV6_NOT_IMPORTED = 'IPv6 is not imported yet (the model takes it: write it in by hand)';

/** Where a fact was read: a file of the tree (relative path) and a 1-based line. */
export interface Origin {
  file: string;
  line: number;
}

/**
 * What became of one key or line:
 *  - `represented`: the model says the same (possibly in other words);
 *  - `lifted`: it is part of a recipe the model states as an intent (`egress:`, `source-routing:`);
 *  - `ignored`: it has no effect netgen's files would change (a key only NetworkManager reads,
 *    a comment-like bookkeeping line, a route the kernel makes by itself), with why;
 *  - `not-representable`: the model cannot say it, so rendering would lose it (why says what).
 */
export type Fidelity = 'represented' | 'lifted' | 'ignored' | 'not-representable';

export interface ReportEntry {
  file: string;
  line: number;
  /** The key (`IPADDR`), variable (`routes_eth0`) or the line's text. */
  item: string;
  status: Fidelity;
  /** Why, for everything but a plain `represented`; also notes on how it was read. */
  why?: string;
  /** How it was read, where that differs from its look (a CRLF line end, quotes). */
  note?: string;
  /** Where the model says it (`interfaces.eth0.egress`). */
  model?: string;
}

export interface Cidr4 {
  address: number;
  prefix: number;
}

export interface FactLink {
  name: string;
  kind: 'ethernet' | 'vlan';
  parent?: string;
  vlanId?: number;
  mtu?: number;
  mac?: string;
  onBoot: boolean;
  /** A default route through this link in the main table at metric 0, without src (RHEL GATEWAY). */
  gateway?: { address: number; entries: ReportEntry[] };
  entries: ReportEntry[];
}

export interface FactAddress {
  address: number;
  prefix: number;
  dev: string;
  /** Alias label (`eth0:1`). */
  label?: string;
  onParent: boolean;
  entries: ReportEntry[];
}

export interface FactRoute {
  to: Cidr4 & { isDefault: boolean };
  via?: number;
  dev: string;
  src?: number;
  metric: number;
  /** `main` or a table name known to rt_tables (numbers without a name get one, see tables). */
  table: string;
  scope?: 'link' | 'host' | 'global';
  proto?: string;
  onlink: boolean;
  entries: ReportEntry[];
}

export interface FactRule {
  from?: Cidr4;
  to?: Cidr4;
  table: string;
  /** Undefined when the line gives none: the kernel numbers it (see kernelPriority). */
  priority?: number;
  /** The priority the kernel gave it when the line named none. */
  kernelPriority?: number;
  entries: ReportEntry[];
}

export interface FactTable {
  name: string;
  id: number;
  entries: ReportEntry[];
}

/** Everything read, in the order the consumer applies it. */
export interface Facts {
  host?: { name: string; entries: ReportEntry[] };
  links: FactLink[];
  addresses: FactAddress[];
  routes: FactRoute[];
  rules: FactRule[];
  tables: FactTable[];
  /** Every key and line read, in file order. */
  report: ReportEntry[];
  /** The files read, for the report's header. */
  files: string[];
}

/** A file of the tree being imported (path relative to the root, POSIX separators). */
export interface ImportFile {
  path: string;
  content: string;
  mode: number;
}

export function newFacts(): Facts {
  return { links: [], addresses: [], routes: [], rules: [], tables: [], report: [], files: [] };
}

/** Record an entry in the report and return it, so the fact that uses it can update it later. */
export function note(facts: Facts, file: string, line: number, item: string, status: Fidelity, why?: string): ReportEntry {
  const e: ReportEntry = { file, line, item, status };
  if (why !== undefined) e.why = why;
  facts.report.push(e);
  return e;
}
