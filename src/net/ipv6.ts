// IPv6 address maths on unsigned 128-bit bigints: the IPv6 half of the lowest room of the code.
// Like ipv4.ts it is pure and imports nothing of ours except its IPv4 sibling (for the embedded
// dotted quad).
//
// Why bigint: an address is one value, so equality, ordering (sorting for byte-deterministic
// output), masking and "is inside" are single operators, exactly as with ipv4.ts's 32-bit
// numbers; a tuple of 16-bit words or bytes would need a loop for each. The sizes netgen
// handles (a few hundred addresses per host) make bigint's cost irrelevant (`npm run bench`
// measures the pipeline). Values are always in 0 .. 2^128-1; functions here never return others.
//
// What issue 14 builds on this (later parts, by other hands):
// - model: `checkIPv6`/`checkCidr6` give the reason a text is refused (zone index, junk), and
//   `isCanonicalIPv6` lets validation insist on RFC 5952 text as it insists on plain dotted
//   quads for IPv4; the link-local test decides "a link-local gateway needs its interface".
// - plan: `splitHalves6` is the VIP-egress recipe's /n+1 split; `formatCidr6` spells the
//   network of a route; `ip.ts` lets the recipe be written once for both families.
// - simulator: `contains6`/`networkOf6` for longest-prefix match; `scopeOf6` (rule 2),
//   `labelOf6` (rule 6, Linux's default label table, which is not RFC 6724's),
//   `commonPrefixLength6` (rule 8) and the classifiers (link-local, multicast, loopback,
//   mapped) are the pure parts of source selection and of the kernel's own routes (fe80::/64,
//   ff00::/8). The rules that need state (deprecated, outgoing interface, the route's `src`)
//   belong to the simulator, not here.
// - kernel cross-check: `formatIPv6LikeIp` prints what `ip -6` (iproute2 over glibc's
//   inet_ntop) prints, which differs from RFC 5952 only for the deprecated IPv4-compatible
//   range ::/96 (measured: test/kernel/ipv6-format.test.ts).
import { formatIPv4, parseIPv4 } from './ipv4.js';

/** The largest IPv6 address, ffff:...:ffff. */
export const IPV6_MAX = (1n << 128n) - 1n;

/** Why a text was refused, for messages; callers add the model path and the text. */
export type IPv6Check = { ok: true; address: bigint } | { ok: false; reason: string };

const GROUP = /^[0-9A-Fa-f]{1,4}$/;

/**
 * Parse any RFC 4291 text form (eight groups, one `::`, an embedded dotted quad in the last 32
 * bits, either case, 1-4 hex digits a group); say why not otherwise. A zone index (`fe80::1%eth0`)
 * is refused: netgen names the interface in its own field.
 */
export function checkIPv6(text: string): IPv6Check {
  const quick = quickIPv6(text);
  if (quick !== undefined) return { ok: true, address: quick };
  const no = (reason: string): IPv6Check => ({ ok: false, reason });
  const pct = text.indexOf('%');
  if (pct >= 0) return no(`a zone index (${text.slice(pct)}) is not part of an address; give the interface separately`);
  if (text === '') return no('empty');
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return no('only hex digits, ":" and "." may appear');
  if (!text.includes(':')) return no('no ":" (an IPv6 address has eight groups)');

  let body = text;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    const quad = text.slice(lastColon + 1);
    if (!quad.includes('.')) return no('a dotted quad may only be the last 32 bits');
    const v4 = parseIPv4(quad);
    if (v4 === undefined) return no(`${quad} is not a dotted quad (four decimals 0-255, no leading zeros)`);
    tail = [v4 >>> 16, v4 & 0xffff];
    // Drop the quad and the colon before it, unless that colon is half of "::" ("::1.2.3.4").
    body = text.slice(0, lastColon + 1);
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }

  const halves = body.split('::');
  if (halves.length > 2) return no('"::" appears more than once');
  const readGroups = (s: string): number[] | string => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (g === '') return 'an empty group (a lone ":" at either end, or ":::")';
      if (!GROUP.test(g)) return `group "${g}" is not 1 to 4 hex digits`;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = readGroups(halves[0] ?? '');
  if (typeof left === 'string') return no(left);
  let words: number[];
  if (halves.length === 2) {
    const right = readGroups(halves[1] ?? '');
    if (typeof right === 'string') return no(right);
    const given = left.length + right.length + tail.length;
    // "::" stands for one or more zero groups (RFC 4291 2.2), so at most seven are written.
    if (given > 7) return no(`${given} groups besides "::" (at most 7, since "::" stands for at least one)`);
    words = [...left, ...new Array<number>(8 - given).fill(0), ...right, ...tail];
  } else {
    words = [...left, ...tail];
    if (words.length !== 8) return no(`${words.length} groups (an IPv6 address has 8, or fewer with "::")`);
  }
  let address = 0n;
  for (const w of words) address = (address << 16n) | BigInt(w);
  return { ok: true, address };
}

