// `netgen import`: a host's files (or its live state) -> facts -> the raw model the YAML
// loader would give -> the same validator -> the same Model. Then YAML for people, checked
// by loading it back, and the fidelity report.
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetgenError } from '../errors.js';
import { parseModel } from '../model/index.js';
import type { Model } from '../model/types.js';
import { formatIPv4 } from '../net/ipv4.js';
import { buildModel, linkModelPath, toRaw, type Draft } from './build.js';
import { readGentoo } from './gentoo.js';
import { readLive, type LiveState } from './live.js';
import { readRhel6 } from './rhel6.js';
import { newFacts, type Facts, type Fidelity, type ImportFile, type ReportEntry } from './types.js';
import { emitYaml, visible, type Comments } from './yaml.js';

export type ImportSource = 'rhel6' | 'gentoo' | 'gentoo-legacy' | 'live';
export const IMPORT_SOURCES: readonly ImportSource[] = ['rhel6', 'gentoo', 'gentoo-legacy', 'live'];

export interface ImportOptions {
  /** The host name when the files name none. */
  host?: string;
  /** Lift recipes into intents (default true). */
  lift?: boolean;
  /** The model's name in messages (the -o file, or `<stdout>`). */
  file?: string;
}

export interface ImportResult {
  yaml: string;
  model: Model;
  report: ReportEntry[];
  files: string[];
  summary: Record<Fidelity, number>;
  /** 0: everything represented; 1: something is not. */
  exitCode: 0 | 1;
}

export type { LiveState } from './live.js';
export type { ReportEntry, Fidelity, ImportFile } from './types.js';

/** Import the files of a tree (`from` the back-end that reads them). Pure. */
export function importFiles(files: readonly ImportFile[], from: Exclude<ImportSource, 'live'>, options: ImportOptions = {}): ImportResult {
  const facts = newFacts();
  if (from === 'rhel6') readRhel6(files, facts);
  else readGentoo(files, facts, from === 'gentoo-legacy');
  if (facts.files.length === 0) {
    const where = from === 'rhel6' ? 'etc/sysconfig/network-scripts/ifcfg-*' : 'etc/conf.d/net';
    throw new NetgenError('usage', `no ${from} network files below the root (looked for ${where})`);
  }
  return finish(facts, from, options);
}

/** Import saved or fresh `ip -j` outputs. Pure. */
export function importLive(state: LiveState, options: ImportOptions = {}): ImportResult {
  const facts = newFacts();
  try {
    readLive(state, facts);
  } catch (err) {
    throw new NetgenError('usage', (err as Error).message);
  }
  return finish(facts, 'live', options);
}

function finish(facts: Facts, from: ImportSource, options: ImportOptions): ImportResult {
  const file = options.file ?? '<imported model>';
  const opts: { host?: string; lift: boolean; file: string } = { lift: options.lift ?? true, file };
  if (options.host !== undefined) opts.host = options.host;
  if (facts.host && options.host !== undefined && options.host !== facts.host.name) {
    for (const e of facts.host.entries) e.note = `--host ${options.host} was given too; the files' name wins`;
  }
  const built = buildModel(facts, opts);
  fixModelPaths(built.draft, facts.report);
  const report = sortReport(facts);
  const summary = summarise(report);
  const yaml = emitYaml(built.raw, comments(built.draft, facts.files), header(from, facts, report, summary));
  // The YAML goes through the loader and validator every model goes through.
  const model = parseModel(yaml, file);
  return { yaml, model, report, files: facts.files, summary, exitCode: summary['not-representable'] > 0 ? 1 : 0 };
}

/** Readers name VLANs as `interfaces.eth0.10`; the model nests them under their parent. */
function fixModelPaths(d: Draft, report: ReportEntry[]): void {
  for (const l of d.links) {
    const flat = `interfaces.${l.link.name}`;
    const real = linkModelPath(d, l);
    if (flat === real) continue;
    for (const e of report) if (e.model !== undefined && (e.model === flat || e.model.startsWith(`${flat}.`))) e.model = real + e.model.slice(flat.length);
  }
}

function sortReport(facts: Facts): ReportEntry[] {
  const order = new Map(facts.files.map((f, i) => [f, i]));
  const rank = (f: string): number => order.get(f) ?? facts.files.length;
  return [...facts.report].sort((a, b) => rank(a.file) - rank(b.file) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line);
}

function summarise(report: readonly ReportEntry[]): Record<Fidelity, number> {
  const s: Record<Fidelity, number> = { represented: 0, lifted: 0, ignored: 0, 'not-representable': 0 };
  for (const e of report) s[e.status]++;
  return s;
}

const short = (e: { file: string; line: number }): string => `${e.file.slice(e.file.lastIndexOf('/') + 1)}:${e.line}`;
/** `route-eth0:1, route-eth0:2, rule-eth0:1`: files in the order they were read, then lines. */
const where = (entries: readonly ReportEntry[], files: readonly string[]): string =>
  [...entries].sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file) || a.line - b.line).map(short).join(', ');

