// `netgen route get DEST`: what the kernel would answer, computed from the model alone.
import { NetgenError } from '../errors.js';
import { parseIPv4 } from '../net/ipv4.js';
import { planModelFile } from '../pipeline.js';
import { explainRouteGet, formatRouteGet, simulateRouteGet } from '../simulate/index.js';

export interface RouteGetArgs {
  dest: string;
  from?: string;
  down?: string[];
  model: string;
  json?: boolean;
  explain?: boolean;
}

export function runRouteGet(a: RouteGetArgs, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): void {
  for (const [what, value] of [['destination', a.dest], ['--from', a.from], ...(a.down ?? []).map((d) => ['--down', d] as const)] as const) {
    if (value !== undefined && parseIPv4(value) === undefined) throw new NetgenError('usage', `${what} ${value} is not an IPv4 address`);
  }
  const plan = planModelFile(a.model);
  const hostAddrs = new Set(plan.addresses.map((x) => x.address));
  for (const d of a.down ?? []) {
    if (!hostAddrs.has(d)) throw new NetgenError('usage', `--down ${d} is not an address of ${plan.host}`);
  }
  const query: Parameters<typeof simulateRouteGet>[1] = { to: a.dest, down: a.down ?? [] };
  if (a.from !== undefined) query.from = a.from;
  const answer = simulateRouteGet(plan, query);
  if (a.json) {
    out(JSON.stringify(answer, null, 2));
    return;
  }
  out(formatRouteGet(answer));
  if (a.explain) for (const line of explainRouteGet(answer)) out(`  ${line}`);
}
