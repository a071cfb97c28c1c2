// The model's `expect:` entries checked against the simulator (`netgen verify`).
import type { Expectation, Plan } from '../plan/types.js';
import { simulateRouteGet } from './lookup.js';
import type { ExpectationResult, Mismatch, StateOptions } from './types.js';

/**
 * Compare each Plan expectation (its dev, via, src and table, when given) with the
 * simulated answer in the state it names (`down`). `table` is the table holding the route.
 */
export function checkExpectations(
  plan: Plan,
  options: Omit<StateOptions, 'down' | 'up' | 'steps'> = {},
  expectations: readonly Expectation[] = plan.expectations,
): ExpectationResult[] {
  return expectations.map((expectation) => {
    const query = { ...options, to: expectation.to, steps: expectation.steps, ...(expectation.from === undefined ? {} : { from: expectation.from }) };
    const answer = simulateRouteGet(plan, query);
    const mismatches: Mismatch[] = [];
    if (!answer.ok) {
      mismatches.push({ field: 'route', expected: 'a route', actual: answer.error });
    } else {
      const compare = (field: Mismatch['field'], expected: string | undefined, actual: string | undefined): void => {
        if (expected !== undefined && expected !== actual) mismatches.push({ field, expected, actual: actual ?? 'none' });
      };
      compare('dev', expectation.dev, answer.dev);
      compare('via', expectation.via, answer.via);
      compare('src', expectation.src, answer.src);
      compare('table', expectation.table, answer.table);
    }
    return { expectation, answer, pass: mismatches.length === 0, mismatches };
  });
}
