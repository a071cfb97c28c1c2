// One address family's maths behind one interface, so that a recipe (split the connected
// subnet into halves, is this gateway inside a subnet of the link) is written once and run
// for IPv4 on 32-bit numbers and for IPv6 on 128-bit bigints, without tagging every value.
// Pure; imports only its siblings.
import { contains, formatCidr, formatIPv4, networkOf, parseCidr, parseIPv4, splitHalves } from './ipv4.js';
import { checkCidr6, checkIPv6, contains6, formatCidr6, formatIPv6, isLinkLocal6, networkOf6, splitHalves6 } from './ipv6.js';
import type { Family } from './ip.js';

export interface FamilyOps<A extends number | bigint> {
  family: Family;
  /** Bits in an address: 32 or 128; a prefix this long is a single host. */
  bits: 32 | 128;
  /** The word used in messages: `IPv4`, `IPv6`. */
  name: 'IPv4' | 'IPv6';
  /** The address `default` stands for (all zeros). */
  zero: A;
  /** The metric `ip route add` gives a route that names none: 0 for IPv4, 1024 for IPv6. */
  defaultMetric: number;
  parse(text: string): A | undefined;
  parseCidr(text: string, bareIsHost?: boolean): { address: A; prefix: number } | undefined;
  format(a: A): string;
  /** The network (host bits cleared) as `addr/len`. */
  formatCidr(a: A, prefix: number): string;
  networkOf(a: A, prefix: number): A;
  contains(net: A, prefix: number, a: A): boolean;
  /** The two halves one bit longer; the caller guarantees prefix < bits. */
  splitHalves(a: A, prefix: number): [{ address: A; prefix: number }, { address: A; prefix: number }];
  /** Addresses every link has without being told (IPv6 link-local fe80::/10): a gateway there needs no subnet. */
  isOnEveryLink(a: A): boolean;
  /**
   * The address as a Map or Set key. V8 hashes a bigint by its lowest 64 bits only, so
   * IPv6 addresses that differ above them (2001:db8:1::1, 2001:db8:2::1: most of a host's)
   * all collide, and a Map of them is a list: an IPv6 address is keyed by its text in hex.
   */
  key(a: A): number | string;
}

export const IPV4: FamilyOps<number> = {
  family: 4,
  bits: 32,
  name: 'IPv4',
  zero: 0,
  defaultMetric: 0,
  parse: parseIPv4,
  parseCidr: (text, bareIsHost = false) => parseCidr(text, bareIsHost),
  format: formatIPv4,
  formatCidr,
  networkOf,
  contains,
  splitHalves,
  isOnEveryLink: () => false,
  key: (a) => a,
};

export const IPV6: FamilyOps<bigint> = {
  family: 6,
  bits: 128,
  name: 'IPv6',
  zero: 0n,
  defaultMetric: 1024,
  parse: (text) => {
    const r = checkIPv6(text);
    return r.ok ? r.address : undefined;
  },
  parseCidr: (text, bareIsHost = false) => {
    const r = checkCidr6(text, bareIsHost);
    return r.ok ? r.cidr : undefined;
  },
  format: formatIPv6,
  formatCidr: formatCidr6,
  networkOf: networkOf6,
  contains: contains6,
  splitHalves: splitHalves6,
  isOnEveryLink: isLinkLocal6,
  key: (a) => a.toString(16),
};
