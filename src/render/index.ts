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

/** Templates are written for people; output is for parsers: LF only, no trailing blanks, one final newline. */
function normalise(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n').map((l) => l.replace(/[ \t]+$/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}
