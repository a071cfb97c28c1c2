// Throw-away network namespaces: unique names, and deleted whatever happens (normal close,
// an exception, process exit, SIGINT/SIGTERM). Only namespaces this module made are touched,
// plus leftovers of ours whose process is gone.
import { readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { firstLine, runProgram } from './exec.js';
import { processStart } from '../process-start.js';

/** Every namespace the harness makes starts with this. */
export const NS_PREFIX = 'ngk-';

/** Our namespaces, each with what else must go when it goes (the session's temporary tree). */
const live = new Map<string, () => void>();
let counter = 0;
let hooked = false;

/** Create a fresh namespace `ngk-<pid>-<n>` and register it (and `alsoRemove`) for cleanup. */
export function createNamespace(alsoRemove: () => void = () => {}): string {
  hookCleanup();
  for (let attempt = 0; attempt < 5; attempt++) {
    const name = `${NS_PREFIX}${process.pid}-${counter++}`;
    const r = runProgram(['ip', 'netns', 'add', name]);
    if (r.status === 0) {
      live.set(name, alsoRemove);
      return name;
    }
    if (!/exists/i.test(r.stderr)) throw new Error(`ip netns add ${name} failed: ${firstLine(r.stderr) || `exit status ${r.status}`}`);
  }
  throw new Error('could not find a free network namespace name');
}

/** Delete a namespace of ours; quiet when it is already gone. */
export function deleteNamespace(name: string): void {
  if (!name.startsWith(NS_PREFIX)) throw new Error(`refusing to delete namespace ${name}: not one of the harness's`);
  const also = live.get(name);
  live.delete(name);
  try {
    runProgram(['ip', 'netns', 'del', name]);
  } finally {
    also?.();
  }
}

/** The namespaces this process still holds (for tests of the cleanup). */
export function liveNamespaces(): string[] {
  return [...live.keys()];
}

function deleteAll(): void {
  for (const name of [...live.keys()]) {
    try {
      deleteNamespace(name);
    } catch {
      // Exiting anyway: carry on with the others.
    }
  }
}

function hookCleanup(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', deleteAll);
  // Worker threads receive no signals; their process's main thread owns them.
  if (!isMainThread) return;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      deleteAll();
      process.removeListener(signal, onSignal);
      // Someone else listens too: let them decide. Otherwise die of the signal as we would have.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * Delete namespaces named by the harness whose process no longer exists (it was killed
 * with SIGKILL, so no handler ran). Not called implicitly: a process in another PID
 * namespace sharing /run/netns could look dead from here.
 */
export function reapStaleNamespaces(): void {
  let names: string[];
  try {
    names = readdirSync('/run/netns');
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^ngk-(\d+)-\d+$/.exec(name);
    if (!m || Number(m[1]) === process.pid || processExists(Number(m[1]))) continue;
    runProgram(['ip', 'netns', 'del', name]);
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A shared Ethernet segment: a namespace of ours holding one bridge; sessions plug links into it. */
export interface Segment {
  namespace: string;
  bridge: string;
  close(): void;
}

/** Create a segment (`ngk-...` namespace with bridge `br0`, up); `close()` deletes it. */
export function createSegment(): Segment {
  const namespace = createNamespace();
  for (const args of [
    ['link', 'add', 'br0', 'type', 'bridge'],
    ['link', 'set', 'dev', 'br0', 'up'],
    ['link', 'set', 'dev', 'lo', 'up'],
  ]) {
    const r = runProgram(['ip', '-n', namespace, ...args]);
    if (r.status !== 0) {
      deleteNamespace(namespace);
      throw new Error(`segment ${namespace}: ip ${args.join(' ')} failed: ${firstLine(r.stderr)}`);
    }
  }
  return { namespace, bridge: 'br0', close: () => deleteNamespace(namespace) };
}

/**
 * A session's temporary directory says who owns it (pid, start time, PID namespace) in a
 * file `owner`, written before its network namespace is made. `reapStaleSessions` removes
 * the directories, and the `ngk-<pid>-*` namespaces, of owners that were killed (SIGKILL:
 * no handler ran) and ran in this PID namespace, where "gone" can be told for certain.
 */
export function writeSessionOwner(dir: string): void {
  writeFileSync(join(dir, 'owner'), `${process.pid} ${processStart(process.pid) ?? '-'} ${pidNamespace() ?? '-'}\n`);
}

export function reapStaleSessions(tmpRoot: string): void {
  const mine = pidNamespace();
  if (mine === undefined) return;
  let names: string[];
  try {
    names = readdirSync(tmpRoot).filter((n) => n.startsWith(NS_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    let owner: string;
    try {
      owner = readFileSync(join(tmpRoot, name, 'owner'), 'utf8');
    } catch {
      continue; // not a session directory of ours (or not readable): leave it
    }
    const [pid, , pidns] = owner.trim().split(' ');
    if (pidns !== mine || !pid || !/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    // Any live process with that pid (even a new one that reused it) may own ngk-<pid>-*: leave them.
    if (processExists(Number(pid))) continue;
    let nets: string[] = [];
    try {
      nets = readdirSync('/run/netns').filter((n) => n.startsWith(`${NS_PREFIX}${pid}-`) && /^ngk-\d+-\d+$/.test(n));
    } catch {
      // no namespaces at all
    }
    for (const ns of nets) runProgram(['ip', 'netns', 'del', ns]);
    rmSync(join(tmpRoot, name), { recursive: true, force: true });
  }
}

function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