/**
 * The common forms (hex groups, at most one "::", no dotted quad) read in one pass without
 * regular expressions or intermediate arrays; undefined for anything else, valid or not,
 * which checkIPv6 then reads in full (and says why it refuses). A model of 10,000 IPv6
 * routes and expectations parses some 200,000 addresses.
 */
function quickIPv6(text: string): bigint | undefined {
  const n = text.length;
  if (n < 2 || n > 39) return undefined;
  const w = [0, 0, 0, 0, 0, 0, 0, 0];
  let count = 0;
  // Where "::" stands: the number of groups before it; -1 for none.
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return undefined;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    let v = 0;
    let digits = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      let x: number;
      if (c >= 48 && c <= 57) x = c - 48;
      else if (c >= 97 && c <= 102) x = c - 87;
      else if (c >= 65 && c <= 70) x = c - 55;
      else break;
      v = v * 16 + x;
      digits++;
    }
    if (digits === 0 || digits > 4 || count === 8) return undefined;
    w[count++] = v;
    if (i === n) break;
    if (text.charCodeAt(i) !== 58) return undefined;
    i++;
    if (i === n) return undefined;
    if (text.charCodeAt(i) === 58) {
      if (gap >= 0) return undefined;
      gap = count;
      i++;
    }
  }
  if (gap < 0 ? count !== 8 : count > 7) return undefined;
  if (gap >= 0) {
    // Move the groups after "::" to the end; zeros in between.
    const after = count - gap;
    for (let k = 0; k < after; k++) w[7 - k] = w[count - 1 - k]!;
    for (let k = gap; k < 8 - after; k++) w[k] = 0;
  }
  const half = (a: number, b: number): bigint => BigInt(a * 0x10000 + b);
  return (half(w[0]!, w[1]!) << 96n) | (half(w[2]!, w[3]!) << 64n) | (half(w[4]!, w[5]!) << 32n) | half(w[6]!, w[7]!);
}

/** Parse an IPv6 address in any RFC 4291 text form; undefined when it is not one. */
export function parseIPv6(text: string): bigint | undefined {
  const r = checkIPv6(text);
  return r.ok ? r.address : undefined;
}

function wordsOf(address: bigint): number[] {
  // Four 32-bit halves, each split in two: half the bigint operations of eight 16-bit shifts.
  const words: number[] = [];
  for (const shift of [96n, 64n, 32n, 0n]) {
    const pair = Number((address >> shift) & 0xffffffffn);
    words.push(Math.floor(pair / 0x10000), pair % 0x10000);
  }
  return words;
}

