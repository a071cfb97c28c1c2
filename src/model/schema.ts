// The model's structure (src/model/shape.ts): one source of truth for the TypeScript types, the structural
// checks, and the JSON Schema shipped for editors (scripts/gen-schema.ts).
// Value grammars are strict on purpose: several of these strings end up in files that a
// shell sources as root, so anything outside the grammar is refused, never escaped.
import { shape, type Infer } from './shape.js';
import { isCidr, parseIPv4 } from '../net/ipv4.js';
import { isIpText, isPrefixText } from '../net/ip.js';
import { checkCidr6, checkIPv6 } from '../net/ipv6.js';

/** Kernel device names: at most 15 bytes, no `/`, `:`, whitespace or shell metacharacters. */
export const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;
/** Alias labels: `<device>:<tag>`; the whole label fits the kernel's 15 bytes. */
export const ALIAS_LABEL = /^([A-Za-z0-9_][A-Za-z0-9_.-]*):([A-Za-z0-9_]+)$/;
/** Routing table names as `ip` resolves them and a shell may see them unquoted. */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
/** Host names (RFC 1123 labels, dot separated). */
export const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/**
 * Route protocol names `ip` knows, or a number 0-255 in decimal: `ip` refuses 256 and up
 * (`"protocol" value is invalid`), reads a leading 0 as octal (`010` is 8) and refuses `09`.
 */
export const PROTO = /^(kernel|boot|static|dhcp|ra|redirect|0|[1-9][0-9]?|1[0-9]{2}|2[0-4][0-9]|25[0-5])$/;

const U32 = 4294967295;

// Patterns for the JSON Schema only (editors flag a bad value as it is typed); the
// validator's own checks, with their messages, are the refinements and semantic rules.
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const QUAD_PATTERN = `${OCTET}(\\.${OCTET}){3}`;
const PREFIX_PATTERN = '(3[0-2]|[12]?[0-9])';
/** Key patterns of the maps, for editors (names are checked with messages by the validator). */
const ifnameKey = shape.string().meta({ pattern: IFNAME.source });

export const ipv4 = shape
  .string()
  .refine((s) => parseIPv4(s) !== undefined, { message: 'is not an IPv4 address (a.b.c.d)' })
  .meta({ description: 'IPv4 address, dotted quad', examples: ['172.16.3.1'], pattern: `^${QUAD_PATTERN}$` });

/**
 * Every RFC 4291 text form checkIPv6 accepts, as one pattern (for editors): eight groups, or
 * `::` with at most seven written, either of them optionally ending in a dotted quad.
 */
const V6_PATTERN = ((): string => {
  const h = '[0-9A-Fa-f]{1,4}';
  const alts = [`(?:${h}:){7}${h}`, `(?:${h}:){6}${QUAD_PATTERN}`];
  for (let l = 0; l <= 7; l++) {
    const left = l === 0 ? '' : `${h}(?::${h}){${l - 1}}`;
    const room = 7 - l;
    alts.push(`${left}::${room >= 1 ? `(?:${h}(?::${h}){0,${room - 1}})?` : ''}`);
    if (room >= 2) alts.push(`${left}::(?:${h}:){0,${room - 2}}${QUAD_PATTERN}`);
  }
  return `(?:${alts.join('|')})`;
})();
const V6_PREFIX_PATTERN = '(12[0-8]|1[01][0-9]|[1-9]?[0-9])';

/** Text is taken for IPv6 when it has a colon: the message then says what is wrong with it as IPv6. */
function isV6Text(input: unknown): boolean {
  return typeof input === 'string' && input.includes(':');
}

function v6Reason(text: string, prefixAllowed: boolean): string {
  const r = prefixAllowed ? checkCidr6(text, true) : checkIPv6(text);
  return r.ok ? 'not allowed here' : r.reason;
}

