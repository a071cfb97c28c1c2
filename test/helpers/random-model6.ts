// Random dual-stack models for the IPv6 cross-check (test/kernel/cross-check.test.ts part d):
// the model's words go through the real validator and compile (IPv6 recipe, per-source tables
// of both families), the Plan's IPv6 half is applied with `ip` (apply6.ts; the IPv6 back-ends
// are checked by their own kernel tests), and the kernel is compared with the simulator line by
// line and held to what the model's words promise (IPV6.md): with `egress.prefer` a VIP is the
// source while it is here, the primary once it is gone, still the primary when it is added
// back alone (it is deprecated), the VIP again when its applier brings it back; with
// `source-routing`, traffic from an address leaves through its own interface.
import fc from 'fast-check';
import { stringify } from 'yaml';
import { NetgenError } from '../../src/errors.js';
import { withKernelSession } from '../../src/kernel/index.js';
import { parseModel } from '../../src/model/index.js';
import { compilePlan } from '../../src/plan/compile.js';
import type { FailoverStep, Plan } from '../../src/plan/types.js';
import { buildFibState6, type StateOptions } from '../../src/simulate/index.js';
import { bootLines, compareProbes6, runLines, stepLines } from './apply6.js';

const PREFIXES = ['2001:db8:N::/64', 'fd00:N::/64', '2001:db8:N::/80', '2001:db8:N::/56'];

export interface Iface6Spec {
  prefix: number;
  v4: boolean;
  gateway: boolean;
  /** 0 none, 1 a VIP in the prefix, 2 a /128 VIP, 3 a VIP of another prefix. */
  alias: number;
  onParent: boolean;
  egress: boolean;
  /** Egress for both families (needs v4). */
  egress4: boolean;
  sourceRouting: boolean;
  routes: { to: number; via: boolean; metric: number }[];
}
export interface Model6Case {
  ifaces: Iface6Spec[];
  probes: { kind: number; pick: number; from: boolean }[];
}

const ifaceArb: fc.Arbitrary<Iface6Spec> = fc.record({
  prefix: fc.nat(PREFIXES.length - 1),
  v4: fc.boolean(),
  gateway: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
  alias: fc.nat(3),
  onParent: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
  egress: fc.oneof({ arbitrary: fc.constant(true), weight: 2 }, { arbitrary: fc.constant(false), weight: 1 }),
  egress4: fc.boolean(),
  sourceRouting: fc.boolean(),
  routes: fc.array(fc.record({ to: fc.nat(2), via: fc.boolean(), metric: fc.nat(3) }), { maxLength: 2 }),
});

export const model6Arb: fc.Arbitrary<Model6Case> = fc.record({
  ifaces: fc.array(ifaceArb, { minLength: 1, maxLength: 2 }),
  probes: fc.array(fc.record({ kind: fc.nat(3), pick: fc.nat(20), from: fc.boolean() }), { minLength: 6, maxLength: 10 }),
});

interface Words {
  /** Per interface: primary, VIP (when egress applies), gateway, source-routing table. */
  /** `onLink`: a neighbour in the subnet the egress recipe splits (the VIP's own; the link's for a /128 VIP). */
  links: { name: string; primary: string; onLink: string; vip?: string; egress: boolean; gateway?: string; table?: string }[];
}

/** The model text and what its words say, deterministic from the spec. */
export function buildModel6(c: Model6Case): { text: string; words: Words } {
  const interfaces: Record<string, unknown> = {};
  const tables: Record<string, number> = {};
  const words: Words = { links: [] };
  c.ifaces.forEach((s, i) => {
    const name = `eth${i}`;
    const n = String(i + 3);
    const prefixText = PREFIXES[s.prefix]!.replace('N', n);
    const [net, len] = prefixText.split('/') as [string, string];
    const base = net.replace(/::$/, '');
    const primary = `${base}::111`;
    const gw = `${base}::1`;
    const addresses: string[] = [...(s.v4 ? [`10.${n}.0.111/24`] : []), `${primary}/${len}`];
    const link: Record<string, unknown> = { addresses, mac: `52:54:00:00:01:0${i + 1}` };
    // One main default per family on the host (a second is refused as a duplicate): eth0's.
    const main = i === 0;
    const gateways = [...(s.v4 && s.gateway ? [`10.${n}.0.1`] : []), ...(s.gateway ? [gw] : [])];
    if (main && gateways.length > 0) link['gateway'] = gateways.length === 1 ? gateways[0] : gateways;
    let vip: string | undefined;
    if (s.alias > 0) {
      vip = s.alias === 3 ? `2001:db8:9${n}::105` : `${base}::105`;
      const aliases: Record<string, unknown> = { [`${name}:1`]: { address: s.alias === 1 ? `${vip}/${len}` : s.alias === 2 ? vip : `${vip}/64`, ...(s.onParent ? {} : { 'on-parent': false }) } };
      if (s.v4 && s.egress4) aliases[`${name}:2`] = { address: `10.${n}.0.105/24`, ...(s.onParent ? {} : { 'on-parent': false }) };
      link['aliases'] = aliases;
      if (main && s.egress) link['egress'] = { prefer: s.v4 && s.egress4 ? [`10.${n}.0.105`, vip] : vip };
    }
    const routes = s.routes.map((r) => ({ to: [`2001:db8:7${i}::/48`, `fd00:9${i}::/64`, `2002:${i + 1}::/32`][r.to]!, ...(r.via ? { via: gw } : {}), ...(r.metric > 0 ? { metric: [0, 5, 50, 2000][r.metric]! } : {}) }));
    const unique = routes.filter((r, k) => routes.findIndex((x) => x.to === r.to && (x.metric ?? 1024) === (r.metric ?? 1024)) === k);
    if (unique.length > 0) link['routes'] = unique;
    let table: string | undefined;
    if (s.sourceRouting) {
      table = `t${i}`;
      tables[table] = 10 + i;
      link['source-routing'] = { table, ...(s.gateway ? { gateway: gw } : {}) };
    }
    interfaces[name] = link;
    const w: Words['links'][number] = { name, primary, onLink: s.alias === 3 ? `2001:db8:9${n}::99` : `${base}::99`, egress: main && s.alias > 0 && s.egress };
    if (vip !== undefined) w.vip = vip;
    if (s.gateway && (main || s.sourceRouting)) w.gateway = gw;
    if (table !== undefined) w.table = table;
    words.links.push(w);
  });
  const doc: Record<string, unknown> = { host: 'r6', ...(Object.keys(tables).length > 0 ? { tables } : {}), interfaces };
  return { text: stringify(doc), words };
}

