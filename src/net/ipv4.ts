// IPv4 address maths on unsigned 32-bit integers: the lowest room of the code. Model, plan,
// simulator and back-ends import it; it imports nothing of ours. Pure; no dependencies.

/**
 * Parse a dotted quad (no leading zeros, as `ip` prints them); undefined when it is not one.
 * Four parts of 1-3 ASCII digits, 0-255, separated by dots, nothing else. Read character by
 * character: every address of a model passes here several times, and a regular expression
 * and a split took ten times as long (bench/RESULTS.md profiles).
 */
export function parseIPv4(text: string): number | undefined {
  return parseQuad(text, text.length);
}

/** parseIPv4 of the text's first `n` characters. */
function parseQuad(text: string, n: number): number | undefined {
  if (n < 7 || n > 15) return undefined;
  let value = 0;
  let i = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (text.charCodeAt(i) !== 46) return undefined;
      i++;
    }
    const start = i;
    let v = 0;
    while (i < n && i - start < 3) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + c - 48;
      i++;
    }
    const len = i - start;
    if (len === 0 || v > 255 || (len > 1 && text.charCodeAt(start) === 48)) return undefined;
    value = value * 256 + v;
  }
  return i === n ? value : undefined;
}

/** Format a 32-bit integer as a dotted quad. */
export function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export interface Cidr {
  /** The address as written (host bits may be set, as in `172.16.3.111/24`). */
  address: number;
  prefix: number;
}

/** Parse `a.b.c.d/n`; a bare address is rejected unless `bareIs32`. */
export function parseCidr(text: string, bareIs32 = false): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) {
    if (!bareIs32) return undefined;
    const a = parseIPv4(text);
    return a === undefined ? undefined : { address: a, prefix: 32 };
  }
  const a = parseQuad(text, slash);
  const p = parsePrefixLength(text, slash + 1);
  if (a === undefined || p === undefined) return undefined;
  return { address: a, prefix: p };
}

/** Whether parseCidr would parse the text (nothing is made: schema checks ask this of every address). */
export function isCidr(text: string, bareIs32 = false): boolean {
  const slash = text.indexOf('/');
  if (slash < 0) return bareIs32 && parseQuad(text, text.length) !== undefined;
  return parseQuad(text, slash) !== undefined && parsePrefixLength(text, slash + 1) !== undefined;
}

/** The prefix length 0-32 that makes up the rest of the text from `start`: `0`-`9` or `10`-`32`, no leading zero. */
function parsePrefixLength(text: string, start: number): number | undefined {
  const len = text.length - start;
  const d0 = text.charCodeAt(start) - 48;
  if (len === 1) return d0 >= 0 && d0 <= 9 ? d0 : undefined;
  if (len !== 2) return undefined;
  const d1 = text.charCodeAt(start + 1) - 48;
  if (d0 < 1 || d0 > 3 || d1 < 0 || d1 > 9) return undefined;
  const p = d0 * 10 + d1;
  return p <= 32 ? p : undefined;
}

/** The netmask of a prefix length as an integer. */
export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The network address of an address under a prefix length. */
export function networkOf(address: number, prefix: number): number {
  return (address & maskOf(prefix)) >>> 0;
}

/** The broadcast address of an address under a prefix length. */
export function broadcastOf(address: number, prefix: number): number {
  return (networkOf(address, prefix) | (~maskOf(prefix) >>> 0)) >>> 0;
}

/** Whether `address` lies inside `net/prefix`. */
export function contains(net: number, prefix: number, address: number): boolean {
  return networkOf(address, prefix) === networkOf(net, prefix);
}

/** `a.b.c.d/n` of the network (host bits cleared). */
export function formatCidr(address: number, prefix: number): string {
  return `${formatIPv4(networkOf(address, prefix))}/${prefix}`;
}

/** The dotted netmask of a prefix length (`255.255.255.0`). */
export function formatNetmask(prefix: number): string {
  return formatIPv4(maskOf(prefix));
}

/** The two halves of a network one bit longer; the caller guarantees prefix <= 31. */
export function splitHalves(address: number, prefix: number): [Cidr, Cidr] {
  const net = networkOf(address, prefix);
  const half = prefix + 1;
  const upper = (net | (1 << (31 - prefix))) >>> 0;
  return [
    { address: net, prefix: half },
    { address: upper, prefix: half },
  ];
}
