// A fast reader for the plain YAML most models are written in: block mappings and
// sequences, one-line flow collections, plain scalars of address-like characters and
// comments. Anything else (quotes, anchors, tags, block scalars, multi-line values, a key
// written twice, a tab, non-ASCII text, ...) makes it give up and return undefined, and
// js-yaml reads the text instead (src/model/load.ts). What it reads, it reads as js-yaml
// does: scalars are resolved by js-yaml's own core-schema types, keys are their String(),
// so the data is the same (test/unit/yaml-fast.test.ts compares the two).
import { CORE_SCHEMA } from 'js-yaml';

interface ImplicitType {
  resolve(data: string): boolean;
  construct(data: string): unknown;
}

/** js-yaml's implicit types of the core schema (null, bool, int, float), in its order; none when this js-yaml has no such list. */
const IMPLICIT: readonly ImplicitType[] | undefined = (() => {
  const list = (CORE_SCHEMA as unknown as { compiledImplicit?: unknown }).compiledImplicit;
  return Array.isArray(list) && list.every((t) => typeof (t as ImplicitType)?.resolve === 'function' && typeof (t as ImplicitType)?.construct === 'function')
    ? (list as ImplicitType[])
    : undefined;
})();

/**
 * First characters of the core schema's non-strings: null (`~`, null, Null, NULL), bool
 * (true, True, TRUE, false, ...), int (sign or digit) and float (sign, digit or `.`: .5,
 * .inf, .nan). A scalar starting otherwise (eth0, addresses, auto) is a string without
 * asking the types (test/unit/yaml-fast.test.ts checks this against js-yaml).
 */
const MAY_RESOLVE = new Uint8Array(128);
for (const c of '~nNtTfF+-.0123456789') MAY_RESOLVE[c.charCodeAt(0)] = 1;

/** A plain scalar's value, as js-yaml's composeNode resolves it. */
function resolvePlain(types: readonly ImplicitType[], s: string): unknown {
  if (MAY_RESOLVE[s.charCodeAt(0)] !== 1) return s;
  for (let i = 0; i < types.length; i++) {
    const t = types[i]!;
    if (t.resolve(s)) return t.construct(s);
  }
  return s;
}

/** Characters of a plain scalar here: letters, digits, and _ . / + $ ~ - (a colon is looked at apart). */
const SAFE = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./+$~-') SAFE[c.charCodeAt(0)] = 1;

const SPACE = 32;
const NL = 10;
const COLON = 58;
const HASH = 35;

class GiveUp {}
const GIVE_UP = new GiveUp();

