// Synthetic hosts for the benchmark: deterministic by index, 2-4 interfaces, a VIP with
// the egress intent, VLANs, tables and per-source rules; and the nearest netplan YAML.

export interface SyntheticHost {
  name: string;
  yaml: string;
  ifaces: { name: string; address: string; gateway?: string; vlans: { id: number; address: string }[] }[];
  vip: string;
}

/** The i-th synthetic host. */
export function syntheticHost(i: number): SyntheticHost {
  const n = 2 + (i % 3);
  const a = (i >> 8) & 255;
  const b = i & 255;
  const ifaces: SyntheticHost['ifaces'] = [];
  for (let k = 0; k < n; k++) {
    const vlans = k === 1 ? [{ id: 100 + k, address: `10.${100 + k}.${b}.${10 + (a % 200)}/24` }] : [];
    ifaces.push({ name: `eth${k}`, address: `10.${k}.${b}.${10 + (a % 200)}/24`, ...(k === 0 ? { gateway: `10.0.${b}.1` } : {}), vlans });
  }
  const vip = `10.0.${b}.250`;
  const name = `host-${String(i).padStart(5, '0')}`;
  const lines = [`host: ${name}`, 'tables:'];
  ifaces.forEach((f, k) => lines.push(`  t${k}: ${10 + k}`));
  lines.push('interfaces:');
  ifaces.forEach((f, k) => {
    lines.push(`  ${f.name}:`, `    addresses: [${f.address}]`);
    if (f.gateway) lines.push(`    gateway: ${f.gateway}`);
    if (k === 0) lines.push('    aliases:', `      ${f.name}:1: { address: ${vip}/24 }`, `    egress: { prefer: ${vip} }`);
    if (k > 0) lines.push(`    source-routing: { table: t${k}, gateway: 10.${k}.${b}.1 }`);
    if (k > 0) lines.push('    routes:', `      - { to: 172.${16 + k}.0.0/16, via: 10.${k}.${b}.1, metric: 10 }`);
    if (f.vlans.length) {
      lines.push('    vlans:');
      for (const v of f.vlans) lines.push(`      ${v.id}: { addresses: [${v.address}] }`);
    }
  });
  return { name, yaml: lines.join('\n') + '\n', ifaces, vip };
}

/** The same host in netplan's words (as close as netplan can say it). */
export function netplanYaml(h: SyntheticHost): string {
  const out = ['network:', '  version: 2', '  renderer: networkd', '  ethernets:'];
  for (const [k, f] of h.ifaces.entries()) {
    out.push(`    ${f.name}:`, '      addresses:', `        - ${f.address}`);
    if (k === 0) out.push(`        - ${h.vip}/24`);
    out.push('      routes:');
    if (f.gateway) out.push(`        - { to: default, via: ${f.gateway}, from: ${h.vip}, metric: 1 }`);
    out.push(`        - { to: 172.${16 + k}.0.0/16, via: ${f.address.replace(/\.\d+\/24$/, '.1')}, metric: 10, table: ${10 + k} }`);
    out.push('      routing-policy:', `        - { from: ${f.address.replace(/\/24$/, '')}, table: ${10 + k} }`);
  }
  const vlans = h.ifaces.flatMap((f) => f.vlans.map((v) => ({ ...v, link: f.name })));
  if (vlans.length) {
    out.push('  vlans:');
    for (const v of vlans) out.push(`    ${v.link}.${v.id}:`, `      id: ${v.id}`, `      link: ${v.link}`, `      addresses: [${v.address}]`);
  }
  return out.join('\n') + '\n';
}

