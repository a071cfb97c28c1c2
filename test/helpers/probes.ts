// Simulator-vs-kernel cross-checking: which back-end variants to render, which probes to
// ask, and how an `ip route get` answer of the simulator is compared with the kernel's.
// Used by test/kernel/cross-check.test.ts.
import { BACKENDS } from '../../src/backends/index.js';
import type { Backend, BackendOptions } from '../../src/backends/types.js';
import { consumersOf, generationOf, materialiseTree, type Consumer, type KernelSession, type RouteAnswer as KernelAnswer, type TreeFile } from '../../src/kernel/index.js';
import { broadcastOf, formatIPv4, networkOf, parseCidr, parseIPv4 } from '../../src/net/ipv4.js';
import type { Plan } from '../../src/plan/types.js';
import { renderFiles } from '../../src/render/index.js';
import { formatInbound, formatRouteGet, simulateInbound, simulateRouteGet, type ApplyMode, type RouteAnswer as SimAnswer, type StateOptions } from '../../src/simulate/index.js';

/** One way of spelling a Plan: a back-end with options, the consumer that reads it, how its route lines reach the kernel. */
export interface Variant {
  name: string;
  backend: Backend;
  options: BackendOptions;
  consumer: Consumer;
  /** rhel6 route files are `ip route add`; netifrc's routes_ are `ip route append`. */
  apply: ApplyMode;
}

/** One variant per consumer of the back-end's files (gentoo-legacy's meet two generations of Gentoo). */
function variantsOf(backend: Backend, options: BackendOptions, suffix = ''): Variant[] {
  return consumersOf(backend.name).map((consumer) => {
    const generation = generationOf(consumer);
    const name = backend.name + suffix + (generation === undefined ? '' : ` on ${generation}`);
    return { name, backend, options, consumer, apply: backend.name === 'rhel6' ? 'add' : 'append' };
  });
}

/** Every back-end of BACKENDS on each of its consumers, plus gentoo with native `rules_` (the other rule spelling). */
export const VARIANTS: readonly Variant[] = BACKENDS.flatMap((b) =>
  b.name === 'gentoo' ? [...variantsOf(b, {}), ...variantsOf(b, { gentooRules: 'native' }, ' (native rules_)')] : variantsOf(b, {}),
);

/** The files the consumer finds after `netgen render --root` into an empty root. */
export function renderVariant(plan: Plan, v: Variant): TreeFile[] {
  return materialiseTree(renderFiles(v.backend.planFiles(plan, v.options)), plan.source);
}

export interface CrossProbe {
  to: string;
  from?: string;
}

export function showProbe(p: CrossProbe): string {
  return `ip route get ${p.to}${p.from === undefined ? '' : ` from ${p.from}`}`;
}

/** The VIPs of the Plan's egress recipes (the `src` of its split routes). */
export function egressVips(plan: Plan): string[] {
  return [...new Set(plan.routes.filter((r) => r.origin === 'egress-split' && r.src !== undefined).map((r) => r.src!))];
}

/** Connected subnets (prefix below 32) of the Plan's addresses, as [network, prefix]. */
export function connectedSubnets(plan: Plan): [number, number][] {
  const out = new Map<string, [number, number]>();
  for (const a of plan.addresses) {
    if (a.prefix >= 32) continue;
    const net = networkOf(parseIPv4(a.address)!, a.prefix);
    out.set(`${net}/${a.prefix}`, [net, a.prefix]);
  }
  return [...out.values()];
}

/** Destinations off every link of the seed examples. */
export const OFF_LINK = ['8.8.8.8', '192.0.2.1', '10.200.0.1'];

/**
 * The generated probe set of part (a): each host address; each connected subnet's first
 * (network), last (broadcast) and middle address; both edges of each egress split half
 * (so the lower half's last and the upper half's first); a few off-link destinations; each
 * without `from` and from each host address.
 */
