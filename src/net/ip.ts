// The family-neutral front of src/net: one tagged value for an address or a prefix of either
// family, so a recipe (split a network into halves, is this address inside that route) is
// written once for IPv4 and IPv6. The tag is `family: 4 | 6`; the value is ipv4.ts's 32-bit
// number or ipv6.ts's 128-bit bigint, so code that needs one family narrows on the tag and
// calls that family's module directly. Pure; imports only its siblings.
import { contains, formatCidr, formatIPv4, isCidr, networkOf, parseCidr, parseIPv4, splitHalves } from './ipv4.js';
import { checkCidr6, checkIPv6, contains6, formatCidr6, formatIPv6, networkOf6, splitHalves6 } from './ipv6.js';

export type Family = 4 | 6;

export type IpAddress = { family: 4; address: number } | { family: 6; address: bigint };

export type IpPrefix = { family: 4; address: number; prefix: number } | { family: 6; address: bigint; prefix: number };

/** The number of bits in an address of the family. */
export function bitsOf(family: Family): 32 | 128 {
  return family === 4 ? 32 : 128;
}

/** The family a text is written in, judged by its shape (":" means IPv6); the text may still be invalid. */
export function familyOfText(text: string): Family {
  return text.includes(':') ? 6 : 4;
}

/** Parse an address of either family; undefined when it is neither. */
export function parseIp(text: string): IpAddress | undefined {
  if (familyOfText(text) === 6) {
    const r = checkIPv6(text);
    return r.ok ? { family: 6, address: r.address } : undefined;
  }
  const a = parseIPv4(text);
  return a === undefined ? undefined : { family: 4, address: a };
}

/** Whether parseIp would parse the text (an IPv4 address is checked without making anything). */
export function isIpText(text: string): boolean {
  return familyOfText(text) === 6 ? checkIPv6(text).ok : parseIPv4(text) !== undefined;
}

/** Whether parsePrefix would parse the text (an IPv4 prefix is checked without making anything). */
export function isPrefixText(text: string, bareIsHost = false): boolean {
  return familyOfText(text) === 6 ? checkCidr6(text, bareIsHost).ok : isCidr(text, bareIsHost);
}

/** Why a text is not an address of either family, or undefined when it is one. */
export function explainIp(text: string): string | undefined {
  if (familyOfText(text) === 6) {
    const r = checkIPv6(text);
    return r.ok ? undefined : `${text} is not an IPv6 address: ${r.reason}`;
  }
  return parseIPv4(text) === undefined ? `${text} is not an IPv4 address` : undefined;
}

/** Format an address in its family's canonical text (dotted quad; RFC 5952). */
export function formatIp(a: IpAddress): string {
  return a.family === 4 ? formatIPv4(a.address) : formatIPv6(a.address);
}

/** Parse `addr/len` of either family; a bare address is a host prefix (/32, /128) only when `bareIsHost`. */
export function parsePrefix(text: string, bareIsHost = false): IpPrefix | undefined {
  if (familyOfText(text) === 6) {
    const r = checkCidr6(text, bareIsHost);
    return r.ok ? { family: 6, address: r.cidr.address, prefix: r.cidr.prefix } : undefined;
  }
  const c = parseCidr(text, bareIsHost);
  return c === undefined ? undefined : { family: 4, address: c.address, prefix: c.prefix };
}

/** `addr/len` of the network (host bits cleared). */
export function formatPrefix(p: IpPrefix): string {
  return p.family === 4 ? formatCidr(p.address, p.prefix) : formatCidr6(p.address, p.prefix);
}

/** The prefix with its host bits cleared. */
export function networkOfPrefix(p: IpPrefix): IpPrefix {
  return p.family === 4
    ? { family: 4, address: networkOf(p.address, p.prefix), prefix: p.prefix }
    : { family: 6, address: networkOf6(p.address, p.prefix), prefix: p.prefix };
}

/** Whether `a` lies inside `p`; an address of the other family never does. */
export function prefixContains(p: IpPrefix, a: IpAddress): boolean {
  if (p.family === 4) return a.family === 4 && contains(p.address, p.prefix, a.address);
  return a.family === 6 && contains6(p.address, p.prefix, a.address);
}

/** The two halves of a prefix one bit longer; undefined for a host prefix (/32, /128), which has none. */
export function splitPrefix(p: IpPrefix): [IpPrefix, IpPrefix] | undefined {
  if (p.prefix >= bitsOf(p.family)) return undefined;
  if (p.family === 4) {
    const [lo, hi] = splitHalves(p.address, p.prefix);
    return [
      { family: 4, ...lo },
      { family: 4, ...hi },
    ];
  }
  const [lo, hi] = splitHalves6(p.address, p.prefix);
  return [
    { family: 6, ...lo },
    { family: 6, ...hi },
  ];
}

/** Whether two addresses are the same address (same family and value). */
export function sameIp(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.address === b.address;
}

/** A total order for sorted, deterministic output: IPv4 before IPv6, then by value. */
export function compareIp(a: IpAddress, b: IpAddress): number {
  if (a.family !== b.family) return a.family - b.family;
  return a.address < b.address ? -1 : a.address > b.address ? 1 : 0;
}
