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
      content = apply(template(spec.template), spec.context);
    } catch (err) {
      if (err instanceof NetgenError) throw err;
      throw new NetgenError('internal', `rendering ${spec.path} with ${spec.template}.hbs failed: ${(err as Error).message}`, { cause: err });
    }
    return { path: spec.path, mode: spec.mode, owner: spec.owner, content: normalise(content) };
  });
}

/** A Handlebars template function as its runtime makes it: `_setup` runs at the start of each call. */
type Template = ((context: unknown) => string) & { _setup?: (options: Record<string, unknown>) => void };

/** Templates whose set-up is kept from their first call. */
const setUp = new WeakSet<Template>();

/**
 * Apply a template. Handlebars' runtime sets a template up on every call: it copies and
 * wraps every helper and makes a new prototype-access policy (~1 us and ~3 kB a call),
 * though nothing it sets up differs between netgen's calls (no per-call options; the same
 * helpers and partials for the whole run). A host with 10,000 interfaces calls rhel6/ifcfg
 * 10,000 times, and a fleet every template once a host; so after a template's first call its
 * set-up is kept: later calls without options skip it. A call with options of its own (as a
 * partial: `{{> header}}`) is set up as Handlebars does. Templates compiled from source (tests)
 * set up an inner function, so there this changes nothing.
 */
function apply(t: Template, context: unknown): string {
  if (setUp.has(t)) return t(context);
  const out = t(context);
  const setup = t._setup;
  if (typeof setup === 'function') {
    t._setup = function (this: unknown, options: Record<string, unknown>): void {
      if (hasKeys(options)) setup.call(this, options);
    };
  }
  setUp.add(t);
  return out;
}

function hasKeys(o: Record<string, unknown> | undefined): boolean {
  if (o === undefined || o === null) return true;
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) return true;
  return false;
}

/**
 * Templates are written for people; output is for parsers: LF only, no trailing blanks, one
 * final newline. One pass over the text for each rule (not a string per line: a host with
 * thousands of interfaces renders files of a hundred thousand lines).
 */
export function normalise(text: string): string {
  let out = text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
  // Most files have no blank before a line end: two substring searches cost far less than
  // the regular expression, which stops at every run of blanks (each space between words).
  if (hasTrailingBlank(out)) out = out.replace(TRAILING_BLANKS, '');
  let end = out.length;
  while (end > 0 && out.charCodeAt(end - 1) === 10) end--;
  if (end > 0 && end === out.length - 1) return out; // one final newline already: no copy
  return end === 0 ? '' : out.slice(0, end) + '\n';
}

/** Blanks at the end of a line. */
const TRAILING_BLANKS = /[ \t]+(?=\n|$)/g;

/** Whether some line of `text` (LF line ends) ends in a blank: whether TRAILING_BLANKS matches. */
export function hasTrailingBlank(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return last === 32 || last === 9 || text.includes(' \n') || text.includes('\t\n');
}
