// The kernel harness's vocabulary: what goes in (links, a file tree), what comes out
// (commands run, problems seen, `ip route get` answers).

/** The consumers the harness can emulate; the same names as the back-ends' `--distro`. */
export type Consumer = 'rhel6' | 'gentoo' | 'gentoo-legacy';

export const CONSUMERS: readonly Consumer[] = ['rhel6', 'gentoo', 'gentoo-legacy'];

/** A device to create in the namespace. `PlanLink` fits this shape. */
export interface KernelLink {
  name: string;
  kind?: 'ethernet' | 'vlan';
  parent?: string;
  vlanId?: number;
  mtu?: number;
  mac?: string;
  /** Started at boot (Gentoo: its net.* service is enabled). Default true. */
  onBoot?: boolean;
}

/**
 * An address the model knows about. Used by `up(addr)` only when the consumer's files do
 * not name the address themselves (a VIP that only failover tooling brings up).
 * `PlanAddress` fits this shape.
 */
export interface KernelAddressHint {
  address: string;
  prefix: number;
  device: string;
  label?: string;
}

/** One file of the tree as it would be on disk after writing, path relative to the root. */
export interface TreeFile {
  path: string;
  mode: number;
  content: string;
}

/** One command the harness ran inside the namespace on behalf of the consumer. */
export interface CommandRecord {
  argv: string[];
  /** Which file line or consumer step asked for it: `route-eth0:3`, `ifup eth0 (address)`. */
  origin: string;
  status: number;
  stdout: string;
  stderr: string;
}

/** One answer of `ip route get`. */
export interface RouteAnswer {
  dest: string;
  from?: string;
  via?: string;
  dev: string;
  src?: string;
  /** Omitted for `main`, as `ip` does. */
  table?: string;
  /** `ip route get`'s own text, for messages. */
  raw: string;
}

export interface Probe {
  to: string;
  from?: string;
}

/** One `ip -4 rule` entry. */
export interface RuleEntry {
  priority: number;
  /** `all` or an address/prefix. */
  from: string;
  to?: string;
  table: string;
  raw: string;
}

/** One IPv4 address present in the namespace. */
export interface AddressEntry {
  address: string;
  prefix: number;
  dev: string;
  label: string;
  secondary: boolean;
}

/** What applying a tree did. A failed command is not an exception: the consumer carries on too. */
export interface ApplyReport {
  consumer: Consumer;
  commands: CommandRecord[];
  /** Commands that exited non-zero (the consumer would have printed their error and gone on). */
  failed: CommandRecord[];
  /** Things the consumer would do differently from what the files seem to say, or could not read. */
  problems: string[];
}
