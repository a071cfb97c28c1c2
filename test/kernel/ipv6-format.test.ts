// The text netgen prints for IPv6 must be the text `ip -6` prints, or the simulator and the
// kernel disagree on paper while agreeing in fact. Routes to many addresses (the zero-heavy ones
// where the forms differ) go into a table of a throw-away namespace; `ip` reads them back.
// The source-selection labels netgen assumes are checked against the kernel's table the same way.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { runProgram } from '../../src/kernel/exec.js';
import { createNamespace, deleteNamespace } from '../../src/kernel/namespace.js';
import { IPV6_MAX, LINUX_ADDRLABELS, formatIPv6, formatIPv6LikeIp, parseIPv6 } from '../../src/net/ipv6.js';
import { describeKernel } from './gate.js';

const TABLE = '100';

// Written as facts: the cases RFC 5952 discusses, the ones where glibc departs from it, and the
// special ranges.
const FACTS = [
  '2001:db8::1',
  '2001:db8::2:1',
  '2001:db8:0:1:1:1:1:1',
  '2001:0:0:1::1',
  '2001:db8::1:0:0:1',
  '2001:db8:0:0:1::',
  '1::',
  '1:2:3:4:5:6:7:0',
  '0:1:2:3:4:5:6:7',
  '::',
  '::1',
  '::2',
  '::100',
  '::1.2.3.4',
  '::0.1.0.0',
  '::1:0:0:0',
  '::ffff:1.2.3.4',
  '::ffff:0.0.0.0',
  '64:ff9b::102:304',
  'fe80::1',
  'ff02::1',
  'fd00::a:b',
];

const word = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0xff }), fc.integer({ min: 0, max: 0xffff }));
const sampled = fc.sample(
    fc.oneof(
      fc.array(word, { minLength: 8, maxLength: 8 }).map((ws) => ws.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n)),
      fc.bigInt({ min: 0n, max: IPV6_MAX }),
    ),
    { seed: 14, numRuns: 400 },
  );

/** All eight groups, four upper-case digits each: a spelling no formatter would choose, so `ip` cannot echo it. */
const fullUpper = (a: bigint): string => a.toString(16).padStart(32, '0').toUpperCase().match(/.{4}/g)!.join(':');

describeKernel('IPv6 text as `ip -6` prints it', () => {
  it('formatIPv6LikeIp matches `ip -6 route` for every address; formatIPv6 too outside ::/96', () => {
    const addrs = [...new Set([...FACTS.map((t) => parseIPv6(t)!), ...sampled])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const ns = createNamespace();
    try {
      const up = runProgram(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      expect(up.status, up.stderr).toBe(0);
      const batch = addrs.map((a) => `route add ${fullUpper(a)}/128 dev lo table ${TABLE}`).join('\n') + '\n';
      const add = runProgram(['ip', '-6', '-n', ns, '-batch', '-'], { input: batch });
      expect(add.stderr).toBe('');
      expect(add.status).toBe(0);
      const show = runProgram(['ip', '-6', '-n', ns, 'route', 'show', 'table', TABLE]);
      expect(show.status, show.stderr).toBe(0);
      const printed = show.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split(' ')[0]!);
      expect(printed).toHaveLength(addrs.length);
      // Compared as sets: the kernel's order is its own.
      expect([...printed].sort()).toEqual(addrs.map(formatIPv6LikeIp).sort());
      for (const text of printed) {
        const a = parseIPv6(text);
        expect(a, text).toBeDefined();
        const compat = a! >> 32n === 0n && ((a! >> 16n) & 0xffffn) !== 0n;
        if (!compat) expect(formatIPv6(a!), text).toBe(text);
      }
      // The ::/96 departure is real on this machine, not just in the comment.
      expect(printed).toContain('::1.2.3.4');
      expect(printed).toContain('::2');
    } finally {
      deleteNamespace(ns);
    }
  });

  it("LINUX_ADDRLABELS is the kernel's default address-label table, entry for entry", () => {
    const ns = createNamespace();
    try {
      const r = runProgram(['ip', '-6', '-n', ns, 'addrlabel', 'list']);
      expect(r.status, r.stderr).toBe(0);
      const kernel = r.stdout
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => /^prefix (\S+) label (\d+)\s*$/.exec(l))
        .map((m) => (m ? `${m[1]} ${m[2]}` : 'unreadable line'));
      expect(kernel.sort()).toEqual(LINUX_ADDRLABELS.map((e) => `${e.prefix} ${e.label}`).sort());
    } finally {
      deleteNamespace(ns);
    }
  });
});
