// The only code that changes the target tree: one run per target, all-or-nothing.
//
// A run takes the target's lock file, `<root>/.netgen.lock`, which holds the writer's pid
// and, line by line, the run's journal: every directory it creates, every file it writes,
// every temporary it stages and every file it will remove, each recorded before it happens.
// Files in directories the run created are written in place (nothing else can be there);
// a file in a directory that existed is written to a temporary beside it. Nothing that
// existed is touched until every new byte is on disk and the journal says `C` (commit);
// then the temporaries are renamed over their targets, pruned files removed, and the lock
// deleted. A run that dies before `C` is rolled back by the next run on that target, one
// that dies after it is completed; SIGINT and SIGTERM roll back before exiting.
import { closeSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, statSync, writeFileSync, readSync, renameSync, rmdirSync, unlinkSync, writeSync, chmodSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, isAbsolute, join, sep } from 'node:path';
import { InterruptedError, NetgenError } from '../errors.js';
import { shownPath, type Change, type StaleFile, type TreeState } from './write.js';
import { processStart } from '../process-start.js';
import { relativePath } from './paths.js';

export const LOCK_NAME = '.netgen.lock';
const TMP_PREFIX = '.netgen-';
const HEAD = 'netgen-run';

/** Up to this many files per run are fsynced one by one; more are flushed per file system. */
const PER_FILE_SYNC_MAX = 64;

interface LockHead {
  pid: number;
  start: string | undefined;
}

/** What is known of a target before reading it: free, or left by a run that did not finish. */
export type TargetState = { kind: 'free' } | { kind: 'interrupted'; pid: number; committed: boolean };

/**
 * For commands that only read (`--check`, `--dry-run`, `diff`): a run in progress is an
 * error (its tree is half-written by design); one that was killed is reported.
 */
export function inspectTarget(root: string, cwd: string = process.cwd()): TargetState {
  const lock = join(root, LOCK_NAME);
  const head = readHead(lock);
  if (!head) return { kind: 'free' };
  if (holderAlive(head)) throw heldError(root, lock, head, cwd);
  return { kind: 'interrupted', pid: head.pid, committed: journalCommitted(lock) };
}

export function interruptedNote(root: string, s: { pid: number; committed: boolean }, cwd: string = process.cwd()): string {
  return (
    `interrupted: a netgen run on ${shownPath(root, cwd) || '.'} (pid ${s.pid}) did not finish, so the tree may be half-written; ` +
    `the next "netgen render" on it first ${s.committed ? 'completes' : 'rolls back'} that run`
  );
}

function heldError(root: string, lock: string, head: LockHead, cwd: string): NetgenError {
  return new NetgenError(
    'usage',
    `${shownPath(root, cwd) || '.'} is being written by another netgen run (pid ${head.pid}); run again when it has finished. ` +
      `If no netgen is running, the lock ${shownPath(lock, cwd)} is left from a crash: remove it.`,
  );
}

export interface RunOptions {
  /** How many files the run may write at most (decides per-file fsync or one flush per file system). */
  expectedFiles: number;
  /** Tells the user what was done about an earlier, interrupted run. */
  note(line: string): void;
  cwd?: string;
}

