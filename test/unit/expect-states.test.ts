// verify's expectations share the simulated state their failover steps make: building a
// state adds every route of the Plan, so one per expectation made verify quadratic (10,000
// routes with 10,000 expectations after a failover did not finish). Sharing must not change
// one answer: each is compared with a state built for it alone.
import { describe, expect, it, vi } from 'vitest';
import type { Expectation, FailoverStep } from '../../src/plan/types.js';
import { planOfModel } from '../helpers/backend.js';

const built = vi.hoisted(() => ({ four: 0, six: 0 }));
vi.mock('../../src/simulate/fib.js', async (original) => {
  const m = await original<typeof import('../../src/simulate/fib.js')>();
  return { ...m, buildFibState: (...a: Parameters<typeof m.buildFibState>) => (built.four++, m.buildFibState(...a)) };
});
vi.mock('../../src/simulate/fib6.js', async (original) => {
  const m = await original<typeof import('../../src/simulate/fib6.js')>();
  return { ...m, buildFibState6: (...a: Parameters<typeof m.buildFibState6>) => (built.six++, m.buildFibState6(...a)) };
});

const { checkExpectations, builtinInboundChecks } = await import('../../src/simulate/expect.js');
const { simulateRouteGet } = await import('../../src/simulate/lookup.js');

function alone(plan: ReturnType<typeof planOfModel>, e: Expectation) {
  if (e.kind !== 'route') throw new Error('route expectations only');
  return simulateRouteGet(plan, { apply: 'replace', to: e.to, steps: e.steps, ...(e.from === undefined ? {} : { from: e.from }) });
}

describe('expectations and the states they are asked in', () => {
  it('build one state per distinct failover steps and family, with the answers a state of their own gives', () => {
    for (const model of ['examples/keepalived-vip/netgen.yaml', 'examples/dual-stack-vip/netgen.yaml']) {
      const plan = planOfModel(model);
      const distinct = (family: 4 | 6) => new Set(plan.expectations.filter((e) => e.to.includes(':') === (family === 6)).map((e) => JSON.stringify(e.steps))).size;
      built.four = built.six = 0;
      const results = checkExpectations(plan, { apply: 'replace' });
      expect(built.four, model).toBe(distinct(4));
      expect(built.six, model).toBe(distinct(6));
      expect(plan.expectations.some((e) => e.steps.length > 0)).toBe(true);
      for (const [i, r] of results.entries()) expect(JSON.parse(JSON.stringify(r.answer)), `${model} #${i + 1}`).toEqual(JSON.parse(JSON.stringify(alone(plan, plan.expectations[i]!))));
    }
  });

  it('answer as a state of their own would when more distinct steps come than states are kept', () => {
    const plan = planOfModel('examples/keepalived-vip/netgen.yaml');
    const vip = plan.addresses.find((a) => a.appliedBy === 'keepalived')!.address;
    // Twelve distinct step lists (down, up, down, ... of growing length), asked twice over.
    const steps = (n: number): FailoverStep[] => Array.from({ length: n }, (_, k) => ({ op: k % 2 === 0 ? 'down' : 'up', address: vip }) as FailoverStep);
    const base = plan.expectations[0]!;
    const many: Expectation[] = [...Array.from({ length: 12 }, (_, n) => ({ ...base, steps: steps(n) })), ...Array.from({ length: 12 }, (_, n) => ({ ...base, steps: steps(11 - n) }))];
    const results = checkExpectations(plan, { apply: 'replace' }, many);
    for (const [i, r] of results.entries()) expect(JSON.parse(JSON.stringify(r.answer)), `#${i + 1}`).toEqual(JSON.parse(JSON.stringify(alone(plan, many[i]!))));
  });

  it('the inbound checks verify makes by itself ask one state', () => {
    const plan = planOfModel('examples/gentoo-dual-switch/netgen.yaml');
    built.four = 0;
    const checks = builtinInboundChecks(plan);
    expect(checks.length).toBeGreaterThan(1);
    expect(built.four).toBe(1);
  });
});
