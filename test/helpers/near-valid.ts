// Near-valid models (issue 11, part 3): a valid random model (test/helpers/random-model.ts)
// with one mutation, the kind of slip a person makes editing a model: an address moved out
// of its subnet, a gateway changed, a priority or a table number used twice, a metric that
// collides, a value the consumers spell otherwise. The property: the validator refuses the
// model with located messages, or every back-end that renders it boots it without a single
// failed command. Mutations work on the model document, so they reach everything a user can
// write, not only what the generator's spec can express.
import { formatWithOptions } from 'node:util';
import fc from 'fast-check';
import { expect } from 'vitest';
import { stringify } from 'yaml';
import { BACKENDS } from '../../src/backends/index.js';
import { ModelError, NetgenError } from '../../src/errors.js';
import { materialiseTree, withKernelSession, type Consumer } from '../../src/kernel/index.js';
import { parseModel } from '../../src/model/index.js';
import { formatIPv4 } from '../../src/net/ipv4.js';
import { compilePlan } from '../../src/plan/compile.js';
import type { Plan } from '../../src/plan/types.js';
import { renderFiles } from '../../src/render/index.js';
import { buildModel, modelSpec, type ModelSpec } from './random-model.js';

type Doc = Record<string, unknown>;
type Path = (string | number)[];

export const MUTATIONS = [
  'gateway-moved',
  'address-moved',
  'address-prefix',
  'address-duplicated',
  'address-dropped',
  'priority-duplicated',
  'priority-shifted',
  'table-renumbered',
  'table-reference',
  'route-metric',
  'route-via',
  'route-to',
  'route-src',
  'route-scope',
  'route-proto',
  'route-onlink',
  'egress-prefer',
  'egress-metrics',
  'alias-on-parent',
  'rule-selector',
  'vlan-id',
  'link-settings',
] as const;
export type MutationKind = (typeof MUTATIONS)[number];

export interface Mutation {
  kind: MutationKind;
  /** Which site of that kind (modulo their number). */
  pick: number;
  /** The value drawn for it (an address, a number...). */
  value: number;
  /** A second choice (which variant of the change). */
  alt: number;
}