/** One writing run on one target tree; see the top of this file. */
export class Run {
  readonly root: string;
  readonly lock: string;
  private readonly state: TreeState;
  private fd: number;
  /** fsync each file as it is written; false: one flush per file system before the commit mark. */
  private perFileSync: boolean;
  private tmpCount = 0;
  /** Files staged for removal at the commit (`R` records). */
  private removals = 0;
  /**
   * Temporaries are named by pid and a random token, so that no earlier run's leftover has the
   * name. The token needs no secrecy (temporaries are created with O_EXCL, which never follows
   * a planted link), so not node:crypto, whose loading is ~6 ms of a single render.
   */
  private readonly token = `${process.pid}.${Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0')}`;
  private staged = 0;
  private done = false;
  private committed = false;
  /** A signal that arrived; handled at the next host boundary (before the commit). */
  signal: NodeJS.Signals | undefined;
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    this.signal ??= sig;
  };

  private constructor(state: TreeState, fd: number, perFileSync: boolean) {
    this.state = state;
    this.root = state.root;
    this.lock = join(state.root, LOCK_NAME);
    this.fd = fd;
    this.perFileSync = perFileSync;
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  /** Take the target's lock, first finishing or rolling back a run that was killed there. */
  static open(state: TreeState, opts: RunOptions): Run {
    const cwd = opts.cwd ?? process.cwd();
    const lock = join(state.root, LOCK_NAME);
    const head = readHead(lock);
    if (head) {
      if (holderAlive(head)) throw heldError(state.root, lock, head, cwd);
      const how = recover(state.root, head);
      opts.note(`an earlier netgen run on ${shownPath(state.root, cwd) || '.'} (pid ${head.pid}) was interrupted; ${how === 'completed' ? 'completed' : 'rolled back'} it first`);
    }
    const dirs = state.missing(state.root);
    makeDirs(dirs);
    state.created(dirs);
    // A root this run created was never looked at: its file system must be flushed too.
    if (state.devices.size === 0) state.devices.set(statSync(state.root).dev, state.root);
    if (dirs.length === 0) removeDeadAsides(state.root);
    // The lock appears whole or not at all: written aside, then linked into place (fails if one exists).
    const text = `${HEAD} pid=${process.pid} start=${processStart(process.pid) ?? '-'}\n` + dirs.map((d) => `D\t${JSON.stringify(d)}\n`).join('');
    const aside = `${lock}.${process.pid}.tmp`;
    let fd: number;
    try {
      try {
        writeFileSync(aside, text, { mode: 0o644, flag: 'w' });
        linkSync(aside, lock);
      } finally {
        unlinkIfThere(aside);
      }
      fd = openSync(lock, 'a');
    } catch (err) {
      removeDirs(dirs);
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EEXIST') {
        const other = readHead(lock);
        if (other) throw heldError(state.root, lock, other, cwd);
      }
      throw ioError(`taking the lock ${shownPath(lock, cwd)}`, err, true);
    }
    return new Run(state, fd, opts.expectedFiles <= PER_FILE_SYNC_MAX);
  }

  private rel(abs: string): string {
    return relativePath(this.root, abs);
  }

  private append(text: string): void {
    if (text !== '') writeSync(this.fd, text);
  }

  /**
   * Stage one host: record in the journal, then create its directories, write its new
   * files in place and its replacements beside their targets. Nothing existing changes.
   * `remove` are files to delete at the commit (`--prune`).
   */
  stageHost(changes: readonly Change[], remove: readonly StaleFile[] = []): void {
    type Op = { dirs: string[] } | { path: string; change: Change };
    const ops: Op[] = [];
    let rec = '';
    for (const change of changes) {
      if (change.action === 'unchanged' && !change.modeChanged) continue;
      const parent = dirname(change.abs);
      const dirs = this.state.missing(parent);
      if (dirs.length > 0) {
        this.state.created(dirs);
        for (const d of dirs) rec += `D\t${JSON.stringify(this.rel(d))}\n`;
        ops.push({ dirs });
      }
      if (this.state.isCreated(parent)) {
        rec += `N\t${JSON.stringify(this.rel(change.abs))}\n`;
        ops.push({ path: change.abs, change });
      } else {
        const tmp = join(parent, `${TMP_PREFIX}${this.token}-${this.tmpCount++}.tmp`);
        rec += `T\t${JSON.stringify(this.rel(tmp))}\t${JSON.stringify(this.rel(change.abs))}\n`;
        ops.push({ path: tmp, change });
      }
    }
    for (const r of remove) rec += `R\t${JSON.stringify(this.rel(r.abs))}\n`;
    this.removals += remove.length;
    // One host can be a fleet's worth of files (10,000 interfaces): past the limit, the files
    // still to come are flushed with the rest per file system, not one fsync each.
    const files = ops.length - ops.filter((op) => 'dirs' in op).length;
    if (this.perFileSync && this.staged + files > PER_FILE_SYNC_MAX) this.perFileSync = false;
    try {
      this.append(rec);
    } catch (err) {
      throw ioError('writing the journal', err, true);
    }
    for (const op of ops) {
      if ('dirs' in op) {
        try {
          makeDirs(op.dirs);
        } catch (err) {
          throw ioError(`creating ${shownPath(op.dirs[op.dirs.length - 1]!, process.cwd())}`, err, true);
        }
        continue;
      }
      try {
        writeNew(op.path, op.change.after, op.change.mode, this.perFileSync);
      } catch (err) {
        throw ioError(`writing ${op.change.shown}`, err, true);
      }
      this.staged++;
    }
  }

  /** Let a pending SIGINT/SIGTERM be seen; if one came, roll back and throw. */
  async checkSignal(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    if (this.signal) {
      this.rollback();
      throw new InterruptedError(this.signal, 'rolled back: no target file was changed');
    }
  }

  /**
   * Make everything staged durable, mark the journal committed, then put the files in
   * place and remove the pruned ones. After the mark the run is completed even if killed.
   */
  commit(): void {
    if (this.signal) {
      this.rollback();
      throw new InterruptedError(this.signal, 'rolled back: no target file was changed');
    }
    try {
      if (!this.perFileSync && this.staged > 0) syncFileSystems(this.state.devices);
    } catch (err) {
      this.rollback();
      throw ioError('flushing the new files', err, false);
    }
    try {
      this.append('C\n');
      fsyncSync(this.fd);
    } catch (err) {
      this.rollback();
      throw ioError('writing the journal', err, true);
    }
    // Past the mark the run only goes forward: should that fail here, the lock (with its
    // journal) stays, and the next run on the target completes it.
    this.committed = true;
    try {
      // A run that staged no temporary and no removal (every file new, in a directory it
      // made) has nothing to put in place: its journal is not read back (130,000 records for
      // 10,000 hosts) and the file systems are not flushed a second time (a spawned sync).
      if (this.tmpCount > 0 || this.removals > 0) {
        rollForward(this.root, this.lock);
        if (!this.perFileSync && this.staged > 0) syncFileSystems(this.state.devices);
      }
      // The lock goes before the signal handlers: a signal now finds the run complete.
      unlinkSync(this.lock);
    } catch (err) {
      this.finish();
      const e = ioError('completing the run', err, false);
      e.message += `; the tree is half-written until the next "netgen render" on it completes the run (its journal is ${shownPath(this.lock, process.cwd())})`;
      throw e;
    }
    this.finish();
  }

  /** Undo everything staged (nothing existing was touched) and release the lock. Never after the commit mark. */
  rollback(): void {
    if (this.done || this.committed) return;
    const dirs = rollBack(this.root, this.lock);
    unlinkIfThere(this.lock);
    removeDirs(dirs);
    this.finish();
  }

  private finish(): void {
    this.done = true;
    closeSync(this.fd);
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}

