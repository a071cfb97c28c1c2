// The files of the cluster tools that move VIPs: keepalived's vrrp_instance blocks and
// Pacemaker's resources. Every back-end renders them the same way from the Plan: they do
// not depend on the distro, only on which routes and rules follow which VIP (decided in
// src/plan/compile.ts). What keepalived and the OCF agents do with them: consumers.md,
// "Failover done by cluster tooling".
import { NetgenError } from '../errors.js';
import type { Plan, PlanAddress, PlanRoute, PlanRule } from '../plan/types.js';
import type { FileSpec, Prunable } from './types.js';

export const KEEPALIVED_CONF_PATH = 'etc/keepalived/netgen.conf';
export const PACEMAKER_SCRIPT_PATH = 'etc/netgen/pacemaker-resources.sh';

/** The cluster files as `--prune` sees them: stale once the model no longer names a cluster tool. */
export const CLUSTER_PRUNABLE: readonly Prunable[] = [KEEPALIVED_CONF_PATH, PACEMAKER_SCRIPT_PATH].map((p) => {
  const i = p.lastIndexOf('/');
  return { dir: p.slice(0, i), name: (n: string) => n === p.slice(i + 1) };
});

/**
 * keepalived reads its configuration as words separated by blanks, `#` and `!` starting
 * comments, braces as blocks; pcs arguments are shell words. Our grammars only produce
 * these characters, so anything else is a bug upstream.
 */
const SAFE_WORD = /^[A-Za-z0-9_.:/-]+$/;
/** A pcs argument `name=value`: `=` is a plain character to the shell. */
const SAFE_PARAM = /^[a-z_]+=[A-Za-z0-9_.:/-]+$/;

function words(ws: readonly (string | number)[], where: string): string {
  for (const w of ws) {
    if (!SAFE_WORD.test(String(w)) && !SAFE_PARAM.test(String(w))) {
      throw new NetgenError('internal', `${where}: refusing to write ${JSON.stringify(String(w))} (only letters, digits and _ . : / - are expected here)`);
    }
  }
  return ws.join(' ');
}

/** `default` as a prefix of the route's family: keepalived and the Route agent take the family from it. */
function defaultOf(r: PlanRoute): string {
  if (r.to !== 'default') return r.to;
  return r.family === 6 ? '::/0' : '0.0.0.0/0';
}

/** A route as keepalived's virtual_routes reads it (the options of `ip route add`, `src` first, `0.0.0.0/0` or `::/0` for default). */
export function formatKeepalivedRoute(r: PlanRoute): string {
  const w: (string | number)[] = [];
  if (r.src !== undefined) w.push('src', r.src);
  w.push('to', defaultOf(r));
  if (r.via !== undefined) w.push('via', r.via);
  w.push('dev', r.dev);
  if (r.scope !== undefined) w.push('scope', r.scope);
  if (r.proto !== undefined) w.push('protocol', r.proto);
  w.push('metric', r.metric);
  if (r.table !== 'main') w.push('table', r.table);
  if (r.onlink) w.push('onlink');
  return words(w, `keepalived route ${r.to} on ${r.dev}`);
}

/** A rule as keepalived's virtual_rules reads it; the priority is always explicit. */
export function formatKeepalivedRule(r: PlanRule): string {
  const w: (string | number)[] = ['from', r.from ?? 'all'];
  if (r.to !== undefined) w.push('to', r.to);
  w.push('table', r.table, 'priority', r.priority);
  return words(w, `keepalived rule ${r.priority}`);
}

/** The `pcs resource create` arguments of one Route resource (destination, device, gateway, source, table: all the agent has). */
function routeParams(r: PlanRoute): string[] {
  const w: string[] = [`destination=${defaultOf(r)}`, `device=${r.dev}`];
  if (r.via !== undefined) w.push(`gateway=${r.via}`);
  if (r.src !== undefined) w.push(`source=${r.src}`);
  if (r.table !== 'main') w.push(`table=${r.table}`);
  if (r.onlink) throw new NetgenError('internal', `pacemaker: route ${r.to} on ${r.dev} needs onlink, which ocf:heartbeat:Route cannot express`);
  return w;
}

/** A VIP line of virtual_ipaddress(_excluded): the label for IPv4, `preferred_lft 0` for a deprecated IPv6 VIP. */
function keepalivedAddress(a: PlanAddress): string {
  const w: (string | number)[] = [`${a.address}/${a.prefix}`, 'dev', a.device];
  if (a.family === 4 && a.label !== undefined) w.push('label', a.label);
  if (a.family === 6 && a.deprecated) w.push('preferred_lft', 0);
  return words(w, `keepalived address ${a.address}`);
}