/** An address of either family; which one is decided by its text (`:` is IPv6). */
export const ipAddr = shape
  .string()
  .refine((s) => isIpText(s), {
    error: (iss) => (isV6Text(iss.input) ? `is not an IPv6 address: ${v6Reason(String(iss.input), false)}` : 'is not an IPv4 address (a.b.c.d)'),
  })
  .meta({ description: 'IPv4 or IPv6 address', examples: ['172.16.3.1', '2001:db8:3::1'], pattern: `^(${QUAD_PATTERN}|${V6_PATTERN})$` });

/** One address, or a list of at most one per family (`[172.16.3.1, 2001:db8:3::1]`). */
const ipAddrPerFamily = shape
  .union([ipAddr, shape.array(ipAddr).min(1).max(2)])
  .meta({ description: 'one address, or a list with at most one IPv4 and one IPv6 address' });

export const cidr = shape
  .string()
  .refine((s) => isCidr(s), { message: 'is not an IPv4 address with prefix length (a.b.c.d/n)' })
  .meta({ description: 'IPv4 address with prefix length', examples: ['172.16.3.111/24'], pattern: `^${QUAD_PATTERN}/${PREFIX_PATTERN}$` });

/** An address with prefix length of either family. */
export const ipCidr = shape
  .string()
  .refine((s) => isPrefixText(s), {
    error: (iss) =>
      isV6Text(iss.input) ? `is not an IPv6 address with prefix length (2001:db8::10/64): ${v6Reason(String(iss.input), true)}` : 'is not an IPv4 address with prefix length (a.b.c.d/n)',
  })
  .meta({ description: 'IPv4 or IPv6 address with prefix length', examples: ['172.16.3.111/24', '2001:db8:3::111/64'], pattern: `^(${QUAD_PATTERN}/${PREFIX_PATTERN}|${V6_PATTERN}/${V6_PREFIX_PATTERN})$` });

/** A destination or selector: an address, `a.b.c.d/n` or `2001:db8::/32`, or (routes only) `default`. */
const prefixOrAddress = shape
  .string()
  .refine((s) => isPrefixText(s, true), {
    error: (iss) => (isV6Text(iss.input) ? `is not an IPv6 address or prefix: ${v6Reason(String(iss.input), true)}` : 'is not an IPv4 address or a.b.c.d/n prefix'),
  })
  .meta({ pattern: `^(${QUAD_PATTERN}(/${PREFIX_PATTERN})?|${V6_PATTERN}(/${V6_PREFIX_PATTERN})?)$` });

const routeTarget = shape
  .string()
  .refine((s) => s === 'default' || isPrefixText(s, true), {
    error: (iss) =>
      isV6Text(iss.input) ? `is not \`default\`, an IPv6 address or prefix: ${v6Reason(String(iss.input), true)}` : 'is not `default`, an IPv4 address or an a.b.c.d/n prefix',
  })
  .meta({
    description: '`default`, an address, or a network (a.b.c.d/n, 2001:db8::/32); `default` is IPv6 when `via` or `src` is',
    examples: ['default', '10.0.0.0/8', '2001:db8:9::/48'],
    pattern: `^(default|${QUAD_PATTERN}(/${PREFIX_PATTERN})?|${V6_PATTERN}(/${V6_PREFIX_PATTERN})?)$`,
  });

const tableRef = shape
  .union([shape.string().regex(TABLE_NAME, { message: 'is not a table name (letters, digits, _ . -; starting with a letter)' }), shape.int().min(1).max(U32)])
  .meta({ description: 'a table declared under `tables:` (by name or number), or `main`' });

const metric = shape.int().min(0).max(U32).meta({ description: 'route metric (preference), 0..4294967295; lower wins' });

const routeFields = {
  to: routeTarget,
  via: ipAddr.optional(),
  /** `from` is netplan's word for the preferred source; `src` is `ip route`'s. */
  from: ipAddr.optional().meta({ description: 'preferred source address (netplan `from`, ip `src`)' }),
  src: ipAddr.optional().meta({ description: 'preferred source address (ip `src`, same as `from`)' }),
  metric: metric.optional(),
  table: tableRef.optional(),
  scope: shape.enum(['link', 'host', 'global']).optional(),
  proto: shape.string().regex(PROTO, { message: 'is not a route protocol (kernel, boot, static, dhcp, ra, redirect or a number 0-255 without leading zeros)' }).optional(),
  'on-link': shape.boolean().optional().meta({ description: 'the gateway is on the link even outside its subnets' }),
};

