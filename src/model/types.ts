// The validated, normalised model: what compilePlan consumes. Every element keeps its
// model path so later stages can still point at the line that caused something.
import type { PathSegment } from './load.js';

export type Path = readonly PathSegment[];

export interface ModelVrrp {
  instance: string;
  routerId: number;
  priority: number;
  advertInt: number;
  state?: 'MASTER' | 'BACKUP';
  unicastPeers: number[];
  /** The interface adverts go out of (default: the alias's own). */
  interface: string;
  path: Path;
}

/** The cluster tool that moves a VIP, and its settings. */
export type ModelManager =
  | { kind: 'keepalived'; vrrp: ModelVrrp; path: Path }
  | { kind: 'pacemaker'; group?: string; prefix?: string; path: Path };

/**
 * Address values are numbers for IPv4 and bigints for IPv6 (`A`); the per-family parts of a
 * link are the same shapes over either (see ModelFamily), so a recipe is written once over
 * src/net/family.ts's FamilyOps.
 */
export interface ModelAddress<A extends number | bigint = number> {
  address: A;
  prefix: number;
  /** Alias label (`eth0:1`), absent for the link's own addresses. */
  label?: string;
  /** Brought up with its link at boot; always false for a managed VIP. */
  onParent: boolean;
  /** Aliases only: keepalived or Pacemaker moves it (and what depends on it). */
  manager?: ModelManager;
  path: Path;
}

export interface ModelRoute<A extends number | bigint = number> {
  /** `default` is 0.0.0.0/0 (::/0 for IPv6). */
  to: { address: A; prefix: number; isDefault: boolean };
  via?: A;
  dev: string;
  src?: A;
  metric: number;
  /** `main` or a declared table name. */
  table: string;
  scope?: 'link' | 'host' | 'global';
  proto?: string;
  onlink: boolean;
  path: Path;
}

export interface ModelRule<A extends number | bigint = number> {
  from?: { address: A; prefix: number };
  to?: { address: A; prefix: number };
  table: string;
  priority?: number;
  dev: string;
  path: Path;
}

export interface ModelEgress<A extends number | bigint = number> {
  prefer: A;
  metric: number;
  fallbackMetric: number;
  path: Path;
}

export interface ModelSourceRouting<A extends number | bigint = number> {
  /** One table for both families (ip -4 and ip -6 tables are separate, under one number). */
  table: string;
  gateway?: A;
  routes: ModelRoute<A>[];
  priority?: number;
  path: Path;
}

/** Values for net.ipv4.conf.<dev>.<key> that the model sets itself (keys of SYSCTL_KEYS). */
export interface ModelSysctl {
  values: Partial<Record<'rp_filter' | 'arp_filter' | 'arp_ignore' | 'arp_announce', number>>;
  path: Path;
}

/** What a link has of one address family. */
export interface ModelFamily<A extends number | bigint> {
  /** Own addresses first (model order), then aliases (label order). */
  addresses: ModelAddress<A>[];
  gateway?: A;
  routes: ModelRoute<A>[];
  rules: ModelRule<A>[];
  egress?: ModelEgress<A>;
  sourceRouting?: ModelSourceRouting<A>;
}

/** A link: its IPv4 part at the top (the fields of ModelFamily<number>), its IPv6 part in `ipv6`. */
export interface ModelLink extends ModelFamily<number> {
  name: string;
  kind: 'ethernet' | 'vlan';
  parent?: string;
  vlanId?: number;
  mtu?: number;
  mac?: string;
  onBoot: boolean;
  ipv6: ModelFamily<bigint>;
  sysctl?: ModelSysctl;
  path: Path;
}

export interface ModelTable {
  name: string;
  /** Undefined when the model says `auto`. */
  id?: number;
  path: Path;
}

/** A failover event before a lookup (`after:`; `down: [...]` is shorthand for down steps). */
export interface ModelStep {
  op: 'down' | 'up' | 'add';
  /** Canonical text (dotted quad, RFC 5952). */
  address: string;
}

export interface ModelExpectation {
  /**
   * `route`: ip route get TO [from FROM]; `inbound`: ip route get TO from FROM iif IIF;
   * `arp`: does interface ON answer an ARP request for TO (`who-has`).
   */
  kind: 'route' | 'inbound' | 'arp';
  /** The lookup's family: that of `to`; every other address of the entry is of it too. */
  family: 4 | 6;
  /** Addresses are canonical text (dotted quad, RFC 5952). */
  to: string;
  iif?: string;
  accept?: boolean;
  on?: string;
  answers?: boolean;
  from?: string;
  /** Failover events in order: the `down:` shorthand first, then `after:`. */
  steps: ModelStep[];
  dev?: string;
  via?: string;
  src?: string;
  table?: string;
  path: Path;
}

export interface Model {
  host: string;
  /** The model file's name as given (for headers and messages). */
  source: string;
  links: ModelLink[];
  /** Top-level routes (each names its device). */
  routes: ModelRoute[];
  routes6: ModelRoute<bigint>[];
  tables: ModelTable[];
  expect: ModelExpectation[];
  /** Host-wide settings (every interface), `false` when the model opts out, absent: netgen decides. */
  sysctl?: ModelSysctl | false;
  /** Where a model path is written; used for messages after validation. */
  locate: (path: Path) => import('../errors.js').SourceRef;
}