export function seedProbes(plan: Plan): CrossProbe[] {
  const dests: string[] = plan.addresses.map((a) => a.address);
  for (const [net, prefix] of connectedSubnets(plan)) {
    const last = broadcastOf(net, prefix);
    dests.push(formatIPv4(net), formatIPv4(last), formatIPv4((net + Math.floor((last - net + 1) / 2)) >>> 0));
  }
  for (const r of plan.routes) {
    if (r.origin !== 'egress-split') continue;
    const half = parseCidr(r.to)!;
    dests.push(formatIPv4(half.address), formatIPv4(broadcastOf(half.address, half.prefix)));
  }
  dests.push(...OFF_LINK);
  const froms: (string | undefined)[] = [undefined, ...plan.addresses.map((a) => a.address)];
  const out: CrossProbe[] = [];
  for (const to of [...new Set(dests)]) for (const from of froms) out.push(from === undefined ? { to } : { to, from });
  return out;
}

/** The route type `ip route get` prints first when it is not unicast. */
function kernelType(k: KernelAnswer): string {
  const first = k.raw.trim().split(/\s+/)[0] ?? '';
  return ['local', 'broadcast', 'multicast', 'unreachable', 'blackhole', 'prohibit', 'throw', 'anycast', 'nat'].includes(first) ? first : 'unicast';
}

/** The kernel's answer on one line, without `uid` and the cache line. */
export function showKernel(k: KernelAnswer): string {
  return (k.raw.split('\n')[0] ?? '').replace(/\s+uid \d+\s*$/, '').trim();
}

/**
 * The fields on which the simulator and the kernel differ: reachability (and the error
 * `ip` prints when both fail); else type, dev, via, the `src` the kernel prints (only
 * without `from`: the kernel reports a preferred source only when none was requested), and
 * the table the kernel reports.
 */
export function compareAnswers(sim: SimAnswer, k: KernelAnswer): string[] {
  const kernelOk = k.dev !== '';
  if (!sim.ok || !kernelOk) {
    if (sim.ok !== kernelOk) return ['reachability'];
    const kernelError = (k.raw.split('\n')[0] ?? '').trim();
    return !sim.ok && sim.error !== kernelError ? ['error'] : [];
  }
  const out: string[] = [];
  if (sim.type !== kernelType(k)) out.push('type');
  if (sim.dev !== k.dev) out.push('dev');
  if (sim.via !== k.via) out.push('via');
  const simSrc = sim.from === undefined ? sim.src : undefined;
  if (simSrc !== k.src) out.push('src');
  if (sim.kernelTable !== (k.table ?? 'main')) out.push('table');
  return out;
}

export interface Disagreement {
  state: string;
  probe: string;
  simulator: string;
  kernel: string;
  fields: string;
}

export interface CrossResult {
  compared: number;
  /** Probes the simulator declares outside what it models (`unsupported`). */
  skipped: number;
  disagreements: Disagreement[];
}

/**
 * Ask every probe of the simulator (in the state `sim` describes) and of the session (in
 * whatever state it is now), and collect where they differ.
 */
export function crossCheck(s: KernelSession, plan: Plan, sim: StateOptions, probes: readonly CrossProbe[], state: string): CrossResult {
  const result: CrossResult = { compared: 0, skipped: 0, disagreements: [] };
  const asked: { p: CrossProbe; answer: SimAnswer }[] = [];
  for (const p of probes) {
    const answer = simulateRouteGet(plan, { ...sim, ...p });
    if (!answer.ok && answer.type === 'unsupported') result.skipped++;
    else asked.push({ p, answer });
  }
  // The kernel in one batch: the state does not change between probes.
  const kernel = s.probeAll(asked.map((a) => a.p));
  for (const [i, { p, answer }] of asked.entries()) {
    const k = kernel[i]!;
    result.compared++;
    const fields = compareAnswers(answer, k);
    if (fields.length > 0) {
      result.disagreements.push({ state, probe: showProbe(p), simulator: formatRouteGet(answer), kernel: showKernel(k), fields: fields.join(',') });
    }
  }
  return result;
}

