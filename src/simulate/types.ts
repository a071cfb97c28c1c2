// Public types of the route-lookup simulator. A SimRoute is either a route of the Plan
// (as the back-ends render it) or a route the kernel makes by itself from an address; a
// SimRule is either a Plan rule or one of the kernel's three built-in rules.
import type { Expectation, FailoverStep, PlanAddress, PlanRoute, PlanRule } from '../plan/types.js';

/** Route types the simulator produces (`ip route` prints the type unless it is unicast). */
export type RouteType = 'unicast' | 'local' | 'broadcast' | 'multicast';

/** A route the kernel adds itself when an address is configured (fib_add_ifaddr). */
export interface KernelRoute {
  origin: 'kernel';
  /** Absent: IPv4 (KernelRoute6 says 6). */
  family?: 4;
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

/**
 * A route the IPv6 kernel adds itself (addrconf): per address `local ADDR` (table local,
 * metric 0) and `PREFIX/len` (main, metric 256); per device `fe80::/64` (main) and
 * `multicast ff00::/8` (table local), both metric 256.
 */
export interface KernelRoute6 {
  origin: 'kernel';
  family: 6;
  type: 'unicast' | 'local' | 'multicast';
  /** Canonical `net/len`, `/128` included (ip prints host routes without it). */
  to: string;
  dev: string;
  metric: 0 | 256;
  table: 'local' | 'main';
  proto: 'kernel';
  /** The configured address that made it; absent for the per-device fe80::/64 and ff00::/8. */
  address?: string;
}

export type SimRoute = PlanRoute | KernelRoute | KernelRoute6;

/** One of the rules every namespace starts with (IPv6 has no 32767 `default` rule). */
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
   * IPv6 only: how a boot or alias applier puts back, on `up`, a route that names the
   * address as src (the kernel kept it with its src cleared): `replace` (netgen's own
   * bring-up hook; the default) restores the src, `add`/`append` fail with "File exists"
   * and leave it cleared. Routes that do not name the address are re-added with `apply`.
   */
  restore6?: ApplyMode;
  /**
   * `net.ipv4.conf.*.promote_secondaries`. Off (the kernel default, and what a fresh
   * namespace inherits here): deleting a primary address deletes its secondaries too.
   */
  promoteSecondaries?: boolean;
}

export interface RouteGetQuery extends StateOptions {
  /** Destination, a dotted quad or an IPv6 address (the family of the lookup). */
  to: string;
  /** Source (`ip route get D from S`); IPv4: must be an address of the host. */
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
  /** Set (6) for an IPv6 lookup; absent for IPv4. */
  family?: 6;
  type: RouteType;
  dest: string;
  from?: string;
  via?: string;
  dev: string;
  /** The source address the kernel picks; absent only when the host has no usable address. */
  src?: string;
  /** How the source was chosen. */
  srcWhy: string;
  /** IPv6: the deciding route's metric and proto (`ip -6 route get` prints them). */
  metric?: number;
  proto?: string;
  /** IPv6: the source-selection rules (RFC 6724 as Linux applies them) that beat each other candidate. */
  srcRules?: SourceRuleStep[];
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

/** Why one candidate source lost to the chosen one (IPv6). */
export interface SourceRuleStep {
  /** RFC 6724 rule number (2 scope, 3 deprecated, 5 outgoing interface, 6 label, 8 prefix); 0: a tie, the kernel kept the first. */
  rule: number;
  name: string;
  loser: string;
  why: string;
}

export interface RouteFailure {
  ok: false;
  family?: 6;
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
