// Reading /etc/conf.d/net (and conf.d/hostname) the way sh reads it, without running it:
// `name=value` assignments with unquoted, '…' and "…" words (values may span lines), and
// bash arrays `name=( "a" "b" )`. Anything else (commands, functions, expansions) is shell
// code netgen does not run: it is reported with its line, and skipped.

export interface ShItem {
  /** One element of an array, or the whole string. */
  text: string;
  /** The file line the item starts on. */
  line: number;
}

export interface ShVar {
  name: string;
  kind: 'string' | 'array';
  items: ShItem[];
  line: number;
}

export interface ShCode {
  line: number;
  text: string;
  why: string;
}

export interface ShFile {
  vars: Map<string, ShVar>;
  /** Assignments overridden by a later one of the same name. */
  overridden: ShVar[];
  code: ShCode[];
}

const UNQUOTED_OK = /[A-Za-z0-9_.,:/@%+=^~-]/;

class Reader {
  pos = 0;
  line = 1;
  constructor(readonly text: string) {}
  peek(o = 0): string {
    return this.text[this.pos + o] ?? '';
  }
  next(): string {
    const c = this.text[this.pos++] ?? '';
    if (c === '\n') this.line++;
    return c;
  }
  eof(): boolean {
    return this.pos >= this.text.length;
  }
  restOfLine(): string {
    const end = this.text.indexOf('\n', this.pos);
    return this.text.slice(this.pos, end < 0 ? undefined : end);
  }
  skipLine(): void {
    while (!this.eof() && this.peek() !== '\n') this.next();
    if (!this.eof()) this.next();
  }
}

/** One shell word; stops before unquoted blanks, newlines, `)` and `;`. */
function readWord(r: Reader): string | { error: string } {
  let out = '';
  while (!r.eof()) {
    const c = r.peek();
    if (c === ' ' || c === '\t' || c === '\n' || c === ')' || c === ';') break;
    if (c === '\r') return { error: 'a carriage return (CRLF line end); sh keeps it in the value' };
    if (c === "'") {
      r.next();
      while (!r.eof() && r.peek() !== "'") out += r.next();
      if (r.eof()) return { error: 'unterminated single quote' };
      r.next();
    } else if (c === '"') {
      r.next();
      for (;;) {
        if (r.eof()) return { error: 'unterminated double quote' };
        const d = r.next();
        if (d === '"') break;
        if (d === '$' || d === '`') return { error: `${d === '$' ? 'a $ expansion' : 'a command substitution'} inside double quotes` };
        if (d === '\\') {
          const e = r.next();
          if (e === '\n') continue;
          out += '$`"\\'.includes(e) ? e : `\\${e}`;
        } else out += d;
      }
    } else if (c === '\\') {
      r.next();
      const e = r.next();
      if (e !== '\n') out += e;
    } else if (UNQUOTED_OK.test(c)) out += r.next();
    else return { error: `an unquoted ${JSON.stringify(c)}` };
  }
  return out;
}

function skipBlanks(r: Reader): void {
  while (r.peek() === ' ' || r.peek() === '\t') r.next();
}

