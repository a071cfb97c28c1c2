// Printing answers the way iproute2 prints them, and explaining them in words.
//
// `ip route get` word order, as iproute2 6.1 printed it on Linux 6.18:
//   192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.105 uid 0
//   8.8.8.8 from 1.2.3.17 via 1.2.3.3 dev eth1.10 table e1v10 uid 0
//   10.60.1.1 via 10.9.0.1 dev eth1 table 9 src 10.9.0.5 uid 0
//   local 172.16.3.111 from 172.16.3.105 dev lo table local uid 0
//   broadcast 172.16.3.255 dev eth0 table local src 172.16.3.111 uid 0
// i.e. [type] DEST [from S] [via G] dev D [table T] [src P]; the type only when not
// unicast; `src` only when no `from` was given (the kernel reports a preferred source only
// when it differs from the requested one); `table` only when not main. We leave out
// `uid 0` and the `cache` line.
import { formatIPv6LikeIp, parseIPv6 } from '../net/ipv6.js';
import type { FailoverStep, PlanRoute } from '../plan/types.js';
import type { KernelRoute6, RouteAnswer, RouteFound, SimRoute, SimRule } from './types.js';

/** The one line `ip route get` prints (stdout, or the error it prints on stderr). */
export function formatRouteGet(answer: RouteAnswer): string {
  if (!answer.ok) return answer.error;
  if (answer.family === 6) return formatRouteGet6(answer);
  const words: string[] = [];
  if (answer.type !== 'unicast') words.push(answer.type);
  words.push(answer.dest);
  if (answer.from !== undefined) words.push('from', answer.from);
  if (answer.via !== undefined) words.push('via', answer.via);
  words.push('dev', answer.dev);
  if (answer.kernelTable !== 'main') words.push('table', answer.kernelTable);
  if (answer.from === undefined && answer.src !== undefined) words.push('src', answer.src);
  return words.join(' ');
}

/**
 * `ip -6 route get` word order, as iproute2 6.1 printed it on Linux 6.18:
 *   2001:db8:7::1 from :: via 2001:db8:3::1 dev eth0 src 2001:db8:3::105 metric 1024 pref medium
 *   2001:db8:99::1 from 2001:db8:3::105 via 2001:db8:7::1 dev eth1 table 100 src 2001:db8:7::5 metric 1024 pref medium
 *   local 2001:db8:3::111 from :: dev lo table local proto kernel src 2001:db8:3::111 metric 0 pref medium
 * i.e. [type] DEST from S|:: [via G] dev D [table T] [proto P] [src P] metric M pref medium;
 * `src` also with `from` (the kernel reports the route's preferred source, not the given
 * one), `proto` unless boot (what `ip route add` gives a route without one), no `uid` or
 * `cache` line. Addresses as `ip` spells them (formatIPv6LikeIp).
 */
function formatRouteGet6(answer: RouteFound): string {
  const words: string[] = [];
  if (answer.type !== 'unicast') words.push(answer.type);
  words.push(likeIp(answer.dest), 'from', answer.from === undefined ? '::' : likeIp(answer.from));
  if (answer.via !== undefined) words.push('via', answer.via);
  words.push('dev', answer.dev);
  if (answer.kernelTable !== 'main') words.push('table', answer.kernelTable);
  if (answer.proto !== undefined && answer.proto !== 'boot') words.push('proto', answer.proto);
  if (answer.src !== undefined) words.push('src', answer.src);
  words.push('metric', String(answer.metric ?? 1024), 'pref', 'medium');
  return words.join(' ');
}

function likeIp(text: string): string {
  const v = parseIPv6(text);
  return v === undefined ? text : formatIPv6LikeIp(v);
}

/** A route as `ip route show table all` (`ip -6 route show table all` for IPv6) would list it. */
export function describeRoute(route: SimRoute): string {
  if (route.origin === 'kernel' && route.family === 6) return describeKernel6(route);
  if (route.origin !== 'kernel' && route.family === 6) return describeRoute6(route);
  const dst = route.to.endsWith('/32') ? route.to.slice(0, -3) : route.to;
  const words: string[] = [];
  if (route.origin === 'kernel') {
    if (route.type !== 'unicast') words.push(route.type);
    words.push(dst, 'dev', route.dev);
    if (route.table !== 'main') words.push('table', route.table);
    words.push('proto', 'kernel', 'scope', route.scope, 'src', route.src);
    return words.join(' ');
  }
  words.push(dst);
  if (route.via !== undefined) words.push('via', route.via);
  words.push('dev', route.dev);
  if (route.table !== 'main') words.push('table', route.table);
  if (route.proto !== undefined) words.push('proto', route.proto);
  if (route.scope !== undefined) words.push('scope', route.scope);
  if (route.src !== undefined) words.push('src', route.src);
  if (route.metric !== 0) words.push('metric', String(route.metric));
  if (route.onlink) words.push('onlink');
  return words.join(' ');
}

