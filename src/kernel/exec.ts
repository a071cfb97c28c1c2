// Running programs for the harness. Every command is an argument vector; the only shell
// text is the constant wrapper below, and data reaches it as positional arguments.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** A PATH under which `/sbin/ip` and `ip` both resolve, whatever the caller's PATH. */
export const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const TIMEOUT_MS = 30_000;

/** Run a program directly (no shell). A program that cannot start reports status 127. */
export function runProgram(argv: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): RunResult {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('runProgram: empty argument vector');
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
    cwd: options.cwd,
    env: options.env ?? { PATH: SAFE_PATH, LC_ALL: 'C' },
    input: options.input ?? '',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.error) return { status: 127, stdout: r.stdout ?? '', stderr: `${cmd}: ${r.error.message}` };
  const status = r.status ?? (r.signal ? 128 : 1);
  return { status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Inside a private mount namespace: bind the harness's iproute2 directory over
 * /etc/iproute2 (so table names resolve from the rendered rt_tables and nothing of the
 * host's leaks in), then enter the network namespace and run the command. The bind
 * vanishes with the process; the host's /etc is never written.
 */
const WRAPPER =
  'mount --bind "$1" /etc/iproute2 || exit 125; if [ -n "$3" ]; then mount --bind "$3" /etc/sysctl.d || exit 125; fi; ' +
  'ns=$2; shift 3; exec nsenter --net="$ns" -- "$@"';

/** The argument vector that runs `argv` in network namespace `nsName` with `etcIproute2` as /etc/iproute2 (and `sysctlDir`, when given, as /etc/sysctl.d). */
export function namespaceArgv(nsName: string, etcIproute2: string, argv: readonly string[], sysctlDir?: string): string[] {
  return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', WRAPPER, 'netgen-kernel', etcIproute2, `/run/netns/${nsName}`, sysctlDir ?? '', ...argv];
}

/**
 * Run `argv` in network namespace `nsName` with `etcIproute2` as /etc/iproute2 and, when
 * given, the tree's `sysctlDir` as /etc/sysctl.d (a local start script applying a file there
 * reads the tree's, never the host's). /proc/sys/net is the namespace's own. `input` is its stdin.
 */
export function runInNamespace(nsName: string, etcIproute2: string, argv: readonly string[], cwd?: string, sysctlDir?: string, input?: string): RunResult {
  const opts: { cwd?: string; input?: string } = {};
  if (cwd !== undefined) opts.cwd = cwd;
  if (input !== undefined) opts.input = input;
  return runProgram(namespaceArgv(nsName, etcIproute2, argv, sysctlDir), opts);
}

export type KernelAvailability = { ok: true } | { ok: false; reason: string };

let cached: KernelAvailability | undefined;

/**
 * Whether this process can run the harness: root, `ip`, `unshare`, `nsenter`, `mount`,
 * an /etc/iproute2 directory to bind over, and a private mount namespace that works.
 * Cached: the answer does not change within a run.
 */
export function kernelAvailable(): KernelAvailability {
  cached ??= checkKernel();
  return cached;
}

function checkKernel(): KernelAvailability {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux; this is ${process.platform}` };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return { ok: false, reason: `not root (uid ${process.getuid()}); creating network namespaces needs root` };
  }
  const tools: [string, string[]][] = [
    ['ip', ['ip', '-V']],
    ['unshare', ['unshare', '--version']],
    ['nsenter', ['nsenter', '--version']],
    ['mount', ['mount', '--version']],
    ['sh', ['sh', '-c', 'exit 0']],
  ];
  for (const [name, argv] of tools) {
    const r = runProgram(argv);
    if (r.status !== 0) return { ok: false, reason: `\`${name}\` is not usable: ${firstLine(r.stderr) || `exit status ${r.status}`}` };
  }
  if (!isDirectory('/etc/iproute2')) {
    return { ok: false, reason: '/etc/iproute2 is not a directory; the harness binds its own rt_tables over it in a private mount namespace' };
  }
  const r = runProgram(['unshare', '--mount', '--propagation', 'private', '--', 'true']);
  if (r.status !== 0) return { ok: false, reason: `cannot create a private mount namespace: ${firstLine(r.stderr) || `exit status ${r.status}`}` };
  return { ok: true };
}

/** Whether bash is there (the legacy Gentoo consumer sources with it). */
export function haveBash(): boolean {
  return runProgram(['bash', '-c', 'exit 0']).status === 0;
}

function isDirectory(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}
