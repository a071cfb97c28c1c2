// The model's structure checker: the few schema kinds the model uses (strings with patterns
// and refinements, whole numbers, booleans, literals, enums, lists, unions, strict mappings,
// records, optional keys), each able to check a value, infer its TypeScript type and describe
// itself as JSON Schema for editors.
//
// This replaced zod: zod was half of the bundle and about 20 ms of a single render's 40 ms
// above `node -e 0` (building its schemas and its parsers at every start; bench/RESULTS.md),
// for a model that needs none of its transforms. The issues keep zod's vocabulary and its rules
// for when a union reports its one plausible option, so the validator's messages are the
// same; test/unit/shape.test.ts pins those rules.

export type ShapePath = (string | number)[];

interface IssueBase {
  path: ShapePath;
  input: unknown;
  /**
   * Whether the value is still of the schema's kind (a failed pattern, bound or refinement).
   * An issue without it says the value is not of the kind at all: a union then does not
   * take that option for the one the user meant.
   */
  continue: boolean;
}

export type Issue = IssueBase &
  (
    | { code: 'invalid_type'; expected: string }
    | { code: 'invalid_value'; values: readonly unknown[] }
    | { code: 'invalid_format'; message: string }
    | { code: 'custom'; message: string }
    | { code: 'too_small'; minimum: number }
    | { code: 'too_big'; maximum: number }
    | { code: 'unrecognized_keys'; keys: string[] }
    | { code: 'invalid_union'; errors: Issue[][] }
  );

export interface Meta {
  title?: string;
  description?: string;
  examples?: readonly unknown[];
  pattern?: string;
  /** The values a refinement allows, for editors. */
  enum?: readonly (string | number)[];
}

export type SafeParse<T> = { success: true; data: T } | { success: false; issues: Issue[] };

type Json = Record<string, unknown>;

/** While safeParse runs with `onString`: it (see safeParse). */
let noteString: ((s: string) => void) | undefined;

/** A schema for values of type T. */
export abstract class Shape<T> {
  /** Type-level only: what a value that passes is. */
  declare readonly _type: T;
  metadata: Meta | undefined;

  /** Check `input` at `path`, appending what is wrong to `issues`. */
  abstract check(input: unknown, path: ShapePath, issues: Issue[]): void;
  /**
   * False when `input` is certainly not of this schema's kind (check would report it), so a
   * union need not try this option for a value that passes another; true when it may be.
   */
  ofKind(_input: unknown): boolean {
    return true;
  }
  /** This schema as JSON Schema, without its metadata. */
  protected abstract jsonBody(): Json;

  /** The same schema with this metadata (description, examples, pattern) for the JSON Schema. */
  meta(m: Meta): this {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this;
    Object.assign(copy, this);
    copy.metadata = { ...this.metadata, ...m };
    return copy;
  }

  optional(): Optional<T> {
    return new Optional(this);
  }

  /**
   * Check a value. `onString`, when given, is called with string values the schema looks at
   * (not mapping keys), in no particular order and maybe more than once; when the value
   * passes, every string value in it was among them. A check that only concerns strings
   * (src/model/validate.ts: IPv6 spelling) need not walk a value that had none of interest.
   */
  safeParse(input: unknown, onString?: (s: string) => void): SafeParse<T> {
    const issues: Issue[] = [];
    const outer = noteString;
    noteString = onString;
    try {
      this.check(input, [], issues);
    } finally {
      noteString = outer;
    }
    return issues.length === 0 ? { success: true, data: input as T } : { success: false, issues };
  }

  /** The JSON Schema of this schema: its own keywords, then its metadata. */
  jsonSchema(): Json {
    return { ...this.jsonBody(), ...this.metadata };
  }
}

export type Infer<S> = S extends Shape<infer T> ? T : never;

/** True when an issue in issues[from..] says the value is not of its schema's kind. */
function aborted(issues: readonly Issue[], from: number): boolean {
  for (let i = from; i < issues.length; i++) if (!issues[i]!.continue) return true;
  return false;
}

type Refinement<V> = { test: (v: V) => boolean; message: string | ((issue: { input: unknown }) => string) };
type StringCheck = { kind: 'regex'; re: RegExp; message: string } | ({ kind: 'refine' } & Refinement<string>);

