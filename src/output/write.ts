// Reading the target tree: where each rendered file goes, what is there now, what would
// change, and which of netgen's earlier files the model no longer produces. Writing is
// src/output/run.ts (one locked, journaled run per target).
import { type Stats, lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { NetgenError } from '../errors.js';
import type { Prunable, RenderedFile } from '../backends/types.js';
import { headerLine, isNetgenFile, mergeContent } from './merge.js';
import { joinerBelow, relativeBelow, relativePath } from './paths.js';

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
  /** Where a directory of the tree (relative, POSIX) lies, or undefined when `-o` leaves it out. */
  dirOf(rel: string): string | undefined;
}

/**
 * Map rendered files to disk paths. With `-o DIR`, files outside the back-end's main
 * directory are written only when DIR ends in the canonical path (then DIR names the
 * same tree `--root` would); otherwise they are reported as skipped.
 */
export function placeFiles(files: RenderedFile[], target: Target, mainDir: string): Placement {
  const root = targetRoot(target, mainDir);
  const whole = target.root !== undefined || root !== resolve(target.outDir!);
  const dirOf = (rel: string): string | undefined => (whole ? join(root, ...rel.split('/')) : rel === mainDir ? root : undefined);
  if (whole) {
    const below = joinerBelow(root);
    return { placed: files.map((file) => ({ file, abs: below(file.path) })), skipped: [], root, dirOf };
  }
  const placed: Placed[] = [];
  const skipped: RenderedFile[] = [];
  for (const file of files) {
    if (file.path.startsWith(mainDir + '/')) placed.push({ file, abs: join(root, ...file.path.slice(mainDir.length + 1).split('/')) });
    // A shared file whose block would be empty makes no file: nothing to tell about.
    else if (!emptyBlock(file)) skipped.push(file);
  }
  return { placed, skipped, root, dirOf };
}

/** The directory a target names: `--root DIR`, or the root `-o DIR` implies (DIR itself when not canonical). */
export function targetRoot(target: Target, mainDir: string): string {
  if (target.root !== undefined) return resolve(target.root);
  if (target.outDir === undefined) throw new NetgenError('usage', 'give -o DIR or --root DIR');
  const out = resolve(target.outDir);
  const canonical = sep + mainDir.split('/').join(sep);
  return out.endsWith(canonical) ? out.slice(0, out.length - canonical.length) || sep : out;
}

