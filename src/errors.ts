/** Where in a model file a problem is. Line and column are 1-based. */
export interface SourceRef {
  file: string;
  line: number;
  col: number;
}

/** One problem found in a model: where, which model path, what is wrong. */
export interface ModelProblem {
  ref: SourceRef;
  /** Model path as a user reads it: `interfaces.eth0.addresses[1]`. */
  path: string;
  message: string;
}

export type ErrorKind = 'usage' | 'model' | 'io' | 'internal';

/** Exit codes are part of the CLI contract: documented in the README, never renumbered. */
export const EXIT = {
  ok: 0,
  /** `diff` / `render --check`: the target differs from what would be rendered. */
  changes: 1,
  /** Bad model, bad arguments, unwritable target: the user can fix it. */
  user: 2,
  /** A bug in netgen. */
  internal: 3,
} as const;

export class NetgenError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'NetgenError';
  }
  get exitCode(): number {
    return this.kind === 'internal' ? EXIT.internal : EXIT.user;
  }
}

export function formatProblem(p: ModelProblem): string {
  const where = `${p.ref.file}:${p.ref.line}:${p.ref.col}`;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/**
 * A back-end cannot spell something the model says on its distro. It names the model
 * path of the element; the pipeline, which holds the model, turns it into a ModelError
 * with file, line and column.
 */
export class BackendModelError extends NetgenError {
  readonly modelPath: readonly (string | number)[];
  constructor(message: string, modelPath: readonly (string | number)[] | undefined) {
    super('model', message);
    this.modelPath = modelPath ?? [];
    this.name = 'BackendModelError';
  }
}

/** Every problem of one or more models, reported together. */
export class ModelError extends NetgenError {
  readonly problems: ModelProblem[];
  constructor(problems: ModelProblem[]) {
    const sorted = [...problems].sort(compareProblems);
    const n = sorted.length;
    super('model', `${n} problem${n === 1 ? '' : 's'} in the model:\n` + sorted.map((p) => '  ' + formatProblem(p)).join('\n'));
    this.problems = sorted;
    this.name = 'ModelError';
  }
}

function compareProblems(a: ModelProblem, b: ModelProblem): number {
  return (
    (a.ref.file < b.ref.file ? -1 : a.ref.file > b.ref.file ? 1 : 0) ||
    a.ref.line - b.ref.line ||
    a.ref.col - b.ref.col ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}

/**
 * SIGINT or SIGTERM stopped a run. The conventional exit status 128 + the signal's number
 * (130, 143) says so to the shell.
 */
export class InterruptedError extends NetgenError {
  readonly signal: NodeJS.Signals;
  constructor(signal: NodeJS.Signals, what: string) {
    super('io', `interrupted by ${signal}; ${what}`);
    this.signal = signal;
    this.name = 'InterruptedError';
  }
  override get exitCode(): number {
    return 128 + (this.signal === 'SIGINT' ? 2 : this.signal === 'SIGHUP' ? 1 : 15);
  }
}