export class StringShape extends Shape<string> {
  constructor(private readonly checks: readonly StringCheck[] = []) {
    super();
  }
  regex(re: RegExp, opts: { message: string }): StringShape {
    return this.with({ kind: 'regex', re, message: opts.message });
  }
  refine(test: (s: string) => boolean, opts: { message: string } | { error: (issue: { input: unknown }) => string }): StringShape {
    return this.with({ kind: 'refine', test, message: 'message' in opts ? opts.message : opts.error });
  }
  private with(c: StringCheck): StringShape {
    const next = new StringShape([...this.checks, c]);
    next.metadata = this.metadata;
    return next;
  }
  override ofKind(input: unknown): boolean {
    return typeof input === 'string';
  }
  check(input: unknown, path: ShapePath, issues: Issue[]): void {
    if (typeof input !== 'string') {
      issues.push({ code: 'invalid_type', expected: 'string', path: [...path], input, continue: false });
      return;
    }
    if (noteString !== undefined) noteString(input);
    const checks = this.checks;
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i]!;
      if (c.kind === 'regex') {
        c.re.lastIndex = 0;
        if (!c.re.test(input)) issues.push({ code: 'invalid_format', message: c.message, path: [...path], input, continue: true });
      } else if (!c.test(input)) {
        issues.push({ code: 'custom', message: typeof c.message === 'string' ? c.message : c.message({ input }), path: [...path], input, continue: true });
      }
    }
  }
  protected jsonBody(): Json {
    const regex = this.checks.find((c) => c.kind === 'regex');
    return regex ? { type: 'string', pattern: regex.re.source } : { type: 'string' };
  }
}

type IntCheck = { kind: 'min'; n: number } | { kind: 'max'; n: number } | ({ kind: 'refine' } & Refinement<number>);

/** A whole number in the safe-integer range. */
export class IntShape extends Shape<number> {
  constructor(private readonly checks: readonly IntCheck[] = []) {
    super();
  }
  min(n: number): IntShape {
    return this.with({ kind: 'min', n });
  }
  max(n: number): IntShape {
    return this.with({ kind: 'max', n });
  }
  refine(test: (v: number) => boolean, opts: { message: string }): IntShape {
    return this.with({ kind: 'refine', test, message: opts.message });
  }
  private with(c: IntCheck): IntShape {
    const next = new IntShape([...this.checks, c]);
    next.metadata = this.metadata;
    return next;
  }
  override ofKind(input: unknown): boolean {
    return typeof input === 'number';
  }
  check(input: unknown, path: ShapePath, issues: Issue[]): void {
    if (typeof input !== 'number' || !Number.isFinite(input)) {
      issues.push({ code: 'invalid_type', expected: 'number', path: [...path], input, continue: false });
      return;
    }
    if (!Number.isInteger(input)) {
      issues.push({ code: 'invalid_type', expected: 'int', path: [...path], input, continue: false });
      return;
    }
    if (input > Number.MAX_SAFE_INTEGER) issues.push({ code: 'too_big', maximum: Number.MAX_SAFE_INTEGER, path: [...path], input, continue: true });
    else if (input < Number.MIN_SAFE_INTEGER) issues.push({ code: 'too_small', minimum: Number.MIN_SAFE_INTEGER, path: [...path], input, continue: true });
    const checks = this.checks;
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i]!;
      if (c.kind === 'min') {
        if (input < c.n) issues.push({ code: 'too_small', minimum: c.n, path: [...path], input, continue: true });
      } else if (c.kind === 'max') {
        if (input > c.n) issues.push({ code: 'too_big', maximum: c.n, path: [...path], input, continue: true });
      } else if (!c.test(input)) {
        issues.push({ code: 'custom', message: typeof c.message === 'string' ? c.message : c.message({ input }), path: [...path], input, continue: true });
      }
    }
  }
  protected jsonBody(): Json {
    let minimum = Number.MIN_SAFE_INTEGER;
    let maximum = Number.MAX_SAFE_INTEGER;
    for (const c of this.checks) {
      if (c.kind === 'min') minimum = Math.max(minimum, c.n);
      if (c.kind === 'max') maximum = Math.min(maximum, c.n);
    }
    return { type: 'integer', minimum, maximum };
  }
}

export class BooleanShape extends Shape<boolean> {
  override ofKind(input: unknown): boolean {
    return typeof input === 'boolean';
  }
  check(input: unknown, path: ShapePath, issues: Issue[]): void {
    if (typeof input !== 'boolean') issues.push({ code: 'invalid_type', expected: 'boolean', path: [...path], input, continue: false });
  }
  protected jsonBody(): Json {
    return { type: 'boolean' };
  }
}

export class LiteralShape<V extends string | boolean> extends Shape<V> {
  constructor(readonly value: V) {
    super();
  }
  override ofKind(input: unknown): boolean {
    return input === this.value;
  }
  check(input: unknown, path: ShapePath, issues: Issue[]): void {
    if (noteString !== undefined && typeof input === 'string') noteString(input);
    if (input !== this.value) issues.push({ code: 'invalid_value', values: [this.value], path: [...path], input, continue: false });
  }
  protected jsonBody(): Json {
    return { type: typeof this.value, const: this.value };
  }
}