/** The disagreements as an aligned table: state | probe | simulator | kernel | fields. */
export function disagreementTable(rows: readonly Disagreement[]): string {
  const head: Disagreement = { state: 'state', probe: 'probe', simulator: 'simulator', kernel: 'kernel', fields: 'differs in' };
  const cols = ['state', 'probe', 'simulator', 'kernel', 'fields'] as const;
  const width = cols.map((c) => Math.max(...[head, ...rows].map((r) => r[c].length)));
  const line = (r: Disagreement): string => cols.map((c, i) => r[c].padEnd(width[i]!)).join(' | ').trimEnd();
  return [line(head), width.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map(line)].join('\n');
}

/** The kernel state around a disagreement, for the failure message. */
export function kernelState(s: KernelSession): string {
  const lines: string[] = ['addresses:'];
  for (const a of s.addresses()) lines.push(`  ${a.address}/${a.prefix} dev ${a.dev} label ${a.label}${a.secondary ? ' secondary' : ''}`);
  lines.push('rules:', ...s.rules().map((r) => `  ${r.raw}`));
  const tables = new Set(['main', ...s.rules().map((r) => r.table).filter((t) => t !== 'local' && t !== 'main' && t !== 'default')]);
  for (const t of tables) {
    let routes: string[];
    try {
      routes = s.routes(t).map((r) => `  ${r}`);
    } catch {
      routes = ['  (no such table: nothing was ever added to it)'];
    }
    lines.push(`table ${t}:`, ...routes);
  }
  return lines.join('\n');
}

/** `promote_secondaries` as a new namespace inherits it from the host (all || default), for the simulator. */
export function hostPromoteSecondaries(read: (path: string) => string): boolean {
  const value = (name: string): boolean => {
    try {
      return read(`/proc/sys/net/ipv4/conf/${name}/promote_secondaries`).trim() === '1';
    } catch {
      return false;
    }
  };
  return value('all') || value('default');
}

/** An inbound probe: `ip route get TO from FROM iif IIF`. */
export interface InboundProbe {
  to: string;
  from: string;
  iif: string;
}

/**
 * Inbound probes for a Plan: for each up address (at most three), a packet from a peer of
 * its subnet arriving on its own device and on one other device with addresses, and one
 * from a remote address on its own device. Devices without addresses or down at boot are
 * not asked (the kernel's answer there depends on state the simulator does not model).
 */
export function inboundProbes(plan: Plan): InboundProbe[] {
  const up = new Set(plan.links.filter((l) => l.onBoot && plan.addresses.some((a) => a.device === l.name)).map((l) => l.name));
  const host = new Set(plan.addresses.map((a) => a.address));
  const out: InboundProbe[] = [];
  for (const a of plan.addresses.filter((x) => x.onParent && up.has(x.device)).slice(0, 3)) {
    const v = parseIPv4(a.address)!;
    let peer: string | undefined;
    if (a.prefix <= 30) {
      for (let x = networkOf(v, a.prefix) + 1; x < broadcastOf(v, a.prefix) && peer === undefined; x++) if (!host.has(formatIPv4(x >>> 0))) peer = formatIPv4(x >>> 0);
    }
    const other = [...up].find((d) => d !== a.device);
    if (peer !== undefined) {
      out.push({ to: a.address, from: peer, iif: a.device });
      if (other !== undefined) out.push({ to: a.address, from: peer, iif: other });
    }
    out.push({ to: a.address, from: '198.51.100.7', iif: a.device });
  }
  return out;
}

/** Inbound probes asked of the simulator (under the Plan's sysctl settings) and of the session. */
export function crossCheckInbound(s: KernelSession, plan: Plan, sim: StateOptions, probes: readonly InboundProbe[], state: string): CrossResult {
  const result: CrossResult = { compared: 0, skipped: 0, disagreements: [] };
  const kernel = s.probeInboundAll(probes);
  for (const [i, p] of probes.entries()) {
    const answer = simulateInbound(plan, { ...sim, ...p });
    const k = kernel[i]!;
    result.compared++;
    const simText = formatInbound(answer);
    if (answer.ok !== k.ok || simText !== k.raw) {
      result.disagreements.push({ state, probe: `${p.to} from ${p.from} iif ${p.iif}`, simulator: simText, kernel: k.raw, fields: answer.ok !== k.ok ? 'accepted' : 'text' });
    }
  }
  return result;
}
