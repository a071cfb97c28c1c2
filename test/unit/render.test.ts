import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { registerArrayEach } from '../../src/render/each.js';
import { hasTrailingBlank, normalise } from '../../src/render/index.js';

describe('normalise', () => {
  /** The rules spelt plainly, line by line: LF only, no trailing blanks, one final newline. */
  const plain = (text: string): string => {
    const lines = text.replace(/\r\n?/g, '\n').split('\n').map((l) => l.replace(/[ \t]+$/, ''));
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.length === 0 ? '' : lines.join('\n') + '\n';
  };

  it('gives what the rules say, with and without blanks at line ends', () => {
    const cases = ['', '\n', 'a', 'a\n', 'a\n\n\n', 'a b\nc d\n', 'a \n', 'a\t\nb', 'a b \t', 'x\r\ny \r\n', ' \n \n', 'a\n \nb\n', '# \n', 'a  b\t c\n'];
    for (const c of cases) expect(normalise(c), JSON.stringify(c)).toBe(plain(c));
  });

  it('agrees with the plain rules on random text', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    const alphabet = ['a', 'b', ' ', '\t', '\n', '\r', '#'];
    for (let n = 0; n < 3000; n++) {
      let s = '';
      const len = next() % 24;
      for (let i = 0; i < len; i++) s += alphabet[next() % alphabet.length];
      expect(normalise(s), JSON.stringify(s)).toBe(plain(s));
    }
  });

  it('finds a blank before a line end, or at the very end', () => {
    expect(hasTrailingBlank('a b\nc\n')).toBe(false);
    expect(hasTrailingBlank('a \nc\n')).toBe(true);
    expect(hasTrailingBlank('a\t\nc\n')).toBe(true);
    expect(hasTrailingBlank('a\nc ')).toBe(true);
    expect(hasTrailingBlank('a\nc\t')).toBe(true);
  });
});

describe('{{#each}} over arrays (src/render/each.ts)', () => {
  const builtin = Handlebars.create();
  const ours = Handlebars.create();
  registerArrayEach(ours as never);
  const options = { strict: true, noEscape: true };

  /** Every form netgen's templates use, and the ones the replacement leaves to Handlebars. */
  const templates = [
    '{{#each lines}}{{this}}\n{{/each}}',
    '{{#each lines}}{{@index}}:{{@key}}:{{#if @first}}F{{/if}}{{#if @last}}L{{/if}}={{this}};{{/each}}',
    '{{name}}="{{#each lines}}{{this}}{{#unless @last}}\n{{/unless}}{{/each}}"',
    '{{#each groups}}[{{#each items}}{{../title}}/{{this}}@{{@../index}}.{{@index}} {{/each}}]{{/each}}',
    '{{#each lines}}{{this}}{{else}}none{{/each}}',
    '{{#each lines as |line i|}}{{i}}={{line}} {{/each}}',
    '{{#each map}}{{@key}}={{this}} {{/each}}',
    '{{#each groups}}{{#each items}}{{@root.title}}{{this}}{{/each}}{{/each}}',
  ];
  const contexts = [
    { lines: [], groups: [], map: {}, name: 'n', title: 't' },
    { lines: ['a'], groups: [{ title: 'g', items: ['x'] }], map: { k: 'v' }, name: 'n', title: 't' },
    { lines: ['a', 'b', 'c'], groups: [{ title: 'g', items: [] }, { title: 'h', items: ['x', 'y'] }], map: { k: 'v', l: 'w' }, name: 'n', title: 't' },
    // eslint-disable-next-line no-sparse-arrays
    { lines: ['a', , 'c'], groups: [], map: {}, name: 'n', title: 't' },
  ];

  it('renders every form as Handlebars does, with and without `data` (src/render/compile-options.json)', () => {
    for (const opts of [options, { ...options, data: false }]) {
      for (const source of templates) {
        const a = builtin.compile(source, opts);
        const b = ours.compile(source, opts);
        for (const ctx of contexts) expect(b(ctx), `${source} with ${JSON.stringify(ctx)} and ${JSON.stringify(opts)}`).toBe(a(ctx));
      }
    }
  });

  it('takes arrays itself and leaves the rest to Handlebars', () => {
    const hbs = Handlebars.create();
    const original = hbs.helpers['each'] as (...args: unknown[]) => unknown;
    let handedOn = 0;
    hbs.registerHelper('each', function (this: unknown, ...args: unknown[]) {
      handedOn++;
      return original.apply(this, args);
    });
    registerArrayEach(hbs as never);
    const arrays = hbs.compile('{{#each lines}}{{@index}}{{this}}{{/each}}', options);
    expect(arrays({ lines: ['a', 'b', 'c'] })).toBe('0a1b2c');
    expect(handedOn).toBe(0);
    expect(hbs.compile('{{#each map}}{{@key}}{{/each}}', options)({ map: { k: 1 } })).toBe('k');
    expect(hbs.compile('{{#each lines as |l|}}{{l}}{{/each}}', options)({ lines: ['a'] })).toBe('a');
    expect(handedOn).toBe(2);
  });
});
