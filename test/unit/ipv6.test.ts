import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIPv4, parseIPv4 } from '../../src/net/ipv4.js';
import {
  IPV6_MAX,
  LINUX_ADDRLABELS,
  Scope6,
  checkCidr6,
  checkIPv6,
  commonPrefixLength6,
  contains6,
  formatCidr6,
  formatIPv6,
  formatIPv6LikeIp,
  ipv4OfMapped6,
  isCanonicalIPv6,
  isDocumentation6,
  isIPv4Mapped6,
  isLinkLocal6,
  isLoopback6,
  isMulticast6,
  isUniqueLocal6,
  isUnspecified6,
  labelOf6,
  lastOf6,
  mappedOf4,
  maskOf6,
  networkOf6,
  parseCidr6,
  parseIPv6,
  scopeOf6,
  splitHalves6,
} from '../../src/net/ipv6.js';

// Addresses with many zero groups are where the text forms differ, so the generator favours
// them: each of the eight groups is zero, small, or anything.
const word = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0xff }), fc.integer({ min: 0, max: 0xffff }));
const words = fc.array(word, { minLength: 8, maxLength: 8 });
const fromWords = (ws: readonly number[]): bigint => ws.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
const addr = fc.oneof(words.map(fromWords), fc.bigInt({ min: 0n, max: IPV6_MAX }));
const prefix = fc.integer({ min: 0, max: 128 });
const wordsOf = (a: bigint): number[] => Array.from({ length: 8 }, (_, i) => Number((a >> BigInt((7 - i) * 16)) & 0xffffn));

/** Another legal RFC 4291 spelling of `a`: any case, padded groups, "::" over any zero run (or none). */
const spelling = (a: bigint) =>
  fc
    .record({
      upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      pad: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
      pick: fc.nat(),
    })
    .map(({ upper, pad, pick }) => {
      const ws = wordsOf(a);
      const groups = ws.map((w, i) => {
        const h = w.toString(16).padStart(Math.min(4, w.toString(16).length + (pad[i] ?? 0)), '0');
        return upper[i] ? h.toUpperCase() : h;
      });
      // Every zero run, and every sub-run of one, may be the "::"; or no "::" at all.
      const runs: [number, number][] = [];
      for (let s = 0; s < 8; s++) for (let e = s; e < 8 && ws[e] === 0; e++) runs.push([s, e + 1]);
      const choice = pick % (runs.length + 1);
      const run = runs[choice];
      if (run === undefined) return groups.join(':');
      return `${groups.slice(0, run[0]).join(':')}::${groups.slice(run[1]).join(':')}`;
    });