/** A route under an interface: its device is that interface. */
export const interfaceRoute = shape.strictObject(routeFields);
/** A route at the top level: names its device. */
export const hostRoute = shape.strictObject({ ...routeFields, dev: shape.string().meta({ description: 'the device the route goes out of' }) });

/** A route inside an interface's own table (per-source routing): device and table are implied. */
const ownTableRoute = shape.strictObject({
  to: routeTarget,
  via: ipAddr.optional(),
  metric: metric.optional(),
  scope: shape.enum(['link', 'host', 'global']).optional(),
  'on-link': shape.boolean().optional(),
});

export const rule = shape.strictObject({
  from: prefixOrAddress.optional(),
  to: prefixOrAddress.optional(),
  table: tableRef,
  priority: shape.int().min(1).max(U32).optional().meta({ description: 'rule priority; allocated when omitted' }),
});

/** keepalived instance names and Pacemaker resource ids: one word, safe unquoted in both files. */
export const CLUSTER_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

const clusterName = shape
  .string()
  .regex(CLUSTER_NAME, { message: 'is not a name (a letter, then letters, digits, _ . -; at most 64)' });

const vrrp = shape
  .strictObject({
    instance: clusterName.meta({ description: 'the vrrp_instance name; aliases naming the same instance move together' }),
    'router-id': shape.int().min(1).max(255).meta({ description: 'virtual_router_id, 1..255: the same on every node of the pair' }),
    priority: shape.int().min(1).max(254).meta({ description: 'this node\'s priority, 1..254; the highest node holds the VIP' }),
    'advert-int': shape.int().min(1).max(255).optional().meta({ description: 'seconds between adverts (default 1)' }),
    state: shape.enum(['MASTER', 'BACKUP']).optional().meta({ description: 'initial state (default BACKUP: the priorities decide)' }),
    'unicast-peers': shape.array(ipv4).optional().meta({ description: 'send adverts to these peers instead of multicast' }),
    interface: shape.string().optional().meta({ description: 'the interface VRRP adverts go out of (default: the alias\'s own)' }),
  })
  .meta({ description: 'keepalived: the VRRP instance that holds this VIP' });

const pacemaker = shape
  .strictObject({
    group: clusterName.optional().meta({ description: 'the resource group (default: netgen-<host>)' }),
    'resource-prefix': clusterName.optional().meta({ description: 'prefix of the resource ids (default: the group name)' }),
  })
  .meta({ description: 'Pacemaker: the group the VIP and its routes go in' });

const alias = shape.strictObject({
  address: shape
    .string()
    .refine((s) => isPrefixText(s, true), {
      error: (iss) => (isV6Text(iss.input) ? `is not an IPv6 address (2001:db8::50 or 2001:db8::50/64): ${v6Reason(String(iss.input), true)}` : 'is not an IPv4 address (a.b.c.d or a.b.c.d/n)'),
    })
    .meta({ description: 'the alias address; a bare address is a /32 (IPv6: /128)' }),
  'on-parent': shape.boolean().optional().meta({
    description: 'brought up with its interface at boot (default true); false leaves it to failover tooling',
  }),
  'managed-by': shape.enum(['keepalived', 'pacemaker']).optional().meta({
    description: 'the cluster tool that moves this VIP; it also adds and removes every route and rule that depends on it',
  }),
  vrrp: vrrp.optional(),
  pacemaker: pacemaker.optional(),
});

