// The two scenarios' `ip route get` tables (design/scenarios.md), and the cases that must
// meet them: the hand-written seed trees and every back-end's rendering of the examples.
import { join } from 'node:path';
import { expect } from 'vitest';
import { BACKENDS } from '../../src/backends/index.js';
import type { BackendOptions } from '../../src/backends/types.js';
import { loadModel } from '../../src/model/index.js';
import { compilePlan } from '../../src/plan/compile.js';
import { renderFiles } from '../../src/render/index.js';
import {
  compareAnswer,
  consumersOf,
  generationOf,
  materialiseTree,
  readTreeFromDir,
  type ApplyReport,
  type Consumer,
  type ExpectedAnswer,
  type KernelAddressHint,
  type KernelLink,
  type KernelSession,
  type Probe,
  type TreeFile,
} from '../../src/kernel/index.js';
import { REPO } from '../helpers/repo.js';

export const FIXTURES = join(REPO, 'test', 'fixtures', 'kernel');

export interface KernelCase {
  name: string;
  consumer: Consumer;
  links: KernelLink[];
  hints: KernelAddressHint[];
  tree: () => TreeFile[];
  /** Scenario A: the model (or the fixture's files) says the VIP comes up at boot (on-parent). */
  vipAtBoot?: boolean;
}

// ---- Scenario A: the VIP is the egress source ----
export const VIP = '172.16.3.105';
export const PRIMARY = '172.16.3.111';

export const A_VIP_UP: [Probe, ExpectedAnswer][] = [
  [{ to: '192.168.1.1' }, { via: '172.16.3.1', dev: 'eth0', src: VIP }],
  ...['172.16.3.1', '172.16.3.0', '172.16.3.127', '172.16.3.128'].map((to): [Probe, ExpectedAnswer] => [{ to }, { via: null, dev: 'eth0', src: VIP }]),
];
export const A_VIP_GONE: [Probe, ExpectedAnswer][] = [
  [{ to: '192.168.1.1' }, { via: '172.16.3.1', dev: 'eth0', src: PRIMARY }],
  [{ to: '172.16.3.1' }, { via: null, dev: 'eth0', src: PRIMARY }],
];

// ---- Scenario B: per-source tables ----
export const B_PROBES: [Probe, ExpectedAnswer][] = [
  [{ to: '8.8.8.8', from: '1.2.3.17' }, { dev: 'eth1.10', via: '1.2.3.3' }],
  [{ to: '8.8.8.8', from: '1.2.3.16' }, { dev: 'eth0.10', via: '1.2.3.2' }],
  [{ to: '10.9.9.9', from: '10.1.1.17' }, { via: '10.1.1.1', dev: 'eth1.11' }],
  [{ to: '8.8.8.8' }, { via: '1.2.3.1', dev: 'eth0.10' }],
];
export const B_RULES = [
  { from: '1.2.3.16', table: 'e0v10' },
  { from: '10.1.1.16', table: 'e0v11' },
  { from: '1.2.3.17', table: 'e1v10' },
  { from: '10.1.1.17', table: 'e1v11' },
];

export const A_LINKS: KernelLink[] = [{ name: 'eth0', kind: 'ethernet', mtu: 1500, mac: 'b8:ca:3a:6d:fe:b0' }];
export const B_LINKS: KernelLink[] = [
  { name: 'eth0', kind: 'ethernet' },
  { name: 'eth1', kind: 'ethernet' },
  { name: 'eth0.10', kind: 'vlan', parent: 'eth0', vlanId: 10 },
  { name: 'eth0.11', kind: 'vlan', parent: 'eth0', vlanId: 11 },
  { name: 'eth1.10', kind: 'vlan', parent: 'eth1', vlanId: 10 },
  { name: 'eth1.11', kind: 'vlan', parent: 'eth1', vlanId: 11 },
];

function fixture(name: string, consumer: Consumer, links: KernelLink[], vipAtBoot?: boolean): KernelCase {
  const c: KernelCase = { name: `seed fixture ${name}`, consumer, links, hints: [], tree: () => readTreeFromDir(join(FIXTURES, name)) };
  if (vipAtBoot !== undefined) c.vipAtBoot = vipAtBoot;
  return c;
}

export const A_FIXTURES: KernelCase[] = [
  // As their files say: ONPARENT=yes, ONPARENT=no, the VIP in config_eth0.
  fixture('scenario-a-rhel6', 'rhel6', A_LINKS, true),
  fixture('scenario-a-rhel6-onparent-no', 'rhel6', A_LINKS, false),
  fixture('scenario-a-gentoo', 'gentoo', A_LINKS, true),
];
export const B_FIXTURES: KernelCase[] = [
  fixture('scenario-b-gentoo-legacy', 'gentoo-legacy', B_LINKS),
  fixture('scenario-b-gentoo', 'gentoo', B_LINKS),
  fixture('scenario-b-gentoo-local-d', 'gentoo', B_LINKS),
];

/** One case per back-end (per Gentoo rule spelling, per consumer of its files) rendering an example model. */
export function renderedCases(example: string): KernelCase[] {
  const modelPath = join(REPO, 'examples', example, 'netgen.yaml');
  const shown = `examples/${example}/netgen.yaml`;
  const out: KernelCase[] = [];
  for (const backend of BACKENDS) {
    const variants: [string, BackendOptions][] = backend.name === 'gentoo' ? [['', {}], [' (native rules_)', { gentooRules: 'native' }]] : [['', {}]];
    for (const [suffix, options] of variants) {
      for (const consumer of consumersOf(backend.name)) {
        const plan = compilePlan(loadModel(modelPath, shown));
        const generation = generationOf(consumer);
        const c: KernelCase = {
          name: `${example} rendered for ${backend.name}${suffix}${generation === undefined ? '' : ` on ${generation}`}`,
          consumer,
          links: plan.links,
          hints: plan.addresses,
          tree: () => materialiseTree(renderFiles(backend.planFiles(plan, options)), plan.source),
        };
        // The model's words: an alias with on-parent comes up at boot.
        const vip = plan.addresses.find((a) => a.address === VIP);
        if (vip !== undefined) c.vipAtBoot = vip.onParent;
        out.push(c);
      }
    }
  }
  return out;
}

/** Fail with every failed command and problem listed, not just a count. */
export function expectClean(report: ApplyReport, what: string): void {
  const lines = [
    ...report.problems.map((p) => `problem: ${p}`),
    ...report.limits.map((l) => `limit: ${l}`),
    ...report.failed.map((c) => `failed: ${c.origin}: ${c.argv.join(' ')} -> ${c.stderr.trim() || `exit ${c.status}`}`),
  ];
  expect(lines, `${what} should run cleanly`).toEqual([]);
}

/** Probe each row; collect every mismatch so one run shows the whole table. */
export function expectTable(s: KernelSession, rows: [Probe, ExpectedAnswer][], state: string): void {
  const bad: string[] = [];
  const answers = s.probeAll(rows.map(([probe]) => probe));
  for (const [i, [probe, want]] of rows.entries()) {
    const got = answers[i]!;
    const diff = compareAnswer(got, want);
    if (diff.length > 0) bad.push(`${state}: ip route get ${probe.to}${probe.from ? ` from ${probe.from}` : ''}: ${diff.join('; ')} [${got.raw.split('\n')[0]}]`);
  }
  expect(bad, `routing table:\n${s.routes().join('\n')}`).toEqual([]);
}