function keepalivedFile(plan: Plan): FileSpec | undefined {
  if (plan.vrrpInstances.length === 0) return undefined;
  const instances = plan.vrrpInstances.map((inst) => {
    const vips = new Set(inst.addresses);
    const follows = (x: { appliedBy: string; dependsOn?: string }): boolean => x.appliedBy === 'keepalived' && x.dependsOn !== undefined && vips.has(x.dependsOn);
    const mine = plan.addresses.filter((a) => vips.has(a.address));
    // An instance speaks VRRP in one family, the family of its virtual_ipaddress: keepalived
    // ignores a VIP of the other family there ("address family must match VRRP instance").
    // The other family's VIPs go to virtual_ipaddress_excluded, which it adds and removes
    // with the same state changes without announcing them. IPv4 leads when there is any.
    const family = mine.some((a) => a.family === 4) ? 4 : 6;
    const addresses = mine.filter((a) => a.family === family).map(keepalivedAddress);
    const excluded = mine.filter((a) => a.family !== family).map(keepalivedAddress);
    return {
      name: words([inst.name], 'vrrp_instance name'),
      state: inst.state,
      interface: words([inst.interface], `interface of ${inst.name}`),
      routerId: inst.routerId,
      priority: inst.priority,
      advertInt: inst.advertInt,
      unicastPeers: inst.unicastPeers.map((p) => words([p], `unicast peer of ${inst.name}`)),
      addresses,
      excluded,
      routes: plan.routes.filter(follows).map(formatKeepalivedRoute),
      rules: plan.rules.filter(follows).map(formatKeepalivedRule),
    };
  });
  return { path: KEEPALIVED_CONF_PATH, mode: 0o644, owner: { kind: 'whole' }, template: 'cluster/keepalived.conf', context: { source: plan.source, instances } };
}

/** What `ip route add` gives a route without a metric, which is all ocf:heartbeat:Route can add. */
const ROUTE_AGENT_METRIC = { 4: 0, 6: 1024 } as const;

/**
 * ocf:heartbeat:Route takes no metric: its route gets `ip route add`'s own, 0 for IPv4 and
 * 1024 for IPv6. compile gives Pacemaker's routes exactly that metric (and the validator
 * refuses a fallback that would then win), so a route with another one cannot be spelt.
 */
function checkRouteMetric(r: PlanRoute): void {
  const got = ROUTE_AGENT_METRIC[r.family];
  if (r.metric === got) return;
  throw new NetgenError('internal', `pacemaker: the route ${r.to} from ${r.src ?? r.dev} has metric ${r.metric}, but ocf:heartbeat:Route takes no metric and adds it with ${got}`);
}

function pacemakerFile(plan: Plan): FileSpec | undefined {
  if (plan.pacemakerGroups.length === 0) return undefined;
  const groups = plan.pacemakerGroups.map((g) => {
    const vips = new Set(g.addresses);
    const resources: string[] = [];
    for (const a of plan.addresses.filter((x) => vips.has(x.address))) {
      const params = [`ip=${a.address}`, `cidr_netmask=${a.prefix}`, `nic=${a.device}`];
      // IPaddr2 labels the address <nic>:<iflabel> (IPv4: the kernel keeps no IPv6 label).
      if (a.family === 4 && a.label !== undefined) params.push(`iflabel=${a.label.slice(a.device.length + 1)}`);
      // For IPv6 it adds `preferred_lft forever` unless told otherwise.
      if (a.family === 6 && a.deprecated) params.push('preferred_lft=0');
      // A pcs id is an XML id: no colons.
      resources.push(words([`${g.prefix}-vip-${a.address.replace(/:/g, '-')}`, 'ocf:heartbeat:IPaddr2', ...params, '--group', g.name], `pacemaker VIP ${a.address}`));
    }
    const routes = plan.routes.filter((r) => r.appliedBy === 'pacemaker' && r.dependsOn !== undefined && vips.has(r.dependsOn));
    for (const r of routes) checkRouteMetric(r);
    routes.forEach((r, i) => resources.push(words([`${g.prefix}-route-${i + 1}`, 'ocf:heartbeat:Route', ...routeParams(r), '--group', g.name], `pacemaker route ${r.to}`)));
    return { name: g.name, resources };
  });
  const ipv6 = plan.routes.some((r) => r.appliedBy === 'pacemaker' && r.family === 6);
  return { path: PACEMAKER_SCRIPT_PATH, mode: 0o755, owner: { kind: 'whole' }, template: 'cluster/pacemaker-resources.sh', context: { source: plan.source, groups, ipv6 } };
}

/** keepalived's and Pacemaker's files for the Plan's managed VIPs (none without them). */
export function planClusterFiles(plan: Plan): FileSpec[] {
  return [keepalivedFile(plan), pacemakerFile(plan)].filter((f): f is FileSpec => f !== undefined);
}
