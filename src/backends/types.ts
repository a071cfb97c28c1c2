// What a back-end produces: the files to write, who owns each, and what its template sees.
import type { Plan, PlanTable } from '../plan/types.js';

/**
 * How much of a file netgen owns. `whole` files carry netgen's header; the others are
 * files other people write too, so netgen touches only its part (see src/output/merge.ts).
 */
export type Ownership =
  /** netgen owns every byte; the rendered content starts with netgen's header. */
  | { kind: 'whole' }
  /**
   * Shell-style `KEY=value` file (`/etc/sysconfig/network`): netgen only removes the keys of
   * `remove`, and gives the keys of `set` their value (an existing plain line of the key goes,
   * the new one is added at the end).
   */
  | { kind: 'keys'; remove: string[]; set?: Record<string, string> }
  /** netgen owns a marked block; `base` is the file written when none exists yet. */
  | { kind: 'block'; base: string }
  /** `/etc/iproute2/rt_tables`: a marked block of these tables, clashes with foreign lines refused. */
  | { kind: 'rt-tables'; base: string; tables: PlanTable[] };

export interface FileSpec {
  /** Relative to the target root, POSIX separators, no leading slash. */
  path: string;
  /** Permission bits: 0o644, or 0o755 for scripts that must run. */
  mode: number;
  owner: Ownership;
  /** Template name under templates/, without `.hbs`: `rhel6/ifcfg`. */
  template: string;
  /** What the template sees, fully prepared: templates only format. */
  context: Record<string, unknown>;
}

export interface RenderedFile {
  path: string;
  mode: number;
  owner: Ownership;
  /**
   * `whole`: the file. `keys`: the file as written when none exists. `block` and
   * `rt-tables`: the block's body (lines, LF-terminated), merged by src/output.
   */
  content: string;
}

export interface BackendOptions {
  /** gentoo only: where `ip rule` lines go. */
  gentooRules?: 'local-start' | 'native';
}

/**
 * A directory whose files of some names only this back-end writes. A file there that the
 * render no longer produces, and whose header is exactly this model's, is stale.
 */
export interface Prunable {
  /** Relative to the target root, POSIX separators. */
  dir: string;
  /** Whether a file name there is one the back-end writes (never a backup such as `.bak`). */
  name(fileName: string): boolean;
}

export interface Backend {
  /** The `--distro` value. */
  name: string;
  /** One line for `--help` and the README's back-end table. */
  description: string;
  /** The directory `-o DIR` names, relative to the root: `etc/sysconfig/network-scripts`. */
  mainDir: string;
  /** Whether the boot reads /etc/sysctl.conf after netgen's /etc/sysctl.d file (then a key there wins). */
  sysctlConfAfter?: boolean;
  /** Decide which files spell the Plan on this distro, and what each template sees. */
  planFiles(plan: Plan, options: BackendOptions): FileSpec[];
  /** Where `--prune` may look for files of an earlier render (see Prunable). */
  prunable: readonly Prunable[];
}
