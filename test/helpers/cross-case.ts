// One random case of the simulator-vs-kernel property test: a generated model, the variant
// (back-end) it is rendered for, its probes, the alias to take away. Kept apart from the test
// file so the same check can be driven from a script with other generator options.
import fc from 'fast-check';
import { NetgenError } from '../../src/errors.js';
import { withKernelSession, type ApplyReport, type KernelSession, type TreeFile } from '../../src/kernel/index.js';
import { parseModel } from '../../src/model/index.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parseCidr } from '../../src/net/ipv4.js';
import type { Plan } from '../../src/plan/types.js';
import type { StateOptions } from '../../src/simulate/index.js';
import { connectedSubnets, crossCheck, crossCheckInbound, disagreementTable, inboundProbes, kernelState, renderVariant, showKernel, showProbe, VARIANTS, type Disagreement, type Variant } from './probes.js';
import { INTENT_KINDS, intentChecks, intentMismatch, modelWords, showExpectation, type IntentKind } from './intents.js';
import { buildModel, modelFeatures, modelSpec, probeSpec, resolveProbe, type BuildOptions, type ModelSpec, type ProbeSpec, type ProbeTargets } from './random-model.js';

export interface Case {
  model: ModelSpec;
  variant: number;
  probes: ProbeSpec[];
  alias: number;
}

export const caseArb: fc.Arbitrary<Case> = fc.record({
  model: modelSpec,
  variant: fc.nat(VARIANTS.length - 1),
  probes: fc.array(probeSpec, { minLength: 8, maxLength: 12 }),
  alias: fc.nat(7),
});

export interface CaseStats {
  models: number;
  probes: number;
  skipped: number;
  withAlias: number;
  /** Harness problems at boot (a file the consumer could not read as meant), with the variant. */
  bootProblems: string[];
  validatorRefused: string[];
  backendRefused: Map<string, number>;
  byVariant: Map<string, number>;
  /** Intent invariants (test/helpers/intents.ts): checked against the kernel, and stood aside, by kind. */
  intentChecked: Map<IntentKind, number>;
  intentSkipped: Map<IntentKind, number>;
  /** Commands a consumer ran at boot that failed, with the variant (a model the consumers refuse). */
  bootFailed: string[];
  /** How many models had each feature (random-model.ts FEATURES). */
  features: Map<string, number>;
}

export function newStats(): CaseStats {
  return {
    models: 0,
    probes: 0,
    skipped: 0,
    withAlias: 0,
    bootProblems: [],
    validatorRefused: [],
    backendRefused: new Map(),
    byVariant: new Map(),
    intentChecked: new Map(),
    intentSkipped: new Map(),
    bootFailed: [],
    features: new Map(),
  };
}

export function summary(stats: CaseStats): string {
  const refused = [...stats.backendRefused.values()].reduce((x, y) => x + y, 0);
  return (
    `${stats.models} models in the kernel (${[...stats.byVariant].map(([k, n]) => `${k} ${n}`).join(', ')}), ` +
    `${stats.probes} probes compared (${stats.skipped} unsupported skipped), ${stats.withAlias} with an alias down/up; ` +
    `refused: validator ${stats.validatorRefused.length}, back-ends ${refused}; boot problems ${stats.bootProblems.length}, failed commands ${stats.bootFailed.length}; ` +
    `intents checked ${INTENT_KINDS.map((k) => `${k} ${stats.intentChecked.get(k) ?? 0}/${(stats.intentChecked.get(k) ?? 0) + (stats.intentSkipped.get(k) ?? 0)}`).join(', ')}`
  );
}

interface IntentBreach {
  state: string;
  intent: string;
  probe: string;
  expected: string;
  kernel: string;
}

function breachTable(rows: readonly IntentBreach[]): string {
  const head: IntentBreach = { state: 'state', intent: 'intent (model words)', probe: 'probe', expected: 'promised', kernel: 'kernel' };
  const cols = ['state', 'intent', 'probe', 'expected', 'kernel'] as const;
  const width = cols.map((c) => Math.max(...[head, ...rows].map((r) => r[c].length)));
  const line = (r: IntentBreach): string => cols.map((c, i) => r[c].padEnd(width[i]!)).join(' | ').trimEnd();
  return [line(head), width.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map(line)].join('\n');
}