/** Remove the file at PATH if it is there (as rmSync with force, whose module costs ~0.5 ms of every run to load). */
function unlinkIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Lock files a killed run wrote aside but never linked into place (`.netgen.lock.<pid>.tmp`). */
function removeDeadAsides(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^\.netgen\.lock\.(\d+)\.tmp$/.exec(n);
    if (m && !holderAlive({ pid: Number(m[1]), start: undefined })) unlinkIfThere(join(root, n));
  }
}

/** Finish (committed) or undo (not) the run a dead holder left; remove its lock. */
function recover(root: string, head: LockHead): 'completed' | 'rolled back' {
  const lock = join(root, LOCK_NAME);
  if (journalCommitted(lock)) {
    rollForward(root, lock);
    if (sameHead(readHead(lock), head)) unlinkIfThere(lock);
    return 'completed';
  }
  const dirs = rollBack(root, lock);
  if (sameHead(readHead(lock), head)) unlinkIfThere(lock);
  removeDirs(dirs);
  return 'rolled back';
}

function sameHead(a: LockHead | undefined, b: LockHead): boolean {
  return a !== undefined && a.pid === b.pid && a.start === b.start;
}

/** Rename every staged temporary still there over its target; remove the pruned files. Idempotent. */
function rollForward(root: string, lock: string): void {
  for (const rec of journal(lock, 'TR')) {
    if (rec.kind === 'T') {
      const tmp = join(root, rec.path);
      try {
        renameSync(tmp, join(root, rec.target!));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(`replacing ${rec.target}`, err, false);
      }
    } else if (rec.kind === 'R') unlinkIfThere(join(root, rec.path));
  }
}

/** Remove every temporary and new file; return the directories created, innermost first. Idempotent. */
function rollBack(root: string, lock: string): string[] {
  const dirs: string[] = [];
  for (const rec of journal(lock, 'TND')) {
    if (rec.kind === 'T' || rec.kind === 'N') removeFile(join(root, rec.path));
    else if (rec.kind === 'D') dirs.push(isAbsolute(rec.path) ? rec.path : join(root, rec.path));
  }
  return dirs.reverse();
}

interface Record {
  kind: 'D' | 'N' | 'T' | 'R' | 'C';
  path: string;
  target?: string;
}

/**
 * The journal's records of the given kinds, read in chunks (a fleet's journal may be large);
 * a torn last line is ignored. Lines of other kinds are skipped by their first letter.
 */
function* journal(lock: string, kinds: string): Generator<Record> {
  const root = dirname(lock);
  let fd: number;
  try {
    fd = openSync(lock, 'r');
  } catch {
    return;
  }
  try {
    const buf = Buffer.alloc(1 << 20);
    let carry = '';
    let first = true;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const lines = (carry + buf.toString('utf8', 0, n)).split('\n');
      carry = lines.pop()!;
      for (const line of lines) {
        if (first) {
          first = false;
          continue;
        }
        if (!kinds.includes(line.charAt(0))) continue;
        const rec = parseRecord(line, root);
        if (rec) yield rec;
      }
    }
  } finally {
    closeSync(fd);
  }
}

