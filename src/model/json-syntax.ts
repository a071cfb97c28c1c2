// Strict JSON syntax for `.json` models. The loader reads every model as YAML 1.2, of which
// JSON is a subset; but YAML also accepts what JSON does not (a trailing comma, 'single
// quotes', bare words, comments), so a `.json` file that another JSON tool refuses would
// pass. This scanner walks the text once by the JSON grammar (RFC 8259) and reports the
// first place it leaves it, with a message that says what JSON wants there.

export interface JsonSyntaxProblem {
  /** Offset into the text (UTF-16 code units). */
  offset: number;
  message: string;
}

const WS = new Set([' ', '\t', '\n', '\r']);
/** Nesting deeper than this is refused rather than risking the stack. */
const MAX_DEPTH = 512;

/** The first JSON syntax problem of `text`, or undefined when it is one JSON value. */
export function jsonSyntaxProblem(text: string): JsonSyntaxProblem | undefined {
  let i = 0;
  const fail = (offset: number, message: string): never => {
    throw { offset, message } satisfies JsonSyntaxProblem;
  };
  const skip = (): void => {
    while (i < text.length && WS.has(text[i]!)) i++;
  };
  const describe = (at: number): string => {
    if (at >= text.length) return 'the end of the file';
    const c = text[at]!;
    if (c === '/' && (text[at + 1] === '/' || text[at + 1] === '*')) return 'a comment (JSON has none)';
    if (c === "'") return "a 'single-quoted' string (JSON strings take double quotes)";
    if (/[A-Za-z_]/.test(c)) return `the bare word \`${/^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(at))![0]}\` (JSON strings take double quotes)`;
    return `\`${c}\``;
  };
  const string = (): void => {
    const start = i;
    i++;
    for (;;) {
      if (i >= text.length) fail(start, 'this string is not closed (no `"` before the end of the file)');
      const c = text[i]!;
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\n' || c === '\r') fail(i, 'a string does not run over a line end in JSON (write \\n)');
      if (c.charCodeAt(0) < 0x20) fail(i, 'a control character inside a string (write it as a \\u escape)');
      if (c === '\\') {
        const e = text[i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else if (e === 'u' && /^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else fail(i, `\`\\${e ?? ''}\` is not a JSON escape`);
      } else i++;
    }
  };
  const number = (): void => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (m === null || m[0] === '-') fail(i, `expected a value, found ${describe(i)}`);
    i += m![0].length;
    if (i < text.length && /[0-9A-Za-z_.]/.test(text[i]!)) fail(i, 'this is not a JSON number (no leading zeros, hex, or trailing dot)');
  };
  const value = (depth: number): void => {
    skip();
    if (depth > MAX_DEPTH) fail(i, `nested more than ${MAX_DEPTH} levels deep`);
    const c = text[i];
    if (c === '{') return container(depth, '}', true);
    if (c === '[') return container(depth, ']', false);
    if (c === '"') return string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i) && !/[A-Za-z0-9_]/.test(text[i + word.length] ?? '')) {
        i += word.length;
        return;
      }
    }
    fail(i, `expected a value, found ${describe(i)}`);
  };
  const container = (depth: number, close: '}' | ']', isObject: boolean): void => {
    const open = i;
    i++;
    skip();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      skip();
      if (isObject) {
        if (text[i] !== '"') fail(i, `expected a "key" in double quotes, found ${describe(i)}`);
        string();
        skip();
        if (text[i] !== ':') fail(i, `expected \`:\` after the key, found ${describe(i)}`);
        i++;
      }
      value(depth + 1);
      skip();
      if (text[i] === ',') {
        const comma = i;
        i++;
        skip();
        if (text[i] === close) fail(comma, `a trailing comma before \`${close}\` (JSON allows none)`);
        continue;
      }
      if (text[i] === close) {
        i++;
        return;
      }
      if (i >= text.length) fail(open, `this \`${isObject ? '{' : '['}\` is not closed (no \`${close}\` before the end of the file)`);
      fail(i, `expected \`,\` or \`${close}\`, found ${describe(i)}`);
    }
  };
  try {
    value(0);
    skip();
    if (i < text.length) fail(i, `more after the model's value: ${describe(i)}`);
    return undefined;
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'offset' in err && 'message' in err && !(err instanceof Error)) return err as JsonSyntaxProblem;
    throw err;
  }
}
