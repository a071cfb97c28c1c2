// The file tree a consumer reads: rendered files merged into what a fresh system (or a
// given target) holds, written under a private temporary root for the harness to read.
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RenderedFile } from '../backends/types.js';
import { mergeContent } from '../output/merge.js';
import type { TreeFile } from './types.js';

/**
 * The bytes each rendered file has once written: whole files as rendered, merged kinds
 * (keys, blocks, rt_tables) merged into `existing(path)` or, when that is undefined, into
 * the file a fresh system has. `source` is the model name netgen's block markers carry.
 */
export function materialiseTree(files: readonly RenderedFile[], source: string, existing: (path: string) => string | undefined = () => undefined): TreeFile[] {
  return files.flatMap((f) => {
    const content = mergeContent(f, existing(f.path), source);
    return content === undefined ? [] : [{ path: f.path, mode: f.mode, content }];
  });
}

/** Every regular file below `dir`, as a tree (relative POSIX paths, permission bits kept). */
export function readTreeFromDir(dir: string): TreeFile[] {
  const out: TreeFile[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const relPath = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(join(dir, relPath));
      if (st.isDirectory()) walk(relPath);
      else if (st.isFile()) out.push({ path: relPath, mode: st.mode & 0o7777, content: readFileSync(join(dir, relPath), 'utf8') });
    }
  };
  walk('');
  return out;
}

/** Refuse paths that would leave the root: the tree is written below a temporary directory. */
export function checkTreePath(path: string): void {
  if (path === '' || path.startsWith('/') || path.split('/').some((p) => p === '..' || p === '.' || p === '')) {
    throw new Error(`tree path ${JSON.stringify(path)} is not a plain relative path`);
  }
}

/** Write a tree below `root` (which must be the harness's own temporary directory). */
export function writeTree(root: string, files: readonly TreeFile[]): void {
  for (const f of files) {
    checkTreePath(f.path);
    const abs = join(root, ...f.path.split('/'));
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, f.content, { mode: f.mode & 0o777 });
    chmodSync(abs, f.mode & 0o777);
  }
}

/** The reserved tables every system has; what rt_tables holds when the tree brings none. */
export const RESERVED_RT_TABLES = '#\n# reserved values\n#\n255\tlocal\n254\tmain\n253\tdefault\n0\tunspec\n';

export { RT_TABLES_PATH } from '../backends/rt-tables.js';
