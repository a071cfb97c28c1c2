// The Plan: the distro-neutral intermediate form every back-end renders and the simulator
// evaluates. Everything here is already decided: the egress intents are expanded, table
// numbers and rule priorities allocated, defaults filled in. Back-ends only spell it.
import type { SourceRef } from '../errors.js';
import type { Family } from '../net/ip.js';

export type { Family };

export interface Plan {
  /** The model's `host:` name. */
  host: string;
  /** The model file's name as the user gave it relative to the working directory (headers). */
  source: string;
  /** Devices in bring-up order: physical links first (model order), then VLANs. */
  links: PlanLink[];
  /** Addresses in the order they are added; per device, the first of a subnet is primary. */
  addresses: PlanAddress[];
  /** Routes in the order they must be added (the order route files list them). */
  routes: PlanRoute[];
  /** Policy rules, sorted by priority. */
  rules: PlanRule[];
  /** User routing tables (never the reserved ones), sorted by id. */
  tables: PlanTable[];
  /** True when netgen manages the IPv4 default route, so a distro-wide GATEWAY must go. */
  removeGlobalGateway: boolean;
  /** The same for IPv6: a distro-wide IPV6_DEFAULTGW must go. */
  removeGlobalGateway6: boolean;
  /** `expect:` entries of the model, checked by `netgen verify`. */
  expectations: Expectation[];
  /** What every egress intent promises, checked by `netgen verify` beside `expectations` (src/plan/checks.ts). */
  checks: Expectation[];
  /** keepalived's VRRP instances, each with the VIPs it moves (see Applier). */
  vrrpInstances: PlanVrrpInstance[];
  /** Pacemaker groups, each with the VIPs it moves (see Applier). */
  pacemakerGroups: PlanPacemakerGroup[];
  /** ARP and reverse-path settings (/etc/sysctl.d/60-netgen.conf); absent: netgen writes none. */
  sysctl?: PlanSysctl;
}

/**
 * Who adds an address, and so who must add the routes and rules that depend on it: the
 * kernel drops every main-table route whose `src` goes away, and nothing brings it back
 * unless whoever brings the address back also adds the route again.
 *  - `boot`: the distro's scripts, when the device starts (own addresses, on-parent aliases);
 *  - `alias`: the distro's per-alias bring-up, later (RHEL `ifup eth0:1` reads
 *    route-eth0:1 and rule-eth0:1 right after adding the address);
 *  - `keepalived`: on becoming MASTER (virtual_ipaddress, virtual_routes, virtual_rules),
 *    undone on leaving it;
 *  - `pacemaker`: IPaddr2 and Route resources of one group, started in order.
 */
export type Applier = 'boot' | 'alias' | 'keepalived' | 'pacemaker';

export interface PlanVrrpInstance {
  name: string;
  /** The interface adverts go out of. */
  interface: string;
  routerId: number;
  priority: number;
  advertInt: number;
  state: 'MASTER' | 'BACKUP';
  unicastPeers: string[];
  /** The VIPs of the instance, in Plan address order. */
  addresses: string[];
  modelPath?: readonly (string | number)[];
}

export interface PlanPacemakerGroup {
  name: string;
  /** Resource ids start with it. */
  prefix: string;
  /** The VIPs of the group, in Plan address order. */
  addresses: string[];
}


/** The per-interface keys netgen manages (net.ipv4.conf.<scope>.<key>). */
export type SysctlKey = 'rp_filter' | 'arp_filter' | 'arp_ignore' | 'arp_announce';

/**
 * One line of the sysctl file. `scope` is `all` (every device, combined with the device's
 * own value), `default` (what a device created later starts with: VLANs, made after the
 * boot's sysctl pass) or a device that exists when sysctl runs.
 */
export interface PlanSysctlSetting {
  key: SysctlKey;
  scope: string;
  value: number;
}

export interface PlanSysctl {
  /** Per key (in SYSCTL_ORDER): `all`, `default`, then devices in link order. */
  settings: PlanSysctlSetting[];
  /**
   * The same values for each VLAN by name (what `default` gives it when it is created), for
   * a distro that applies the settings after the VLANs exist (baselayout-1's local.start).
   */
  vlanSettings: PlanSysctlSetting[];
  /** Why each value was chosen, one sentence each: the comments of the rendered file. */
  reasons: string[];
}

/** A failover event: `down` is `ip addr del`; `up` brings the address back through its Applier; `add` alone. */
export interface FailoverStep {
  op: 'down' | 'up' | 'add';
  address: string;
}

export interface PlanLink {
  /** Kernel device name: `eth0`, `eth0.10`. */
  name: string;
  kind: 'ethernet' | 'vlan';
  /** VLANs only: the parent device. */
  parent?: string;
  /** VLANs only: 1..4094. */
  vlanId?: number;
  mtu?: number;
  /** Lower-case colon form `b8:ca:3a:6d:fe:b0`. */
  mac?: string;
  /** Brought up at boot. */
  onBoot: boolean;
  /** Where the model defines it (for messages). */
  modelPath?: readonly (string | number)[];
}

