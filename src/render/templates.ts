// The templates as Handlebars functions, by name (`rhel6/ifcfg` is templates/rhel6/ifcfg.hbs).
// From source (tests, tsx) each .hbs file is read and compiled at its first use. The bundled
// CLI does not use this module: scripts/bundle.mjs replaces it with the same templates
// precompiled at build time (with the same compile-options.json) and Handlebars' runtime
// only, so a render compiles no template and loads no template compiler.
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetgenError } from '../errors.js';
import { packageRoot } from '../package-root.js';
import { registerArrayEach } from './each.js';
import options from './compile-options.json' with { type: 'json' };

const templatesDir = join(packageRoot(), 'templates') + '/';
const hbs = Handlebars.create();
registerArrayEach(hbs as never);
const compiled = new Map<string, Handlebars.TemplateDelegate>();

function compile(name: string): Handlebars.TemplateDelegate {
  let source: string;
  try {
    source = readFileSync(templatesDir + name + '.hbs', 'utf8');
  } catch (err) {
    throw new NetgenError('internal', `template ${name}.hbs is missing from ${templatesDir}`, { cause: err });
  }
  return hbs.compile(source, options);
}

hbs.registerPartial('header', compile('header'));

/** The template called NAME, compiled once per run. */
export function template(name: string): Handlebars.TemplateDelegate {
  let t = compiled.get(name);
  if (!t) {
    t = compile(name);
    compiled.set(name, t);
  }
  return t;
}
