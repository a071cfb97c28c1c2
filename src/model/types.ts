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

export interface ModelAddress {
  address: number;
  prefix: number;
  /** Alias label (`eth0:1`), absent for the link's own addresses. */
  label?: string;
  /** Brought up with its link at boot; always false for a managed VIP. */
  onParent: boolean;
  /** Aliases only: keepalived or Pacemaker moves it (and what depends on it). */
  manager?: ModelManager;
  path: Path;
}

export interface ModelRoute {
  /** `default` is 0.0.0.0/0. */
  to: { address: number; prefix: number; isDefault: boolean };
  via?: number;
  dev: string;
  src?: number;
  metric: number;
  /** `main` or a declared table name. */
  table: string;
  scope?: 'link' | 'host' | 'global';
  proto?: string;
  onlink: boolean;
  path: Path;
}

export interface ModelRule {
  from?: { address: number; prefix: number };
  to?: { address: number; prefix: number };
  table: string;
  priority?: number;
  dev: string;
  path: Path;
}

export interface ModelEgress {
  prefer: number;
  metric: number;
  fallbackMetric: number;
  path: Path;
}

export interface ModelSourceRouting {
  table: string;
  gateway?: number;
  routes: ModelRoute[];
  priority?: number;
  path: Path;
}

/** Values for net.ipv4.conf.<dev>.<key> that the model sets itself (keys of SYSCTL_KEYS). */
export interface ModelSysctl {
  values: Partial<Record<'rp_filter' | 'arp_filter' | 'arp_ignore' | 'arp_announce', number>>;
  path: Path;
}

export interface ModelLink {
  name: string;
  kind: 'ethernet' | 'vlan';
  parent?: string;
  vlanId?: number;
  mtu?: number;
  mac?: string;
  onBoot: boolean;
  /** Own addresses first (model order), then aliases (label order). */
  addresses: ModelAddress[];
  gateway?: number;
  routes: ModelRoute[];
  rules: ModelRule[];
  egress?: ModelEgress;
  sourceRouting?: ModelSourceRouting;
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
  address: number;
}

export interface ModelExpectation {
  /**
   * `route`: ip route get TO [from FROM]; `inbound`: ip route get TO from FROM iif IIF;
   * `arp`: does interface ON answer an ARP request for TO (`who-has`).
   */
  kind: 'route' | 'inbound' | 'arp';
  to: number;
  iif?: string;
  accept?: boolean;
  on?: string;
  answers?: boolean;
  from?: number;
  /** Failover events in order: the `down:` shorthand first, then `after:`. */
  steps: ModelStep[];
  dev?: string;
  via?: number;
  src?: number;
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
  tables: ModelTable[];
  expect: ModelExpectation[];
  /** Host-wide settings (every interface), `false` when the model opts out, absent: netgen decides. */
  sysctl?: ModelSysctl | false;
  /** Where a model path is written; used for messages after validation. */
  locate: (path: Path) => import('../errors.js').SourceRef;
}
