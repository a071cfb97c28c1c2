// The only code that touches the target tree. Everything is rendered and merged first;
// then every file is written beside its target and renamed into place, so a target is
// always either as it was or complete. A failure part-way puts back what was renamed.
import { type Stats, closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync, chmodSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { spawnSync } from 'node:child_process';
import { NetgenError } from '../errors.js';
import type { RenderedFile } from '../backends/types.js';
import { isNetgenFile, mergeContent } from './merge.js';

export interface Target {
  /** `--root DIR`: the whole tree goes below DIR. */
  root?: string;
  /** `-o DIR`: the back-end's main directory. */
  outDir?: string;
}

export interface Placed {
  file: RenderedFile;
  /** Absolute path the file goes to. */
  abs: string;
}

export interface Placement {
  placed: Placed[];
  /** Files `-o` could not place (they live beside the main directory): not written. */
  skipped: RenderedFile[];
  /** The root the placed files are under (for listing and stale checks). */
  root: string;
}

/**
 * Map rendered files to disk paths. With `-o DIR`, files outside the back-end's main
 * directory are written only when DIR ends in the canonical path (then DIR names the
 * same tree `--root` would); otherwise they are reported as skipped.
 */
export function placeFiles(files: RenderedFile[], target: Target, mainDir: string): Placement {
  if (target.root !== undefined) {
    const root = resolve(target.root);
    return { placed: files.map((file) => ({ file, abs: join(root, ...file.path.split('/')) })), skipped: [], root };
  }
  if (target.outDir === undefined) throw new NetgenError('usage', 'give -o DIR or --root DIR');
  const out = resolve(target.outDir);
  const canonical = sep + mainDir.split('/').join(sep);
  if (out.endsWith(canonical)) {
    const root = out.slice(0, out.length - canonical.length) || sep;
    return { placed: files.map((file) => ({ file, abs: join(root, ...file.path.split('/')) })), skipped: [], root };
  }
  const placed: Placed[] = [];
  const skipped: RenderedFile[] = [];
  for (const file of files) {
    if (file.path.startsWith(mainDir + '/')) placed.push({ file, abs: join(out, ...file.path.slice(mainDir.length + 1).split('/')) });
    else skipped.push(file);
  }
  return { placed, skipped, root: out };
}

export type Action = 'create' | 'update' | 'unchanged';

export interface Change {
  abs: string;
  /** The path as shown to the user (relative to the current directory). */
  shown: string;
  rel: string;
  mode: number;
  action: Action;
  before: string | undefined;
  after: string;
  /** The existing file had no netgen header and netgen owns it whole. */
  unmanaged: boolean;
  /** The mode differs from what netgen wants (content may be unchanged). */
  modeChanged: boolean;
}

/** Read what is there, merge, and decide per file. Reads only; refuses unsafe targets. */
export function prepareChanges(placement: Placement, source: string, cwd: string = process.cwd()): Change[] {
  const rootReal = safeRealpath(placement.root);
  const checked = new Set<string>();
  return placement.placed.flatMap(({ file, abs }): Change[] => {
    const shown = shownPath(abs, cwd);
    const st = checkPathInside(rootReal ?? placement.root, placement.root, abs, shown, checked);
    const existing = readExisting(abs, shown, st);
    const after = mergeContent(file, existing?.text, source, shown);
    if (after === undefined) return [];
    const action: Action = existing === undefined ? 'create' : existing.text === after ? 'unchanged' : 'update';
    return [{
      abs,
      shown,
      rel: file.path,
      mode: file.mode,
      action,
      before: existing?.text,
      after,
      unmanaged: file.owner.kind === 'whole' && existing !== undefined && !isNetgenFile(existing.text),
      modeChanged: existing !== undefined && (existing.mode & 0o777) !== file.mode,
    }];
  });
}

/** A path as a user reads it: relative below the working directory, absolute elsewhere. */
export function shownPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  return rel === '' || rel.startsWith('..') ? abs : rel;
}

