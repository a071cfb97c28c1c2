// The kernel harness's vocabulary: what goes in (links, a file tree), what comes out
// (commands run, problems seen, `ip route get` answers).

/**
 * The systems the harness can emulate, named after the back-end whose files they read
 * (`--distro`). gentoo-legacy's files meet two generations of Gentoo (consumers.md,
 * "Generations of Gentoo"): `gentoo-legacy` is baselayout-1 (bash sources the array
 * conf.d/net, then /etc/conf.d/local.start); `gentoo-legacy-openrc` is OpenRC 0.6.4 or
 * later with netifrc, whose /bin/sh is bash (the arrays still work) and whose local
 * service runs only the executable /etc/local.d/*.start, never local.start.
 */
export type Consumer = 'rhel6' | 'gentoo' | 'gentoo-legacy' | 'gentoo-legacy-openrc';

export const CONSUMERS: readonly Consumer[] = ['rhel6', 'gentoo', 'gentoo-legacy', 'gentoo-legacy-openrc'];

/** Every consumer that reads a back-end's files: two for gentoo-legacy, else the one of the same name. */
export function consumersOf(backend: string): Consumer[] {
  if (backend === 'gentoo-legacy') return ['gentoo-legacy', 'gentoo-legacy-openrc'];
  const c = CONSUMERS.find((x) => x === backend);
  if (c === undefined) throw new Error(`no consumer reads the files of back-end ${JSON.stringify(backend)}`);
  return [c];
}

/** The generation a consumer stands for when its back-end's files meet more than one, for reports; else undefined. */
export function generationOf(consumer: Consumer): string | undefined {
  if (consumer === 'gentoo-legacy') return 'baselayout-1';
  if (consumer === 'gentoo-legacy-openrc') return 'OpenRC';
  return undefined;
}

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

/** One `ip -4 rule` (or `ip -6 rule`) entry. */
export interface RuleEntry {
  priority: number;
  /** `all` or an address/prefix. */
  from: string;
  to?: string;
  table: string;
  raw: string;
}

/** One address present in the namespace (IPv6: global ones only). */
export interface AddressEntry {
  address: string;
  prefix: number;
  dev: string;
  /** IPv6 addresses have no label of their own: the device's name. */
  label: string;
  secondary: boolean;
  /** Absent for IPv4. */
  family?: 6;
  /** IPv6: preferred_lft 0 (the kernel's source selection avoids it). */
  deprecated?: boolean;
}

/** What applying a tree did. A failed command is not an exception: the consumer carries on too. */
export interface ApplyReport {
  consumer: Consumer;
  commands: CommandRecord[];
  /** Commands that exited non-zero (the consumer would have printed their error and gone on). */
  failed: CommandRecord[];
  /** Things the consumer would do differently from what the files seem to say, or could not read. */
  problems: string[];
  /**
   * Where the harness could not do what the real consumer does (a range file, DHCP, a
   * netifrc module, an OCF agent it does not know): what the kernel then answers is not
   * proof for that part.
   */
  limits: string[];
}