describe('ipv6 parsing', () => {
  it('reads every RFC 4291 text form', () => {
    // The preferred form, the compressed form and the mixed form, each as RFC 4291 shows them.
    expect(parseIPv6('2001:DB8:0:0:8:800:200C:417A')).toBe(0x20010db80000000000080800200c417an);
    expect(parseIPv6('2001:DB8::8:800:200C:417A')).toBe(0x20010db80000000000080800200c417an);
    expect(parseIPv6('FF01::101')).toBe(0xff010000000000000000000000000101n);
    expect(parseIPv6('::1')).toBe(1n);
    expect(parseIPv6('::')).toBe(0n);
    expect(parseIPv6('0:0:0:0:0:FFFF:129.144.52.38')).toBe(0xffff81903426n);
    expect(parseIPv6('::FFFF:129.144.52.38')).toBe(0xffff81903426n);
    expect(parseIPv6('::13.1.68.3')).toBe(0x0d014403n);
    expect(parseIPv6('1:2:3:4:5:6:1.2.3.4')).toBe(0x00010002000300040005000601020304n);
    expect(parseIPv6('1:2:3:4:5:6:7::')).toBe(0x00010002000300040005000600070000n);
    expect(parseIPv6('::2:3:4:5:6:7:8')).toBe(0x00000002000300040005000600070008n);
    expect(parseIPv6('0000:0000:0000:0000:0000:0000:0000:0001')).toBe(1n);
  });

  it('reads the many spellings RFC 5952 lists for one address as that address', () => {
    const one = 0x20010db8000000000001000000000001n;
    for (const t of [
      '2001:db8:0:0:1:0:0:1',
      '2001:0db8:0:0:1:0:0:1',
      '2001:db8::1:0:0:1',
      '2001:db8::0:1:0:0:1',
      '2001:0db8::1:0:0:1',
      '2001:db8:0:0:1::1',
      '2001:db8:0000:0:1::1',
      '2001:DB8:0:0:1::1',
    ]) {
      expect(parseIPv6(t), t).toBe(one);
    }
  });

  it('refuses zone indexes and junk, and says why', () => {
    const zone = checkIPv6('fe80::1%eth0');
    expect(zone.ok).toBe(false);
    expect(!zone.ok && zone.reason).toMatch(/zone index \(%eth0\)/);
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['1.2.3.4', /no ":"/],
      ['2001:db8::g', /only hex digits/],
      [' ::1', /only hex digits/],
      ['::1 ', /only hex digits/],
      ['1::2::3', /more than once/],
      ['1:::2', /empty group/],
      [':1:2:3:4:5:6:7', /empty group/],
      ['1:2:3:4:5:6:7:', /empty group/],
      [':::', /empty group/],
      ['12345::', /not 1 to 4 hex digits/],
      ['::00000', /not 1 to 4 hex digits/],
      ['1:2:3:4:5:6:7', /7 groups/],
      ['1:2:3:4:5:6:7:8:9', /9 groups/],
      ['1:2:3:4:5:6:7:8::', /at most 7/],
      ['1:2:3:4::5:6:7:8', /at most 7/],
      ['::1:2:3:4:5:6:7:8', /at most 7/],
      ['1:2:3:4:5:6:7:1.2.3.4', /9 groups/],
      ['::ffff:1.2.3.256', /not a dotted quad/],
      ['::ffff:01.2.3.4', /not a dotted quad/],
      ['::ffff:1.2.3', /not a dotted quad/],
      ['::1.2.3.4:5', /last 32 bits/],
      ['1.2.3.4::', /last 32 bits/],
      ['::ffff:1.2.3.4/24', /only hex digits/],
    ];
    for (const [text, why] of cases) {
      const r = checkIPv6(text);
      expect(r.ok, text).toBe(false);
      expect(!r.ok && r.reason, text).toMatch(why);
      expect(parseIPv6(text), text).toBeUndefined();
    }
  });

  it('reads every legal spelling of an address as that address', () => {
    fc.assert(fc.property(addr.chain((a) => fc.tuple(fc.constant(a), spelling(a))), ([a, text]) => parseIPv6(text) === a));
  });
});

describe('ipv6 embedded dotted quads', () => {
  it('reads the last 32 bits as a dotted quad, with or without "::" before it', () => {
    fc.assert(
      fc.property(addr, fc.integer({ min: 0, max: 6 }), (a, cut) => {
        const ws = wordsOf(a);
        const quad = formatIPv4(Number(a & 0xffffffffn));
        const full = `${ws.slice(0, 6).map((w) => w.toString(16)).join(':')}:${quad}`;
        // "::" over groups cut..5 when they are zero (at least one group).
        const zeroTail = ws.slice(cut, 6).every((w) => w === 0) && cut < 6;
        const compressed = `${ws.slice(0, cut).map((w) => w.toString(16)).join(':')}::${quad}`;
        return parseIPv6(full) === a && (!zeroTail || parseIPv6(compressed) === a);
      }),
    );
  });
});