function safeRealpath(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/**
 * No component between the root and the target may be a symlink: never follow one out of
 * the tree. `checked` holds directories already found safe in this run (a fleet shares most).
 */
function checkPathInside(rootReal: string, root: string, abs: string, shown: string, checked: Set<string>): Stats | undefined {
  const rel = relative(root, abs);
  if (rel.startsWith('..') || rel === '') throw new NetgenError('internal', `${shown} is outside the target tree`);
  const parts = rel.split(sep);
  let cur = rootReal;
  for (const [i, part] of parts.entries()) {
    cur = join(cur, part);
    const isDir = i < parts.length - 1;
    if (isDir && checked.has(cur)) continue;
    const st = lstatSync(cur, { throwIfNoEntry: false });
    if (!st) return undefined; // does not exist yet: nothing below it can be a link
    if (st.isSymbolicLink()) throw new NetgenError('io', `${shown}: ${cur} is a symbolic link; netgen does not follow links out of the target tree`);
    if (isDir) checked.add(cur);
    else return st;
  }
  return undefined;
}

/** The target's current text and mode; `st` is its lstat (undefined: it does not exist). */
function readExisting(abs: string, shown: string, st: Stats | undefined): { text: string; mode: number } | undefined {
  if (!st) return undefined;
  if (st.isDirectory()) throw new NetgenError('io', `${shown} is a directory; netgen writes a file there`);
  if (!st.isFile()) throw new NetgenError('io', `${shown} is not a regular file`);
  try {
    return { text: readFileSync(abs, 'utf8'), mode: st.mode };
  } catch (err) {
    throw new NetgenError('io', `cannot read ${shown}: ${(err as Error).message}`);
  }
}

export interface CommitHooks {
  /** Test hook: runs before the i-th rename (0-based); throwing simulates a failure there. */
  beforeRename?: (i: number, change: Change) => void;
}

const TMP_PREFIX = '.netgen-';

/**
 * Write every changed file all-or-nothing: temporaries first (beside their targets, so the
 * rename stays on one filesystem), then renames; on any failure the renamed targets get
 * their old bytes back and every temporary is removed. Unchanged files are not touched.
 */
export function commitChanges(changes: Change[], hooks: CommitHooks = {}): void {
  // A host's handful of files: fsync each. A fleet's thousands: one flush per filesystem.
  const perFileSync = changes.length <= PER_FILE_SYNC_MAX;
  const todo = changes.filter((c) => c.action !== 'unchanged' || c.modeChanged);
  removeOrphanTemps(new Set(todo.map((c) => dirname(c.abs))));
  const temps: { change: Change; tmp: string }[] = [];
  const createdDirs: string[] = [];
  const knownDirs = new Set<string>();
  try {
    for (const change of todo) {
      const parent = dirname(change.abs);
      if (!knownDirs.has(parent)) {
        createdDirs.push(...makeDirs(parent));
        knownDirs.add(parent);
      }
      const tmp = join(dirname(change.abs), `${TMP_PREFIX}${process.pid}-${temps.length}.tmp`);
      writeTemp(tmp, change.after, change.mode, perFileSync);
      temps.push({ change, tmp });
    }
    // The temporaries must be on disk before they replace anything.
    if (!perFileSync && temps.length > 0) syncFilesystems(temps.map((t) => t.tmp));
  } catch (err) {
    for (const { tmp } of temps) rmSync(tmp, { force: true });
    removeDirs(createdDirs);
    throw ioError('writing', temps.length < todo.length ? todo[temps.length]! : undefined, err);
  }
  const done: Change[] = [];
  try {
    temps.forEach(({ change, tmp }, i) => {
      hooks.beforeRename?.(i, change);
      renameSync(tmp, change.abs);
      done.push(change);
    });
    if (!perFileSync && done.length > 0) syncFilesystems(done.map((c) => c.abs));
  } catch (err) {
    const failed = todo[done.length];
    for (const { tmp } of temps) rmSync(tmp, { force: true });
    const notRestored: string[] = [];
    for (const change of done.reverse()) {
      try {
        if (change.before === undefined) rmSync(change.abs, { force: true });
        else {
          const tmp = join(dirname(change.abs), `${TMP_PREFIX}${process.pid}-restore.tmp`);
          writeTemp(tmp, change.before, change.mode, true);
          renameSync(tmp, change.abs);
        }
      } catch {
        notRestored.push(change.shown);
      }
    }
    removeDirs(createdDirs);
    const e = ioError('replacing', failed, err);
    if (notRestored.length) e.message += `\nCould not put back: ${notRestored.join(', ')}`;
    throw e;
  }
}

/** Temporaries left by a netgen run that was killed (its pid is gone) are removed. */
function removeOrphanTemps(dirs: Set<string>): void {
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = /^\.netgen-(\d+)-[\w]+\.tmp$/.exec(name);
      if (!m || pidAlive(Number(m[1]))) continue;
      rmSync(join(dir, name), { force: true });
    }
  }
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Up to this many files per run are fsynced one by one; more are flushed per filesystem. */
const PER_FILE_SYNC_MAX = 64;