function describeKernel6(route: KernelRoute6): string {
  const words: string[] = [];
  if (route.type !== 'unicast') words.push(route.type);
  words.push(route.to.endsWith('/128') ? route.to.slice(0, -4) : route.to, 'dev', route.dev);
  if (route.table !== 'main') words.push('table', route.table);
  words.push('proto', 'kernel', 'metric', String(route.metric));
  return words.join(' ');
}

/** An IPv6 Plan route as `ip -6 route show` lists it once added (a metric 0 is stored as 1024). */
function describeRoute6(route: PlanRoute): string {
  const words: string[] = [route.to.endsWith('/128') ? route.to.slice(0, -4) : route.to];
  if (route.via !== undefined) words.push('via', route.via);
  words.push('dev', route.dev);
  if (route.table !== 'main') words.push('table', route.table);
  if (route.proto !== undefined && route.proto !== 'boot') words.push('proto', route.proto);
  if (route.src !== undefined) words.push('src', route.src);
  words.push('metric', String(route.metric === 0 ? 1024 : route.metric));
  if (route.onlink) words.push('onlink');
  return words.join(' ');
}

/** A rule as `ip rule` lists it. */
export function describeRule(rule: SimRule): string {
  const from = rule.origin === 'kernel' ? 'all' : (rule.from ?? 'all');
  const to = rule.origin === 'kernel' || rule.to === undefined ? '' : ` to ${rule.to}`;
  return `${rule.priority}: from ${from}${to} lookup ${rule.table}`;
}

const ORIGINS: Record<Exclude<SimRoute['origin'], 'kernel'>, string> = {
  static: 'a route of the model',
  gateway: "the interface's gateway",
  'egress-fallback': 'VIP egress: the fallback default from the primary address',
  'egress-split': 'VIP egress: one half of the connected subnet, from the VIP',
  'egress-preferred': 'VIP egress: the preferred default from the VIP',
  'egress-route-preferred': "VIP egress: the interface's own route, from the VIP",
  'egress-route-fallback': "VIP egress: the interface's own route, the fallback from the primary address",
  'source-table': "per-source routing: a route of the interface's own table",
};

function origin(route: SimRoute): string {
  if (route.origin === 'kernel') return `made by the kernel for ${route.address ?? route.dev}`;
  return ORIGINS[route.origin];
}

/** Which rule and route decided, which routes lost and why, what was missing, caveats. */
export function explainRouteGet(answer: RouteAnswer): string[] {
  const ip = answer.family === 6 ? 'ip -6 route get' : 'ip route get';
  const lines = [`${ip} ${answer.dest}${answer.from === undefined ? '' : ` from ${answer.from}`}`, `  => ${formatRouteGet(answer)}`];
  for (const step of answer.trace) lines.push(`  rule ${describeRule(step.rule)}: ${step.outcome}`);
  if (answer.ok) {
    lines.push(`  decided by rule ${describeRule(answer.rule)}`);
    lines.push(`  route: ${describeRoute(answer.route)} (${origin(answer.route)})`);
    if (answer.family === 6) lines.push(`  source ${answer.src ?? '(none the model can spell)'}: ${answer.srcWhy}`);
    else if (answer.src !== undefined) lines.push(`  src ${answer.src}: ${answer.srcWhy}`);
    for (const l of answer.losers) lines.push(`  lost: ${describeRoute(l.route)}: ${l.why}`);
  } else {
    lines.push(`  ${answer.why}`);
  }
  for (const m of answer.missing) lines.push(`  not in the kernel: ${describeRoute(m.route)}: ${m.why}`);
  for (const n of answer.notes) lines.push(`  note: ${n}`);
  return lines;
}

/**
 * Failover events in words, for the lookup column: `172.16.3.105 down` for the `down:`
 * shorthand (several: `a, b down`), else each event in order: `172.16.3.105 down, then up`.
 */
export function describeSteps(steps: readonly FailoverStep[]): string {
  if (steps.length === 0) return '';
  if (steps.every((s) => s.op === 'down')) return `${steps.map((s) => s.address).join(', ')} down`;
  const words = { down: 'down', up: 'up by its manager', add: 'added alone' } as const;
  let last = '';
  return steps
    .map((s) => {
      const text = s.address === last ? words[s.op] : `${s.address} ${words[s.op]}`;
      last = s.address;
      return text;
    })
    .join(', then ');
}