export interface NearValidCase {
  model: ModelSpec;
  mutation: Mutation;
  variant: number;
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const mutationArb: fc.Arbitrary<Mutation> = fc.record({ kind: fc.constantFrom(...MUTATIONS), pick: fc.nat(15), value: u32, alt: fc.nat(15) });
export const nearValidArb: fc.Arbitrary<NearValidCase> = fc.record({ model: modelSpec, mutation: mutationArb, variant: fc.nat(3) });

export interface Mutated {
  /** The valid model, and the one mutated. */
  before: string;
  text: string;
  /** What was changed, for messages and the per-kind counts; undefined when the model had no site for it. */
  change: string | undefined;
}

/** Every place in the document a mutation can touch: links (with their path), routes, rules. */
interface Sites {
  links: { path: Path; doc: Doc }[];
  addresses: { list: unknown[]; index: number; path: Path }[];
  aliases: { doc: Doc; path: Path }[];
  routes: { doc: Doc; path: Path }[];
  rules: { doc: Doc; path: Path }[];
  priorities: { doc: Doc; path: Path }[];
  gateways: { doc: Doc; key: string; path: Path }[];
  egress: { doc: Doc; path: Path }[];
  vlans: { parent: Doc; id: string; path: Path }[];
}

function sitesOf(doc: Doc): Sites {
  const s: Sites = { links: [], addresses: [], aliases: [], routes: [], rules: [], priorities: [], gateways: [], egress: [], vlans: [] };
  const link = (d: Doc, path: Path): void => {
    s.links.push({ path, doc: d });
    const addrs = d['addresses'] as unknown[] | undefined;
    addrs?.forEach((_, i) => s.addresses.push({ list: addrs, index: i, path: [...path, 'addresses', i] }));
    for (const [label, a] of Object.entries((d['aliases'] ?? {}) as Record<string, Doc>)) s.aliases.push({ doc: a, path: [...path, 'aliases', label] });
    if (d['gateway'] !== undefined) s.gateways.push({ doc: d, key: 'gateway', path: [...path, 'gateway'] });
    ((d['routes'] ?? []) as Doc[]).forEach((r, i) => s.routes.push({ doc: r, path: [...path, 'routes', i] }));
    ((d['routing-policy'] ?? []) as Doc[]).forEach((r, i) => {
      s.rules.push({ doc: r, path: [...path, 'routing-policy', i] });
      if (r['priority'] !== undefined) s.priorities.push({ doc: r, path: [...path, 'routing-policy', i] });
    });
    const sr = d['source-routing'] as Doc | undefined;
    if (sr) {
      if (sr['gateway'] !== undefined) s.gateways.push({ doc: sr, key: 'gateway', path: [...path, 'source-routing', 'gateway'] });
      ((sr['routes'] ?? []) as Doc[]).forEach((r, i) => s.routes.push({ doc: r, path: [...path, 'source-routing', 'routes', i] }));
      if (sr['priority'] !== undefined) s.priorities.push({ doc: sr, path: [...path, 'source-routing'] });
    }
    if (d['egress']) s.egress.push({ doc: d['egress'] as Doc, path: [...path, 'egress'] });
    for (const [id, v] of Object.entries((d['vlans'] ?? {}) as Record<string, Doc>)) {
      s.vlans.push({ parent: d['vlans'] as Doc, id, path: [...path, 'vlans', id] });
      link(v, [...path, 'vlans', id]);
    }
  };
  for (const [name, d] of Object.entries((doc['interfaces'] ?? {}) as Record<string, Doc>)) link(d, ['interfaces', name]);
  for (const [name, d] of Object.entries((doc['vlans'] ?? {}) as Record<string, Doc>)) link(d, ['vlans', name]);
  ((doc['routes'] ?? []) as Doc[]).forEach((r, i) => s.routes.push({ doc: r, path: ['routes', i] }));
  return s;
}

const show = (p: Path): string => p.map((x) => (typeof x === 'number' ? `[${x}]` : `.${x}`)).join('').slice(1);

/** Every address the document names, as text without prefix. */
function hostAddresses(s: Sites): string[] {
  return [...s.addresses.map((a) => String(a.list[a.index]).split('/')[0]!), ...s.aliases.map((a) => String(a.doc['address']).split('/')[0]!)];
}

/** An address near a known one: same /24, another host, or the same host itself, or anywhere. */
function nearAddress(s: Sites, m: Mutation): string {
  const known = hostAddresses(s);
  const base = known.length > 0 ? known[m.pick % known.length]! : '10.0.0.1';
  const [a, b, c] = base.split('.').map(Number);
  switch (m.alt % 5) {
    case 0:
      return base;
    case 1:
      return `${a}.${b}.${c}.${m.value % 256}`;
    case 2:
      return `${a}.${b}.${(m.value >>> 8) % 256}.${m.value % 256}`;
    case 3:
      return formatIPv4(((m.value % 223) + 1) * 0x1000000 + (m.value & 0xffffff));
    default:
      return `${a}.${b}.${c}.${m.alt % 2 === 0 ? 0 : 255}`;
  }
}

/** Apply one mutation in place; returns what it changed, or undefined when the model has no such site. */
function mutate(doc: Doc, m: Mutation): string | undefined {
  const s = sitesOf(doc);
  const at = <T>(list: readonly T[]): T | undefined => (list.length === 0 ? undefined : list[m.pick % list.length]);
  const numbers = [0, 1, 2, 99, 100, 252, 253, 254, 255, 256, 1000, 1001, 32765, 32766, 32767, 4294967295];
  switch (m.kind) {
    case 'gateway-moved': {
      const g = at(s.gateways);
      if (!g) return undefined;
      g.doc[g.key] = nearAddress(s, m);
      return `${show(g.path)} = ${String(g.doc[g.key])}`;
    }
    case 'address-moved': {
      const a = at(s.addresses);
      if (!a) return undefined;
      const prefix = String(a.list[a.index]).split('/')[1];
      a.list[a.index] = `${nearAddress(s, m)}/${prefix}`;
      return `${show(a.path)} = ${String(a.list[a.index])}`;
    }
    case 'address-prefix': {
      const all = [...s.addresses.map((a) => ({ path: a.path, get: () => String(a.list[a.index]), set: (v: string) => void (a.list[a.index] = v) })), ...s.aliases.map((a) => ({ path: [...a.path, 'address'], get: () => String(a.doc['address']), set: (v: string) => void (a.doc['address'] = v) }))];
      const a = at(all);
      if (!a) return undefined;
      const prefix = [0, 1, 8, 16, 23, 24, 25, 29, 30, 31, 32][m.alt % 11]!;
      a.set(`${a.get().split('/')[0]}/${prefix}`);
      return `${show(a.path)} = ${a.get()}`;
    }
    case 'address-duplicated': {
      const known = hostAddresses(s);
      const target = at([...s.addresses.map((a) => ({ path: a.path, set: (v: string) => void (a.list[a.index] = v), get: () => String(a.list[a.index]) })), ...s.aliases.map((a) => ({ path: [...a.path, 'address'], set: (v: string) => void (a.doc['address'] = v), get: () => String(a.doc['address']) }))]);
      if (!target || known.length < 2) return undefined;
      const other = known[m.alt % known.length]!;
      target.set(`${other}/${target.get().split('/')[1] ?? '32'}`);
      return `${show(target.path)} = ${target.get()}`;
    }
    case 'address-dropped': {
      const a = at(s.addresses);
      if (!a) return undefined;
      const was = String(a.list[a.index]);
      a.list.splice(a.index, 1);
      return `${show(a.path)} (${was}) removed`;
    }
    case 'priority-duplicated': {
      const all = [...s.priorities, ...s.rules];
      const p = at(s.priorities);
      const target = all[m.alt % Math.max(1, all.length)];
      if (!p || !target) return undefined;
      target.doc['priority'] = (p.doc['priority'] as number) + (m.value % 3);
      return `${show(target.path)}.priority = ${String(target.doc['priority'])}`;
    }
    case 'priority-shifted': {
      const all = [...s.rules, ...s.links.filter((l) => l.doc['source-routing']).map((l) => ({ doc: l.doc['source-routing'] as Doc, path: [...l.path, 'source-routing'] }))];
      const t = at(all);
      if (!t) return undefined;
      t.doc['priority'] = m.alt % 2 === 0 ? numbers[m.value % numbers.length]! : 998 + (m.value % 8);
      return `${show(t.path)}.priority = ${String(t.doc['priority'])}`;
    }
    case 'table-renumbered': {
      const tables = doc['tables'] as Record<string, unknown> | undefined;
      const names = Object.keys(tables ?? {});
      const name = at(names);
      if (!tables || name === undefined) return undefined;
      const others = Object.values(tables).filter((v): v is number => typeof v === 'number');
      tables[name] = m.alt % 3 === 0 && others.length > 0 ? others[m.value % others.length]! : m.alt % 3 === 1 ? 'auto' : numbers[m.value % numbers.length]!;
      return `tables.${name} = ${String(tables[name])}`;
    }
    case 'table-reference': {
      const refs = [
        ...s.routes.filter((r) => r.doc['table'] !== undefined).map((r) => ({ doc: r.doc, path: r.path })),
        ...s.rules.map((r) => ({ doc: r.doc, path: r.path })),
        ...s.links.filter((l) => l.doc['source-routing']).map((l) => ({ doc: l.doc['source-routing'] as Doc, path: [...l.path, 'source-routing'] })),
      ];
      const r = at(refs);
      if (!r) return undefined;
      const tables = (doc['tables'] ?? {}) as Record<string, unknown>;
      const choices: unknown[] = ['main', 'local', 'default', 254, 255, 253, 'nosuch', ...Object.keys(tables), ...Object.values(tables).filter((v) => typeof v === 'number')];
      r.doc['table'] = choices[m.value % choices.length];
      return `${show(r.path)}.table = ${String(r.doc['table'])}`;
    }
    case 'route-metric': {
      const r = at(s.routes);
      if (!r) return undefined;
      const metrics = [0, 1, 2, 5, 50, 100, 200, 4294967295];
      r.doc['metric'] = metrics[m.value % metrics.length];
      if (m.alt % 2 === 0) r.doc['to'] = 'default';
      return `${show(r.path)} = to ${String(r.doc['to'])} metric ${String(r.doc['metric'])}`;
    }
    case 'route-via': {
      const r = at(s.routes);
      if (!r) return undefined;
      if (m.alt % 4 === 0) delete r.doc['via'];
      else r.doc['via'] = nearAddress(s, m);
      return `${show(r.path)}.via = ${String(r.doc['via'])}`;
    }
    case 'route-to': {
      const r = at(s.routes);
      if (!r) return undefined;
      const known = hostAddresses(s);
      const base = known[m.value % Math.max(1, known.length)] ?? '10.0.0.1';
      const prefix = [0, 8, 16, 24, 25, 30, 31, 32][m.alt % 8]!;
      r.doc['to'] = prefix === 0 ? 'default' : `${base}/${prefix}`;
      return `${show(r.path)}.to = ${String(r.doc['to'])}`;
    }
    case 'route-src': {
      const r = at(s.routes.filter((x) => !x.path.includes('source-routing')));
      if (!r) return undefined;
      const known = hostAddresses(s);
      r.doc['from'] = m.alt % 3 === 0 ? nearAddress(s, m) : known[m.value % Math.max(1, known.length)] ?? '10.0.0.1';
      return `${show(r.path)}.from = ${String(r.doc['from'])}`;
    }
    case 'route-scope': {
      const r = at(s.routes);
      if (!r) return undefined;
      r.doc['scope'] = ['link', 'host', 'global'][m.alt % 3];
      if (m.value % 2 === 0) delete r.doc['via'];
      return `${show(r.path)} = scope ${String(r.doc['scope'])}${r.doc['via'] === undefined ? ' without via' : ''}`;
    }
    case 'route-proto': {
      const r = at(s.routes.filter((x) => !x.path.includes('source-routing')));
      if (!r) return undefined;
      const protos = ['kernel', 'boot', 'static', 'dhcp', 'ra', 'redirect', '0', '4', '42', '99', '255', '256', '010', '09', 'zebra', 'bird'];
      r.doc['proto'] = protos[m.value % protos.length];
      return `${show(r.path)}.proto = ${String(r.doc['proto'])}`;
    }
    case 'route-onlink': {
      const r = at(s.routes);
      if (!r) return undefined;
      if (r.doc['on-link'] === true) delete r.doc['on-link'];
      else r.doc['on-link'] = true;
      if (m.alt % 2 === 0) r.doc['via'] = nearAddress(s, m);
      return `${show(r.path)} = on-link ${String(r.doc['on-link'] ?? false)} via ${String(r.doc['via'])}`;
    }
    case 'egress-prefer': {
      const e = at(s.egress);
      if (!e) return undefined;
      e.doc['prefer'] = nearAddress(s, m);
      return `${show(e.path)}.prefer = ${String(e.doc['prefer'])}`;
    }
    case 'egress-metrics': {
      const e = at(s.egress);
      if (!e) return undefined;
      const metrics = [0, 1, 2, 50, 99, 100, 101, 4294967295];
      e.doc['metric'] = metrics[m.value % metrics.length];
      if (m.alt % 2 === 0) e.doc['fallback-metric'] = metrics[m.alt % metrics.length];
      return `${show(e.path)} = metric ${String(e.doc['metric'])} fallback ${String(e.doc['fallback-metric'])}`;
    }
    case 'alias-on-parent': {
      const a = at(s.aliases);
      if (!a) return undefined;
      a.doc['on-parent'] = a.doc['on-parent'] === false;
      return `${show(a.path)}.on-parent = ${String(a.doc['on-parent'])}`;
    }
    case 'rule-selector': {
      const r = at(s.rules);
      if (!r) return undefined;
      const key = m.alt % 2 === 0 ? 'from' : 'to';
      const prefix = [8, 16, 24, 30, 32][m.value % 5]!;
      r.doc[key] = `${nearAddress(s, m)}/${prefix}`;
      return `${show(r.path)}.${key} = ${String(r.doc[key])}`;
    }
    case 'vlan-id': {
      const v = at(s.vlans);
      if (!v) return undefined;
      const ids = [0, 1, 4094, 4095, 10];
      const id = String(ids[m.value % ids.length]);
      if (id === v.id) return undefined;
      v.parent[id] = v.parent[v.id];
      delete v.parent[v.id];
      return `${show(v.path)} renamed to ${id}`;
    }
    case 'link-settings': {
      const l = at(s.links);
      if (!l) return undefined;
      switch (m.alt % 4) {
        case 0:
          l.doc['mtu'] = [67, 68, 576, 1500, 9000, 65535, 65536][m.value % 7];
          return `${show(l.path)}.mtu = ${String(l.doc['mtu'])}`;
        case 1:
          l.doc['mac'] = ['02:00:00:00:00:01', '02:AB:cd:00:00:02', '01:00:5e:00:00:01', '00:00:00:00:00:00', '02:00:00:00:00'][m.value % 5];
          return `${show(l.path)}.mac = ${String(l.doc['mac'])}`;
        case 2:
          l.doc['on-boot'] = false;
          return `${show(l.path)}.on-boot = false`;
        default:
          delete l.doc['addresses'];
          return `${show(l.path)}.addresses removed`;
      }
    }
  }
}

/** The valid model of the case and its mutated twin. */
export function mutatedModel(c: NearValidCase): Mutated {
  const built = buildModel(c.model);
  const doc = structuredClone(built.doc);
  const change = mutate(doc, c.mutation);
  return { before: built.text, text: stringify(doc, { lineWidth: 0 }), change };
}

export function newNearValidStats(): Stats {
  return { applied: 0, noSite: 0, boots: 0, byKind: new Map() };
}

interface KindCount {
  refused: number;
  accepted: number;
  backendRefused: number;
}

export interface Stats {
  applied: number;
  noSite: number;
  boots: number;
  byKind: Map<MutationKind, KindCount>;
}

const FILE = 'near-valid.yaml';

/** Every problem of a refusal has a place in the file and a model path. */
function unlocated(err: ModelError): string[] {
  return err.problems.filter((p) => p.ref.file !== FILE || p.ref.line < 1 || p.ref.col < 1 || p.path === '').map((p) => `${p.ref.file}:${p.ref.line}:${p.ref.col}: [${p.path}] ${p.message}`);
}

export function checkNearValid(c: NearValidCase, stats: Stats): void {
  const m = mutatedModel(c);
  if (m.change === undefined) {
    stats.noSite++;
    return;
  }
  stats.applied++;
  const count = stats.byKind.get(c.mutation.kind) ?? { refused: 0, accepted: 0, backendRefused: 0 };
  stats.byKind.set(c.mutation.kind, count);
  const describe = `mutation ${c.mutation.kind}: ${m.change}\nmodel:\n${m.text}`;
  let plan: Plan;
  try {
    plan = compilePlan(parseModel(m.text, FILE));
  } catch (err) {
    if (!(err instanceof ModelError)) throw new Error(`${describe}\nnot a located model error: ${formatWithOptions({}, err)}`, { cause: err });
    expect(unlocated(err), `${describe}\n${err.message}\nevery problem names its place and model path`).toEqual([]);
    count.refused++;
    return;
  }
  count.accepted++;
  const failed: string[] = [];
  // Every back-end renders it; one boots it, taken in turn by the case (so the run boots all
  // three, about a third each, and stays inside the suite's time budget).
  let booted = false;
  for (let k = 0; k < BACKENDS.length; k++) {
    const backend = BACKENDS[(c.variant + k) % BACKENDS.length]!;
    let files;
    try {
      files = backend.planFiles(plan, {});
    } catch (err) {
      if (!(err instanceof NetgenError) || err.kind !== 'model') throw err;
      // A back-end that cannot spell it says where: the pipeline locates its model path.
      count.backendRefused++;
      const path = (err as { modelPath?: unknown[] }).modelPath;
      expect(path?.length ?? 0, `${describe}\n${backend.name} refused it without naming a model path: ${err.message}`).toBeGreaterThan(0);
      continue;
    }
    const tree = materialiseTree(renderFiles(files), plan.source);
    if (booted) continue;
    booted = true;
    withKernelSession({ links: plan.links, addresses: plan.addresses }, (s) => {
      const boot = s.apply(backend.name as Consumer, tree);
      stats.boots++;
      failed.push(...boot.problems.map((p) => `${backend.name}: problem: ${p}`));
      for (const f of boot.failed) failed.push(`${backend.name}: ${f.origin}: ${f.argv.join(' ')} -> ${f.stderr.trim()}`);
    });
  }
  expect(failed, `${describe}\nthe validator accepted it, and a consumer refused it at boot:\n${failed.join('\n')}`).toEqual([]);
}

export function kindTable(stats: Stats): string {
  const rows = MUTATIONS.map((k) => {
    const c = stats.byKind.get(k) ?? { refused: 0, accepted: 0, backendRefused: 0 };
    return [k, String(c.refused), String(c.accepted), String(c.backendRefused)];
  });
  const head = ['mutation', 'refused', 'accepted+booted', 'back-end refused'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((x, i) => x.padEnd(width[i]!)).join(' | ').trimEnd();
  return [line(head), width.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map(line)].join('\n');
}

