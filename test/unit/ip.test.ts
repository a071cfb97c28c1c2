import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type IpAddress, type IpPrefix, bitsOf, compareIp, explainIp, familyOfText, formatIp, formatPrefix, isIpText, isPrefixText, networkOfPrefix, parseIp, parsePrefix, prefixContains, sameIp, splitPrefix } from '../../src/net/ip.js';
import { contains, formatCidr, splitHalves } from '../../src/net/ipv4.js';
import { IPV6_MAX, contains6, formatCidr6, splitHalves6 } from '../../src/net/ipv6.js';

const v4 = fc.integer({ min: 0, max: 0xffffffff }).map((address): IpAddress => ({ family: 4, address }));
const v6 = fc.bigInt({ min: 0n, max: IPV6_MAX }).map((address): IpAddress => ({ family: 6, address }));
const anyAddr = fc.oneof(v4, v6);
const anyPrefix = anyAddr.chain((a) => fc.integer({ min: 0, max: bitsOf(a.family) }).map((prefix) => ({ ...a, prefix }) as IpPrefix));

describe('ip (either family)', () => {
  it('parses and formats both families into one tagged value', () => {
    expect(parseIp('172.16.3.105')).toEqual({ family: 4, address: 0xac100369 });
    expect(parseIp('2001:DB8:3::105')).toEqual({ family: 6, address: 0x20010db8000300000000000000000105n });
    expect(formatIp(parseIp('2001:DB8:3:0:0:0:0:105')!)).toBe('2001:db8:3::105');
    expect(formatIp(parseIp('172.16.3.105')!)).toBe('172.16.3.105');
    for (const bad of ['', '172.16.3.300', '2001:db8::g', 'fe80::1%eth0', '172.16.3.105/24']) expect(parseIp(bad), bad).toBeUndefined();
    expect(familyOfText('::1')).toBe(6);
    expect(familyOfText('1.2.3.4')).toBe(4);
  });

  it('says why a text is not an address, naming the family it looks like', () => {
    expect(explainIp('172.16.3.105')).toBeUndefined();
    expect(explainIp('2001:db8::1')).toBeUndefined();
    expect(explainIp('172.16.3.300')).toBe('172.16.3.300 is not an IPv4 address');
    expect(explainIp('fe80::1%eth0')).toMatch(/^fe80::1%eth0 is not an IPv6 address: a zone index/);
    expect(explainIp('1::2::3')).toMatch(/is not an IPv6 address: "::" appears more than once/);
  });

  it('round-trips every address of either family', () => {
    fc.assert(fc.property(anyAddr, (a) => sameIp(parseIp(formatIp(a))!, a)));
  });

  it('parses prefixes of either family, bare addresses as host prefixes only when asked', () => {
    expect(parsePrefix('172.16.3.111/24')).toEqual({ family: 4, address: 0xac10036f, prefix: 24 });
    expect(parsePrefix('2001:db8::10/64')).toEqual({ family: 6, address: 0x20010db8000000000000000000000010n, prefix: 64 });
    expect(parsePrefix('2001:db8::10')).toBeUndefined();
    expect(parsePrefix('2001:db8::10', true)).toMatchObject({ family: 6, prefix: 128 });
    expect(parsePrefix('172.16.3.111', true)).toMatchObject({ family: 4, prefix: 32 });
    for (const bad of ['1.2.3.4/33', '::/129', '1.2.3.4/', '::/']) expect(parsePrefix(bad), bad).toBeUndefined();
    expect(formatPrefix(parsePrefix('2001:db8:1:2::5/48')!)).toBe('2001:db8:1::/48');
    expect(formatPrefix(parsePrefix('172.16.3.111/24')!)).toBe('172.16.3.0/24');
    fc.assert(fc.property(anyPrefix, (p) => formatPrefix(parsePrefix(formatPrefix(p))!) === formatPrefix(p)));
  });

  it('answers containment as the family module does, and never across families', () => {
    expect(prefixContains(parsePrefix('0.0.0.0/0')!, parseIp('::')!)).toBe(false);
    expect(prefixContains(parsePrefix('::/0')!, parseIp('0.0.0.0')!)).toBe(false);
    expect(prefixContains(parsePrefix('::ffff:0:0/96')!, parseIp('10.0.0.1')!)).toBe(false);
    fc.assert(
      fc.property(anyPrefix, anyAddr, (p, a) => {
        const expected =
          p.family !== a.family
            ? false
            : p.family === 4
              ? contains(p.address, p.prefix, a.address as number)
              : contains6(p.address, p.prefix, a.address as bigint);
        return prefixContains(p, a) === expected && prefixContains(networkOfPrefix(p), a) === expected;
      }),
    );
  });

  it('splits either family into the halves its module computes; a host prefix has none', () => {
    expect(splitPrefix(parsePrefix('172.16.3.105', true)!)).toBeUndefined();
    expect(splitPrefix(parsePrefix('2001:db8::50', true)!)).toBeUndefined();
    expect(splitPrefix(parsePrefix('172.16.3.0/24')!)!.map(formatPrefix)).toEqual(['172.16.3.0/25', '172.16.3.128/25']);
    expect(splitPrefix(parsePrefix('2001:db8:3::/64')!)!.map(formatPrefix)).toEqual(['2001:db8:3::/65', '2001:db8:3:0:8000::/65']);
    fc.assert(
      fc.property(
        anyPrefix.filter((p) => p.prefix < bitsOf(p.family)),
        (p) => {
          const halves = splitPrefix(p)!.map(formatPrefix);
          const direct =
            p.family === 4
              ? splitHalves(p.address, p.prefix).map((h) => formatCidr(h.address, h.prefix))
              : splitHalves6(p.address, p.prefix).map((h) => formatCidr6(h.address, h.prefix));
          return halves.length === 2 && halves[0] === direct[0] && halves[1] === direct[1] && splitPrefix(p)!.every((h) => h.family === p.family);
        },
      ),
    );
  });

  it('orders addresses totally: IPv4 first, then by value', () => {
    const texts = ['2001:db8::1', '10.0.0.2', '::1', '10.0.0.10', 'fe80::1', '9.255.255.255'];
    expect(texts.map((t) => parseIp(t)!).sort(compareIp).map(formatIp)).toEqual(['9.255.255.255', '10.0.0.2', '10.0.0.10', '::1', '2001:db8::1', 'fe80::1']);
    fc.assert(
      fc.property(anyAddr, anyAddr, (a, b) => Math.sign(compareIp(a, b)) === -Math.sign(compareIp(b, a)) && (compareIp(a, b) === 0) === sameIp(a, b)),
    );
  });

  it('isIpText and isPrefixText say what parseIp and parsePrefix would (the schema asks them)', () => {
    const texts = ['10.0.0.1', '10.0.0.1/24', '10.0.0.1/33', '10.0.0.1/', '10.0.0.1/08', '010.0.0.1', '1.2.3', '1.2.3.4.5', '256.0.0.1', '0.0.0.0/0', '', '/24', 'x',
      '2001:db8::1', '2001:db8::1/64', '2001:db8::1/129', '2001:DB8::/32', ':::', 'fe80::1/', '::', '::/0', '1.2.3.4/32', '1.2.3.4 /32'];
    for (const t of texts) {
      expect(isIpText(t), t).toBe(parseIp(t) !== undefined);
      expect(isPrefixText(t), t).toBe(parsePrefix(t) !== undefined);
      expect(isPrefixText(t, true), t).toBe(parsePrefix(t, true) !== undefined);
    }
    const chars = fc.constantFrom('0', '1', '2', '5', '9', '.', '/', ':', 'a', 'F', '3');
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 20 }).map((a) => a.join('')), fc.boolean(), (t, bare) => {
        expect(isIpText(t)).toBe(parseIp(t) !== undefined);
        expect(isPrefixText(t, bare)).toBe(parsePrefix(t, bare) !== undefined);
      }),
    );
  });
});
