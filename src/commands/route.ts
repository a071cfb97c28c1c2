// `netgen route get DEST`: what the kernel would answer, computed from the model alone.
import { EXIT, NetgenError } from '../errors.js';
import { parseIPv4 } from '../net/ipv4.js';
import type { FailoverStep } from '../plan/types.js';
import { planModelFile } from '../pipeline.js';
import { explainRouteGet, formatRouteGet, simulateRouteGet } from '../simulate/index.js';

export interface RouteGetArgs {
  dest: string;
  from?: string;
  /** --down, --up and --add in the order given on the command line. */
  steps?: FailoverStep[];
  model: string;
  json?: boolean;
  explain?: boolean;
}

const STEP_FLAG = /^--(down|up|add)(?:=(.*))?$/;

/** The failover options in command-line order (yargs keeps each option's values, not their order). */
export function stepsInOrder(argv: readonly string[]): FailoverStep[] {
  const out: FailoverStep[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    const m = STEP_FLAG.exec(arg);
    if (!m) continue;
    const value = m[2] ?? argv[++i];
    if (value !== undefined) out.push({ op: m[1] as FailoverStep['op'], address: value });
  }
  return out;
}

export function runRouteGet(a: RouteGetArgs, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): void {
  const steps = a.steps ?? [];
  for (const [what, value] of [['destination', a.dest], ['--from', a.from], ...steps.map((s) => [`--${s.op}`, s.address] as const)] as const) {
    if (value !== undefined && parseIPv4(value) === undefined) throw new NetgenError('usage', `${what} ${value} is not an IPv4 address`);
  }
  const plan = planModelFile(a.model);
  const hostAddrs = new Set(plan.addresses.map((x) => x.address));
  // Every lookup starts with all addresses up: each step must change something.
  const gone = new Set<string>();
  for (const s of steps) {
    if (!hostAddrs.has(s.address)) throw new NetgenError('usage', `--${s.op} ${s.address} is not an address of ${plan.host}`);
    if (s.op === 'down' && gone.has(s.address)) throw new NetgenError('usage', `--down ${s.address}: it is already down at that point`);
    if (s.op !== 'down' && !gone.has(s.address)) throw new NetgenError('usage', `--${s.op} ${s.address}: it is up at that point (every lookup starts with all addresses up); give --down ${s.address} before it`);
    if (s.op === 'down') gone.add(s.address);
    else gone.delete(s.address);
  }
  const query: Parameters<typeof simulateRouteGet>[1] = { to: a.dest, steps };
  if (a.from !== undefined) query.from = a.from;
  const answer = simulateRouteGet(plan, query);
  // An error answer is still an answer (printed as ip prints it), but scripts must tell it apart.
  if (!answer.ok) process.exitCode = EXIT.changes;
  if (a.json) {
    out(JSON.stringify(answer, null, 2));
    return;
  }
  out(formatRouteGet(answer));
  if (a.explain) for (const line of explainRouteGet(answer)) out(`  ${line}`);
}
