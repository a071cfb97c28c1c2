import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broadcastOf, contains, formatCidr, formatIPv4, isCidr, maskOf, networkOf, parseCidr, parseIPv4, splitHalves } from '../../src/net/ipv4.js';

const addr = fc.integer({ min: 0, max: 0xffffffff });
const prefix = fc.integer({ min: 0, max: 32 });

describe('ipv4', () => {
  it('parses and formats dotted quads', () => {
    expect(parseIPv4('172.16.3.111')).toBe(0xac10036f);
    expect(formatIPv4(0xac10036f)).toBe('172.16.3.111');
    for (const bad of ['172.16.3.300', '1.2.3', '1.2.3.4.5', '01.2.3.4', ' 1.2.3.4', '1.2.3.4 ', '', 'a.b.c.d', '1..2.3']) {
      expect(parseIPv4(bad), bad).toBeUndefined();
    }
  });

  it('accepts exactly the dotted quads of the grammar, on near misses too', () => {
    // The grammar as a regular expression (what parseIPv4 was before it read characters).
    const QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
    const reference = (t: string): number | undefined => (QUAD.test(t) ? t.split('.').reduce((v, p) => v * 256 + Number(p), 0) : undefined);
    const part = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.stringMatching(/^[0-9]{0,4}$/), fc.constantFrom('', '0', '00', '01', '255', '256', 'a', ' 1', '1 ', '\u0661'));
    const text = fc.oneof(fc.array(part, { minLength: 1, maxLength: 6 }).map((ps) => ps.join('.')), fc.string({ maxLength: 16 }));
    fc.assert(fc.property(text, (t) => parseIPv4(t) === reference(t)), { numRuns: 20000 });
  });

  it('round-trips every address', () => {
    fc.assert(fc.property(addr, (a) => parseIPv4(formatIPv4(a)) === a));
  });

  it('parses prefixes strictly', () => {
    expect(parseCidr('172.16.3.111/24')).toEqual({ address: 0xac10036f, prefix: 24 });
    expect(parseCidr('172.16.3.111')).toBeUndefined();
    expect(parseCidr('172.16.3.111', true)).toEqual({ address: 0xac10036f, prefix: 32 });
    for (const bad of ['1.2.3.4/33', '1.2.3.4/', '1.2.3.4/024', '1.2.3.4/-1', '1.2.3.4/2 4']) expect(parseCidr(bad), bad).toBeUndefined();
  });

  it('computes masks, networks and broadcasts', () => {
    expect(formatIPv4(maskOf(24))).toBe('255.255.255.0');
    expect(maskOf(0)).toBe(0);
    expect(maskOf(32)).toBe(0xffffffff);
    expect(formatCidr(parseIPv4('172.16.3.111')!, 24)).toBe('172.16.3.0/24');
    expect(formatIPv4(broadcastOf(parseIPv4('172.16.3.111')!, 23))).toBe('172.16.3.255');
    expect(formatIPv4(broadcastOf(parseIPv4('172.16.2.1')!, 23))).toBe('172.16.3.255');
  });

  it('keeps network <= address <= broadcast, and both inside the prefix', () => {
    fc.assert(
      fc.property(addr, prefix, (a, p) => {
        const n = networkOf(a, p);
        const b = broadcastOf(a, p);
        return n <= a && a <= b && contains(a, p, n) && contains(a, p, b) && b - n === 2 ** (32 - p) - 1;
      }),
    );
  });

  it('splits a prefix into two halves that cover it exactly', () => {
    expect(splitHalves(parseIPv4('172.16.3.111')!, 24).map((h) => formatCidr(h.address, h.prefix))).toEqual(['172.16.3.0/25', '172.16.3.128/25']);
    fc.assert(
      fc.property(addr, fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 0xffffffff }), (a, p, probe) => {
        const [lo, hi] = splitHalves(a, p);
        const inWhole = contains(a, p, probe);
        const inLo = contains(lo.address, lo.prefix, probe);
        const inHi = contains(hi.address, hi.prefix, probe);
        return lo.prefix === p + 1 && hi.prefix === p + 1 && inWhole === (inLo || inHi) && !(inLo && inHi);
      }),
    );
  });

  it('isCidr says what parseCidr would, without making anything', () => {
    const chars = fc.constantFrom('0', '1', '2', '3', '5', '9', '.', '/');
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 19 }).map((a) => a.join('')), fc.boolean(), (t, bare) => {
        expect(isCidr(t, bare)).toBe(parseCidr(t, bare) !== undefined);
      }),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(addr, prefix, (a, p) => isCidr(`${formatIPv4(a)}/${p}`) && isCidr(formatIPv4(a), true) && !isCidr(formatIPv4(a))));
  });
});
