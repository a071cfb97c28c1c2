// Templates only format: each planned file is its template applied to its context, with the
// line endings and blanks normalised.
import { NetgenError } from '../errors.js';
import type { FileSpec, RenderedFile } from '../backends/types.js';
import { template } from './templates.js';

/** Render every planned file to its text. Pure apart from reading the templates once (from source; the bundle has them built in). */
export function renderFiles(specs: FileSpec[]): RenderedFile[] {
  return specs.map((spec) => {
    let content: string;
    try {
      content = template(spec.template)(spec.context);
    } catch (err) {
      if (err instanceof NetgenError) throw err;
      throw new NetgenError('internal', `rendering ${spec.path} with ${spec.template}.hbs failed: ${(err as Error).message}`, { cause: err });
    }
    return { path: spec.path, mode: spec.mode, owner: spec.owner, content: normalise(content) };
  });
}

/**
 * Templates are written for people; output is for parsers: LF only, no trailing blanks, one
 * final newline. One pass over the text for each rule (not a string per line: a host with
 * thousands of interfaces renders files of a hundred thousand lines).
 */
function normalise(text: string): string {
  let out = text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
  out = out.replace(TRAILING_BLANKS, '');
  let end = out.length;
  while (end > 0 && out.charCodeAt(end - 1) === 10) end--;
  return end === 0 ? '' : out.slice(0, end) + '\n';
}

/** Blanks at the end of a line. */
const TRAILING_BLANKS = /[ \t]+(?=\n|$)/g;
