// Where netgen's own files (package.json, templates/) are, whether it runs from src/
// (tests) or dist/netgen.cjs (the bundled CLI).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The directory holding netgen's package.json. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error(`netgen's package root (package.json beside templates/) is not above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}