function header(from: ImportSource, facts: Facts, report: readonly ReportEntry[], s: Record<Fidelity, number>): string[] {
  const lines = [`Imported by \`netgen import --from ${from}\` from:`, ...facts.files.map((f) => `  ${f}`)];
  lines.push(`${report.length} keys and lines read: ${s.represented} represented, ${s.lifted} lifted into intents, ${s.ignored} without effect, ${s['not-representable']} not representable.`);
  const lost = report.filter((e) => e.status === 'not-representable');
  if (lost.length > 0) {
    lines.push('Not carried over (the report on stderr, or --report FILE, has every line):');
    for (const e of lost) lines.push(`  ${e.file}:${e.line}: ${e.item}: ${e.why ?? ''}`);
  }
  return lines;
}

function comments(d: Draft, files: readonly string[]): Comments {
  const c: Comments = { above: new Map(), after: new Map() };
  const { placement } = toRaw(d);
  for (const [path, spot] of placement) {
    const from = where(spot.entries, files);
    if (/\[\d+\]$/.test(path) && from !== '') c.after.set(path, from);
  }
  for (const l of d.links) {
    const base = linkModelPath(d, l);
    if (l.egress) {
      const eg = l.egress;
      const primary = l.own[0] ? formatIPv4(l.own[0].address) : 'the primary address';
      c.above.set(`${base}.egress`, [
        `VIP egress, lifted from ${where(eg.consumed.flatMap((r) => r.entries), files)}: traffic leaves from ${formatIPv4(eg.prefer)}`,
        `while it is here (metric ${eg.metric}), from ${primary} once it is gone (metric ${eg.fallbackMetric}).`,
      ]);
    }
    if (l.sourceRouting) {
      const sr = l.sourceRouting;
      c.above.set(`${base}.source-routing`, [
        `Per-source routing, lifted from ${where([...sr.consumedRoutes, ...sr.consumedRules].flatMap((r) => r.entries), files)}:`,
        `traffic from ${l.link.name}'s addresses looks up table ${sr.table}.`,
      ]);
    }
    if (l.gateway && l.gateway.entries.length > 0) c.above.set(`${base}.gateway`, [`from ${where(l.gateway.entries, files)}`]);
  }
  return c;
}

/** The stderr report: a summary line, then every key and line read with what became of it. */
export function formatReport(r: ImportResult): string {
  const s = r.summary;
  const rows = r.report.map((e) => [e.status, `${e.file}:${e.line}`, visible(e.item), [e.model ? `-> ${e.model}` : '', e.why ?? '', e.note ? `(${e.note})` : ''].filter((x) => x !== '').join(' ')]);
  const w = [0, 1].map((i) => Math.max(0, ...rows.map((row) => row[i]!.length)));
  const out = [
    `netgen import: ${r.report.length} keys and lines read from ${r.files.length} file${r.files.length === 1 ? '' : 's'}: ${s.represented} represented, ${s.lifted} lifted, ${s.ignored} without effect, ${s['not-representable']} not representable`,
    ...rows.map((row) => `  ${row[0]!.padEnd(w[0]!)}  ${row[1]!.padEnd(w[1]!)}  ${row[2]}${row[3] ? `  ${row[3]}` : ''}`),
  ];
  return out.join('\n') + '\n';
}

/** The JSON report (`--report FILE`). */
export function reportJson(r: ImportResult, from: ImportSource): string {
  return JSON.stringify({ from, host: r.model.host, files: r.files, summary: r.summary, exitCode: r.exitCode, entries: r.report }, null, 2) + '\n';
}

/** The network files below `root` a back-end's consumer reads (only those; nothing else of the tree is opened). */
export function readImportTree(root: string, from: Exclude<ImportSource, 'live'>): ImportFile[] {
  let st;
  try {
    st = lstatSync(root);
  } catch {
    throw new NetgenError('usage', `--root ${root} does not exist`);
  }
  if (!st.isDirectory()) throw new NetgenError('usage', `--root ${root} is not a directory`);
  const wanted: string[] = ['etc/iproute2/rt_tables'];
  const dirs: string[] = [];
  if (from === 'rhel6') {
    wanted.push('etc/sysconfig/network', 'sbin/ifup-local', 'sbin/ifdown-local');
    dirs.push('etc/sysconfig/network-scripts');
  } else {
    wanted.push('etc/conf.d/net', 'etc/conf.d/hostname', 'etc/hostname', 'etc/conf.d/local.start');
    dirs.push('etc/local.d');
  }
  const out: ImportFile[] = [];
  const add = (rel: string): void => {
    const abs = join(root, ...rel.split('/'));
    let s;
    try {
      s = lstatSync(abs);
    } catch {
      return;
    }
    if (!s.isFile()) return;
    let content: string;
    try {
      content = readFileSync(abs, 'utf8');
    } catch (err) {
      throw new NetgenError('io', `cannot read ${abs}: ${(err as Error).message}`);
    }
    out.push({ path: rel, content: content.charCodeAt(0) === 0xfeff ? content.slice(1) : content, mode: s.mode & 0o7777 });
  };
  for (const w of wanted) add(w);
  for (const d of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(join(root, ...d.split('/'))).sort();
    } catch {
      continue;
    }
    // network-scripts also holds initscripts' own ifup-*/ifdown-* scripts: only config files are read.
    for (const n of names) if (d !== 'etc/sysconfig/network-scripts' || /^(ifcfg|route6?|rule6?)-/.test(n)) add(`${d}/${n}`);
  }
  return out;
}
