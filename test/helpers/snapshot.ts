// A target tree as data, to compare two renders of it byte for byte.
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Snapshot = Record<string, string>;

/** Every entry below root (dot files included): files with mode and content, directories. */
export function snapshot(root: string): Snapshot {
  const out: Snapshot = {};
  const walk = (d: string, rel: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const st = lstatSync(p);
      if (st.isDirectory()) {
        out[rel + n + '/'] = 'dir';
        walk(p, rel + n + '/');
      } else out[rel + n] = `${(st.mode & 0o777).toString(8)} ${readFileSync(p, 'utf8')}`;
    }
  };
  if (existsSync(root)) walk(root, '');
  return out;
}
