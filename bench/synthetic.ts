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
