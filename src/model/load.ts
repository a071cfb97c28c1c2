// Model text -> raw object, keeping the YAML document so every later problem can name
// file, line and column. JSON is read by the same parser (JSON is YAML 1.2 flow syntax).
import { LineCounter, parseDocument, isMap, isPair, isScalar, isCollection, type Document, type Node } from 'yaml';
import type { ModelProblem, SourceRef } from '../errors.js';

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
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  const refAt = (offset: number): SourceRef => {
    const { line, col } = lines.linePos(offset);
    return { file, line, col };
  };
  const problems: ModelProblem[] = [];
  for (const e of doc.errors) {
    problems.push({ ref: refAt(e.pos[0]), path: '', message: `YAML syntax: ${firstLine(e.message)}` });
  }
  const locate = (path: readonly PathSegment[], at: 'key' | 'value' = 'value'): SourceRef => locateIn(doc, path, at, refAt);
  if (problems.length > 0) return { file, data: undefined, problems, locate };
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  return { file, data, problems, locate };
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return (i < 0 ? s : s.slice(0, i)).replace(/ at line \d+, column \d+:?$/, '');
}

function locateIn(doc: Document, path: readonly PathSegment[], at: 'key' | 'value', refAt: (o: number) => SourceRef): SourceRef {
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
  if (isScalar(key)) return String(key.value);
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