export interface ModelStats6 {
  models: number;
  refused: string[];
  probes: number;
  skipped: number;
  promises: number;
}

export function newModelStats6(): ModelStats6 {
  return { models: 0, refused: [], probes: 0, skipped: 0, promises: 0 };
}

function probesOf(plan: Plan, c: Model6Case): { to: string; from?: string }[] {
  const hosts = plan.addresses.filter((a) => a.family === 6).map((a) => a.address);
  const onLink = plan.routes.filter((r) => r.family === 6 && r.to !== 'default').map((r) => r.to.replace(/::\/\d+$/, '::99').replace(/\/\d+$/, ''));
  const remote = ['3fff::1', '2001:db8:70::5', 'fd00:91::5', '2002:1::1', '2003::1'];
  return c.probes.map((p) => {
    const pool = p.kind === 0 ? hosts : p.kind === 1 && onLink.length > 0 ? onLink : remote;
    const to = pool[p.pick % pool.length]!;
    return p.from && hosts.length > 0 ? { to, from: hosts[p.pick % hosts.length]! } : { to };
  });
}

/**
 * Compile one model, boot its IPv6 half, and compare: every probe at boot and after the
 * first egress VIP goes down, comes back alone, goes down again and comes back through its
 * applier; and the promises of the model's words in each of those states.
 */
export function checkModel6(c: Model6Case, stats: ModelStats6, ctx: { replay: string; opened?: (ns: string) => void }): void {
  const { text, words } = buildModel6(c);
  let plan: Plan;
  try {
    plan = compilePlan(parseModel(text, 'r6.yaml'));
  } catch (err) {
    if (err instanceof NetgenError && err.kind === 'model') {
      stats.refused.push(`${err.message}\n${text}`);
      return;
    }
    throw err;
  }
  stats.models++;
  const probes = probesOf(plan, c);
  const bad: string[] = [];
  const egress = words.links.find((l) => l.egress && l.vip !== undefined && l.gateway !== undefined);
  const steps: FailoverStep[] = egress === undefined ? [] : [
    { op: 'down', address: egress.vip! },
    { op: 'add', address: egress.vip! },
    { op: 'down', address: egress.vip! },
    { op: 'up', address: egress.vip! },
  ];
  withKernelSession({ links: plan.links }, (s) => {
    ctx.opened?.(s.namespace);
    const boot = runLines(s, bootLines(plan));
    const failed = boot.filter((r) => r.status !== 0).map((r) => `${r.cmd}: ${r.out}`);
    const refused = buildFibState6(plan).refused.map((m) => m.why);
    if (failed.length !== refused.length) bad.push(`boot: the kernel refused [${failed.join(' | ')}], the simulator [${refused.join(' | ')}]`);
    const ask = (label: string, state: StateOptions): void => {
      compareProbes6(s, plan, probes, label, state, stats, bad);
      // The model's promises, asked of the kernel only.
      if (egress !== undefined) {
        const present = !label.endsWith(`down ${egress.vip}`) && !label.endsWith(`add ${egress.vip}`);
        const want = present ? egress.vip! : egress.primary;
        for (const to of ['3fff::1', egress.onLink]) {
          const line = runLines(s, [`ip -6 route get ${to}`])[0]!.out;
          stats.promises++;
          if (!line.includes(` src ${want} `)) bad.push(`${label}: the model prefers ${egress.vip} on ${egress.name}: ip -6 route get ${to} should leave from ${want}\n    kernel: ${line}`);
        }
      }
      for (const l of words.links) {
        if (l.table === undefined || l.gateway === undefined) continue;
        const line = runLines(s, [`ip -6 route get 3fff::2 from ${l.primary}`])[0]!.out;
        stats.promises++;
        if (!line.includes(` dev ${l.name} `)) bad.push(`${label}: ${l.name} routes by source: from ${l.primary} should leave through ${l.name}\n    kernel: ${line}`);
      }
    };
    ask('boot', {});
    for (let k = 0; k < steps.length; k++) {
      runLines(s, stepLines(plan, steps[k]!));
      ask(`after ${steps.slice(0, k + 1).map((x) => `${x.op} ${x.address}`).join(', ')}`, { steps: steps.slice(0, k + 1) });
    }
    if (bad.length > 0) {
      const state = runLines(s, ['ip -6 addr show', 'ip -6 route show table all', 'ip -6 rule']).map((r) => `$ ${r.cmd}\n${r.out}`).join('\n');
      throw new Error(`model (${ctx.replay}):\n${text}\nsimulator and kernel disagree, or the kernel breaks the model's promise:\n${bad.join('\n')}\n\nkernel at the end:\n${state}`);
    }
  });
}
