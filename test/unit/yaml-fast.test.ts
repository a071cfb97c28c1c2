import fc from 'fast-check';
import { CORE_SCHEMA, load } from 'js-yaml';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPlainYaml } from '../../src/model/yaml-fast.js';

/** js-yaml's reading of the text (what load.ts used for every model), or its error. */
function jsYaml(text: string): unknown {
  try {
    return load(text, { schema: CORE_SCHEMA });
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

function modelFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'expected' ? [] : modelFiles(p);
    return /\.ya?ml$/.test(f) ? [p] : [];
  });
}

describe('yaml-fast: the plain YAML of most models, read as js-yaml reads it', () => {
  it('every model of examples/ and test/ is read the same, or left to js-yaml', () => {
    let read = 0;
    const files = [...modelFiles('examples'), ...modelFiles('test')];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const mine = readPlainYaml(text);
      if (mine === undefined) continue;
      read++;
      expect(mine, f).toEqual(jsYaml(text));
    }
    // The shortcut is taken: most models are plain.
    expect(read).toBeGreaterThan(files.length / 2);
    expect(readPlainYaml(readFileSync('examples/gentoo-dual-switch/netgen.yaml', 'utf8'))).toBeDefined();
  });

  it('scalars and keys resolve as in the core schema', () => {
    const text = ['a: 10', 'b: 0x1F', 'c: ~', 'd: true', 'e: yes', 'f: 1e3', 'g: .inf', 'h: -0', 'i: 0o17', 'j: 010', 'k: null', '10: x', '0x10: y', '~: z', 'true: w', 'l: [1, a, 2001:db8::1, {m: .5}]', ''].join('\n');
    const mine = readPlainYaml(text);
    expect(mine).toBeDefined();
    expect(mine).toEqual(jsYaml(text));
    expect(Object.keys(mine as object)).toEqual(Object.keys(jsYaml(text) as object));
  });

  it('a scalar whose first character no core-schema type starts with is a string', () => {
    const rest = fc.array(fc.constantFrom('0', '1', 'e', 'E', '.', 'x', 'o', 'b', 'n', 'a', 'N', 'f', 'inf', 'nan', 'ull', 'rue', 'alse', '_', ':', '-', '+'), { maxLength: 6 }).map((a) => a.join(''));
    const first = fc.constantFrom(...'abcdeghijklmopqrsuvwxyzABCDEGHIJKLMOPQRSUVWXYZ_/$'.split(''));
    fc.assert(
      fc.property(first, rest, (f, r) => {
        const text = `k: ${f}${r}\n`;
        const mine = readPlainYaml(text);
        if (mine !== undefined) expect(mine).toEqual(jsYaml(text));
        expect(typeof (jsYaml(text) as { k?: unknown }).k === 'string' || typeof jsYaml(text) === 'string').toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['a key written twice', 'a: 1\na: 2\n'],
    ['a key twice after resolution', '10: 1\n0xA: 2\n'],
    ['a key twice in a flow mapping', 'a: { b: 1, b: 2 }\n'],
    ['quotes', 'a: "x"\n'],
    ['an anchor', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a block scalar', 'a: |\n  x\n'],
    ['a tab', 'a:\t1\n'],
    ['non-ASCII text', 'a: b # é\n'],
    ['a plain scalar over two lines', 'a: b\n  c\n'],
    ['a value that is a mapping on one line', 'a: b: c\n'],
    ['a trailing comma', 'a: [1, 2,]\n'],
    ['__proto__', '__proto__: 1\n'],
    ['a sequence at its key\'s indent', 'a:\n- 1\n'],
    ['a block mapping in a sequence', 'a:\n  - b: 1\n    c: 2\n'],
    ['a comment without a space before it', 'a: b#c\n'],
    ['a document marker', '---\na: 1\n'],
    ['a flow collection over two lines', 'a: [1,\n  2]\n'],
    ['CRLF line ends', 'a: 1\r\nb: 2\r\n'],
    ['an indent that closes nothing', 'a:\n    b: 1\n  c: 2\n'],
    ['a top-level list', '- a\n'],
    ['nothing', '# only a comment\n'],
  ])('gives up on %s', (_what, text) => {
    expect(readPlainYaml(text)).toBeUndefined();
  });

  it('random texts of model-like lines read as js-yaml reads them, when read at all', () => {
    const token = fc.constantFrom('eth0', 'eth0:1', '10', '010', '0x1F', '1e3', '1.5', '-1', '~', 'null', 'true', 'yes', '2001:db8::1', 'a::', '::1', '10.0.0.1/24', 'a:b', '-', '.', '$schema', 'x-y', 'Null', '.nan');
    const value = fc.oneof(
      token,
      fc.array(token, { maxLength: 3 }).map((a) => `[${a.join(', ')}]`),
      fc.array(fc.tuple(token, token), { maxLength: 3 }).map((a) => `{ ${a.map(([k, v]) => `${k}: ${v}`).join(', ')} }`),
    );
    const key = fc.constantFrom('eth0', 'eth1', 'eth0:1', 'a', 'b', 'c', 'd', 'e', 'f', 'g', '10', '010', '0xA', 'true', '~', 'x-y', '$schema', 'to', 'via');
    const entry = (k: string, v: string | null): string => (v === null ? `${k}:` : `${k}: ${v}`);
    const nested = fc.oneof(
      fc.uniqueArray(fc.tuple(key, fc.option(value)), { minLength: 1, maxLength: 4, selector: ([k]) => k }).map((es) => es.map(([k, v]) => '  ' + entry(k, v))),
      fc.array(value, { minLength: 1, maxLength: 4 }).map((vs) => vs.map((v) => `  - ${v}`)),
    );
    const top = fc.tuple(key, fc.oneof(value.map((v): (string | null)[] => [v]), nested.map((lines): (string | null)[] => [null, ...lines]), fc.constant(['# c'])));
    const doc = fc
      .uniqueArray(top, { minLength: 1, maxLength: 6, selector: ([k]) => k })
      .map((es) => es.flatMap(([k, [first, ...rest]]) => (first === '# c' ? [first] : [entry(k, first ?? null), ...(rest as string[])])).join('\n') + '\n');
    let read = 0;
    fc.assert(
      fc.property(doc, (text) => {
        const mine = readPlainYaml(text);
        if (mine === undefined) return;
        read++;
        expect(mine).toEqual(jsYaml(text));
      }),
      { numRuns: 3000 },
    );
    expect(read).toBeGreaterThan(300);
  });
});
