import { describe, expect, it } from 'vitest';
import { splitBatch } from '../../src/kernel/probe.js';

describe('splitBatch: `ip -force -batch` output, one outcome a command', () => {
  const stdout = '10.0.0.9 dev eth0 src 10.0.0.5 uid 0 \n    cache \nlocal 10.0.0.5 from 10.0.0.9 dev lo \n    cache <local> iif eth0 \n';
  const stderr = 'RTNETLINK answers: Network is unreachable\nCommand failed -:2\nCannot find device "nosuch"\nCommand failed -:4\n';

  it('gives successes their block and failures their error, in command order', () => {
    expect(splitBatch(stdout, stderr, 4)).toEqual([
      { ok: true, out: '10.0.0.9 dev eth0 src 10.0.0.5 uid 0 \n    cache ' },
      { ok: false, err: 'RTNETLINK answers: Network is unreachable' },
      { ok: true, out: 'local 10.0.0.5 from 10.0.0.9 dev lo \n    cache <local> iif eth0 ' },
      { ok: false, err: 'Cannot find device "nosuch"' },
    ]);
  });

  it('JSON: one line a success', () => {
    expect(splitBatch('[{"dst":"a"}]\n[{"dst":"b"}]\n', 'x\nCommand failed -:1\n', 3)).toEqual([
      { ok: false, err: 'x' },
      { ok: true, out: '[{"dst":"a"}]' },
      { ok: true, out: '[{"dst":"b"}]' },
    ]);
  });

  it('says it cannot tell when the output does not add up', () => {
    // `ip` stopped early: fewer outcomes than commands.
    expect(splitBatch(stdout, stderr, 5)).toBeUndefined();
    // Text on stderr no failure claims (a warning of a command that succeeded).
    expect(splitBatch(stdout, `${stderr}Warning: something\n`, 4)).toBeUndefined();
    // A failure named twice, or outside the batch.
    expect(splitBatch('', 'e\nCommand failed -:1\ne\nCommand failed -:1\n', 2)).toBeUndefined();
    expect(splitBatch('', 'e\nCommand failed -:3\n', 2)).toBeUndefined();
    // A continuation line with no answer before it.
    expect(splitBatch('    cache \n', '', 1)).toBeUndefined();
  });
});
