// `netgen render` with plainly spelt options, read without yargs. Building the yargs CLI and
// parsing with it is about 5 ms of a single render (bench/RESULTS.md), the command a fleet's
// config management runs most. Only an argument list whose every word is one of render's own
// options, each given once in its plain spelling and valid, is read here; anything else
// (--help, a misspelling, --opt=value, a missing value, a conflict, an empty --root) goes to
// yargs, which reads it or explains what is wrong. test/unit/render-argv.test.ts checks that
// what is read here is what yargs reads.
import type { RenderArgs } from './commands/render.js';

const VALUE_OPTIONS: Record<string, 'distro' | 'model' | 'output' | 'root' | 'gentooRules'> = {
  '--distro': 'distro',
  '-d': 'distro',
  '--model': 'model',
  '-m': 'model',
  '--output': 'output',
  '-o': 'output',
  '--root': 'root',
  '--gentoo-rules': 'gentooRules',
};
const FLAGS: Record<string, 'check' | 'dryRun' | 'force' | 'prune' | 'quiet' | 'keepGoing' | 'debug'> = {
  '--check': 'check',
  '--dry-run': 'dryRun',
  '--force': 'force',
  '--prune': 'prune',
  '--quiet': 'quiet',
  '-q': 'quiet',
  '--keep-going': 'keepGoing',
  '--debug': 'debug',
};

/** The arguments of a plain `render` command line, or undefined: leave it to yargs. */
export function parseRenderArgv(argv: readonly string[]): RenderArgs | undefined {
  if (argv[0] !== 'render') return undefined;
  const values: Partial<Record<'distro' | 'output' | 'root' | 'gentooRules', string>> = {};
  const models: string[] = [];
  const flags = new Set<string>();
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!;
    const flag = FLAGS[word];
    if (flag !== undefined) {
      if (flags.has(flag)) return undefined;
      flags.add(flag);
      continue;
    }
    const key = VALUE_OPTIONS[word];
    const value = argv[i + 1];
    // A value yargs could read as an option, a number or nothing is for yargs to judge.
    if (key === undefined || value === undefined || value === '' || value.startsWith('-') || /^\s/.test(value) || !Number.isNaN(Number(value))) return undefined;
    i++;
    if (key === 'model') models.push(value);
    else if (values[key] !== undefined) return undefined;
    else values[key] = value;
  }
  const { distro, output, root, gentooRules } = values;
  // What yargs' checks would refuse, it refuses itself, with its words.
  if (distro === undefined || (output === undefined) === (root === undefined)) return undefined;
  if ([output, root].some((v) => v !== undefined && v.trim() === '')) return undefined;
  if (gentooRules !== undefined && ((gentooRules !== 'local-start' && gentooRules !== 'native') || (distro !== 'gentoo' && distro !== 'gentoo-legacy'))) return undefined;
  if (flags.has('check') && (flags.has('dryRun') || flags.has('force') || flags.has('prune'))) return undefined;
  const args: RenderArgs & { debug?: boolean } = { model: models.length > 0 ? models : ['./netgen.yaml'], distro };
  if (output !== undefined) args.output = output;
  if (root !== undefined) args.root = root;
  if (gentooRules !== undefined) args.gentooRules = gentooRules;
  for (const f of flags) args[f as 'check'] = true;
  return args;
}
