// Validator <=> boot (issue 11, part 3). A near-valid model (test/helpers/near-valid.ts: a
// valid random model with one mutation) is either refused by the validator, every problem
// located (file:line:col and a model path), or rendered by every back-end that can spell it
// and booted by that back-end's consumer in the kernel emulation with not a single failed
// command (`boot.failed` empty, not only "every file was read"). A model the validator
// accepts and a consumer refuses is a validator bug.
//
// fast-check with a fixed default seed (NETGEN_PROPERTY_SEED overrides it, as in the
// cross-check); at least 200 mutations that found a site in their model per run; the count
// of each mutation kind, refused / accepted, is printed as a table.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { checkNearValid, kindTable, nearValidArb, newNearValidStats } from '../helpers/near-valid.js';
import { describeKernel } from './gate.js';

const SEED = propertySeed();
/** Drawn per run; those whose model has no site for their mutation do not count. */
const RUNS = 300;
const MIN_MUTATIONS = 200;
const TIMEOUT_MS = 420_000;
/** fast-check stops (and fails) after this; a passing run takes far less. */
const TIME_LIMIT_MS = 300_000;

function propertySeed(): number {
  const text = process.env['NETGEN_PROPERTY_SEED'];
  if (text === undefined || text === '') return 20261128;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`NETGEN_PROPERTY_SEED=${text} is not an integer`);
  return n;
}

describeKernel('near-valid models: refused with a located message, or booted without a failed command', () => {
  it(
    `${RUNS} mutated random models, seed ${SEED}`,
    () => {
      const stats = newNearValidStats();
      const started = Date.now();
      try {
        fc.assert(
          fc.property(nearValidArb, (c) => checkNearValid(c, stats)),
          { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: true },
        );
      } catch (err) {
        const e = err as Error;
        const cause = e.cause instanceof Error ? e.cause.message : '';
        throw new Error(`${e.message.replace(/\n*Hint: .*$/s, '')}\n\n${cause}\n(replay: NETGEN_PROPERTY_SEED=${SEED})`, { cause: e });
      }
      console.log(
        `[near-valid] seed ${SEED}: ${stats.applied} mutations (${stats.noSite} drawn without a site), ${stats.boots} boots; ` +
          `${((Date.now() - started) / 1000).toFixed(1)} s\n${kindTable(stats)}`,
      );
      expect(stats.applied, 'mutations that changed their model').toBeGreaterThanOrEqual(MIN_MUTATIONS);
      // Both outcomes happen: otherwise the generator is not near the edge.
      const total = [...stats.byKind.values()];
      expect(total.reduce((n, c) => n + c.refused, 0)).toBeGreaterThan(0);
      expect(total.reduce((n, c) => n + c.accepted, 0)).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );
});
