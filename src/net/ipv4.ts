// IPv4 address maths on unsigned 32-bit integers: the lowest room of the code. Model, plan,
// simulator and back-ends import it; it imports nothing of ours. Pure; no dependencies.

const QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Parse a dotted quad (no leading zeros, as `ip` prints them); undefined when it is not one. */
export function parseIPv4(text: string): number | undefined {
  if (!QUAD.test(text)) return undefined;
  const [a, b, c, d] = text.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
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
  const a = parseIPv4(text.slice(0, slash));
  const p = text.slice(slash + 1);
  if (a === undefined || !/^(3[0-2]|[12]?\d)$/.test(p)) return undefined;
  return { address: a, prefix: Number(p) };
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