const egress = shape
  .strictObject({
    prefer: ipAddrPerFamily.meta({ description: 'the address (a VIP) to prefer as source while it is on this host; or one per family: [172.16.3.105, 2001:db8:3::105]' }),
    metric: metric.optional().meta({ description: 'metric of the preferred routes (default 1)' }),
    'fallback-metric': metric.optional().meta({ description: 'metric of the primary-address default (default 100)' }),
  })
  .meta({
    description:
      'VIP egress: traffic leaves from `prefer` while it is here, from the primary address when it is gone',
  });

const sourceRouting = shape
  .strictObject({
    table: tableRef.meta({ description: 'this interface\'s own table (declared under `tables:`)' }),
    gateway: ipAddrPerFamily.optional().meta({ description: 'the default route inside the own table (one per family)' }),
    routes: shape.array(ownTableRoute).optional().meta({ description: 'further routes inside the own table' }),
    priority: shape.int().min(1).max(U32).optional().meta({
      description: 'priority of the first `from ADDR` rule; the next addresses count up from it',
    }),
  })
  .meta({ description: 'per-source routing: this interface\'s addresses route through its own table' });

/**
 * The per-interface kernel settings netgen knows (net.ipv4.conf.<dev>.<key>), with the
 * values the kernel accepts. They decide how inbound traffic and ARP are treated on a
 * multi-homed host (see src/plan/sysctl.ts).
 */
export const SYSCTL_KEYS = {
  rp_filter: 'reverse-path filter: 0 off, 1 strict (the reply route must leave through the interface the packet came in on), 2 loose (any route back)',
  arp_filter: '1: answer ARP on an interface only when the route back to the asker leaves through it',
  arp_ignore: '0 answer for any local address, 1 only for addresses on the interface asked, 2 also only when the asker is in that address\'s subnet, 3 not for scope-host addresses, 8 never',
  arp_announce: "0 any local address as source of the host's ARP requests, 1 prefer one in the target's subnet, 2 always the best address of the outgoing interface",
} as const;
export type SysctlKey = keyof typeof SYSCTL_KEYS;

const sysctlValue = (max: number, also: number[] = []) => {
  const allowed = [...Array(max + 1).keys(), ...also];
  return shape
    .int()
    .refine((v) => allowed.includes(v), { message: `is not one of ${allowed.join(', ')}` })
    .meta({ enum: allowed });
};

export const sysctlKeys = shape.strictObject({
  rp_filter: sysctlValue(2).optional().meta({ description: SYSCTL_KEYS.rp_filter }),
  arp_filter: sysctlValue(1).optional().meta({ description: SYSCTL_KEYS.arp_filter }),
  arp_ignore: sysctlValue(3, [8]).optional().meta({ description: SYSCTL_KEYS.arp_ignore }),
  arp_announce: sysctlValue(2).optional().meta({ description: SYSCTL_KEYS.arp_announce }),
});

const linkFields = {
  addresses: shape.array(ipCidr).optional().meta({ description: 'addresses with prefix length, IPv4 and IPv6; the first of a subnet is primary' }),
  gateway: ipAddrPerFamily.optional().meta({ description: 'default route through this interface (main table); one address, or one per family: [172.16.3.1, 2001:db8:3::1]' }),
  mtu: shape.int().min(68).max(65535).optional(),
  mac: shape
    .string()
    .regex(/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/, { message: 'is not a MAC address (aa:bb:cc:dd:ee:ff)' })
    .optional(),
  'on-boot': shape.boolean().optional().meta({ description: 'brought up at boot (default true)' }),
  aliases: shape.record(shape.string().meta({ pattern: ALIAS_LABEL.source }), alias).optional().meta({ description: 'alias addresses by label, `eth0:1`' }),
  routes: shape.array(interfaceRoute).optional(),
  'routing-policy': shape.array(rule).optional().meta({ description: 'policy rules carried by this interface\'s files' }),
  egress: egress.optional(),
  'source-routing': sourceRouting.optional(),
  sysctl: sysctlKeys.optional().meta({ description: 'ARP and reverse-path settings of this interface; override what netgen decides' }),
};