export interface PlanAddress {
  /** 4 or 6: every address, route and rule says which `ip -4`/`ip -6` world it lives in. */
  family: Family;
  /** Dotted quad; IPv6 in RFC 5952 canonical text (lower case, `::` compressed). */
  address: string;
  prefix: number;
  /** The link it is configured on (never an alias label). */
  device: string;
  /** Alias label (`eth0:1`) for aliases/VIPs; absent for the device's own addresses. */
  label?: string;
  /**
   * Brought up with its device at boot. Always true for a device's own addresses; for an
   * alias, false means failover tooling brings it up later (RHEL `ONPARENT=no`).
   */
  onParent: boolean;
  /** An earlier address on the same device already covers this subnet (kernel "secondary"). */
  secondary: boolean;
  /** Who adds it: `boot` for own addresses and on-parent aliases. */
  appliedBy: Applier;
  /** keepalived: its VRRP instance; pacemaker: its group. */
  cluster?: string;
  /**
   * IPv6 only: added deprecated (`preferred_lft 0`), so the kernel's own source selection
   * (RFC 6724 rule 3) never picks it; routes that name it as `src` still use it. Set on
   * every IPv6 alias/VIP so that a VIP cannot become the source by being the newest address.
   */
  deprecated?: boolean;
  /** Where the model defines it (for messages). */
  modelPath?: readonly (string | number)[];
}

export type RouteOrigin =
  | 'static' // a route written in the model
  | 'gateway' // an interface's plain `gateway:`
  | 'egress-fallback' // VIP egress: the primary-address default with the fallback metric
  | 'egress-split' // VIP egress: one half of the connected subnet with src VIP
  | 'egress-preferred' // VIP egress: the default with src VIP and the preferred metric
  | 'egress-route-preferred' // VIP egress: one of the link's own routes, from the VIP (its metric + the preferred metric)
  | 'egress-route-fallback' // VIP egress: the same route from the primary (its metric + the fallback metric)
  | 'source-table'; // per-source routing: a route inside an interface's own table

export interface PlanRoute {
  family: Family;
  /** `default` or a canonical network `a.b.c.d/n` / `2001:db8::/64` (host bits cleared). */
  to: string;
  via?: string;
  dev: string;
  /** Preferred source address (`ip route ... src`). */
  src?: string;
  /** Always set; 0 is what `ip route add` uses when none is given. */
  metric: number;
  /** `main` or a user table's name (see Plan.tables for its number). */
  table: string;
  scope?: 'link' | 'host' | 'global';
  /** Route protocol as written in the model or recipe (`kernel` for the egress split, as in the seed). */
  proto?: string;
  onlink?: boolean;
  origin: RouteOrigin;
  /** The address it needs: its `src` when that is an alias; the kernel drops it with that address. */
  dependsOn?: string;
  /** Who adds it: whoever adds `dependsOn`, else the boot scripts. */
  appliedBy: Applier;
  /** Where the model asks for it: the route, or the intent or gateway it expands from. */
  modelPath?: readonly (string | number)[];
}

export interface PlanRule {
  family: Family;
  priority: number;
  /** Selector: a dotted quad (single address) or `a.b.c.d/n`; absent means all. */
  from?: string;
  to?: string;
  /** `main`, `default`, `local` or a user table's name. */
  table: string;
  /** The device whose files carry the rule (`rule-<dev>`, `rules_<dev>`). */
  dev: string;
  origin: 'static' | 'source-table';
  /** The alias address it selects (`from VIP`), when it follows that alias. */
  dependsOn?: string;
  /** Who adds it (a rule stays when its address goes, so a boot rule is harmless there). */
  appliedBy: Applier;
}

export interface PlanTable {
  name: string;
  /** 1..252 or above 255; never 0, 253, 254, 255. */
  id: number;
}

/** One expected answer of the route lookup (`expect:` in the model). */
export interface Expectation {
  /** `route` (ip route get TO [from FROM]; also when absent), `inbound` (... iif IIF), `arp` (who-has TO on ON). */
  kind?: 'route' | 'inbound' | 'arp';
  /** Destination address; for `arp` the address asked for. */
  to: string;
  /** inbound: the interface the packet arrives on. */
  iif?: string;
  /** inbound: whether the host accepts it. */
  accept?: boolean;
  /** arp: the interface the request arrives on. */
  on?: string;
  /** arp: whether it answers. */
  answers?: boolean;
  from?: string;
  /** Failover events before asking, in order (`down: [A]` is `[{op: 'down', address: A}]`). */
  steps: FailoverStep[];
  dev?: string;
  via?: string;
  src?: string;
  table?: string;
  /** Where the expectation is written, for messages. */
  ref: SourceRef;
  /** Its model path, e.g. `expect[2]`; for a built-in check, the VIP's. */
  path: string;
  /** Set on the checks netgen adds itself (the egress intent's promises): what it checks, in words. */
  builtin?: string;
}
