// Run the CLI from source in a child process, as a user would run the installed binary.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));
const repo = fileURLToPath(new URL('../../', import.meta.url));
// Resolved from the repository, so the CLI can run with any working directory.
const tsxLoader = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `netgen ARGS` from source, in `cwd` (default: the repository): the bundle of the sources
 * test/global-setup.ts made for this run, or through tsx where there is none.
 */
export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeout?: number } = {}): CliResult {
  const bundled = process.env['NETGEN_TEST_CLI'];
  const argv = bundled !== undefined && bundled !== '' ? [bundled, ...args] : ['--import', tsxLoader, entry, ...args];
  const r = spawnSync(process.execPath, argv, {
    cwd: opts.cwd ?? repo,
    encoding: 'utf8',
    ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
