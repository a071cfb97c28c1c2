// `netgen route get DEST`: what the kernel would answer, computed from the model alone.
// With --iif, the inbound question: is a packet from --from arriving on --iif accepted?
import { EXIT, NetgenError } from '../errors.js';
import { explainIp, familyOfText } from '../net/ip.js';
import type { FailoverStep, Plan } from '../plan/types.js';
import { planModelFile } from '../pipeline.js';
import { explainInbound, explainRouteGet, formatInbound, formatRouteGet, simulateInbound, simulateRouteGet, type SysctlOverrides } from '../simulate/index.js';
import { SYSCTL_KEYS } from '../model/schema.js';

export interface RouteGetArgs {
  dest: string;
  from?: string;
  iif?: string;
  /** --down, --up and --add in the order given on the command line. */
  steps?: FailoverStep[];
  sysctl?: string[];
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

/** `--sysctl KEY=VALUE` (repeatable): a value forced on every interface. */
export function parseSysctlOverrides(items: readonly string[] | undefined): SysctlOverrides {
  const out: SysctlOverrides = {};
  for (const item of items ?? []) {
    const m = /^([a-z_]+)=(\d+)$/.exec(item);
    const key = m?.[1];
    if (m === null || key === undefined || !(key in SYSCTL_KEYS)) {
      throw new NetgenError('usage', `--sysctl ${item}: give KEY=VALUE with KEY one of ${Object.keys(SYSCTL_KEYS).join(', ')}`);
    }
    out[key as keyof SysctlOverrides] = Number(m[2]);
  }
  return out;
}

/** A device of the Plan, or a usage error naming the known ones. */
export function checkDevice(plan: Plan, flag: string, dev: string): void {
  if (dev === 'lo' || plan.links.some((l) => l.name === dev)) return;
  throw new NetgenError('usage', `${flag} ${dev} is not an interface of ${plan.host} (${plan.links.map((l) => l.name).join(', ')})`);
}

/** Every value an address of either family; the destination and --from of one family (that of the destination: `ip -6` for IPv6). */
export function checkAddresses(pairs: readonly (readonly [string, string | undefined])[]): void {
  for (const [what, value] of pairs) {
    if (value === undefined) continue;
    const why = explainIp(value);
    if (why !== undefined) throw new NetgenError('usage', `${what} ${why}`);
  }
  const [dest, from] = pairs;
  if (dest?.[1] !== undefined && from?.[0] === '--from' && from[1] !== undefined && familyOfText(dest[1]) !== familyOfText(from[1])) {
    throw new NetgenError('usage', `--from ${from[1]} is IPv${familyOfText(from[1])} but the destination ${dest[1]} is IPv${familyOfText(dest[1])}: a lookup is of one family`);
  }
}

/** Every lookup starts with all addresses up: each step must change something. */
export function checkSteps(plan: Plan, steps: readonly FailoverStep[]): void {
  const hostAddrs = new Set(plan.addresses.map((x) => x.address));
  const gone = new Set<string>();
  for (const s of steps) {
    if (!hostAddrs.has(s.address)) throw new NetgenError('usage', `--${s.op} ${s.address} is not an address of ${plan.host}`);
    if (s.op === 'down' && gone.has(s.address)) throw new NetgenError('usage', `--down ${s.address}: it is already down at that point`);
    if (s.op !== 'down' && !gone.has(s.address)) throw new NetgenError('usage', `--${s.op} ${s.address}: it is up at that point (every lookup starts with all addresses up); give --down ${s.address} before it`);
    if (s.op === 'down') gone.add(s.address);
    else gone.delete(s.address);
  }
}

export function runRouteGet(a: RouteGetArgs, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): void {
  const steps = a.steps ?? [];
  checkAddresses([['destination', a.dest], ['--from', a.from], ...steps.map((s) => [`--${s.op}`, s.address] as const)]);
  if (a.iif !== undefined && a.from === undefined) throw new NetgenError('usage', '--iif asks about a packet arriving from the network: give its sender with --from');
  if (a.iif !== undefined && familyOfText(a.dest) === 6) throw new NetgenError('usage', '--iif (the inbound question) is answered for IPv4 only');
  if (a.iif === undefined && a.sysctl !== undefined && a.sysctl.length > 0) throw new NetgenError('usage', '--sysctl changes only inbound answers: use it with --iif');
  const overrides = parseSysctlOverrides(a.sysctl);
  const plan = planModelFile(a.model);
  checkSteps(plan, steps);
  if (a.iif !== undefined) {
    checkDevice(plan, '--iif', a.iif);
    const answer = simulateInbound(plan, { to: a.dest, from: a.from!, iif: a.iif, steps, sysctl: overrides });
    if (a.json) {
      out(JSON.stringify(answer, null, 2));
      return;
    }
    out(formatInbound(answer));
    if (a.explain) for (const line of explainInbound(answer)) out(`  ${line}`);
    return;
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
