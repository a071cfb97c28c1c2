// Scenario A's `ip route get` table for its IPv6 VIP (the IPv6 twin of scenarios.ts's), and
// what the kernel tests of the dual-stack back-ends share.
import { BACKENDS } from '../../src/backends/index.js';
import type { BackendOptions } from '../../src/backends/types.js';
import { materialiseTree, type ExpectedAnswer, type KernelSession, type Probe, type TreeFile } from '../../src/kernel/index.js';
import type { Plan } from '../../src/plan/types.js';
import { planFilesLocated } from '../../src/pipeline.js';
import { renderFiles } from '../../src/render/index.js';
import { GATEWAY6, PRIMARY6, VIP6 } from '../helpers/dual-stack-plan.js';

/** A back-end's files for a Plan, as they are on disk after `render --root` into an empty tree. */
export function treeOf(backend: string, plan: Plan, options: BackendOptions = {}): TreeFile[] {
  const b = BACKENDS.find((x) => x.name === backend)!;
  return materialiseTree(renderFiles(planFilesLocated(b, plan, options, { locate: () => ({ file: plan.source, line: 1, col: 1 }) })), plan.source);
}

/** Every destination from the VIP while it is here: beyond the gateway, and both halves of the link. */
export const A6_VIP_UP: [Probe, ExpectedAnswer][] = [
  [{ to: '2001:db8:9::1' }, { via: GATEWAY6, dev: 'eth0', src: VIP6 }],
  ...[GATEWAY6, '2001:db8:3::7', '2001:db8:3:0:8000::7', '2001:db8:3::ffff:ffff:ffff'].map((to): [Probe, ExpectedAnswer] => [{ to }, { via: null, dev: 'eth0', src: VIP6 }]),
];

/** From the primary once the VIP is gone. */
export const A6_VIP_GONE: [Probe, ExpectedAnswer][] = [
  [{ to: '2001:db8:9::1' }, { via: GATEWAY6, dev: 'eth0', src: PRIMARY6 }],
  [{ to: GATEWAY6 }, { via: null, dev: 'eth0', src: PRIMARY6 }],
];

/** The host's global IPv6 addresses, `ADDR/LEN [deprecated]`, sorted. */
export function v6(s: KernelSession): string[] {
  return s
    .addresses()
    .filter((a) => a.family === 6)
    .map((a) => `${a.address}/${a.prefix}${a.deprecated ? ' deprecated' : ''}`)
    .sort();
}

/** Scenario A's two IPv6 addresses, the VIP deprecated. */
export const BOTH6 = [`${PRIMARY6}/64`, `${VIP6}/64 deprecated`].sort();
