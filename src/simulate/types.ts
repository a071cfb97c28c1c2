// Public types of the route-lookup simulator. A SimRoute is either a route of the Plan
// (as the back-ends render it) or a route the kernel makes by itself from an address; a
// SimRule is either a Plan rule or one of the kernel's three built-in rules.
import type { Expectation, FailoverStep, PlanAddress, PlanRoute, PlanRule } from '../plan/types.js';

/** Route types the simulator produces (`ip route` prints the type unless it is unicast). */
export type RouteType = 'unicast' | 'local' | 'broadcast';

/** A route the kernel adds itself when an address is configured (fib_add_ifaddr). */
export interface KernelRoute {
  origin: 'kernel';
  type: RouteType;
  /** Canonical `a.b.c.d/n`, `/32` included (ip prints host routes without it). */
  to: string;
  dev: string;
  /** The primary address of the subnet (for a secondary's local route too). */
  src: string;
  metric: 0;
  /** `local` for local/broadcast routes, `main` for the connected prefix route. */
  table: 'local' | 'main';
  scope: 'host' | 'link';
  proto: 'kernel';
  /** The configured address that made this route. */
  address: string;
}

export type SimRoute = PlanRoute | KernelRoute;

/** One of the rules every IPv4 namespace starts with. */
export interface KernelRule {
  origin: 'kernel';
  priority: 0 | 32766 | 32767;
  table: 'local' | 'main' | 'default';
}

export type SimRule = PlanRule | KernelRule;

/**
 * How a route line reaches the kernel. `add` is `ip route add` (RHEL route files): a second
 * route with the same table, prefix and metric is refused with "File exists". `append` is
 * `ip route append` (Gentoo netifrc): it goes after the routes with the same key and only
 * an exact duplicate is refused. `replace` is `ip route replace` (RHEL's GATEWAY=).
 */
export type ApplyMode = 'add' | 'append' | 'replace';

/** The state to simulate: which addresses went away after boot and how routes were added. */
export interface StateOptions {
  /** Addresses deleted after boot, in order (failover took the VIP away). */
  down?: readonly string[];
  /** Addresses added back after `down`, in order (`ifup eth0:1`). */
  up?: readonly string[];
  /**
   * After `up`, add the Plan's routes again (RHEL's `ifup eth0:1` re-runs ifup-routes;
   * lines already present answer "File exists"). Without it, routes flushed by `down`
   * stay gone, as on the kernel.
   */
  reapply?: boolean;
  /**
   * Failover events after every address is up, in order: `down` deletes the address;
   * `up` brings it back through its applier (ifup, keepalived, Pacemaker) with what
   * depends on it; `add` adds the address alone.
   */
  steps?: readonly FailoverStep[];
  /** Default `add`; a function decides per route. */
  apply?: ApplyMode | ((route: PlanRoute) => ApplyMode);
  /**
   * `net.ipv4.conf.*.promote_secondaries`. Off (the kernel default, and what a fresh
   * namespace inherits here): deleting a primary address deletes its secondaries too.
   */
  promoteSecondaries?: boolean;
}

export interface RouteGetQuery extends StateOptions {
  /** Destination, a dotted quad. */
  to: string;
  /** Source (`ip route get D from S`); must be an address of the host. */
  from?: string;
}

/** Why a route in the deciding table lost to the chosen one. */
export type LoserReason = 'longer prefix wins' | 'lower metric wins' | 'inserted earlier';

export interface Loser {
  route: SimRoute;
  why: LoserReason;
}

/** What a rule did for this lookup before one decided. */
export interface RuleStep {
  rule: SimRule;
  outcome: 'selector does not match' | 'no route in table';
}

/** A route of the Plan that is not in the kernel state, and why. */
export interface MissingRoute {
  route: SimRoute;
  why: string;
}

export interface RouteFound {
  ok: true;
  type: RouteType;
  dest: string;
  from?: string;
  via?: string;
  dev: string;
  /** The source address the kernel picks; absent only when the host has no usable address. */
  src?: string;
  /** How the source was chosen. */
  srcWhy: string;
  /** The table that holds the deciding route. */
  table: string;
  /**
   * The table the kernel reports (`table X` in `ip route get`): `main` for a route of the
   * local table while no custom rule exists (the kernel keeps local and main merged then).
   */
  kernelTable: string;
  route: SimRoute;
  rule: SimRule;
  losers: Loser[];
  /** Rules tried before the deciding one. */
  trace: RuleStep[];
  /** Plan routes to this destination that were refused or flushed. */
  missing: MissingRoute[];
  /** Caveats: where the kernel may answer differently from this simple state. */
  notes: string[];
}

export interface RouteFailure {
  ok: false;
  /** `unreachable`: ENETUNREACH; `invalid`: EINVAL; `unsupported`: outside what we model. */
  type: 'unreachable' | 'invalid' | 'unsupported';
  dest: string;
  from?: string;
  /** What `ip route get` prints on stderr. */
  error: string;
  /** Why, in words. */
  why: string;
  trace: RuleStep[];
  missing: MissingRoute[];
  notes: string[];
}

export type RouteAnswer = RouteFound | RouteFailure;

export interface Mismatch {
  field: 'dev' | 'via' | 'src' | 'table' | 'route' | 'accept' | 'answers';
  expected: string;
  actual: string;
}

export interface ExpectationResult {
  expectation: Expectation;
  /** Route lookups. */
  answer?: RouteAnswer;
  /** Inbound lookups. */
  inbound?: import('./inbound.js').InboundAnswer;
  /** ARP questions. */
  arp?: import('./inbound.js').ArpAnswer;
  /** The simulator's answer as verify prints it (without the destination). */
  actual: string;
  pass: boolean;
  mismatches: Mismatch[];
}

/** One configured IPv4 address as the kernel keeps it. */
export interface SimAddress {
  address: string;
  /** The address as an unsigned 32-bit integer. */
  value: number;
  prefix: number;
  device: string;
  secondary: boolean;
  /** 0 global, 254 host (127.0.0.1 on lo). */
  scope: number;
  label?: string;
  plan?: PlanAddress;
}

/** A route in a table, in the kernel's order. */
export interface InstalledRoute {
  route: SimRoute;
  type: RouteType;
  table: string;
  net: number;
  prefix: number;
  gw?: number;
  /**
   * The nexthop's scope, for a route with a gateway: link normally; host when the gateway
   * is the host's own address (`8.8.0.0/16 via 10.0.1.1 dev eth0` with 10.0.1.1 on eth0
   * was accepted, and `ip route get 8.8.8.8` then printed no `via`).
   */
  nhScope?: number;
  dev: string;
  prefsrc?: number;
  metric: number;
  /** 0 universe, 253 link, 254 host. */
  scope: number;
  proto: string;
  onlink: boolean;
}

/** The simulated kernel: addresses per device, tables, rules, and what did not make it. */
export interface FibState {
  /** `lo` first, then the Plan's links in order (the order the kernel lists devices). */
  devices: { name: string; addresses: SimAddress[] }[];
  /** Per table, routes in the kernel's order (within one prefix: by metric, then as inserted). */
  tables: Map<string, InstalledRoute[]>;
  /** Kernel and Plan rules in the order the kernel reads them. */
  rules: SimRule[];
  /** No custom rule: local and main are one merged trie and lookups report table main. */
  merged: boolean;
  refused: MissingRoute[];
  /** Plan rules `ip rule add` refuses. */
  refusedRules: { rule: PlanRule; why: string }[];
  flushed: MissingRoute[];
  /** Words about state changes worth telling (secondaries deleted with their primary). */
  events: string[];
}
