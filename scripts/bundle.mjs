// Bundles the CLI into dist/bundle/ (part of `npm run build`): one pass of module loading
// instead of hundreds of files cut a single render's startup by about a third (bench/).
// Command modules stay separate chunks, loaded when their command runs.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const outdir = new URL('../dist/bundle/', import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [new URL('../src/cli.ts', import.meta.url).pathname],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  splitting: true,
  minify: true,
  outdir,
  logLevel: 'warning',
  // Bundled CommonJS dependencies (handlebars, ini) call require for Node's built-ins.
  banner: { js: "import{createRequire as __netgenRequire}from'node:module';const require=__netgenRequire(import.meta.url);" },
});