export class EnumShape<V extends string> extends Shape<V> {
  constructor(readonly values: readonly V[]) {
    super();
  }
  check(input: unknown, path: ShapePath, issues: Issue[]): void {
    if (noteString !== undefined && typeof input === 'string') noteString(input);
    if (!(this.values as readonly unknown[]).includes(input)) issues.push({ code: 'invalid_value', values: this.values, path: [...path], input, continue: false });
  }
  protected jsonBody(): Json {
    return { type: 'string', enum: [...this.values] };
  }
}

export class ArrayShape<T> extends Shape<T[]> {
  constructor(
    readonly element: Shape<T>,
    private readonly minItems?: number,
    private readonly maxItems?: number,
  ) {
    super();
  }
  min(n: number): ArrayShape<T> {
    return this.bounded(n, this.maxItems);
  }
  max(n: number): ArrayShape<T> {
    return this.bounded(this.minItems, n);
  }
  private bounded(min: number | undefined, max: number | undefined): ArrayShape<T> {
    const next = new ArrayShape(this.element, min, max);
    next.metadata = this.metadata;
    return next;
  }
  override ofKind(input: unknown): boolean {
    return Array.isArray(input);
  }
  check(input: unknown, path: ShapePath, issues: Issue[]): void {
    if (!Array.isArray(input)) {
      issues.push({ code: 'invalid_type', expected: 'array', path: [...path], input, continue: false });
      return;
    }
    const from = issues.length;
    for (let i = 0; i < input.length; i++) {
      path.push(i);
      this.element.check(input[i], path, issues);
      path.pop();
    }
    // The bounds are not checked once an item is not of its kind.
    if (aborted(issues, from)) return;
    if (this.minItems !== undefined && input.length < this.minItems) issues.push({ code: 'too_small', minimum: this.minItems, path: [...path], input, continue: true });
    if (this.maxItems !== undefined && input.length > this.maxItems) issues.push({ code: 'too_big', maximum: this.maxItems, path: [...path], input, continue: true });
  }
  protected jsonBody(): Json {
    return {
      ...(this.minItems !== undefined ? { minItems: this.minItems } : {}),
      ...(this.maxItems !== undefined ? { maxItems: this.maxItems } : {}),
      type: 'array',
      items: this.element.jsonSchema(),
    };
  }
}

export class UnionShape<T> extends Shape<T> {
  constructor(readonly options: readonly Shape<T>[]) {
    super();
  }
  /**
   * Passes when an option passes. Otherwise, when exactly one option failed on a value of
   * its own kind (a bad address in a list, a number out of range), its issues are the
   * union's: that is the option the user meant. Else one `invalid_union` with every option's.
   */
  check(input: unknown, path: ShapePath, issues: Issue[]): void {
    // Most values pass an option: tried in place first, with nothing made for them.
    // Checking is pure, so when none passes, the options are checked again below.
    const start = issues.length;
    const options = this.options;
    for (let i = 0; i < options.length; i++) {
      if (!options[i]!.ofKind(input)) continue;
      options[i]!.check(input, path, issues);
      const passed = issues.length === start;
      issues.length = start;
      if (passed) return;
    }
    // Each option's issues have paths relative to the union, as an invalid_union keeps them.
    const results: Issue[][] = [];
    for (const option of this.options) {
      const found: Issue[] = [];
      option.check(input, [], found);
      if (found.length === 0) return;
      results.push(found);
    }
    const plausible = results.filter((r) => !aborted(r, 0));
    if (plausible.length === 1) for (const i of plausible[0]!) issues.push({ ...i, path: [...path, ...i.path] });
    else issues.push({ code: 'invalid_union', errors: results, path: [...path], input, continue: false });
  }
  protected jsonBody(): Json {
    return { anyOf: this.options.map((o) => o.jsonSchema()) };
  }
}

export class Optional<T> extends Shape<T | undefined> {
  constructor(readonly inner: Shape<T>) {
    super();
  }
  override ofKind(input: unknown): boolean {
    return input === undefined || this.inner.ofKind(input);
  }
  check(input: unknown, path: ShapePath, issues: Issue[]): void {
    if (input !== undefined) this.inner.check(input, path, issues);
  }
  protected jsonBody(): Json {
    return this.inner.jsonSchema();
  }
  /** An optional key's own metadata comes first and wins over its schema's. */
  override jsonSchema(): Json {
    return { ...this.metadata, ...this.jsonBody(), ...this.metadata };
  }
}

type AnyShape = Shape<unknown>;
type ShapeMap = Record<string, AnyShape>;
type OptionalKeys<S extends ShapeMap> = { [K in keyof S]: undefined extends Infer<S[K]> ? K : never }[keyof S];
type Flatten<T> = { [K in keyof T]: T[K] };
export type ObjectOf<S extends ShapeMap> = Flatten<
  { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }
