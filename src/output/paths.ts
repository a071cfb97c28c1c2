// Path arithmetic on the write path without node:path's resolving: a fleet asks it for
// every file (path.relative alone cost ~5% of a 10,000-host render). Each helper takes the
// fast way only for clean absolute POSIX paths (no `.`, `..`, empty or trailing segment),
// where it gives exactly what node:path gives; anything else goes through node:path.
import { join, relative, sep } from 'node:path';

/** A segment that is empty, `.` or `..` (or a trailing slash): node:path would rewrite it. */
const UNCLEAN = /\/\.{0,2}(?:\/|$)/;

/** Whether `p` is an absolute path node:path would leave as it is (normalised, no trailing slash). */
function clean(p: string): boolean {
  return sep === '/' && p.charCodeAt(0) === 47 && (p.length === 1 || !UNCLEAN.test(p));
}

/**
 * `clean(base)` for the few directories a run measures paths from (its working directory,
 * its root): asked once for each of the run's files, answered from here after the first.
 */
const cleanBases = new Map<string, boolean>();
function cleanBase(base: string): boolean {
  let c = cleanBases.get(base);
  if (c === undefined) {
    if (cleanBases.size >= 64) cleanBases.clear();
    c = clean(base);
    cleanBases.set(base, c);
  }
  return c;
}

/** `relative(from, to)`; for `to` at or below `from` (both clean) without resolving either. */
export function relativePath(from: string, to: string): string {
  if (cleanBase(from) && clean(to)) {
    const rel = below(from, to);
    if (rel !== undefined) return rel;
  }
  return relative(from, to);
}

/**
 * `relative(from, to)` where that does not climb out of `from` (`to` at or below it), else
 * undefined: how a path is shown to the user (relative below the working directory).
 */
export function relativeBelow(from: string, to: string): string | undefined {
  if (cleanBase(from) && clean(to)) return below(from, to);
  const rel = relative(from, to);
  return rel.startsWith('..') && (rel.length === 2 || rel.charCodeAt(2) === 47) ? undefined : rel;
}

/** For clean paths: `to` relative to `from` when at or below it. */
function below(from: string, to: string): string | undefined {
  if (to === from) return '';
  const prefix = from === '/' ? '/' : from + '/';
  return to.startsWith(prefix) ? to.slice(prefix.length) : undefined;
}

/** A relative path of plain segments (`etc/sysconfig/network`): no `.`, `..` or empty one. */
function plainRel(rel: string): boolean {
  return rel !== '' && !UNCLEAN.test('/' + rel);
}

/**
 * `(file) => join(root, ...file.split('/'))` for files below one root: a concatenation for a
 * clean root and a plain relative path.
 */
export function joinerBelow(root: string): (rel: string) => string {
  const prefix = clean(root) ? (root === '/' ? '/' : root + '/') : undefined;
  return (rel) => (prefix !== undefined && plainRel(rel) ? prefix + rel : join(root, ...rel.split('/')));
}