describe('ipv6 canonical text (RFC 5952)', () => {
  it('prints the RFC 5952 examples in their recommended form', () => {
    const c = (t: string): string => formatIPv6(parseIPv6(t)!);
    expect(c('2001:0db8::0001')).toBe('2001:db8::1'); // leading zeros dropped
    expect(c('2001:db8:0:0:0:0:2:1')).toBe('2001:db8::2:1'); // "::" as long as it can be
    expect(c('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1'); // one zero group stays 0
    expect(c('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1'); // the longest run
    expect(c('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1'); // the first of equal runs
    expect(c('2001:DB8::1')).toBe('2001:db8::1'); // lower case
    expect(c('::ffff:192.0.2.1')).toBe('::ffff:192.0.2.1'); // IPv4-mapped keeps its dotted quad
    expect(c('0:0:0:0:0:ffff:c000:201')).toBe('::ffff:192.0.2.1');
    expect(c('::192.0.2.1')).toBe('::c000:201'); // ::/96 is not known to hold IPv4: hex
    expect(c('1:0:0:0:0:0:0:0')).toBe('1::');
    expect(c('0:0:0:0:0:0:0:0')).toBe('::');
    expect(c('1:2:3:4:5:6:7:0')).toBe('1:2:3:4:5:6:7:0');
    expect(c('0:1:2:3:4:5:6:7')).toBe('0:1:2:3:4:5:6:7');
    expect(c('2001:db8:0:0:1:0:0:0')).toBe('2001:db8:0:0:1::');
  });

  it('round-trips: parse(format(x)) == x, and the canonical text is a fixed point', () => {
    fc.assert(
      fc.property(addr, (a) => {
        const text = formatIPv6(a);
        return parseIPv6(text) === a && formatIPv6(parseIPv6(text)!) === text && isCanonicalIPv6(text);
      }),
    );
  });

  it('gives one text per address: every other spelling formats to it, and only it is canonical', () => {
    fc.assert(
      fc.property(addr.chain((a) => fc.tuple(fc.constant(a), spelling(a))), ([a, text]) => {
        const canonical = formatIPv6(a);
        return formatIPv6(parseIPv6(text)!) === canonical && isCanonicalIPv6(text) === (text === canonical);
      }),
    );
  });

  it('obeys RFC 5952 section 4 by construction, checked from the text alone', () => {
    fc.assert(
      fc.property(
        addr.filter((a) => !isIPv4Mapped6(a)),
        (a) => {
          const text = formatIPv6(a);
          if (/[A-F]/.test(text)) return false;
          const halves = text.split('::');
          if (halves.length > 2) return false;
          const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
          const written = halves.flatMap(groups);
          if (written.some((g) => !/^(0|[1-9a-f][0-9a-f]{0,3})$/.test(g))) return false;
          // Longest explicit run of "0" groups before and after the "::".
          const longestZeros = (gs: string[]): number => {
            let best = 0;
            let cur = 0;
            for (const g of gs) {
              cur = g === '0' ? cur + 1 : 0;
              best = Math.max(best, cur);
            }
            return best;
          };
          if (halves.length === 1) return written.length === 8 && longestZeros(written) < 2;
          const hidden = 8 - written.length;
          const before = longestZeros(groups(halves[0]!));
          const after = longestZeros(groups(halves[1]!));
          return hidden >= 2 && hidden > before && hidden >= after;
        },
      ),
    );
  });

  it('prints like `ip -6` only where glibc departs from RFC 5952: the ::/96 IPv4-compatible range', () => {
    expect(formatIPv6LikeIp(parseIPv6('::1.2.3.4')!)).toBe('::1.2.3.4');
    expect(formatIPv6LikeIp(parseIPv6('::0.1.0.0')!)).toBe('::0.1.0.0');
    expect(formatIPv6LikeIp(parseIPv6('::100')!)).toBe('::100');
    expect(formatIPv6LikeIp(1n)).toBe('::1');
    expect(formatIPv6LikeIp(0n)).toBe('::');
    expect(formatIPv6LikeIp(parseIPv6('::ffff:1.2.3.4')!)).toBe('::ffff:1.2.3.4');
    fc.assert(
      fc.property(addr, (a) => {
        const compat = a >> 32n === 0n && ((a >> 16n) & 0xffffn) !== 0n;
        return compat ? formatIPv6LikeIp(a) !== formatIPv6(a) && parseIPv6(formatIPv6LikeIp(a)) === a : formatIPv6LikeIp(a) === formatIPv6(a);
      }),
    );
  });
});

describe('ipv6 prefixes', () => {
  it('parses addr/len strictly', () => {
    expect(parseCidr6('2001:db8::10/64')).toEqual({ address: 0x20010db8000000000000000000000010n, prefix: 64 });
    expect(parseCidr6('::/0')).toEqual({ address: 0n, prefix: 0 });
    expect(parseCidr6('::1/128')).toEqual({ address: 1n, prefix: 128 });
    expect(parseCidr6('2001:db8::10')).toBeUndefined();
    expect(parseCidr6('2001:db8::10', true)).toEqual({ address: 0x20010db8000000000000000000000010n, prefix: 128 });
    for (const bad of ['::/129', '::/', '::/064', '::/-1', '::/6 4', '::/1/2', '/64', 'fe80::1%eth0/64', '::/0x10']) {
      expect(parseCidr6(bad), bad).toBeUndefined();
    }
    const r = checkCidr6('2001:db8::/129');
    expect(!r.ok && r.reason).toMatch(/"129" is not a number from 0 to 128/);
  });

  it('computes masks from the prefix length', () => {
    expect(maskOf6(0)).toBe(0n);
    expect(maskOf6(128)).toBe(IPV6_MAX);
    expect(formatIPv6(maskOf6(64))).toBe('ffff:ffff:ffff:ffff::');
    expect(formatIPv6(maskOf6(10))).toBe('ffc0::');
    expect(() => maskOf6(129)).toThrow(RangeError);
    expect(() => maskOf6(-1)).toThrow(RangeError);
    fc.assert(
      fc.property(prefix, (p) => {
        const bits = maskOf6(p).toString(2);
        return p === 0 ? maskOf6(p) === 0n : bits.length === 128 && bits === '1'.repeat(p) + '0'.repeat(128 - p);
      }),
    );
  });

  it('keeps network <= address <= last, the range exactly 2^(128-len) long', () => {
    expect(formatCidr6(parseIPv6('2001:db8:1:2:3:4:5:6')!, 48)).toBe('2001:db8:1::/48');
    expect(formatIPv6(lastOf6(parseIPv6('2001:db8:1:2::')!, 48))).toBe('2001:db8:1:ffff:ffff:ffff:ffff:ffff');
    fc.assert(
      fc.property(addr, prefix, (a, p) => {
        const n = networkOf6(a, p);
        const l = lastOf6(a, p);
        return n <= a && a <= l && l - n === (1n << BigInt(128 - p)) - 1n && contains6(a, p, n) && contains6(a, p, l);
      }),
    );
  });

  it('agrees with plain shifts on containment', () => {
    fc.assert(
      fc.property(addr, prefix, addr, (net, p, probe) => {
        const shift = BigInt(128 - p);
        return contains6(net, p, probe) === (net >> shift === probe >> shift);
      }),
    );
    // Probes next to the edges of the network, where an off-by-one would show.
    fc.assert(
      fc.property(addr, fc.integer({ min: 1, max: 127 }), (a, p) => {
        const n = networkOf6(a, p);
        const l = lastOf6(a, p);
        return (n === 0n || !contains6(a, p, n - 1n)) && (l === IPV6_MAX || !contains6(a, p, l + 1n));
      }),
    );
  });

  it('splits a prefix into two halves one bit longer that cover it exactly', () => {
    const [lo, hi] = splitHalves6(parseIPv6('2001:db8:3::105')!, 64);
    expect([formatCidr6(lo.address, lo.prefix), formatCidr6(hi.address, hi.prefix)]).toEqual(['2001:db8:3::/65', '2001:db8:3:0:8000::/65']);
    const [a, b] = splitHalves6(0n, 0);
    expect([formatCidr6(a.address, a.prefix), formatCidr6(b.address, b.prefix)]).toEqual(['::/1', '8000::/1']);
    expect(() => splitHalves6(0n, 128)).toThrow(RangeError);
    fc.assert(
      fc.property(addr, fc.integer({ min: 0, max: 127 }), addr, (a, p, probe) => {
        const [l, h] = splitHalves6(a, p);
        const inWhole = contains6(a, p, probe);
        const inL = contains6(l.address, l.prefix, probe);
        const inH = contains6(h.address, h.prefix, probe);
        return (
          l.prefix === p + 1 &&
          h.prefix === p + 1 &&
          l.address === networkOf6(a, p) &&
          h.address - l.address === 1n << BigInt(127 - p) &&
          inWhole === (inL || inH) &&
          !(inL && inH)
        );
      }),
    );
  });
});

describe('ipv6 classification', () => {
  const p = (t: string): bigint => parseIPv6(t)!;

  it('names the special ranges', () => {
    expect(isUnspecified6(p('::'))).toBe(true);
    expect(isUnspecified6(p('::1'))).toBe(false);
    expect(isLoopback6(p('::1'))).toBe(true);
    expect(isLoopback6(p('::2'))).toBe(false);
    for (const t of ['fe80::1', 'fe80::b451:94ff:fe9b:a014', 'febf:ffff::1']) expect(isLinkLocal6(p(t)), t).toBe(true);
    for (const t of ['fec0::1', 'fe7f::1', 'ff02::1', '2001:db8::1']) expect(isLinkLocal6(p(t)), t).toBe(false);
    for (const t of ['ff02::1', 'ff05::1:3', 'ffff::']) expect(isMulticast6(p(t)), t).toBe(true);
    for (const t of ['fe80::1', 'fd00::1']) expect(isMulticast6(p(t)), t).toBe(false);
    for (const t of ['fc00::', 'fd12:3456::1', 'fdff:ffff::']) expect(isUniqueLocal6(p(t)), t).toBe(true);
    for (const t of ['fbff::1', 'fe00::1']) expect(isUniqueLocal6(p(t)), t).toBe(false);
    expect(isDocumentation6(p('2001:db8:3::105'))).toBe(true);
    expect(isDocumentation6(p('2001:db9::1'))).toBe(false);
    expect(isIPv4Mapped6(p('::ffff:10.0.0.1'))).toBe(true);
    expect(isIPv4Mapped6(p('::10.0.0.1'))).toBe(false);
    expect(ipv4OfMapped6(p('::ffff:172.16.3.105'))).toBe(parseIPv4('172.16.3.105'));
    expect(ipv4OfMapped6(p('2001:db8::1'))).toBeUndefined();
    expect(formatIPv6(mappedOf4(parseIPv4('172.16.3.105')!))).toBe('::ffff:172.16.3.105');
  });

  it('classifies by the leading bits, as the prefix lengths say', () => {
    fc.assert(
      fc.property(addr, (a) => {
        const top = (bits: number): bigint => a >> BigInt(128 - bits);
        return (
          isLinkLocal6(a) === (top(10) === 0x3fan) &&
          isMulticast6(a) === (top(8) === 0xffn) &&
          isUniqueLocal6(a) === (top(7) === 0x7en) &&
          isDocumentation6(a) === (top(32) === 0x20010db8n) &&
          isIPv4Mapped6(a) === (top(96) === 0xffffn) &&
          (ipv4OfMapped6(a) === undefined || mappedOf4(ipv4OfMapped6(a)!) === a)
        );
      }),
    );
  });

  it('gives each address its RFC 6724 scope, as Linux classifies it', () => {
    const cases: [string, number][] = [
      ['fe80::1', Scope6.linkLocal],
      ['::1', Scope6.linkLocal],
      ['2001:db8::1', Scope6.global],
      ['fd00::1', Scope6.global], // unique-local is global scope
      ['fec0::1', Scope6.siteLocal],
      ['ff01::1', Scope6.interfaceLocal],
      ['ff02::1', Scope6.linkLocal],
      ['ff04::1', Scope6.adminLocal],
      ['ff05::1:3', Scope6.siteLocal],
      ['ff08::1', Scope6.organizationLocal],
      ['ff0e::1', Scope6.global],
      // Linux calls every IPv4-mapped address global (RFC 6724 3.2 would make these two link-local).
      ['::ffff:127.0.0.1', Scope6.global],
      ['::ffff:169.254.1.1', Scope6.global],
      ['::1.2.3.4', Scope6.global],
      ['::', 0],
    ];
    for (const [t, scope] of cases) expect(scopeOf6(p(t)), t).toBe(scope);
    expect(Scope6.linkLocal < Scope6.siteLocal && Scope6.siteLocal < Scope6.global).toBe(true);
  });

  it('measures the common prefix of two addresses, capped where asked', () => {
    expect(commonPrefixLength6(p('2001:db8::1'), p('2001:db8::1'))).toBe(128);
    expect(commonPrefixLength6(p('2001:db8::1'), p('2001:db8::2'))).toBe(126);
    expect(commonPrefixLength6(p('2001:db8:3::105'), p('2001:db8:4::1'))).toBe(45);
    expect(commonPrefixLength6(0n, 1n << 127n)).toBe(0);
    expect(commonPrefixLength6(p('2001:db8::1'), p('2001:db8::2'), 64)).toBe(64);
    fc.assert(
      fc.property(addr, addr, (a, b) => {
        const k = commonPrefixLength6(a, b);
        const sameTop = k === 0 || a >> BigInt(128 - k) === b >> BigInt(128 - k);
        const nextDiffers = k === 128 || ((a >> BigInt(127 - k)) & 1n) !== ((b >> BigInt(127 - k)) & 1n);
        return k === commonPrefixLength6(b, a) && sameTop && nextDiffers && (k === 128) === (a === b) && contains6(a, k, b);
      }),
    );
  });

  it('labels addresses as the Linux default address-label table does, longest prefix first', () => {
    const cases: [string, number][] = [
      ['::1', 0],
      ['::', 3],
      ['::1.2.3.4', 3],
      ['::ffff:10.0.0.1', 4],
      ['2001:db8::1', 1], // documentation space is plain global
      ['2001:0:1::1', 6], // Teredo
      ['2001:10::1', 7], // ORCHID, 2001:10::/28
      ['2002:c000:201::1', 2], // 6to4
      ['3ffe::1', 12],
      ['fec0::1', 11],
      ['fd00::1', 5],
      ['fe80::1', 1],
      ['ff02::1', 1],
    ];
    for (const [t, label] of cases) expect(labelOf6(p(t)), t).toBe(label);
    // The table's own text is canonical, so it compares with `ip addrlabel` as text.
    for (const e of LINUX_ADDRLABELS) expect(formatCidr6(parseCidr6(e.prefix)!.address, parseCidr6(e.prefix)!.prefix)).toBe(e.prefix);
  });
});
