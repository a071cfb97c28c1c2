// Model text -> raw object. Plain block YAML (most models) is read by yaml-fast.ts, the
// rest by js-yaml (YAML 1.2 core schema), both to the same data and on the way that
// succeeds, ten times faster than the positioned parser; `yaml`, which keeps source
// positions, is loaded and run only when a problem must be located, or when the text
// uses anchors (where `yaml` bounds alias expansion). JSON is YAML 1.2 flow syntax.
import { createRequire } from 'node:module';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import type { Document, LineCounter, Node } from 'yaml';
import type { ModelProblem, SourceRef } from '../errors.js';
import { jsonSyntaxProblem } from './json-syntax.js';
import { readPlainYaml } from './yaml-fast.js';

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;
function yaml(): YamlModule {
  // The require is made here, not when the module loads: most runs never need `yaml`.
  yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule;
  return yamlModule;
}

export type PathSegment = string | number;

export interface LoadedText {
  /** The file name as shown in messages. */
  file: string;
  /** The plain data; undefined when the text did not parse. */
  data: unknown;
  /** YAML syntax problems (empty when it parsed). */
  problems: ModelProblem[];
  /** Where a model path is written; falls back to its nearest written ancestor. */
  locate(path: readonly PathSegment[], at?: 'key' | 'value'): SourceRef;
}

/** Parse model text; never throws on bad input, it reports problems instead. */
export function parseModelText(text: string, file: string): LoadedText {
  let positioned: Positioned | undefined;
  const doc = (): Positioned => (positioned ??= parsePositioned(text, file));
  const locate = (path: readonly PathSegment[], at: 'key' | 'value' = 'value'): SourceRef => {
    const d = doc();
    return locateIn(d.doc, path, at, d.refAt);
  };
  // A .json model is JSON: what only YAML allows (a trailing comma, 'quotes') is an error.
  if (/\.json$/i.test(file)) {
    const bad = jsonSyntaxProblem(text);
    if (bad !== undefined) return { file, data: undefined, problems: [{ ref: offsetRef(text, file, bad.offset), path: '', message: `JSON syntax: ${bad.message}` }], locate };
  }
  // Anchors and aliases go to the parser that limits their expansion.
  if ((text.indexOf('&') < 0 && text.indexOf('*') < 0) || !/[&*][^\s,\]}]/.test(text)) {
    // Most models are plain block YAML: read without js-yaml's generality (same data).
    const plain = readPlainYaml(text);
    if (plain !== undefined) return { file, data: plain, problems: [], locate };
    try {
      const data: unknown = loadYaml(text, { schema: CORE_SCHEMA, filename: file });
      return { file, data, problems: [], locate };
    } catch (err) {
      // Fall through: the positioned parser says where and what.
      const d = doc();
      if (d.problems.length > 0) return { file, data: undefined, problems: d.problems, locate };
      const mark = (err as { mark?: { line: number; column: number } }).mark;
      const reason = (err as { reason?: string }).reason ?? (err as Error).message;
      return { file, data: undefined, problems: [{ ref: { file, line: (mark?.line ?? 0) + 1, col: (mark?.column ?? 0) + 1 }, path: '', message: `YAML syntax: ${reason}` }], locate };
    }
  }
  const d = doc();
  if (d.problems.length > 0) return { file, data: undefined, problems: d.problems, locate };
  try {
    return { file, data: d.doc.toJS({ maxAliasCount: 100 }) as unknown, problems: [], locate };
  } catch (err) {
    // `yaml` stops an alias bomb (aliases of aliases, expanding to millions of nodes) here.
    if (!/alias/i.test((err as Error).message)) throw err;
    const at = /[*][^\s,\]}]/.exec(text)?.index ?? 0;
    return { file, data: undefined, problems: [{ ref: d.refAt(at), path: '', message: 'YAML aliases here expand to too much data (more than 100 alias uses); write the values out' }], locate };
  }
}

function offsetRef(text: string, file: string, offset: number): SourceRef {
  const before = text.slice(0, offset);
  const nl = before.lastIndexOf('\n');
  return { file, line: before.split('\n').length, col: offset - nl };
}

interface Positioned {
  doc: Document;
  lines: LineCounter;
  problems: ModelProblem[];
  refAt: (offset: number) => SourceRef;
}

function parsePositioned(text: string, file: string): Positioned {
  const Y = yaml();
  const lines = new Y.LineCounter();
  const doc = Y.parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  const refAt = (offset: number): SourceRef => {
    const { line, col } = lines.linePos(offset);
    return { file, line, col };
  };
  const problems = doc.errors.map((e): ModelProblem => ({ ref: refAt(e.pos[0]), path: '', message: `YAML syntax: ${firstLine(e.message)}` }));
  return { doc, lines, problems, refAt };
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return (i < 0 ? s : s.slice(0, i)).replace(/ at line \d+, column \d+:?$/, '');
}

function locateIn(doc: Document, path: readonly PathSegment[], at: 'key' | 'value', refAt: (o: number) => SourceRef): SourceRef {
  const { isMap, isPair, isCollection } = yaml();
  let node: unknown = doc.contents;
  let best: number = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (!isCollection(node)) break;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
      if (!pair) break;
      const keyNode = pair.key as Node | null;
      const valueNode = pair.value as Node | null;
      if (last && at === 'key' && keyNode?.range) return refAt(keyNode.range[0]);
      const r = valueNode?.range ?? keyNode?.range;
      if (r) best = r[0];
      node = valueNode;
    } else {
      const item = typeof seg === 'number' ? node.items[seg] : undefined;
      if (item === undefined) break;
      const r = (item as Node).range;
      if (r) best = r[0];
      node = item;
    }
  }
  return refAt(best);
}

function keyText(key: unknown): string {
  if (yaml().isScalar(key)) return String(key.value);
  return String(key);
}

/** Model paths as users read them: `interfaces.eth0.addresses[1]`, `vlans["eth0.10"].id`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_:$-]+$/.test(seg)) out += (out ? '.' : '') + seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
