// `netgen verify --kernel` says where the harness could not follow the real consumer: each
// limit the harness met is a `limit:` line, and the summary no longer claims a plain pass
// ("... hold in the simulator and the kernel, within the limits above"). netgen's own output
// meets no limit on this machine, so the rendered tree gets one file more on its way into the
// namespace (a file the harness does not emulate); everything else is the real command.
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RenderedFile } from '../src/backends/types.js';
import { runVerify } from '../src/commands/verify.js';
import { kernelAvailable } from '../src/kernel/index.js';
import { REPO } from './helpers/repo.js';

const injected = vi.hoisted(() => ({ files: [] as RenderedFile[] }));

vi.mock('../src/commands/verify-kernel.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/commands/verify-kernel.js')>();
  return {
    ...real,
    verifyInKernel: (...args: Parameters<typeof real.verifyInKernel>) => real.verifyInKernel(args[0], args[1], [...args[2], ...injected.files], args[3]),
  };
});

const SEED = join(REPO, 'examples/rhel-vip-egress/netgen.yaml');
const RANGE = 'etc/sysconfig/network-scripts/ifcfg-eth0-range0';

async function verify(model: string, distro: string): Promise<{ lines: string[]; code: number }> {
  const lines: string[] = [];
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await runVerify({ model, kernel: true, distro }, (l) => lines.push(l));
    return { lines, code: Number(process.exitCode ?? 0) };
  } finally {
    process.exitCode = before;
  }
}

const kernel = kernelAvailable();
describe.skipIf(!kernel.ok && process.env['NETGEN_KERNEL_TESTS'] !== 'required')('netgen verify --kernel: the limits of the emulation', () => {
  afterEach(() => {
    injected.files = [];
  });

  it('prints each limit the harness met, and qualifies the pass with them', async () => {
    injected.files = [{ path: RANGE, mode: 0o644, owner: { kind: 'whole' }, content: 'IPADDR_START=172.16.3.150\nIPADDR_END=172.16.3.151\n' }];
    const r = await verify(SEED, 'rhel6');
    expect(r.code, r.lines.join('\n')).toBe(0);
    expect(r.lines).toContain(`limit: ${RANGE}: range files are not emulated by the harness`);
    expect(r.lines).toContain('7 of 7 expectations hold in the simulator and the kernel, within the limits above');
    expect(r.lines).toContain('9 of 9 built-in egress checks hold in the simulator and the kernel, within the limits above');
    expect(r.lines.filter((l) => / hold in the simulator and the kernel$/.test(l))).toEqual([]);
    // A limit is not a note of something that failed.
    expect(r.lines.filter((l) => l.startsWith('note:'))).toEqual([]);
  });

  it('says nothing of limits, and claims a plain pass, where the harness followed the consumer', async () => {
    const r = await verify(SEED, 'rhel6');
    expect(r.code, r.lines.join('\n')).toBe(0);
    expect(r.lines.filter((l) => l.startsWith('limit:'))).toEqual([]);
    expect(r.lines).toContain('7 of 7 expectations hold in the simulator and the kernel');
    expect(r.lines).toContain('9 of 9 built-in egress checks hold in the simulator and the kernel');
  });
});
if (!kernel.ok) console.warn(`[netgen] verify --kernel limit tests skipped: ${kernel.reason}`);