/** Parse the text. `arrays`: bash arrays are accepted (they are a syntax error under dash). */
export function readShVars(text: string): ShFile {
  const r = new Reader(text);
  const file: ShFile = { vars: new Map(), overridden: [], code: [] };
  let depth = 0;
  const fail = (line: number, start: number, why: string): void => {
    // Report the statement's first line and skip the rest of the physical line.
    const end = text.indexOf('\n', start);
    file.code.push({ line, text: text.slice(start, end < 0 ? undefined : end).trim(), why });
    r.pos = start;
    r.line = line;
    r.skipLine();
  };
  while (!r.eof()) {
    skipBlanks(r);
    const c = r.peek();
    if (c === '\n' || c === '\r') {
      r.next();
      continue;
    }
    if (c === '#') {
      r.skipLine();
      continue;
    }
    const start = r.pos;
    const line = r.line;
    const rest = r.restOfLine();
    const fn = /^([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(\)[ \t]*\{?/.exec(rest);
    if (fn) {
      // A function (preup() { ... }): netifrc runs it; skip to its closing brace at a line start.
      const close = text.slice(start).search(/\n\}[ \t]*(\n|$)/);
      file.code.push({ line, text: rest.trim(), why: `function ${fn[1]}: shell code netifrc would run, which netgen does not` });
      const to = close < 0 ? text.length : start + close + 2;
      while (r.pos < to) r.next();
      r.skipLine();
      continue;
    }
    const m = /^(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=/.exec(rest);
    const first = /^[A-Za-z_]+/.exec(rest)?.[0] ?? '';
    if (!m || depth > 0) {
      // Assignments inside if/case/loops apply only when the shell takes that branch at boot.
      if (['if', 'case', 'for', 'while', 'until'].includes(first)) depth++;
      else if (['fi', 'esac', 'done'].includes(first)) depth = Math.max(0, depth - 1);
      fail(line, start, m ? `${m[1]}: assigned inside a shell block, so whether it applies depends on the host at boot` : 'shell code, not an assignment; netgen reads values, it does not run commands');
      continue;
    }
    for (let i = 0; i < m[0].length; i++) r.next();
    const name = m[1]!;
    let v: ShVar;
    if (r.peek() === '(') {
      r.next();
      const items: ShItem[] = [];
      let error: string | undefined;
      for (;;) {
        while (r.peek() === ' ' || r.peek() === '\t' || r.peek() === '\n' || r.peek() === '\r') r.next();
        if (r.eof()) {
          error = 'an array without its closing )';
          break;
        }
        if (r.peek() === ')') {
          r.next();
          break;
        }
        if (r.peek() === '#') {
          r.skipLine();
          continue;
        }
        const itemLine = r.line;
        const w = readWord(r);
        if (typeof w !== 'string') {
          error = w.error;
          break;
        }
        items.push({ text: w, line: itemLine });
      }
      if (error !== undefined) {
        fail(line, start, `${name}: ${error}`);
        continue;
      }
      v = { name, kind: 'array', items, line };
    } else {
      const w = readWord(r);
      if (typeof w !== 'string') {
        fail(line, start, `${name}: ${w.error}`);
        continue;
      }
      v = { name, kind: 'string', items: [{ text: w, line }], line };
    }
    skipBlanks(r);
    if (r.peek() === '#' || r.peek() === '\n' || r.peek() === '\r' || r.eof()) {
      r.skipLine();
    } else if (r.peek() === ';' && /^;[ \t]*(#.*)?$/.test(r.restOfLine().replace(/\r$/, ''))) {
      r.skipLine();
    } else {
      fail(line, start, `${name}: more follows the value on its line (${JSON.stringify(r.restOfLine().trim())}); sh would run it`);
      continue;
    }
    const prev = file.vars.get(name);
    if (prev) file.overridden.push(prev);
    file.vars.set(name, v);
  }
  return file;
}

/**
 * The entries netifrc reads from a variable, each with its file line: a string's lines
 * (trimmed, blanks squeezed, empty ones dropped), an array's elements (split at newlines).
 */
export function shLines(v: ShVar | undefined): ShItem[] {
  if (!v) return [];
  const out: ShItem[] = [];
  for (const item of v.items) {
    item.text.split('\n').forEach((l, k) => {
      const t = v.kind === 'string' ? l.replace(/^[ \t]+|[ \t]+$/g, '').replace(/[ \t]+/g, ' ') : l;
      if (t.trim() !== '') out.push({ text: t, line: item.line + k });
    });
  }
  return out;
}

/** A variable's value as `$name` gives it (an array's elements joined by a blank). */
export function shString(v: ShVar | undefined): string {
  return v ? v.items.map((i) => i.text).join(' ') : '';
}