/**
 * Durability for a fleet costs one flush per filesystem and phase, not one fsync per file:
 * 1,000 hosts spent 3 of 7 seconds in fsync. coreutils `sync -f PATH` is syncfs(2) on the
 * filesystem holding PATH; where it cannot run, every file is fsynced instead.
 */
function syncFilesystems(paths: string[]): void {
  const byDevice = new Map<number, string>();
  for (const dir of new Set(paths.map(dirname))) {
    const dev = lstatSync(dir).dev;
    if (!byDevice.has(dev)) byDevice.set(dev, dir);
  }
  const r = spawnSync('sync', ['-f', ...byDevice.values()], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status === 0) return;
  for (const p of paths) {
    const fd = openSync(p, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
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

function writeTemp(path: string, text: string, mode: number, fsync: boolean): void {
  const fd = openSync(path, 'wx', mode);
  try {
    try {
      writeSync(fd, text);
      if (fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if ((mode & ~umask()) !== mode) chmodSync(path, mode); // the umask must not decide a script's run bit
  } catch (err) {
    rmSync(path, { force: true }); // a half-written temporary (disk full) must not stay behind
    throw err;
  }
}

/** Create missing parents; return the ones created, deepest last. */
function makeDirs(dir: string): string[] {
  const missing: string[] = [];
  let cur = dir;
  for (;;) {
    const st = lstatSync(cur, { throwIfNoEntry: false });
    if (st) {
      if (!st.isDirectory()) throw new NetgenError('io', `${cur} is not a directory`);
      break;
    }
    missing.unshift(cur);
    const up = dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  for (const d of missing) mkdirSync(d, { mode: 0o755 });
  return missing;
}

function removeDirs(dirs: string[]): void {
  for (const d of [...dirs].reverse()) {
    try {
      rmSync(d, { recursive: false });
    } catch {
      // not empty or gone: leave it
    }
  }
}

function ioError(what: string, change: Change | undefined, err: unknown): NetgenError {
  if (err instanceof NetgenError) return err;
  const e = err as NodeJS.ErrnoException;
  const reason =
    e.code === 'ENOSPC' ? 'no space left on the device' :
    e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' :
    e.code === 'EISDIR' ? 'it is a directory' :
    e.code === 'EROFS' ? 'read-only file system' :
    e.message;
  const where = change ? ` ${change.shown}` : '';
  return new NetgenError('io', `${what}${where} failed: ${reason}; no target file was changed`, { cause: err });
}

/**
 * Files netgen generated earlier (they carry its header) in the directories it writes,
 * which this render no longer produces. Only regular files are considered.
 */
export function findStale(changes: Change[], cwd: string = process.cwd()): { abs: string; shown: string }[] {
  const wanted = new Set(changes.map((c) => c.abs));
  const dirs = [...new Set(changes.map((c) => dirname(c.abs)))].sort();
  const out: { abs: string; shown: string }[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const abs = join(dir, name);
      if (wanted.has(abs) || name.startsWith(TMP_PREFIX)) continue;
      try {
        const st = lstatSync(abs);
        if (!st.isFile() || st.size > 1024 * 1024) continue;
        if (isNetgenFile(readFileSync(abs, 'utf8'))) out.push({ abs, shown: shownPath(abs, cwd) });
      } catch {
        // unreadable: not ours to judge
      }
    }
  }
  return out;
}

/** Remove stale netgen files (`--prune`). */
export function pruneFiles(stale: { abs: string }[]): void {
  for (const s of stale) rmSync(s.abs, { force: true });
}

/**
 * A file of the target that netgen does not write but must read (a foreign
 * /etc/sysctl.conf): its text, or undefined when it is missing, not a regular file, or
 * reached through a symbolic link.
 */
export function readTargetText(root: string, rel: string): string | undefined {
  let cur = resolve(root);
  for (const part of rel.split('/')) {
    cur = join(cur, part);
    const st = lstatSync(cur, { throwIfNoEntry: false });
    if (!st || st.isSymbolicLink()) return undefined;
  }
  try {
    const st = lstatSync(cur);
    return st.isFile() && st.size <= 1024 * 1024 ? readFileSync(cur, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}
