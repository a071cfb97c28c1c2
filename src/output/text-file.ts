// Writing one text file that is not part of a rendered tree (an imported model, a report):
// whole or not at all (a temporary file beside it, then a rename), and never over a file
// the user did not ask to replace.
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NetgenError } from '../errors.js';

export function writeTextFile(path: string, content: string, options: { force?: boolean; what: string }): void {
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) throw new NetgenError('usage', `${options.what} ${path} is a directory; give a file name`);
    if (!options.force) throw new NetgenError('usage', `${options.what} ${path} exists; pass --force to replace it`);
  }
  const tmp = join(dirname(path), `.${basename(path)}.netgen-${process.pid}.tmp`);
  try {
    writeFileSync(tmp, content, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new NetgenError('io', `cannot write ${options.what} ${path}: ${(err as Error).message}`);
  }
}
