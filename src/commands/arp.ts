// `netgen arp who-has ADDR --on DEV`: would DEV answer an ARP request for ADDR? From the
// model alone, under the ARP and reverse-path settings netgen writes for it.
import { NetgenError } from '../errors.js';
import { planModelFile } from '../pipeline.js';
import { defaultArpSender, explainArp, formatArp, simulateArp } from '../simulate/index.js';
import { checkAddresses, checkDevice, checkSteps, parseSysctlOverrides } from './route.js';
import type { FailoverStep } from '../plan/types.js';

export interface ArpWhoHasArgs {
  address: string;
  on: string;
  from?: string;
  /** --down, --up and --add in the order given on the command line. */
  steps?: FailoverStep[];
  sysctl?: string[];
  model: string;
  json?: boolean;
  explain?: boolean;
}

export function runArpWhoHas(a: ArpWhoHasArgs, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): void {
  const steps = a.steps ?? [];
  checkAddresses([['address', a.address], ['--from', a.from], ...steps.map((s) => [`--${s.op}`, s.address] as const)]);
  const overrides = parseSysctlOverrides(a.sysctl);
  const plan = planModelFile(a.model);
  checkSteps(plan, steps);
  checkDevice(plan, '--on', a.on);
  const sender = a.from ?? defaultArpSender(plan, a.address, a.on);
  if (sender === undefined) throw new NetgenError('usage', `${a.address} is in no subnet of ${plan.host}, so there is no asker to assume: give one with --from`);
  const answer = simulateArp(plan, { target: a.address, on: a.on, sender, steps, sysctl: overrides });
  if (a.json) {
    out(JSON.stringify(answer, null, 2));
    return;
  }
  out(formatArp(answer));
  if (a.explain) for (const line of explainArp(answer)) out(`  ${line}`);
}
