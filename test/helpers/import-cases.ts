// The import corpus (test/import/<case>/): each case's files under root/, what it is
// (case.json: from, optional host and about), and what import must give
// (expected/model.yaml, expected/report.json). Plus the round trip: probes asked of the
// Plan read from the original files and of the Plans of the model and of its re-rendered
// trees, on every back-end.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importFiles, readImportTree, type ImportFile, type ImportResult } from '../../src/import/index.js';
import { broadcastOf, formatIPv4, parseCidr, parseIPv4 } from '../../src/net/ipv4.js';
import { compilePlan } from '../../src/plan/compile.js';
import type { Plan } from '../../src/plan/types.js';
import { formatRouteGet, simulateRouteGet, type ApplyMode } from '../../src/simulate/index.js';
import { renderVariant, seedProbes, type CrossProbe, type Variant } from './probes.js';
import { REPO } from './repo.js';

export type FileSource = 'rhel6' | 'gentoo' | 'gentoo-legacy';

export interface ImportCase {
  name: string;
  dir: string;
  root: string;
  from: FileSource;
  host?: string;
  about: string;
}

export const IMPORT_DIR = join(REPO, 'test/import');

export function importCases(): ImportCase[] {
  return readdirSync(IMPORT_DIR)
    .sort()
    .filter((n) => existsSync(join(IMPORT_DIR, n, 'case.json')))
    .map((name) => {
      const dir = join(IMPORT_DIR, name);
      const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as { from: FileSource; host?: string; about: string };
      return { name, dir, root: join(dir, 'root'), ...c };
    });
}

export function runCase(c: ImportCase, lift = true): ImportResult {
  return importFiles(readImportTree(c.root, c.from), c.from, { lift, file: 'model.yaml', ...(c.host !== undefined ? { host: c.host } : {}) });
}

export const applyOf = (from: string): ApplyMode => (from === 'rhel6' ? 'add' : 'append');

/**
 * The probe set: every host address as destination and as source, each connected subnet's
 * edges and middle, each egress half's edges, every route's destination (its first and
 * last address) and gateway, a few off-link destinations; without `from` and from each
 * host address.
 */
export function importProbes(plan: Plan): CrossProbe[] {
  const probes = seedProbes(plan);
  const dests = new Set<string>();
  for (const r of plan.routes) {
    if (r.via !== undefined) dests.add(r.via);
    if (r.to === 'default') continue;
    const c = parseCidr(r.to)!;
    dests.add(formatIPv4(c.address));
    dests.add(formatIPv4(broadcastOf(c.address, c.prefix)));
  }
  const have = new Set(probes.map((p) => `${p.to} ${p.from ?? ''}`));
  for (const to of dests) {
    for (const from of [undefined, ...plan.addresses.map((a) => a.address)]) {
      const key = `${to} ${from ?? ''}`;
      if (have.has(key)) continue;
      have.add(key);
      probes.push(from === undefined ? { to } : { to, from });
    }
  }
  return probes;
}

/** The states asked: at boot, and with each alias address (a VIP) taken away. */
export function importStates(plan: Plan): { name: string; down: string[] }[] {
  return [{ name: 'boot', down: [] }, ...plan.addresses.filter((a) => a.label !== undefined).map((a) => ({ name: `${a.address} down`, down: [a.address] }))];
}

/** Every probe's answer in every state, one line each. */
export function simulatorAnswers(plan: Plan, probes: readonly CrossProbe[], states: { name: string; down: string[] }[], apply: ApplyMode): string[] {
  const hostAddrs = new Set(plan.addresses.map((a) => a.address));
  const out: string[] = [];
  for (const s of states) {
    for (const p of probes) {
      if (p.from !== undefined && (!hostAddrs.has(p.from) || s.down.includes(p.from))) continue;
      const q = { to: p.to, down: s.down.filter((d) => hostAddrs.has(d)), apply, ...(p.from !== undefined ? { from: p.from } : {}) };
      out.push(`${s.name}: ip route get ${p.to}${p.from ? ` from ${p.from}` : ''} => ${formatRouteGet(simulateRouteGet(plan, q))}`);
    }
  }
  return out;
}

/** Re-import a rendered tree. */
export function reimport(plan: Plan, v: Variant, host: string): { files: ImportFile[]; result: ImportResult } {
  const files = renderVariant(plan, v).map((f) => ({ path: f.path, content: f.content, mode: f.mode }));
  return { files, result: importFiles(files, v.backend.name as FileSource, { host, file: 'model.yaml' }) };
}

export function planOfResult(r: ImportResult): Plan {
  return compilePlan(r.model);
}

export { parseIPv4 };
