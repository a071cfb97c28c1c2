// A Plan's IPv6 half applied straight to a kernel session with `ip` (no back-end, no
// consumer): boot in the simulator's order, failover steps as IPV6.md defines them, and
// every command's output kept. The kernel's answers, not these commands, are what the tests
// compare with the simulator: which routes it refuses, keeps, clears, and which source it picks.
// All commands of one call run in one process inside the namespace (fast: one spawn).
import { runProgram } from '../../src/kernel/exec.js';
import type { KernelSession } from '../../src/kernel/index.js';
import { formatRouteGet, simulateRouteGet, type ApplyMode, type RouteAnswer, type StateOptions } from '../../src/simulate/index.js';
import type { FailoverStep, Plan, PlanAddress, PlanRoute, PlanRule } from '../../src/plan/types.js';

export interface Ran {
  cmd: string;
  out: string;
  status: number;
}

/**
 * Waits (up to 2 s) until every IPv6 address that is not tentative has its `local` route: the
 * kernel adds that route from a work queue after `ip -6 addr add ... nodad` returns, so a
 * lookup right after it may miss it under load (found by the cross-check: `2001:db8:3::5
 * ... dev eth0 ... metric 256` instead of `local`).
 */
const SETTLE =
  'settle() { n=0; while [ $n -lt 200 ]; do a=$(ip -6 -o addr show -tentative | wc -l); l=$(ip -6 route show table local type local | wc -l); ' +
  '[ "$a" -le "$l" ] && return 0; n=$((n+1)); sleep 0.01; done; echo "settle: $a addresses, $l local routes after 2 s" >&2; return 1; }; ';

/**
 * Run each command line (a program and its words, split on blanks: test data only, no
 * quoting) inside the session's namespace, in order, going on after failures; then, when a
 * line added an address or brought a link up, wait for the kernel to settle (SETTLE).
 */
export function runLines(s: KernelSession, lines: readonly string[]): Ran[] {
  if (lines.length === 0) return [];
  const settle = lines.some((l) => /\baddr add\b|\blink set\b/.test(l));
  const script = SETTLE + 'for c in "$@"; do printf "\\036%s\\n" "$c"; $c 2>&1; printf "\\037%s\\n" "$?"; done' + (settle ? '; settle' : '');
  const r = runProgram(s.commandArgv(['sh', '-c', script, 'netgen-lines', ...lines]));
  if (r.status !== 0) throw new Error(`running ${lines.length} commands in ${s.namespace} failed: ${r.stderr}`);
  const out: Ran[] = [];
  for (const chunk of r.stdout.split('\x1e').slice(1)) {
    const nl = chunk.indexOf('\n');
    const cmd = chunk.slice(0, nl);
    const end = chunk.lastIndexOf('\x1f');
    out.push({ cmd, out: chunk.slice(nl + 1, end).trim(), status: Number(chunk.slice(end + 1).trim()) });
  }
  if (out.length !== lines.length) throw new Error(`expected ${lines.length} results, got ${out.length}:\n${r.stdout}`);
  return out;
}

/** Table names as `ip` takes them without an rt_tables entry: the Plan's number. */
function tableWord(plan: Plan, name: string): string {
  return plan.tables.find((t) => t.name === name)?.id.toString() ?? name;
}

export function addrAdd(a: PlanAddress): string {
  return `ip -6 addr add ${a.address}/${a.prefix} dev ${a.device} nodad${a.deprecated ? ' preferred_lft 0' : ''}`;
}

export function addrDel(a: PlanAddress): string {
  return `ip -6 addr del ${a.address}/${a.prefix} dev ${a.device}`;
}

export function routeLine(plan: Plan, r: PlanRoute, mode: ApplyMode | 'del'): string {
  const w = ['ip', '-6', 'route', mode, r.to];
  if (r.via !== undefined) w.push('via', r.via);
  w.push('dev', r.dev);
  if (r.src !== undefined) w.push('src', r.src);
  w.push('metric', String(r.metric), 'table', tableWord(plan, r.table));
  if (r.proto !== undefined) w.push('proto', r.proto);
  if (r.onlink) w.push('onlink');
  return w.join(' ');
}

export function ruleLine(plan: Plan, r: PlanRule, op: 'add' | 'del'): string {
  const w = ['ip', '-6', 'rule', op, 'priority', String(r.priority)];
  if (r.from !== undefined) w.push('from', r.from);
  if (r.to !== undefined) w.push('to', r.to);
  w.push('table', tableWord(plan, r.table));
  return w.join(' ');
}

/** DAD off (IPV6.md fact 6), then every link up in Plan order, as the simulator assumes. */
export function linkLines(plan: Plan): string[] {
  return [
    `sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 ${plan.links.map((l) => `net.ipv6.conf.${l.name.replace(/\./g, '/')}.accept_dad=0`).join(' ')}`,
    ...plan.links.map((l) => `ip link set dev ${l.name} up`),
  ];
}