/** The data of the text, or undefined when it is not in the plain form read here. */
export function readPlainYaml(text: string): unknown {
  const types = IMPLICIT;
  if (types === undefined) return undefined;
  // Printable ASCII and line feeds only.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== NL) || c > 126) return undefined;
  }
  const n = text.length;
  let pos = 0;
  /** Start of the current line's content and its indent; lineIndent -1 at the end. */
  let lineIndent = -1;
  let lineStart = 0;

  /** Move to the next line with content (not blank, not a comment), from `from`. */
  const nextLine = (from: number): void => {
    let p = from;
    while (p < n) {
      let q = p;
      while (q < n && text.charCodeAt(q) === SPACE) q++;
      if (q >= n) break;
      const c = text.charCodeAt(q);
      if (c === NL) {
        p = q + 1;
        continue;
      }
      if (c === HASH) {
        const e = text.indexOf('\n', q);
        if (e < 0) break;
        p = e + 1;
        continue;
      }
      lineIndent = q - p;
      lineStart = q;
      pos = q;
      return;
    }
    lineIndent = -1;
    pos = n;
  };

  /** A plain scalar at `pos`: scalar characters, and colons inside. */
  const scalarText = (): string => {
    const start = pos;
    const first = text.charCodeAt(pos);
    if (first >= 128 || SAFE[first] !== 1) throw GIVE_UP;
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === COLON) {
        // Part of the scalar when another scalar character or colon follows (js-yaml: anything but a space or line end, in flow also , [ ] { }).
        const next = pos + 1 < n ? text.charCodeAt(pos + 1) : NL;
        if (next === COLON || (next < 128 && SAFE[next] === 1)) {
          pos++;
          continue;
        }
        break;
      }
      if (c >= 128 || SAFE[c] !== 1) break;
      pos++;
    }
    const s = text.slice(start, pos);
    // `-` and `?` start a scalar only before another scalar character (checked: SAFE has no space).
    if (first === 45 && s.length === 1) throw GIVE_UP;
    return s;
  };

  const skipSpaces = (): number => {
    const from = pos;
    while (pos < n && text.charCodeAt(pos) === SPACE) pos++;
    return pos - from;
  };

  /** After a value on a line: spaces, then the line end or a comment (after a space). */
  const endOfLine = (): void => {
    const spaces = skipSpaces();
    if (pos >= n) return;
    const c = text.charCodeAt(pos);
    if (c === NL) return;
    if (c === HASH && spaces > 0) {
      const e = text.indexOf('\n', pos);
      pos = e < 0 ? n : e;
      return;
    }
    throw GIVE_UP;
  };

  const setKey = (obj: Record<string, unknown>, keyText: string, value: unknown): void => {
    const key = String(resolvePlain(types, keyText));
    if (key === '__proto__' || Object.prototype.hasOwnProperty.call(obj, key)) throw GIVE_UP;
    obj[key] = value;
  };

  /** A flow value at `pos` (a collection or a scalar), all on this line. */
  const flowValue = (): unknown => {
    const c = text.charCodeAt(pos);
    if (c === 91 /* [ */) {
      pos++;
      const out: unknown[] = [];
      skipSpaces();
      if (text.charCodeAt(pos) === 93 /* ] */) {
        pos++;
        return out;
      }
      for (;;) {
        out.push(flowValue());
        skipSpaces();
        const d = text.charCodeAt(pos);
        if (d === 93) {
          pos++;
          return out;
        }
        if (d !== 44 /* , */) throw GIVE_UP;
        pos++;
        skipSpaces();
      }
    }
    if (c === 123 /* { */) {
      pos++;
      const out: Record<string, unknown> = {};
      skipSpaces();
      if (text.charCodeAt(pos) === 125 /* } */) {
        pos++;
        return out;
      }
      for (;;) {
        const key = scalarText();
        if (text.charCodeAt(pos) !== COLON || text.charCodeAt(pos + 1) !== SPACE) throw GIVE_UP;
        pos += 2;
        skipSpaces();
        setKey(out, key, flowValue());
        skipSpaces();
        const d = text.charCodeAt(pos);
        if (d === 125) {
          pos++;
          return out;
        }
        if (d !== 44) throw GIVE_UP;
        pos++;
        skipSpaces();
      }
    }
    return resolvePlain(types, scalarText());
  };

  /** A value after `key: ` or `- ` on this line: a flow collection or a scalar, then the line's end. */
  const inlineValue = (): unknown => {
    const v = flowValue();
    endOfLine();
    return v;
  };

  /** The block collection whose lines are at `indent` (the current line is its first). */
  const block = (indent: number): unknown => {
    const isSeq = text.charCodeAt(pos) === 45 && text.charCodeAt(pos + 1) === SPACE;
    if (isSeq) {
      const out: unknown[] = [];
      while (lineIndent === indent) {
        if (text.charCodeAt(pos) !== 45 || text.charCodeAt(pos + 1) !== SPACE) throw GIVE_UP;
        pos += 2;
        skipSpaces();
        out.push(inlineValue());
        nextLine(pos);
      }
      if (lineIndent > indent) throw GIVE_UP;
      return out;
    }
    const out: Record<string, unknown> = {};
    while (lineIndent === indent) {
      const key = scalarText();
      if (text.charCodeAt(pos) !== COLON) throw GIVE_UP;
      pos++;
      const next = pos < n ? text.charCodeAt(pos) : NL;
      if (next !== SPACE && next !== NL) throw GIVE_UP;
      const spaces = skipSpaces();
      const c = pos < n ? text.charCodeAt(pos) : NL;
      if (c === NL || (c === HASH && spaces > 0)) {
        // `key:` alone (or with a comment): the lines below, further in, are its value; none is null.
        if (c === HASH) {
          const e = text.indexOf('\n', pos);
          pos = e < 0 ? n : e;
        }
        nextLine(pos);
        if (lineIndent > indent) setKey(out, key, block(lineIndent));
        else setKey(out, key, null);
        continue;
      }
      setKey(out, key, inlineValue());
      nextLine(pos);
    }
    if (lineIndent > indent) throw GIVE_UP;
    return out;
  };

  try {
    nextLine(0);
    if (lineIndent !== 0) return undefined;
    const data = block(0);
    // block() moved lineIndent on (TypeScript still narrows it to 0).
    return (lineIndent as number) === -1 && !Array.isArray(data) ? data : undefined;
  } catch (err) {
    if (err === GIVE_UP) return undefined;
    throw err;
  }
}
