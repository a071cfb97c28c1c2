// The plain-`render` reader (src/render-argv.ts) against yargs: whatever it reads, yargs reads
// the same way; whatever yargs refuses or reads differently, it leaves to yargs.
import fc from 'fast-check';
import yargs from 'yargs';
import { describe, expect, it, vi } from 'vitest';
import { parseRenderArgv } from '../../src/render-argv.js';

const seen: unknown[] = [];
vi.mock('../../src/commands/render.js', () => ({ runRender: (a: unknown) => void seen.push(a) }));
const { buildCli } = await import('../../src/cli.js');

const KEYS = ['model', 'distro', 'output', 'root', 'gentooRules', 'check', 'dryRun', 'force', 'prune', 'quiet', 'keepGoing'] as const;
const pick = (a: Record<string, unknown>) => Object.fromEntries(KEYS.filter((k) => a[k] !== undefined).map((k) => [k, a[k]]));

/** What yargs hands the render command for ARGV, or undefined when it refuses the line. */
async function viaYargs(argv: string[]): Promise<Record<string, unknown> | undefined> {
  seen.length = 0;
  try {
    await buildCli(yargs, argv).exitProcess(false).parseAsync();
  } catch {
    return undefined;
  }
  return seen.length === 1 ? pick(seen[0] as Record<string, unknown>) : undefined;
}

describe('parseRenderArgv', () => {
  it('reads the README\'s render lines, as yargs does', async () => {
    for (const argv of [
      ['render', '--distro', 'rhel6', '-o', '/etc/sysconfig/network-scripts'],
      ['render', '--distro', 'rhel6', '-m', 'host.yaml', '--root', 'out'],
      ['render', '-d', 'gentoo', '-m', 'a.yaml', '-m', 'fleet/', '--root', 'out', '--quiet', '--keep-going', '--gentoo-rules', 'native'],
      ['render', '--distro', 'gentoo-legacy', '--model', 'h.json', '--output', 'x', '--prune', '--force'],
      ['render', '--check', '--distro', 'rhel6', '--root', 'cm/hosts/db1'],
    ]) {
      const fast = parseRenderArgv(argv);
      expect(fast, argv.join(' ')).toBeDefined();
      expect(pick(fast as unknown as Record<string, unknown>)).toEqual(await viaYargs(argv));
    }
  });

  it('leaves to yargs what it does not read plainly', () => {
    for (const argv of [
      ['render', '--help'],
      ['render', '--distro=rhel6', '--root', 'out'],
      ['render', '--distro', 'rhel6', '--root', 'out', 'extra'],
      ['render', '--distro', 'rhel6', '--root'],
      ['render', '--distro', 'rhel6', '--root', ' '],
      ['render', '--distro', 'rhel6', '--root', 'a', '-o', 'b'],
      ['render', '--distro', 'rhel6', '--distro', 'gentoo', '--root', 'a'],
      ['render', '--distro', 'rhel6', '--root', 'a', '--check', '--force'],
      ['render', '--distro', 'rhel6', '--root', 'a', '--gentoo-rules', 'native'],
      ['render', '--distro', 'rhel6', '--root', 'a', '--no-quiet'],
      ['render', '--distro', 'rhel6', '--root', 'a', '-qq'],
      ['render', '--distro', 'rhel6', '-m', '--root', 'a'],
      ['diff', '--distro', 'rhel6', '--root', 'a'],
    ]) {
      expect(parseRenderArgv(argv), argv.join(' ')).toBeUndefined();
    }
  });

  it('on random command lines: what it reads, yargs reads the same', async () => {
    const value = fc.constantFrom('rhel6', 'gentoo', 'gentoo-legacy', 'native', 'local-start', 'out', 'h.yaml', 'fleet/', '', ' ', '-', '-x', '--', '12', 'a b', '--root');
    const option = fc.constantFrom('--distro', '-d', '--model', '-m', '--output', '-o', '--root', '--gentoo-rules');
    const flag = fc.constantFrom('--check', '--dry-run', '--force', '--prune', '--quiet', '-q', '--keep-going', '--debug', '--help', '--root=x', 'extra', '--no-quiet');
    const piece = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(option, value).map(([o, v]) => [o, v]) },
      { weight: 2, arbitrary: flag.map((f) => [f]) },
      { weight: 1, arbitrary: option.map((o) => [o]) },
    );
    const line = fc.tuple(fc.constantFrom('rhel6', 'gentoo'), fc.constantFrom('--root', '-o'), fc.array(piece, { maxLength: 6 })).map(([d, t, rest]) => [
      ...(rest.length % 2 ? ['--distro', d] : []),
      ...rest.flat(),
      ...(rest.length % 3 ? [t, 'out'] : []),
    ]);
    let read = 0;
    await fc.assert(
      fc.asyncProperty(line, async (words) => {
        const argv = ['render', ...words];
        const fast = parseRenderArgv(argv);
        if (fast === undefined) return;
        read++;
        expect(pick(fast as unknown as Record<string, unknown>)).toEqual(await viaYargs(argv));
      }),
      { numRuns: 3000, seed: 16 },
    );
    expect(read).toBeGreaterThan(100);
  });
});
