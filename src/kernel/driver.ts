// What a consumer emulation needs from the session, and what it offers back.
import type { AddressEntry, CommandRecord, KernelAddressHint, KernelLink, TreeFile } from './types.js';

export interface DriverContext {
  /** The tree by relative path. */
  files: ReadonlyMap<string, TreeFile>;
  /** Where the tree is on disk (the consumer's `/`). */
  root: string;
  links: readonly KernelLink[];
  /** Run `ip ARGS` in the namespace on the consumer's behalf; never throws on failure. */
  ip(args: string[], origin: string): CommandRecord;
  /**
   * Run a program (a local start script, an OCF agent) in the namespace; never throws on
   * failure. A script that writes to stderr failed at something even when it exits 0,
   * unless `stderrIsLog` (OCF agents log there).
   */
  exec(argv: string[], origin: string, options?: { stderrIsLog?: boolean }): CommandRecord;
  problem(message: string): void;
  /** The harness cannot follow the consumer here (see ApplyReport.limits). */
  limit(message: string): void;
  linkExists(name: string): boolean;
  /** Create a device the files bring up but the model does not have (a VLAN of conf.d/net). */
  createLink(name: string): void;
  ifindex(name: string): number | undefined;
  addresses(): AddressEntry[];
  /** Gateways of the main table's default routes. */
  defaultGateways(): string[];
}

export interface ConsumerDriver {
  /** Bring the network up as the consumer does at boot. */
  boot(): void;
  /**
   * Bring an address back the way the consumer's own tools do after failover. When the
   * files do not name the address, `hint` says where it goes: it is added there and what
   * the consumer re-reads for that device is applied again. False when neither knows it.
   */
  up(address: string, hint?: KernelAddressHint): boolean;
  /**
   * Take an address down the way the consumer's own tool does (RHEL: `ifdown` of the ifcfg
   * file that names it, with ifdown-routes and ifdown-local). False when the consumer has
   * no such tool for it (netifrc has no per-address service).
   */
  ifdown?(address: string): boolean;
  /** Restart the consumer's local service (Gentoo's `rc-service local restart`), where it has one. */
  restartLocal?(): void;
}