function parseRecord(line: string, root: string | undefined): Record | undefined {
  if (line === 'C') return { kind: 'C', path: '' };
  const [kind, a, b] = line.split('\t');
  try {
    const path = JSON.parse(a!) as string;
    // The run's root and the directories above it that the run created are named absolute.
    if (kind === 'D' && root !== undefined && isAbsolute(path) && (root === path || root.startsWith(path + sep))) return { kind, path };
    if (kind === 'D' || kind === 'N' || kind === 'R') return safeRel(path) ? { kind, path } : undefined;
    if (kind === 'T' && b !== undefined) {
      const target = JSON.parse(b) as string;
      return safeRel(path) && safeRel(target) ? { kind, path, target } : undefined;
    }
  } catch {
    // a torn or foreign line: skipped
  }
  return undefined;
}

/** A journal only ever names paths below its root. */
function safeRel(p: unknown): boolean {
  return typeof p === 'string' && p !== '' && !p.startsWith('/') && !p.split('/').includes('..');
}

function journalCommitted(lock: string): boolean {
  for (const rec of journal(lock, 'C')) if (rec.kind === 'C') return true;
  return false;
}

function readHead(lock: string): LockHead | undefined {
  let text: string;
  try {
    const fd = openSync(lock, 'r');
    try {
      const buf = Buffer.alloc(256);
      text = buf.toString('utf8', 0, readSync(fd, buf, 0, 256, 0));
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new NetgenError('io', `cannot read the lock ${lock}: ${(err as Error).message}`);
  }
  const m = /^netgen-run pid=(\d+) start=(\S+)/.exec(text);
  // A lock file being born (empty) or not ours: treated as held by an unknown live run.
  if (!m) return { pid: 0, start: undefined };
  return { pid: Number(m[1]), start: m[2] === '-' ? undefined : m[2] };
}

/** Whether the run that wrote a lock still runs (a reused pid is told apart by its start time). */
function holderAlive(head: LockHead): boolean {
  if (head.pid === 0) return true;
  if (head.pid === process.pid) return false;
  try {
    process.kill(head.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = processStart(head.pid);
  return head.start === undefined || start === undefined || start === head.start;
}


/** Remove a file the run wrote; anything else found there (a directory) is left. */
function removeFile(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // gone already, or not a file of ours
  }
}

function makeDirs(dirs: readonly string[]): void {
  for (const d of dirs) {
    try {
      mkdirSync(d, { mode: 0o755 });
    } catch (err) {
      // Another process made it meanwhile: fine if it is a directory.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !lstatSync(d).isDirectory()) throw err;
    }
  }
}

/** Remove directories innermost first; a non-empty or missing one is left as it is. */
function removeDirs(dirs: readonly string[]): void {
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
    try {
      rmdirSync(d);
    } catch {
      // not empty (someone else's file) or gone
    }
  }
}

let cachedUmask: number | undefined;
function umask(): number {
  // process.umask() with no argument is deprecated; read it once by setting it back.
  if (cachedUmask === undefined) {
    cachedUmask = process.umask(0o022);
    process.umask(cachedUmask);
  }
  return cachedUmask;
}

function writeNew(path: string, text: string, mode: number, fsync: boolean): void {
  const fd = openSync(path, 'wx', mode);
  try {
    writeSync(fd, text);
    if (fsync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if ((mode & ~umask()) !== mode) chmodSync(path, mode); // the umask must not decide a script's run bit
}

/**
 * Durability for a fleet costs one flush per file system, not one fsync per file:
 * coreutils `sync -f PATH` is syncfs(2) on the file system holding PATH.
 */
function syncFileSystems(devices: Map<number, string>): void {
  if (devices.size === 0) return;
  const r = spawnSync('sync', ['-f', ...devices.values()], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status === 0) return;
  // No coreutils sync: flush everything.
  spawnSync('sync', [], { stdio: 'ignore' });
}

function ioError(what: string, err: unknown, staged: boolean): NetgenError {
  if (err instanceof NetgenError) return err;
  const e = err as NodeJS.ErrnoException;
  const reason =
    e.code === 'ENOSPC' || e.code === 'EDQUOT' ? 'no space left on the device' :
    e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' :
    e.code === 'EISDIR' ? 'it is a directory' :
    e.code === 'EROFS' ? 'read-only file system' :
    e.code === 'ENOTDIR' ? 'a part of the path is not a directory' :
    e.message;
  return new NetgenError('io', `${what} failed: ${reason}${staged ? '; no target file was changed' : ''}`, { cause: err });
}
