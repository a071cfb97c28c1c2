// The strict JSON scanner of `.json` models (src/model/json-syntax.ts): it must accept what
// JSON.parse accepts and refuse, at the right place, what only YAML would take.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSyntaxProblem } from '../../src/model/json-syntax.js';

describe('jsonSyntaxProblem', () => {
  it('accepts every text JSON.stringify makes (fixed seed)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2, '\t'), (v, space) => {
        expect(jsonSyntaxProblem(JSON.stringify(v, null, space))).toBeUndefined();
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('refuses what JSON.parse refuses, where the problem is', () => {
    const cases: [string, number, RegExp][] = [
      ['{"a": 1,}', 7, /trailing comma before `}`/],
      ['[1, 2, ]', 5, /trailing comma before `]`/],
      ["{'a': 1}", 1, /expected a "key" in double quotes, found a 'single-quoted' string/],
      ['{"a": \'b\'}', 6, /single-quoted/],
      ['{"a": yes}', 6, /the bare word `yes`/],
      ['{"a": 1} // c', 9, /more after the model's value: a comment/],
      ['{"a": 01}', 7, /not a JSON number/],
      ['{"a": "x\ny"}', 8, /does not run over a line end/],
      ['{"a": "\\x"}', 7, /`\\x` is not a JSON escape/],
      ['{"a": [1, 2}', 11, /expected `,` or `]`, found `}`/],
      ['{"a": 1', 0, /this `\{` is not closed/],
      ['', 0, /expected a value, found the end of the file/],
    ];
    for (const [text, offset, message] of cases) {
      expect(() => JSON.parse(text), text).toThrow();
      const p = jsonSyntaxProblem(text);
      expect(p, text).toBeDefined();
      expect(p!.offset, text).toBe(offset);
      expect(p!.message, text).toMatch(message);
    }
  });

  it('refuses nesting deeper than it walks safely, without a stack overflow', () => {
    expect(jsonSyntaxProblem('['.repeat(100_000))?.message).toMatch(/nested more than/);
  });
});