>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A mapping with exactly these keys (the optional ones may be left out). */
export class ObjectShape<S extends ShapeMap> extends Shape<ObjectOf<S>> {
  private readonly keySet: ReadonlySet<string>;
  /** The keys and their schemas, in the schema's order (walked by index: no iterator per check). */
  private readonly keyList: readonly string[];
  private readonly shapeList: readonly AnyShape[];
  /** Each key's place in keyList. */
  private readonly indexOf: ReadonlyMap<string, number>;
  /** Per key, whether it may not be left out (its schema is not Optional); and how many do. */
  private readonly required: readonly boolean[];
  private readonly requiredCount: number;
  constructor(readonly shape: S) {
    super();
    this.keyList = Object.keys(shape);
    this.shapeList = this.keyList.map((k) => shape[k]!);
    this.keySet = new Set(this.keyList);
    this.indexOf = new Map(this.keyList.map((k, i) => [k, i]));
    this.required = this.shapeList.map((s) => !(s instanceof Optional));
    this.requiredCount = this.required.filter(Boolean).length;
  }
  override ofKind(input: unknown): boolean {
    return isObject(input);
  }
  check(input: unknown, path: ShapePath, issues: Issue[]): void {
    if (!isObject(input)) {
      issues.push({ code: 'invalid_type', expected: 'object', path: [...path], input, continue: false });
      return;
    }
    // Most mappings pass: their keys are checked in their own order (a model's mapping has a
    // few of the schema's many keys), stopping at the first problem. When there is one (or
    // a key is unknown or missing), the checking below, which is pure, starts again and
    // reports in the schema's order.
    const start = issues.length;
    const indexOf = this.indexOf;
    const required = this.required;
    let present = 0;
    let clean = true;
    for (const key in input) {
      const i = indexOf.get(key);
      if (i === undefined) {
        clean = false;
        break;
      }
      path.push(key);
      this.shapeList[i]!.check(input[key], path, issues);
      path.pop();
      if (issues.length !== start) {
        clean = false;
        break;
      }
      if (required[i]) present++;
    }
    if (clean && present === this.requiredCount) return;
    issues.length = start;
    const keys = this.keyList;
    const shapes = this.shapeList;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      path.push(key);
      shapes[i]!.check(input[key], path, issues);
      path.pop();
    }
    let unknown: string[] | undefined;
    for (const key in input) if (!this.keySet.has(key)) (unknown ??= []).push(key);
    if (unknown !== undefined) issues.push({ code: 'unrecognized_keys', keys: unknown, path: [...path], input, continue: true });
  }
  protected jsonBody(): Json {
    const properties: Json = {};
    const required: string[] = [];
    for (const [key, s] of Object.entries(this.shape)) {
      properties[key] = s.jsonSchema();
      if (!(s instanceof Optional)) required.push(key);
    }
    return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false };
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (!isObject(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A mapping of names (checked by the validator, with messages) to values of one schema. */
export class RecordShape<V> extends Shape<Record<string, V>> {
  constructor(
    readonly keys: StringShape,
    readonly values: Shape<V>,
  ) {
    super();
  }
  override ofKind(input: unknown): boolean {
    return isPlainObject(input);
  }
  check(input: unknown, path: ShapePath, issues: Issue[]): void {
    if (!isPlainObject(input)) {
      issues.push({ code: 'invalid_type', expected: 'record', path: [...path], input, continue: false });
      return;
    }
    const keys = Object.keys(input);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      path.push(key);
      // A key is not a string value.
      const note = noteString;
      noteString = undefined;
      this.keys.check(key, path, issues);
      noteString = note;
      this.values.check(input[key], path, issues);
      path.pop();
    }
  }
  protected jsonBody(): Json {
    return { type: 'object', propertyNames: this.keys.jsonSchema(), additionalProperties: this.values.jsonSchema() };
  }
}

/** The constructors, named as the schema reads them (`shape.string()`, `shape.strictObject({...})`). */
export const shape = {
  string: (): StringShape => new StringShape(),
  int: (): IntShape => new IntShape(),
  boolean: (): BooleanShape => new BooleanShape(),
  literal: <V extends string | boolean>(value: V): LiteralShape<V> => new LiteralShape(value),
  enum: <const V extends string>(values: readonly V[]): EnumShape<V> => new EnumShape(values),
  array: <T>(element: Shape<T>): ArrayShape<T> => new ArrayShape(element),
  union: <const O extends readonly AnyShape[]>(options: O): UnionShape<Infer<O[number]>> => new UnionShape(options as unknown as Shape<Infer<O[number]>>[]),
  strictObject: <S extends ShapeMap>(shape: S): ObjectShape<S> => new ObjectShape(shape),
  record: <V>(keys: StringShape, values: Shape<V>): RecordShape<V> => new RecordShape(keys, values),
};