/** What one model dimension scales: each host has N of it and little else. */
export const DIMENSIONS = [
  'interfaces',
  'addresses',
  'ipv6-addresses',
  'aliases',
  'vlans',
  'routes',
  'host-routes',
  'rules',
  'tables',
  'source-routing',
  'expect',
  // Two dimensions at once, where one is looked through for each of the other.
  'expect-routes',
  'expect-rules',
  'expect-aliases',
  'expect-ipv6-routes',
  'expect-ipv6-rules',
  'expect-ipv6-addresses',
  'aliases-routes',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** What times a dimension: `verify` for the ones about `expect:` (render only carries it), else `render`. */
export function timedWith(dim: Dimension): 'verify' | 'render' {
  return dim.startsWith('expect') ? 'verify' : 'render';
}

/** The i-th distinct /24 network in 10.0.0.0/8 (i < 65536), as `10.a.b`. */
const net24 = (i: number) => `10.${(i >> 8) & 255}.${i & 255}`;
/** The i-th distinct address in 100.64.0.0/10 and beyond (i < 2^22). */
const addr = (i: number) => `${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
/** The i-th distinct address in 172.16.0.0/12 (i < 2^20): outside every route but the default. */
const far = (i: number) => `172.${16 + ((i + 1) >> 16)}.${((i + 1) >> 8) & 255}.${(i + 1) & 255}`;
/** The i-th distinct /64 in 2001:db8::/32, as `2001:db8:x` (i < 65535). */
const net64 = (i: number) => `2001:db8:${(i + 1).toString(16)}`;

/** One host with N of one dimension (bench/run.ts: linear, and under 1 s at 10,000). */
export function scaledHost(dim: Dimension, n: number): string {
  const l: string[] = [`host: scale-${dim}-${n}`];
  const eth0 = (extra: string[] = []) => ['interfaces:', '  eth0:', '    addresses: [10.0.0.1/16]', '    gateway: 10.0.0.254', ...extra];
  switch (dim) {
    case 'interfaces':
      l.push('interfaces:');
      for (let i = 0; i < n; i++) l.push(`  e${i}: { addresses: [${net24(i + 1)}.1/24] }`);
      break;
    case 'addresses':
      l.push('interfaces:', '  eth0:', '    addresses:');
      for (let i = 0; i < n; i++) l.push(`      - ${net24(i + 1)}.${1 + (i % 2)}/24`);
      break;
    case 'ipv6-addresses':
      // Distinct /64s, as a host's IPv6 addresses usually differ above their lowest 64 bits.
      l.push('interfaces:', '  eth0:', '    addresses:');
      for (let i = 0; i < n; i++) l.push(`      - 2001:db8:${(i + 1).toString(16)}::1/64`);
      break;
    case 'aliases':
      l.push(...eth0(['    aliases:']));
      for (let i = 0; i < n; i++) l.push(`      eth0:${i}: { address: ${addr(i)}.1/32 }`);
      break;
    case 'vlans':
      // VLAN ids are 1..4094 per parent: 4,000 VLANs on each of as many parents as needed.
      l.push('interfaces:');
      for (let p = 0; p * 4000 < n; p++) {
        l.push(`  eth${p}:`, '    vlans:');
        for (let v = 1; v <= Math.min(4000, n - p * 4000); v++) l.push(`      ${v}: { addresses: [${net24(p * 4000 + v)}.1/24] }`);
      }
      break;
    case 'routes':
      l.push(...eth0(['    routes:']));
      for (let i = 0; i < n; i++) l.push(`      - { to: ${addr(i)}.0/24, via: 10.0.0.254, metric: ${i % 7} }`);
      break;
    case 'host-routes':
      l.push(...eth0(), 'routes:');
      for (let i = 0; i < n; i++) l.push(`  - { to: ${addr(i)}.0/24, via: 10.0.0.254, dev: eth0 }`);
      break;
    case 'rules':
      l.push('tables: { t1: 100 }', ...eth0(['    routing-policy:']));
      for (let i = 0; i < n; i++) l.push(`      - { from: ${addr(i)}.0/24, table: t1 }`);
      break;
    case 'tables':
      l.push('tables:');
      for (let i = 0; i < n; i++) l.push(`  t${i}: ${i % 2 ? 'auto' : 1000 + i}`);
      l.push(...eth0());
      break;
    case 'source-routing':
      // Every interface with its own table and per-source rule.
      l.push('tables:');
      for (let i = 0; i < n; i++) l.push(`  s${i}: auto`);
      l.push('interfaces:');
      for (let i = 0; i < n; i++) l.push(`  e${i}: { addresses: [${net24(i + 1)}.1/24], source-routing: { table: s${i}, gateway: ${net24(i + 1)}.254 } }`);
      break;
    case 'expect':
      l.push(...eth0(), 'expect:');
      for (let i = 0; i < n; i++) l.push(`  - { to: ${addr(i)}.1, via: 10.0.0.254, dev: eth0, src: 10.0.0.1 }`);
      break;
    case 'expect-routes':
      // Each lookup finds its own /24 among N.
      l.push(...eth0(['    routes:']));
      for (let i = 0; i < n; i++) l.push(`      - { to: ${addr(i)}.0/24, via: 10.0.0.254, metric: ${i % 7} }`);
      l.push('expect:');
      for (let i = 0; i < n; i++) l.push(`  - { to: ${addr(i)}.1, via: 10.0.0.254, dev: eth0, src: 10.0.0.1 }`);
      break;
    case 'expect-rules':
      // No rule matches a lookup without source: each lookup passes all N (and again for connect()'s source).
      l.push('tables: { t1: 100 }', ...eth0(['    routing-policy:']));
      for (let i = 0; i < n; i++) l.push(`      - { from: ${addr(i)}.0/24, table: t1 }`);
      l.push('expect:');
      for (let i = 0; i < n; i++) l.push(`  - { to: ${far(i)}, via: 10.0.0.254, dev: eth0, src: 10.0.0.1 }`);
      break;
    case 'expect-aliases':
      // N local routes (one per /32) beside the default route every lookup takes.
      l.push(...eth0(['    aliases:']));
      for (let i = 0; i < n; i++) l.push(`      eth0:${i}: { address: ${addr(i)}.1/32 }`);
      l.push('expect:');
      for (let i = 0; i < n; i++) l.push(`  - { to: ${far(i)}, via: 10.0.0.254, dev: eth0, src: 10.0.0.1 }`);
      break;
    case 'expect-ipv6-routes':
      l.push('interfaces:', '  eth0:', '    addresses: [2001:db8::1/64]', "    gateway: '2001:db8::fe'", '    routes:');
      for (let i = 0; i < n; i++) l.push(`      - { to: '${net64(i)}::/64', via: '2001:db8::fe', metric: ${1 + (i % 7)} }`);
      l.push('expect:');
      for (let i = 0; i < n; i++) l.push(`  - { to: '${net64(i)}::1', via: '2001:db8::fe', dev: eth0, src: '2001:db8::1' }`);
      break;
    case 'expect-ipv6-rules':
      l.push('tables: { t1: 100 }', 'interfaces:', '  eth0:', '    addresses: [2001:db8::1/64]', "    gateway: '2001:db8::fe'", '    routing-policy:');
      for (let i = 0; i < n; i++) l.push(`      - { from: '${net64(i)}::/64', table: t1 }`);
      l.push('expect:');
      for (let i = 0; i < n; i++) l.push(`  - { to: '2001:db9:${(i + 1).toString(16)}::1', via: '2001:db8::fe', dev: eth0, src: '2001:db8::1' }`);
      break;
    case 'expect-ipv6-addresses':
      // N addresses, each its own /64: N local and N prefix routes, N source candidates.
      l.push('interfaces:', '  eth0:', '    addresses:', "      - '2001:db8::1/64'");
      for (let i = 0; i < n; i++) l.push(`      - '${net64(i)}::1/64'`);
      l.push("    gateway: '2001:db8::fe'", 'expect:');
      for (let i = 0; i < n; i++) l.push(`  - { to: '2001:db9:${(i + 1).toString(16)}::1', via: '2001:db8::fe', dev: eth0 }`);
      break;
    case 'aliases-routes':
      // Every route's gateway checked against the link's addresses.
      l.push(...eth0(['    aliases:']));
      for (let i = 0; i < n; i++) l.push(`      eth0:${i}: { address: ${addr(i)}.1/32 }`);
      l.push('    routes:');
      for (let i = 0; i < n; i++) l.push(`      - { to: ${addr(i + n)}.0/24, via: 10.0.0.254 }`);
      break;
  }
  return l.join('\n') + '\n';
}