export interface CaseContext {
  /** `promote_secondaries` of the namespaces (see hostPromoteSecondaries). */
  promote: boolean;
  /** Shown in failure messages: how to replay. */
  replay: string;
  build?: BuildOptions;
  /** Told each namespace the case opens, to check afterwards that it is gone. */
  opened?: (namespace: string) => void;
}

/** What a probe can name in a Plan. */
export function targetsOf(plan: Plan): ProbeTargets {
  return {
    hosts: plan.addresses.map((a) => a.address),
    subnets: connectedSubnets(plan),
    gateways: [...new Set(plan.routes.flatMap((r) => (r.via === undefined ? [] : [r.via])))],
    halves: plan.routes.filter((r) => r.origin === 'egress-split').map((r): [number, number] => {
      const c = parseCidr(r.to)!;
      return [c.address, c.prefix];
    }),
  };
}

/**
 * Render, boot and probe one case; throws with the model (YAML), the disagreements and the
 * kernel's state when the simulator and the kernel differ. States asked: after boot (an
 * alias with on-parent: false is not there yet), then, when the model has an alias, with it
 * taken away and brought back (or, for an on-parent: false one, brought up).
 */
export function checkCase(c: Case, stats: CaseStats, ctx: CaseContext): void {
  const built = buildModel(c.model, ctx.build);
  let plan: Plan;
  try {
    plan = compilePlan(parseModel(built.text, 'prop.yaml'));
  } catch (err) {
    // The generator means to make valid models only: count, keep the text for the message.
    stats.validatorRefused.push(`${(err as Error).message}\n${built.text}`);
    return;
  }
  // A back-end may refuse a model it cannot spell (kind 'model'): count it and take the
  // next back-end, so every valid model is still applied and probed somewhere.
  let v = VARIANTS[c.variant % VARIANTS.length]!;
  let tree: TreeFile[] | undefined;
  for (let k = 0; k < VARIANTS.length && tree === undefined; k++) {
    v = VARIANTS[(c.variant + k) % VARIANTS.length]!;
    try {
      tree = renderVariant(plan, v);
    } catch (err) {
      if (!(err instanceof NetgenError) || err.kind !== 'model') throw err;
      stats.backendRefused.set(v.name, (stats.backendRefused.get(v.name) ?? 0) + 1);
    }
  }
  if (tree === undefined) throw new Error(`every back-end refused this valid model:\n${built.text}`);
  stats.models++;
  for (const f of modelFeatures(built.doc)) stats.features.set(f, (stats.features.get(f) ?? 0) + 1);
  stats.byVariant.set(v.name, (stats.byVariant.get(v.name) ?? 0) + 1);
  const targets = targetsOf(plan);
  const probes = c.probes.map((p) => resolveProbe(p, targets));
  const later = plan.addresses.filter((a) => !a.onParent).map((a) => a.address);
  const bad: Disagreement[] = [];
  const breaches: IntentBreach[] = [];
  const words = modelWords(built.doc);
  const bootLinks = new Set(words.links.filter((l) => l.onBoot).map((l) => l.name));
  const atBoot = new Set(words.links.filter((l) => bootLinks.has(l.name)).flatMap((l) => l.addresses.filter((a) => a.onParent).map((a) => a.address)));
  const ipOf = (text: string): number => parseCidr(text, true)!.address;
  let boot: ApplyReport | undefined;
  let state = '';
  try {
    withKernelSession({ links: plan.links, addresses: plan.addresses }, (s: KernelSession) => {
      ctx.opened?.(s.namespace);
      boot = s.apply(v.consumer, tree);
      stats.bootProblems.push(...boot.problems.map((p) => `${v.name}: ${p}`));
      stats.bootFailed.push(...boot.failed.map((f) => `${v.name}: ${f.origin}: ${f.argv.join(' ')} -> ${f.stderr.trim()}\n${built.text}`));
      const intents = (label: string, present: Set<number>, lost: Set<number>): void => {
        const { checks, skipped } = intentChecks(words, { present, lost });
        for (const [k, n] of skipped) stats.intentSkipped.set(k, (stats.intentSkipped.get(k) ?? 0) + n);
        const asked = checks.map((c) => (c.from === undefined ? { to: c.to } : { to: c.to, from: c.from }));
        const answers = s.probeAll(asked);
        for (const [i, c] of checks.entries()) {
          const p = asked[i]!;
          const k = answers[i]!;
          stats.intentChecked.set(c.kind, (stats.intentChecked.get(c.kind) ?? 0) + 1);
          const wrong = intentMismatch(c, k);
          if (wrong !== undefined) {
            breaches.push({ state: label, intent: `${c.kind}: ${c.why}`, probe: showProbe(p), expected: showExpectation(c), kernel: `${showKernel(k)} (${wrong})` });
          }
        }
      };
      const run = (sim: StateOptions, label: string, present: Set<number>, lost: Set<number> = new Set()): void => {
        const r = crossCheck(s, plan, { apply: v.apply, promoteSecondaries: ctx.promote, ...sim }, probes, label);
        stats.probes += r.compared;
        stats.skipped += r.skipped;
        bad.push(...r.disagreements);
        intents(label, present, lost);
      };
      run(later.length > 0 ? { down: later } : {}, 'boot', atBoot);
      // The inbound half: is a packet arriving on a device accepted, under the Plan's sysctl
      // settings? Not asked when a rule comes with an address that is not up at boot: the
      // simulator's boot state brings every address up and takes the later ones down, so
      // such a rule has already split the local and main tables there (`table local` in the
      // answer) while the kernel never had it (found by this check, seed 20261126; the route
      // probes above meet the same difference when they ask for a local address).
      const laterRule = later.length > 0 && plan.rules.some((r) => r.appliedBy !== 'boot');
      if (!laterRule) {
        const inbound = crossCheckInbound(s, plan, { apply: v.apply, promoteSecondaries: ctx.promote, ...(later.length > 0 ? { down: later } : {}) }, inboundProbes(plan), 'boot, inbound');
        stats.probes += inbound.compared;
        bad.push(...inbound.disagreements);
      }
      const aliases = plan.addresses.filter((a) => a.label !== undefined);
      const a = aliases[c.alias % Math.max(1, aliases.length)];
      if (a !== undefined) {
        stats.withAlias++;
        const n = ipOf(a.address);
        if (a.onParent) {
          s.down(a.address);
          run({ down: [...later, a.address] }, `${a.label} down`, new Set([...atBoot].filter((x) => x !== n)), new Set([n]));
          s.up(a.address);
          run({ down: [...later, a.address], up: [a.address], reapply: true }, `${a.label} back`, atBoot, new Set([n]));
        } else {
          s.up(a.address);
          run({ down: later, up: [a.address], reapply: true }, `${a.label} up`, new Set([...atBoot, ...(bootLinks.has(a.device) ? [n] : [])]));
        }
      }
      if (bad.length > 0 || breaches.length > 0) state = kernelState(s);
    });
  } catch (err) {
    throw new Error(`${describeCase(built.text, v, ctx)}\nthe kernel session failed: ${(err as Error).message}`, { cause: err });
  }
  if (breaches.length > 0) {
    throw new Error(
      `${describeCase(built.text, v, ctx)}\nthe kernel breaks what the model says (intent invariants, test/helpers/intents.ts):\n${breachTable(breaches)}\n\n` +
        `kernel at the end:\n${state}\n`,
    );
  }
  if (bad.length > 0) {
    const reported = boot === undefined ? [] : [...boot.problems.map((p) => `problem: ${p}`), ...boot.failed.map((f) => `${f.origin}: ${f.argv.join(' ')} -> ${f.stderr.trim()}`)];
    throw new Error(
      `${describeCase(built.text, v, ctx)}\nsimulator and kernel disagree:\n${disagreementTable(bad)}\n\n` +
        `what boot reported:\n${reported.join('\n') || '(nothing failed)'}\n\nkernel at the end:\n${state}\n`,
    );
  }
}

function describeCase(text: string, v: Variant, ctx: CaseContext): string {
  return `model (rendered for ${v.name}; ${ctx.replay}):\n${text}`;
}
