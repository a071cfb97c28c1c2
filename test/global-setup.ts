// Once per `vitest run`: the CLI from source, bundled by esbuild (plain: no precompiled
// templates or other stand-ins of scripts/bundle.mjs), for test/helpers/cli.ts. A run starts
// in about a third of the time it takes through tsx, and the suite starts several hundred.
// It lives below the repository so that it finds templates/ as the installed CLI does.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO = fileURLToPath(new URL('../', import.meta.url));

export default async function setup(): Promise<() => void> {
  const dir = join(REPO, 'node_modules/.cache', `netgen-cli-${process.pid}`);
  const entry = join(dir, 'netgen.cjs');
  await build({
    // Run as a command only: a fleet's render worker (src/commands/render-pool.ts) loads this file as a module.
    stdin: { contents: "import { main, runRenderWorker } from './src/cli.ts';\nexport { runRenderWorker };\nif (require.main === module) void main(process.argv.slice(2));\n", resolveDir: REPO, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: entry,
    logLevel: 'warning',
    define: { 'import.meta.url': '__netgenUrl' },
    banner: { js: "var __netgenUrl=require('node:url').pathToFileURL(__filename).href;" },
  });
  // The test workers are started after this and inherit it.
  process.env['NETGEN_TEST_CLI'] = entry;
  return () => rmSync(dir, { recursive: true, force: true });
}
