// Entry of dist/render.cjs, the bundle bin/netgen.cjs runs for a `render` line: the command
// config management runs most. It holds the render path only (no yargs, no import, verify,
// simulator or kernel harness), so a render reads, and V8 loads, half of the full bundle's
// code (bench/RESULTS.md). A line src/render-argv.ts does not read plainly (--help, a
// misspelling, a conflict) is not run here: main() says so, and bin/netgen.cjs runs the full
// CLI (src/cli.ts) on it instead.
import { EXIT } from './errors.js';
import { parseRenderArgv } from './render-argv.js';
import { report } from './report.js';
import { runRender } from './commands/render.js';
import { runWorker } from './commands/render-pool.js';

/** A fleet's render worker (src/commands/render-pool.ts) loads this bundle too, and calls this. */
export async function runRenderWorker(): Promise<void> {
  await runWorker();
}

/**
 * Run a plain `render` line and set the exit code; false, doing nothing, for any other line
 * (the full CLI's to read).
 */
export async function main(argv: string[]): Promise<boolean> {
  const plain = parseRenderArgv(argv);
  if (!plain) return false;
  try {
    await runRender(plain);
    process.exitCode = process.exitCode ?? EXIT.ok;
  } catch (err) {
    process.exitCode = report(err, argv.includes('--debug'));
  }
  return true;
}
