import { describe, expect, it } from 'vitest';
import { shape, type Issue } from '../../src/model/shape.js';

const issuesOf = (s: { safeParse(v: unknown): { success: boolean; issues?: Issue[] } }, v: unknown): Issue[] => {
  const r = s.safeParse(v);
  return r.success ? [] : r.issues!;
};
const brief = (issues: Issue[]) => issues.map((i) => ({ code: i.code, path: i.path }));

describe('shape: the structure checker', () => {
  const addr = shape.string().refine((s) => /^\d+\.\d+\.\d+\.\d+$/.test(s), { message: 'is not an address' });
  const oneOrList = shape.union([addr, shape.array(addr).min(1).max(2)]);

  it('a union reports the one option the value is of the kind of, with the full path', () => {
    expect(brief(issuesOf(shape.strictObject({ gw: oneOrList }), { gw: ['10.0.0.1', 'x'] }))).toEqual([{ code: 'custom', path: ['gw', 1] }]);
    expect(brief(issuesOf(oneOrList, 'x'))).toEqual([{ code: 'custom', path: [] }]);
    expect(issuesOf(oneOrList, [])).toMatchObject([{ code: 'too_small', minimum: 1, path: [] }]);
    expect(issuesOf(oneOrList, ['1.1.1.1', '1.1.1.2', '1.1.1.3'])).toMatchObject([{ code: 'too_big', maximum: 2 }]);
  });

  it('a union no option fits reports every option, paths relative to the union', () => {
    const [issue] = issuesOf(shape.strictObject({ gw: oneOrList }), { gw: [5] });
    expect(issue).toMatchObject({ code: 'invalid_union', path: ['gw'], input: [5] });
    expect(issue?.code === 'invalid_union' && issue.errors.map(brief)).toEqual([[{ code: 'invalid_type', path: [] }], [{ code: 'invalid_type', path: [0] }]]);
  });

  it('unknown keys do not rule an option out: a mapping with a misspelt key is still the mapping option', () => {
    const sysctl = shape.union([shape.literal(false), shape.strictObject({ rp_filter: shape.int().optional() })]);
    expect(issuesOf(sysctl, { rp_filtr: 1 })).toMatchObject([{ code: 'unrecognized_keys', keys: ['rp_filtr'], path: [] }]);
    expect(issuesOf(sysctl, true)[0]?.code).toBe('invalid_union');
  });

  it('a list is not measured once an item is not of its kind', () => {
    expect(brief(issuesOf(shape.array(shape.int()).min(2), ['x']))).toEqual([{ code: 'invalid_type', path: [0] }]);
    expect(brief(issuesOf(shape.array(shape.int().max(3)).min(2), [9]))).toEqual([
      { code: 'too_big', path: [0] },
      { code: 'too_small', path: [] },
    ]);
  });

  it('whole numbers: kind, safe range, then each bound', () => {
    const n = shape.int().min(1).max(10);
    expect(issuesOf(n, 'x')).toMatchObject([{ code: 'invalid_type', expected: 'number' }]);
    expect(issuesOf(n, Number.NaN)).toMatchObject([{ code: 'invalid_type', expected: 'number' }]);
    expect(issuesOf(n, 1.5)).toMatchObject([{ code: 'invalid_type', expected: 'int' }]);
    expect(issuesOf(n, 0)).toMatchObject([{ code: 'too_small', minimum: 1 }]);
    expect(issuesOf(n, 1e20)).toMatchObject([
      { code: 'too_big', maximum: Number.MAX_SAFE_INTEGER },
      { code: 'too_big', maximum: 10 },
    ]);
    expect(issuesOf(n, 10)).toEqual([]);
  });

  it('a missing key is an invalid_type with no input; an optional one may be left out', () => {
    const o = shape.strictObject({ a: shape.string(), b: shape.boolean().optional() });
    expect(issuesOf(o, {})).toEqual([{ code: 'invalid_type', expected: 'string', path: ['a'], input: undefined, continue: false }]);
    expect(issuesOf(o, { a: 'x' })).toEqual([]);
    expect(issuesOf(o, [])).toMatchObject([{ code: 'invalid_type', expected: 'object' }]);
    expect(issuesOf(shape.record(shape.string(), shape.int()), [])).toMatchObject([{ code: 'invalid_type', expected: 'record' }]);
  });

  it('refinement messages may depend on the value', () => {
    const s = shape.string().refine(() => false, { error: (iss) => `no: ${String(iss.input)}` });
    expect(issuesOf(s, 'abc')).toMatchObject([{ code: 'custom', message: 'no: abc' }]);
  });

  it('JSON Schema: an optional key\'s description comes first and wins over its schema\'s', () => {
    const inner = shape.string().meta({ description: 'inner', pattern: '^x$' });
    const o = shape.strictObject({ k: inner.optional().meta({ description: 'outer' }), r: inner });
    const json = o.jsonSchema() as { properties: Record<string, Record<string, unknown>>; required: string[] };
    expect(Object.entries(json.properties.k!)).toEqual([
      ['description', 'outer'],
      ['type', 'string'],
      ['pattern', '^x$'],
    ]);
    expect(json.properties.r).toEqual({ type: 'string', description: 'inner', pattern: '^x$' });
    expect(json.required).toEqual(['r']);
  });

  it('bounds and refinements keep the metadata given before them', () => {
    const d = { description: 'kept' };
    expect(shape.array(shape.string()).meta(d).min(1).max(2).jsonSchema()).toMatchObject(d);
    expect(shape.int().meta(d).min(1).jsonSchema()).toMatchObject(d);
    expect(shape.string().meta(d).regex(/x/, { message: 'm' }).jsonSchema()).toMatchObject(d);
  });

  // A mapping that passes is checked in its own key order and a union tries only options of
  // the value's kind; a value that fails is checked again in the schema's order, so the
  // issues do not depend on that shortcut.
  it('issues come in the schema\'s key order whatever the mapping\'s order, each once', () => {
    const o = shape.strictObject({ a: shape.int(), b: shape.int(), c: shape.string().optional() });
    expect(brief(issuesOf(o, { c: 'ok', b: 'x', a: 'y' }))).toEqual([
      { code: 'invalid_type', path: ['a'] },
      { code: 'invalid_type', path: ['b'] },
    ]);
    expect(brief(issuesOf(o, { b: 2, a: 1, z: 0 }))).toEqual([{ code: 'unrecognized_keys', path: [] }]);
    expect(brief(issuesOf(o, { c: 'x', b: 2, a: 'y', z: 0 }))).toEqual([
      { code: 'invalid_type', path: ['a'] },
      { code: 'unrecognized_keys', path: [] },
    ]);
  });

  it('a mapping whose keys all pass still misses a required key that is not there', () => {
    const o = shape.strictObject({ a: shape.string(), b: shape.string(), c: shape.int().optional() });
    expect(issuesOf(o, { b: 'x', c: 1 })).toEqual([{ code: 'invalid_type', expected: 'string', path: ['a'], input: undefined, continue: false }]);
    expect(issuesOf(o, { b: 'x', a: 'y' })).toEqual([]);
  });

  it('a union passes by any option, and reports every option when none passes', () => {
    const u = shape.union([shape.int().min(1), shape.literal('auto')]);
    const rec = shape.record(shape.string(), u);
    expect(issuesOf(rec, { t1: 'auto', t2: 5 })).toEqual([]);
    expect(issuesOf(rec, { t1: 'auto', t2: 0 })).toMatchObject([{ code: 'too_small', path: ['t2'] }]);
    const [issue] = issuesOf(rec, { t1: 'x' });
    expect(issue).toMatchObject({ code: 'invalid_union', path: ['t1'] });
    expect(issue?.code === 'invalid_union' && issue.errors.map(brief)).toEqual([[{ code: 'invalid_type', path: [] }], [{ code: 'invalid_value', path: [] }]]);
  });
});
