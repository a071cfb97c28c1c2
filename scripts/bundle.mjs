// `npm run build`, after tsc: bundle the CLI into one file (dist/netgen.cjs) and warm a
// V8 code cache for it (dist/netgen.cjs.cache). Loading one pre-compiled file instead of
// hundreds of modules is most of a single render's startup (see bench/RESULTS.md). The
// cache is an optimisation only: bin/netgen.cjs runs the bundle without it when V8
// rejects it (another Node version) or it is missing.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist/netgen.cjs');
rmSync(out + '.cache', { force: true });
await build({
  entryPoints: [join(root, 'src/cli.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Minified names and syntax, but one statement a line: CPU profiles (bench/profile.ts) then
  // say which line, hence which package, top-level code spends its time in.
  minifyIdentifiers: true,
  minifySyntax: true,
  outfile: out,
  logLevel: 'warning',
  // For bench/profile.ts only: maps profiled positions to packages. Never loaded at run time.
  sourcemap: 'external',
  // The sources are ESM and find their package through import.meta.url.
  define: { 'import.meta.url': '__netgenUrl' },
  banner: { js: "var __netgenUrl=require('node:url').pathToFileURL(__filename).href;" },
});

// Warm the cache on the render path: functions V8 compiled during this run are cached.
const scratch = mkdtempSync(join(tmpdir(), 'netgen-warm-'));
try {
  const r = spawnSync(process.execPath, [join(root, 'bin/netgen.cjs'), 'render', '--distro', 'rhel6', '-m', join(root, 'examples/rhel-vip-egress/netgen.yaml'), '--root', scratch], {
    env: { ...process.env, NETGEN_WRITE_CODE_CACHE: '1' },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`warming the code cache failed: ${r.stderr}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