function emptyBlock(file: RenderedFile): boolean {
  return (file.owner.kind === 'block' || file.owner.kind === 'rt-tables') && file.content.trim() === '';
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

export interface StaleFile {
  abs: string;
  shown: string;
}

/**
 * What this run knows of the target tree's directories, so that a fleet asks the file
 * system once per directory, and never about a path below one that does not exist or
 * that this run created (nothing can be in it but what the run wrote). No component
 * between the run's root and a target may be a symbolic link: netgen never follows one
 * out of the tree.
 */
export class TreeState {
  readonly root: string;
  private readonly dirs = new Map<string, 'dir' | 'absent' | 'created'>();
  /** Directories learnt since the last `forgetBelow`, so a fleet's cache stays one host deep. */
  private recent: string[] = [];
  /** One directory per file system seen, for flushing them (syncfs) at the end. */
  readonly devices = new Map<number, string>();

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The lstat of a file below the root, undefined when it does not exist. Refuses links and non-directories on the way. */
  statFile(abs: string, shown: string): Stats | undefined {
    const parent = dirname(abs);
    const state = this.statDir(parent, shown);
    if (state !== 'dir') return undefined;
    let st: Stats | undefined;
    try {
      st = lstatSync(abs, { throwIfNoEntry: false });
    } catch (err) {
      throw fsError(err, shown);
    }
    if (st?.isSymbolicLink()) throw new NetgenError('io', `${shown}: ${abs} is a symbolic link; netgen does not follow links out of the target tree`);
    return st;
  }

  /** Whether a directory below (or at) the root exists, or was created by this run. */
  statDir(dir: string, shown: string = dir): 'dir' | 'absent' | 'created' {
    const known = this.dirs.get(dir);
    if (known) return known;
    if (dir === this.root) return this.look(dir, shown, false);
    const rel = relativePath(this.root, dir);
    if (rel === '' || rel.startsWith('..') || rel.startsWith(sep)) throw new NetgenError('internal', `${shown} is outside the target tree`);
    const up = this.statDir(dirname(dir), shown);
    if (up !== 'dir') {
      // Below a missing directory, or one this run made: nothing there the run did not put.
      this.learn(dir, 'absent');
      return 'absent';
    }
    return this.look(dir, shown, true);
  }

  private look(dir: string, shown: string, refuseLink: boolean): 'dir' | 'absent' {
    let st: Stats | undefined;
    try {
      // The root itself may be a link (a user's choice); every directory below it is lstat'ed.
      st = refuseLink ? lstatSync(dir, { throwIfNoEntry: false }) : statOrUndefined(dir);
    } catch (err) {
      throw fsError(err, shown);
    }
    if (!st) {
      this.learn(dir, 'absent');
      return 'absent';
    }
    if (st.isSymbolicLink()) throw new NetgenError('io', `${shown}: ${dir} is a symbolic link; netgen does not follow links out of the target tree`);
    if (!st.isDirectory()) {
      throw new NetgenError('usage', dir === this.root ? `the target ${dir} is not a directory; --root and -o name the directory to write into` : `${dir} is not a directory, but netgen must write ${shown} below it`);
    }
    this.learn(dir, 'dir');
    if (!this.devices.has(st.dev)) this.devices.set(st.dev, dir);
    return 'dir';
  }

  /** The directories to create (outermost first) so that `dir` exists. */
  missing(dir: string): string[] {
    const out: string[] = [];
    let cur = dir;
    while (this.statDir(cur) === 'absent') {
      out.unshift(cur);
      if (cur === this.root) {
        // Above the root: created the same way, outermost first.
        let up = dirname(cur);
        while (up !== dirname(up) && safeStat(up, shownOf(dir)) === undefined) {
          out.unshift(up);
          up = dirname(up);
        }
        break;
      }
      cur = dirname(cur);
    }
    return out;
  }

  /** Drop what is known below `dir` (a host done with): hosts share no directory below their own. */
  forgetBelow(dir: string): void {
    const prefix = dir + sep;
    for (const d of this.recent) if (d === dir || d.startsWith(prefix)) this.dirs.delete(d);
    this.recent = [];
  }

  private learn(dir: string, state: 'dir' | 'absent' | 'created'): void {
    if (!this.dirs.has(dir)) this.recent.push(dir);
    this.dirs.set(dir, state);
  }

  /** Record directories this run created: files in them are known absent and written in place. */
  created(dirs: string[]): void {
    for (const d of dirs) this.learn(d, 'created');
  }

  /** Whether this run created the directory (its files are new and written without a temporary). */
  isCreated(dir: string): boolean {
    return this.dirs.get(dir) === 'created';
  }
}

function statOrUndefined(p: string): Stats | undefined {
  return statSync(p, { throwIfNoEntry: false });
}

function safeStat(p: string, shown: string): Stats | undefined {
  try {
    return statOrUndefined(p);
  } catch (err) {
    throw fsError(err, shown);
  }
}

function shownOf(p: string): string {
  return shownPath(p, process.cwd());
}

function fsError(err: unknown, shown: string): NetgenError {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOTDIR') return new NetgenError('usage', `${shown}: a part of the path ${e.path ?? ''} is a file, not a directory`);
  if (e.code === 'EACCES' || e.code === 'EPERM') return new NetgenError('io', `${shown}: permission denied (${e.path ?? ''})`);
  return new NetgenError('io', `${shown}: ${e.message}`);
}

/** Read what is there, merge, and decide per file. Reads only; refuses unsafe targets. */
export function prepareChanges(placement: Placement, source: string, state: TreeState = new TreeState(placement.root), cwd: string = process.cwd()): Change[] {
  return placement.placed.flatMap(({ file, abs }): Change[] => {
    const shown = shownPath(abs, cwd);
    const st = state.statFile(abs, shown);
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
  const rel = relativeBelow(cwd, abs);
  return rel === undefined || rel === '' || rel.startsWith('..') ? abs : rel;
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

/**
 * Files netgen wrote earlier for this model that this render no longer produces. Only
 * names in the back-end's own namespace are considered (never a backup such as
 * `ifcfg-eth0.bak`, never another program's file), and only files whose netgen header is
 * exactly the one this model's files carry: another model's files, and files that
 * merely mention netgen, are never stale.
 */
export function findStale(placement: Placement, changes: Change[], prunable: readonly Prunable[], state: TreeState, cwd: string = process.cwd()): StaleFile[] {
  let header: string | undefined;
  for (const { file } of placement.placed) if (file.owner.kind === 'whole' && (header = headerLine(file.content)) !== undefined) break;
  if (header === undefined) return [];
  let wanted: Set<string> | undefined;
  const out: StaleFile[] = [];
  for (const ns of prunable) {
    const dir = placement.dirOf(ns.dir);
    // A directory this run creates, or one that is missing, holds nothing stale.
    if (dir === undefined || state.statDir(dir, shownPath(dir, cwd)) !== 'dir') continue;
    wanted ??= new Set([...changes.map((c) => c.abs), ...placement.placed.map((p) => p.abs)]);
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const abs = join(dir, name);
      if (wanted.has(abs) || !ns.name(name)) continue;
      try {
        const st = lstatSync(abs);
        if (!st.isFile() || st.size > 1024 * 1024) continue;
        if (headerLine(readFileSync(abs, 'utf8')) === header) out.push({ abs, shown: shownPath(abs, cwd) });
      } catch {
        // unreadable: not ours to judge
      }
    }
  }
  return out;
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
