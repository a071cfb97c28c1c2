// Reading a model file from disk: the only I/O of the model stage.
import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { ModelError, NetgenError } from '../errors.js';
import { parseModelText } from './load.js';
import type { Model } from './types.js';
import { validateModel } from './validate.js';

/** Models larger than this are refused before parsing: no host needs a megabyte of network. */
export const MAX_MODEL_BYTES = 4 * 1024 * 1024;

/**
 * Read, parse and validate one model file. `shownAs` names it in messages; `source` in the
 * headers of generated files (default: the same).
 */
export function loadModel(path: string, shownAs: string = path, source: string = shownAs): Model {
  return { ...parseModel(readModelFile(path, shownAs), shownAs), source };
}

/**
 * A model file's bytes, from one open (a fleet reads 100,000 of them; a stat of the path
 * first walked it twice). Opened without blocking, so that a FIFO is refused by its fstat
 * instead of waiting for a writer.
 */
function readModelFile(path: string, shownAs: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw openError(path, shownAs, err);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new NetgenError('usage', `model ${shownAs} is a directory; give a .yaml or .json file`);
    // A FIFO would block forever, a device never end: only a regular file is a model.
    if (!st.isFile()) throw new NetgenError('usage', `model ${shownAs} is not a regular file (a pipe, socket or device); give a .yaml or .json file`);
    if (st.size > MAX_MODEL_BYTES) {
      throw new ModelError([{ ref: { file: shownAs, line: 1, col: 1 }, path: '', message: `the file is ${st.size} bytes; a model may be at most ${MAX_MODEL_BYTES} bytes` }]);
    }
    return readFileSync(fd);
  } catch (err) {
    if (err instanceof NetgenError) throw err;
    throw new NetgenError('io', `cannot read model ${shownAs}: ${(err as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

/** Why a model could not be opened: a path that is not there (usage), or a file that is but cannot be read (io). */
function openError(path: string, shownAs: string, err: unknown): NetgenError {
  try {
    statSync(path);
  } catch (statErr) {
    const code = (statErr as NodeJS.ErrnoException).code;
    return new NetgenError('usage', code === 'ENOENT' ? `model ${shownAs} does not exist (give one with -m FILE)` : `cannot read model ${shownAs}: ${(statErr as Error).message}`);
  }
  return new NetgenError('io', `cannot read model ${shownAs}: ${(err as Error).message}`);
}

/** Parse and validate model bytes (pure). */
export function parseModel(buf: Buffer | string, shownAs: string): Model {
  const text = typeof buf === 'string' ? buf : decode(buf, shownAs);
  return validateModel(parseModelText(text, shownAs));
}

function decode(buf: Buffer, shownAs: string): string {
  const nul = buf.indexOf(0);
  const text = buf.toString('utf8');
  if (nul >= 0 || text.includes('\uFFFD')) {
    const at = nul >= 0 ? nul : text.indexOf('\uFFFD');
    const before = buf.subarray(0, Math.max(0, at)).toString('utf8');
    const line = before.split('\n').length;
    const col = before.length - before.lastIndexOf('\n');
    throw new ModelError([{ ref: { file: shownAs, line, col }, path: '', message: 'the file is not UTF-8 text (binary data?)' }]);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

const repoRoots = new Map<string, string | undefined>();

/** The nearest directory at or above `dir` holding `.git` (a repository's work tree), cached per directory. */
function repoRootOf(dir: string): string | undefined {
  if (repoRoots.has(dir)) return repoRoots.get(dir);
  const up = dirname(dir);
  const found = existsSync(dir + sep + '.git') ? dir : up === dir ? undefined : repoRootOf(up);
  repoRoots.set(dir, found);
  return found;
}

/**
 * How generated files name their model: its path inside the repository that holds it
 * (`hosts/db1.yaml`), else its file name. Never the working directory's view of it, so
 * that the same model renders the same bytes wherever netgen runs, and never an absolute
 * path of the rendering machine. A name that could end the comment line it is written on
 * (a line break or other control character) is refused: it would become a command in
 * files root sources at boot.
 */
export function modelSourceName(path: string): string {
  const abs = resolve(path);
  const repo = repoRootOf(dirname(abs));
  const name = repo === undefined ? basename(abs) : relative(repo, abs).split(sep).join('/');
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) {
    throw new NetgenError('usage', `the model's name ${JSON.stringify(name)} contains a line break or another control character; netgen writes it into comment lines of files the shell reads, so rename the file`);
  }
  return name;
}