/** The eight groups in RFC 5952 form: lower case, no leading zeros, longest run (>= 2) of zero groups as "::", the first on a tie. */
function compressWords(words: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 1; // a single zero group is never compressed
  for (let i = 0; i < words.length; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < words.length && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * Format in RFC 5952's canonical text (section 4), with IPv4-mapped addresses as `::ffff:a.b.c.d`
 * (section 5): lower case, leading zeros dropped, the longest run of two or more zero groups
 * compressed (the first of equal runs), a single zero group written as 0.
 */
export function formatIPv6(address: bigint): string {
  if (isIPv4Mapped6(address)) return `::ffff:${formatIPv4(Number(address & 0xffffffffn))}`;
  return compressWords(wordsOf(address));
}

/**
 * Format as `ip -6` prints it (iproute2 through glibc's inet_ntop): RFC 5952 except that an
 * address in the deprecated IPv4-compatible range (::/96, group 7 not zero) keeps a dotted quad:
 * `::1.2.3.4`, `::0.1.0.0`; `::1`, `::2` and `::100` stay hex (measured on this machine).
 */
export function formatIPv6LikeIp(address: bigint): string {
  const w = wordsOf(address);
  if (address >> 32n === 0n && w[6] !== 0) return `::${formatIPv4(Number(address & 0xffffffffn))}`;
  return formatIPv6(address);
}

/** Whether `text` is already the canonical form `formatIPv6` would print. */
export function isCanonicalIPv6(text: string): boolean {
  const a = parseIPv6(text);
  return a !== undefined && formatIPv6(a) === text;
}

export interface Cidr6 {
  /** The address as written (host bits may be set, as in `2001:db8::10/64`). */
  address: bigint;
  prefix: number;
}

export type Cidr6Check = { ok: true; cidr: Cidr6 } | { ok: false; reason: string };

/** Parse `addr/len` (len 0..128, decimal, no leading zeros); a bare address is refused unless `bareIs128`. Says why not. */
export function checkCidr6(text: string, bareIs128 = false): Cidr6Check {
  const slash = text.indexOf('/');
  if (slash < 0) {
    if (!bareIs128) return { ok: false, reason: 'no prefix length (write addr/len)' };
    const r = checkIPv6(text);
    return r.ok ? { ok: true, cidr: { address: r.address, prefix: 128 } } : r;
  }
  const r = checkIPv6(text.slice(0, slash));
  if (!r.ok) return r;
  const p = text.slice(slash + 1);
  if (!/^(12[0-8]|1[01]\d|[1-9]?\d)$/.test(p)) return { ok: false, reason: `prefix length "${p}" is not a number from 0 to 128` };
  return { ok: true, cidr: { address: r.address, prefix: Number(p) } };
}

/** Parse `addr/len`; undefined when it is not one (see `checkCidr6`). */
export function parseCidr6(text: string, bareIs128 = false): Cidr6 | undefined {
  const r = checkCidr6(text, bareIs128);
  return r.ok ? r.cidr : undefined;
}

function checkPrefix(prefix: number): void {
  // A wrong prefix here is a bug of the caller, not a user error: parse checks user text.
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 128) throw new RangeError(`IPv6 prefix length ${prefix} is not in 0..128`);
}

/** The netmask of a prefix length as a 128-bit value. */
export function maskOf6(prefix: number): bigint {
  checkPrefix(prefix);
  // Made at first use of each length: a lookup or a check asks for the same few many times.
  return (masks6[prefix] ??= IPV6_MAX ^ ((1n << BigInt(128 - prefix)) - 1n));
}

const masks6: (bigint | undefined)[] = [];

/** The network address (host bits cleared) of an address under a prefix length. */
export function networkOf6(address: bigint, prefix: number): bigint {
  return address & maskOf6(prefix);
}

/** The highest address under the prefix (IPv6 has no broadcast; this bounds the range). */
export function lastOf6(address: bigint, prefix: number): bigint {
  return networkOf6(address, prefix) | (IPV6_MAX ^ maskOf6(prefix));
}

/** Whether `address` lies inside `net/prefix`. */
export function contains6(net: bigint, prefix: number, address: bigint): boolean {
  return networkOf6(address, prefix) === networkOf6(net, prefix);
}

/** `addr/len` of the network (host bits cleared), canonical text. */
export function formatCidr6(address: bigint, prefix: number): string {
  return `${formatIPv6(networkOf6(address, prefix))}/${prefix}`;
}

/** The two halves of a network one bit longer (the VIP-egress /n+1 split); prefix must be <= 127. */
export function splitHalves6(address: bigint, prefix: number): [Cidr6, Cidr6] {
  checkPrefix(prefix);
  if (prefix > 127) throw new RangeError('a /128 has no halves');
  const net = networkOf6(address, prefix);
  return [
    { address: net, prefix: prefix + 1 },
    { address: net | (1n << BigInt(127 - prefix)), prefix: prefix + 1 },
  ];
}

const LINK_LOCAL = 0xfe80n << 112n; // fe80::/10
const MULTICAST = 0xffn << 120n; // ff00::/8
const UNIQUE_LOCAL = 0xfcn << 120n; // fc00::/7
const DOCUMENTATION = 0x20010db8n << 96n; // 2001:db8::/32
const SITE_LOCAL = 0xfec0n << 112n; // fec0::/10, deprecated (RFC 3879) but still scoped by RFC 6724
const MAPPED = 0xffffn << 32n; // ::ffff:0:0/96

/** `::`. */
export function isUnspecified6(a: bigint): boolean {
  return a === 0n;
}
/** `::1`. */
export function isLoopback6(a: bigint): boolean {
  return a === 1n;
}
/** fe80::/10 (unicast link-local). */
export function isLinkLocal6(a: bigint): boolean {
  return contains6(LINK_LOCAL, 10, a);
}
/** ff00::/8. */
export function isMulticast6(a: bigint): boolean {
  return contains6(MULTICAST, 8, a);
}
/** fc00::/7 (RFC 4193 unique local; global scope all the same). */
export function isUniqueLocal6(a: bigint): boolean {
  return contains6(UNIQUE_LOCAL, 7, a);
}
/** 2001:db8::/32 (RFC 3849 documentation prefix). */
export function isDocumentation6(a: bigint): boolean {
  return contains6(DOCUMENTATION, 32, a);
}
/** ::ffff:0:0/96 (an IPv4 address as IPv6 sockets see it). */
export function isIPv4Mapped6(a: bigint): boolean {
  return contains6(MAPPED, 96, a);
}
/** The IPv4 address inside an IPv4-mapped address; undefined for any other. */
export function ipv4OfMapped6(a: bigint): number | undefined {
  return isIPv4Mapped6(a) ? Number(a & 0xffffffffn) : undefined;
}
/** The IPv4-mapped IPv6 address of an IPv4 address (`::ffff:a.b.c.d`). */
export function mappedOf4(ipv4: number): bigint {
  return MAPPED | BigInt(ipv4 >>> 0);
}

/** RFC 4291 / RFC 7346 scope values; RFC 6724 compares them numerically (smaller is narrower). */
export const Scope6 = {
  interfaceLocal: 0x1,
  linkLocal: 0x2,
  adminLocal: 0x4,
  siteLocal: 0x5,
  organizationLocal: 0x8,
  global: 0xe,
} as const;

/**
 * The scope of an address as Linux's source selection sees it, which is RFC 6724 section 3.1: a
 * multicast address carries its own (the low four bits of its second byte); unicast link-local
 * and the loopback are link-local; deprecated site-local fec0::/10 is site-local; everything
 * else, unique-local fc00::/7 and the ::/96 and IPv4-mapped ranges included, is global. The
 * unspecified address has no scope: 0. One departure from the RFC, on purpose: section 3.2 gives
 * an IPv4-mapped address its IPv4 address's scope, but Linux's address classification calls
 * them all global (IPv4 traffic never reaches IPv6 source selection there).
 */
export function scopeOf6(a: bigint): number {
  if (isMulticast6(a)) return Number((a >> 112n) & 0xfn);
  if (isUnspecified6(a)) return 0;
  if (isLoopback6(a) || isLinkLocal6(a)) return Scope6.linkLocal;
  if (contains6(SITE_LOCAL, 10, a)) return Scope6.siteLocal;
  return Scope6.global;
}

/**
 * The number of leading bits two addresses share (0..128), capped at `limit` when given: RFC
 * 6724's CommonPrefixLen(S, D) caps it at the source's prefix length (Linux caps it at the
 * source address's configured prefix length).
 */
export function commonPrefixLength6(a: bigint, b: bigint, limit = 128): number {
  const diff = a ^ b;
  const common = diff === 0n ? 128 : 128 - diff.toString(2).length;
  return Math.min(common, limit);
}

/**
 * Linux's default address-label table (`ip addrlabel`, unchanged by netgen): RFC 3484's with
 * unique-local and ORCHID added, not RFC 6724's (whose unique-local label is 13, Teredo 5).
 * The kernel prefers a source whose label equals the destination's (RFC 6724 rule 6).
 */
export const LINUX_ADDRLABELS: readonly { prefix: string; label: number }[] = [
  { prefix: '::1/128', label: 0 },
  { prefix: '::/96', label: 3 },
  { prefix: '::ffff:0.0.0.0/96', label: 4 },
  { prefix: '2001::/32', label: 6 },
  { prefix: '2001:10::/28', label: 7 },
  { prefix: '3ffe::/16', label: 12 },
  { prefix: '2002::/16', label: 2 },
  { prefix: 'fec0::/10', label: 11 },
  { prefix: 'fc00::/7', label: 5 },
  { prefix: '::/0', label: 1 },
];

// Parsed at first use, not when the module loads: most runs never ask (~0.3 ms of a render).
let labelTable: { address: bigint; prefix: number; label: number }[] | undefined;

/** The label of an address under Linux's default address-label table (longest prefix wins). */
export function labelOf6(a: bigint): number {
  labelTable ??= LINUX_ADDRLABELS.map((e) => ({ ...parseCidr6(e.prefix)!, label: e.label })).sort((a, b) => b.prefix - a.prefix);
  for (const e of labelTable) if (contains6(e.address, e.prefix, a)) return e.label;
  // ::/0 is in the table, so every address has matched above.
  throw new Error('unreachable: ::/0 matches every address');
}