/** What a boot gives, in the simulator's order: links, boot addresses, rules, routes; then each later address with what follows it. */
export function bootLines(plan: Plan, mode: ApplyMode = 'add'): string[] {
  const six = (x: { family: number }): boolean => x.family === 6;
  const out = [...linkLines(plan)];
  const addrs = plan.addresses.filter(six);
  for (const a of addrs) if (a.appliedBy === 'boot') out.push(addrAdd(a));
  for (const r of plan.rules) if (six(r) && r.appliedBy === 'boot') out.push(ruleLine(plan, r, 'add'));
  for (const r of plan.routes) if (six(r) && r.appliedBy === 'boot') out.push(routeLine(plan, r, mode));
  const done = new Set<string>();
  for (const a of addrs) {
    if (a.appliedBy === 'boot' || done.has(a.address)) continue;
    out.push(...upLines(plan, a, false, mode, 'replace', done));
  }
  return out;
}

function upLines(plan: Plan, a: PlanAddress, again: boolean, mode: ApplyMode, restore: ApplyMode, done: Set<string>): string[] {
  const cluster = a.appliedBy === 'keepalived' || a.appliedBy === 'pacemaker';
  const moved = cluster ? plan.addresses.filter((x) => x.family === 6 && x.appliedBy === a.appliedBy && x.cluster === a.cluster) : [a];
  const out: string[] = [];
  for (const x of moved) {
    if (!done.has(x.address)) out.push(addrAdd(x));
    done.add(x.address);
  }
  const names = new Set(moved.map((x) => x.address));
  const follows = (r: { family: number; appliedBy: string; dependsOn?: string; dev: string }): boolean =>
    r.family === 6 && ((r.appliedBy === a.appliedBy && r.dependsOn !== undefined && names.has(r.dependsOn)) || (!cluster && again && r.appliedBy === 'boot' && r.dev === a.device));
  for (const r of plan.rules) if (follows(r)) out.push(ruleLine(plan, r, 'add'));
  for (const r of plan.routes) {
    if (!follows(r)) continue;
    const namesIt = r.src !== undefined && names.has(r.src);
    out.push(routeLine(plan, r, !cluster && again && namesIt ? restore : mode));
  }
  return out;
}

/**
 * One failover step as IPV6.md defines it: `down` is `ip -6 addr del`, after the manager
 * (keepalived, Pacemaker) deleted the routes and rules it owns for the address; `add` the
 * address alone; `up` the address through its applier, re-applying the routes that name it
 * with `restore` (netgen's hook: replace) and the others with `mode`.
 */
export function stepLines(plan: Plan, step: FailoverStep, mode: ApplyMode = 'add', restore: ApplyMode = 'replace'): string[] {
  const a = plan.addresses.find((x) => x.address === step.address);
  if (a === undefined) throw new Error(`${step.address} is not an address of the Plan`);
  if (step.op === 'add') return [addrAdd(a)];
  if (step.op === 'up') return upLines(plan, a, true, mode, restore, new Set());
  const out: string[] = [];
  if (a.appliedBy === 'keepalived' || a.appliedBy === 'pacemaker') {
    const owned = (r: { family: number; appliedBy: string; dependsOn?: string }): boolean => r.family === 6 && r.appliedBy === a.appliedBy && r.dependsOn === a.address;
    for (const r of plan.routes) if (owned(r)) out.push(routeLine(plan, r, 'del'));
    for (const r of plan.rules) if (owned(r)) out.push(ruleLine(plan, r, 'del'));
  }
  out.push(addrDel(a));
  return out;
}

/** `ip -6 route get` for each probe, in one process; table numbers named as the Plan names them. */
export function probeLines6(plan: Plan, probes: readonly { to: string; from?: string }[]): string[] {
  return probes.map((p) => `ip -6 route get ${p.to}${p.from === undefined ? '' : ` from ${p.from}`}`);
}

/** A kernel answer line with the Plan's table numbers put back as names. */
export function namedTables(plan: Plan, line: string): string {
  return line.replace(/ table (\d+) /, (m, id: string) => {
    const t = plan.tables.find((x) => String(x.id) === id);
    return t === undefined ? m : ` table ${t.name} `;
  });
}

/** A lookup whose answer rests on insertion order or a multipath pick: not compared. */
export function undecided(a: RouteAnswer): boolean {
  return a.ok && (a.losers.some((l) => l.why === 'inserted earlier') || a.notes.some((n) => n.includes('multipath')));
}

/**
 * Ask the kernel every probe (one `ip -batch`) and the simulator the same in `state`; each
 * line that differs goes into `bad`, under `label`. Counts probes asked and skipped.
 */
export function compareProbes6(
  s: KernelSession,
  plan: Plan,
  probes: readonly { to: string; from?: string }[],
  label: string,
  state: StateOptions,
  stats: { probes: number; skipped: number },
  bad: string[],
): void {
  const kernel = runLines(s, probeLines6(plan, probes)).map((r) => namedTables(plan, r.out.split('\n')[0]!.replace(/\s+/g, ' ').trim()));
  probes.forEach((p, i) => {
    const answer = simulateRouteGet(plan, { ...state, ...p });
    if (undecided(answer)) {
      stats.skipped++;
      return;
    }
    stats.probes++;
    const sim = formatRouteGet(answer);
    if (sim !== kernel[i]) bad.push(`${label}: ip -6 route get ${p.to}${p.from === undefined ? '' : ` from ${p.from}`}\n    simulator: ${sim}\n    kernel:    ${kernel[i]}`);
  });
}