export const vlanUnder = shape.strictObject(linkFields);
export const iface = shape.strictObject({
  ...linkFields,
  vlans: shape.record(shape.string().meta({ pattern: '^[0-9]{1,4}$' }), vlanUnder).optional().meta({ description: 'VLANs on this interface by id: `10:` is `eth0.10`' }),
});
export const vlanTop = shape.strictObject({
  ...linkFields,
  id: shape.int().meta({ description: 'VLAN id, 1..4094' }),
  link: shape.string().meta({ description: 'the parent interface' }),
});

/** One failover event before the lookup: exactly one of the three keys (checked with the semantics). */
const step = shape
  .strictObject({
    down: ipAddr.optional().meta({ description: 'the address is taken away (ip addr del; a managed VIP: its manager gives it up with what depends on it): the kernel drops main-table routes naming it (IPv6: clears their src)' }),
    up: ipAddr.optional().meta({ description: 'the address comes back through its manager (ifup, keepalived, Pacemaker), with what depends on it' }),
    add: ipAddr.optional().meta({ description: 'the address comes back alone (ip addr add by a tool netgen does not know)' }),
  })
  .meta({ description: 'a failover event: `{down: ADDR}`, `{up: ADDR}` or `{add: ADDR}`' });

export const expectation = shape.strictObject({
  to: ipAddr.optional().meta({ description: 'destination address to look up, IPv4 or IPv6 (with `iif`: an address of the host a packet arrives for)' }),
  from: ipAddr.optional().meta({ description: 'source address; with `iif`, the remote sender' }),
  iif: shape.string().optional().meta({ description: 'inbound lookup: the interface the packet arrives on (ip route get TO from FROM iif IIF)' }),
  accept: shape.boolean().optional().meta({ description: 'inbound lookup: whether the host accepts the packet (default true)' }),
  'who-has': ipv4.optional().meta({ description: 'ARP: the address asked for (an ARP request arriving on `on`)' }),
  on: shape.string().optional().meta({ description: 'ARP: the interface the request arrives on' }),
  answers: shape.boolean().optional().meta({ description: 'ARP: whether that interface answers (default true)' }),
  down: shape.array(ipAddr).optional().meta({ description: 'addresses taken away first (a VIP after failover); shorthand for `after: [{down: ADDR}]`' }),
  after: shape.array(step).optional().meta({ description: 'failover events, in order, before the lookup' }),
  dev: shape.string().optional(),
  via: ipAddr.optional(),
  src: ipAddr.optional(),
  table: shape.string().optional(),
});

export const modelSchema = shape
  .strictObject({
    $schema: shape.string().optional(),
    host: shape.string().regex(HOST_NAME, { message: 'is not a host name (letters, digits, - and dots)' }),
    interfaces: shape.record(ifnameKey, iface).meta({ description: 'interfaces by kernel name' }),
    vlans: shape.record(ifnameKey, vlanTop).optional().meta({ description: 'VLAN interfaces by name, netplan style (`id`, `link`)' }),
    routes: shape.array(hostRoute).optional().meta({ description: 'routes that name their device' }),
    tables: shape
      .record(shape.string().meta({ pattern: TABLE_NAME.source }), shape.union([shape.int().min(1).max(U32), shape.literal('auto')]))
      .optional()
      .meta({ description: 'routing tables: name: number, or name: auto for a number netgen allocates' }),
    expect: shape.array(expectation).optional().meta({ description: 'route lookups, inbound lookups and ARP questions `netgen verify` checks' }),
    sysctl: shape
      .union([shape.literal(false), sysctlKeys])
      .optional()
      .meta({ description: 'ARP and reverse-path settings for every interface (/etc/sysctl.d/60-netgen.conf); false: netgen writes none' }),
  })
  .meta({ title: 'netgen host model', description: 'One host\'s network: interfaces, addresses, routes, rules and egress intents.' });

export type RawModel = Infer<typeof modelSchema>;
export type RawLinkFields = Infer<typeof vlanUnder>;
export type RawRoute = Infer<typeof hostRoute>;
export type RawRule = Infer<typeof rule>;
