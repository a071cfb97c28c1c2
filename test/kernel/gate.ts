// When kernel tests run: wherever the machine can. Where it cannot, they are skipped with
// a visible reason, unless NETGEN_KERNEL_TESTS=required (CI), where that is a failure.
import { describe, it } from 'vitest';
import { kernelAvailable } from '../../src/kernel/index.js';

/** `describe` for tests that need the kernel harness. */
export function describeKernel(name: string, fn: () => void): void {
  const avail = kernelAvailable();
  if (avail.ok) {
    describe(name, fn);
    return;
  }
  if (process.env['NETGEN_KERNEL_TESTS'] === 'required') {
    describe(name, () => {
      it('has what the kernel tests need (NETGEN_KERNEL_TESTS=required)', () => {
        throw new Error(`NETGEN_KERNEL_TESTS=required, but the kernel harness cannot run here: ${avail.reason}`);
      });
    });
    return;
  }
  console.warn(`[netgen] kernel tests skipped (${name}): ${avail.reason}. Set NETGEN_KERNEL_TESTS=required to make this a failure.`);
  describe.skip(name, fn);
}
