import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { joinerBelow, relativeBelow, relativePath } from '../../src/output/paths.js';

// src/output/paths.ts answers as node:path does, without resolving, for clean absolute
// paths; everything else goes through node:path. Checked against node:path itself.
const bases = ['/', '/srv', '/srv/', '/srv/out', '/srv/./out', '/srv/out/..', '/srv//out', 'rel/dir', '/a/b/c/d'];
const tails = ['', 'x', 'x/y', 'out', 'out/etc/sysconfig/network', '../x', './x', 'x/', 'x//y', 'x/../y', '..'];

describe('paths', () => {
  it('relativePath is path.relative for every base and tail', () => {
    for (let round = 0; round < 2; round++) {
      for (const b of bases) for (const t of tails) for (const to of [join(b, t), b + '/' + t, b + t]) {
        expect(relativePath(b, to), `${b} -> ${to}`).toBe(relative(b, to));
      }
    }
  });

  it('relativeBelow is path.relative below the base, else undefined', () => {
    for (let round = 0; round < 2; round++) {
      for (const b of bases) for (const t of tails) for (const to of [join(b, t), b + '/' + t]) {
        const rel = relative(b, to);
        const want = rel.startsWith('..') && (rel.length === 2 || rel[2] === '/') ? undefined : rel;
        expect(relativeBelow(b, to), `${b} -> ${to}`).toBe(want);
      }
    }
  });

  it('answers alike past the number of bases it remembers', () => {
    for (let i = 0; i < 200; i++) {
      const b = i % 3 === 0 ? `/srv/h${i}/./x` : `/srv/h${i}`;
      expect(relativePath(b, `/srv/h${i}/etc/f`)).toBe(relative(b, `/srv/h${i}/etc/f`));
      expect(relativeBelow(b, '/elsewhere')).toBe(undefined);
    }
  });

  it('joinerBelow is path.join of the root and a relative path', () => {
    for (const b of bases) {
      const below = joinerBelow(b);
      for (const t of tails.filter((x) => x !== '')) expect(below(t), `${b} + ${t}`).toBe(join(b, ...t.split('/')));
    }
  });
});
