// The one Handlebars instance: templates are formatting only, compiled once per run.
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetgenError } from '../errors.js';
import type { FileSpec, RenderedFile } from '../backends/types.js';
import { packageRoot } from '../package-root.js';

const templatesDir = join(packageRoot(), 'templates') + '/';

const hbs = Handlebars.create();
const compiled = new Map<string, Handlebars.TemplateDelegate>();

hbs.registerPartial('header', readTemplate('header'));

function readTemplate(name: string): string {
  try {
    return readFileSync(templatesDir + name + '.hbs', 'utf8');
  } catch (err) {
    throw new NetgenError('internal', `template ${name}.hbs is missing from ${templatesDir}`, { cause: err });
  }
}

function templateFor(name: string): Handlebars.TemplateDelegate {
  let t = compiled.get(name);
  if (!t) {
    t = hbs.compile(readTemplate(name), { strict: true, noEscape: true });
    compiled.set(name, t);
  }
  return t;
}

/** Render every planned file to its text. Pure apart from reading the templates once. */
export function renderFiles(specs: FileSpec[]): RenderedFile[] {
  return specs.map((spec) => {
    let content: string;
    try {
      content = templateFor(spec.template)(spec.context);
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
