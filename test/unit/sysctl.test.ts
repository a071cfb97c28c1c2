// The inbound half: what the Plan decides (src/plan/sysctl.ts), how the simulator answers
// inbound lookups and ARP (src/simulate/inbound.ts), and the foreign-sysctl.conf check.
// The simulator cases are the measurements written down in src/simulate/inbound.ts.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel, parseModel } from '../../src/model/index.js';
import { compilePlan } from '../../src/plan/compile.js';
import { effectiveSysctl, parseSysctlAssignment, sysctlConflicts } from '../../src/plan/sysctl.js';
import type { Plan } from '../../src/plan/types.js';
import { planSysctlFile, wrap } from '../../src/backends/sysctl.js';
import { builtinInboundChecks, checkExpectations, formatArp, formatInbound, simulateArp, simulateInbound } from '../../src/simulate/index.js';
import { REPO } from '../helpers/repo.js';

const plan = (yaml: string): Plan => compilePlan(parseModel(yaml, 'h.yaml'));
const dual = compilePlan(loadModel(join(REPO, 'examples/gentoo-dual-switch/netgen.yaml'), 'examples/gentoo-dual-switch/netgen.yaml'));
const settings = (p: Plan): string[] => (p.sysctl?.settings ?? []).map((s) => `${s.scope}.${s.key}=${s.value}`);

/** Two NICs in one subnet, as in the measurements: with per-NIC tables, or without. */
const twoNics = (rules: boolean, extra = ''): string => `
host: h
${rules ? 'tables: { t0: 10, t1: 11 }' : ''}
interfaces:
  eth0:
    addresses: [1.2.3.16/24]
    gateway: 1.2.3.1
${rules ? '    source-routing: { table: t0, gateway: 1.2.3.2 }' : ''}
  eth1:
    addresses: [1.2.3.17/24]
${rules ? '    source-routing: { table: t1, gateway: 1.2.3.3 }' : ''}
${extra}`;

describe('the Plan decides the inbound settings', () => {
  it('the dual-switch host: arp_ignore 1, arp_announce 2, rp_filter strict, as all/default (its interfaces are VLANs)', () => {
    expect(settings(dual)).toEqual([
      'all.arp_ignore=1',
      'default.arp_ignore=1',
      'all.arp_announce=2',
      'default.arp_announce=2',
      'all.rp_filter=1',
      'default.rp_filter=1',
    ]);
    for (const dev of ['eth0.10', 'eth0.11', 'eth1.10', 'eth1.11']) {
      expect(effectiveSysctl(dual.sysctl!.settings, dev, 'vlan', 'rp_filter')).toBe(1);
      expect(effectiveSysctl(dual.sysctl!.settings, dev, 'vlan', 'arp_ignore')).toBe(1);
    }
    expect(dual.sysctl!.reasons[0]).toContain('eth0.10 and eth1.10 are both in 1.2.3.0/24');
  });

  it('two NICs without per-source rules: strict on the one main routes through, loose on the other, per device', () => {
    const p = plan(twoNics(false));
    expect(settings(p)).toContain('eth0.rp_filter=1');
    expect(settings(p)).toContain('eth1.rp_filter=2');
    expect(settings(p)).toContain('all.rp_filter=1');
    expect(p.sysctl!.reasons.find((r) => r.startsWith('rp_filter 2 on eth1'))).toContain('leave through eth0');
  });

  it('a single-homed host gets no settings; `sysctl: false` opts out; model values win', () => {
    expect(plan('host: h\ninterfaces: { eth0: { addresses: [10.0.0.5/24], gateway: 10.0.0.1 } }\n').sysctl).toBeUndefined();
    expect(plan(twoNics(true, 'sysctl: false')).sysctl).toBeUndefined();
    const own = plan(twoNics(true, 'sysctl: { arp_filter: 1 }').replace('    addresses: [1.2.3.17/24]', '    addresses: [1.2.3.17/24]\n    sysctl: { rp_filter: 2 }'));
    expect(settings(own)).toEqual(expect.arrayContaining(['eth1.rp_filter=2', 'eth0.rp_filter=1', 'all.rp_filter=1', 'all.arp_filter=1', 'eth0.arp_filter=1']));
    expect(own.sysctl!.reasons).toContain('rp_filter 2 on eth1: set in the model (interfaces eth1 `sysctl:`).');
    // A host that needs nothing still gets what the model asks for.
    expect(settings(plan('host: h\nsysctl: { rp_filter: 2 }\ninterfaces: { eth0: { addresses: [10.0.0.5/24] } }\n'))).toEqual(['all.rp_filter=2', 'default.rp_filter=2', 'eth0.rp_filter=2']);
  });

  it('the kernel combines all and the device: the larger for rp_filter, arp_ignore, arp_announce; either for arp_filter', () => {
    const s = [
      { key: 'rp_filter', scope: 'all', value: 1 },
      { key: 'rp_filter', scope: 'eth1', value: 2 },
      { key: 'arp_filter', scope: 'all', value: 0 },
      { key: 'arp_filter', scope: 'default', value: 1 },
    ] as const;
    expect(effectiveSysctl(s, 'eth0', 'ethernet', 'rp_filter')).toBe(1);
    expect(effectiveSysctl(s, 'eth1', 'ethernet', 'rp_filter')).toBe(2);
    // A NIC exists before sysctl runs and keeps its own value; a VLAN is made later and copies default.
    expect(effectiveSysctl(s, 'eth0', 'ethernet', 'arp_filter')).toBe(0);
    expect(effectiveSysctl(s, 'eth0.10', 'vlan', 'arp_filter')).toBe(1);
  });
});

describe('inbound lookups (ip route get A from R iif D), as measured', () => {
  const rules = plan(twoNics(true));
  const noRules = plan(twoNics(false));

  it('with per-NIC rules and rp_filter 1: accepted on the owner, refused on the other NIC', () => {
    expect(formatInbound(simulateInbound(rules, { to: '1.2.3.17', from: '8.8.8.8', iif: 'eth1' }))).toBe('local 1.2.3.17 from 8.8.8.8 dev lo table local');
    const wrong = simulateInbound(rules, { to: '1.2.3.17', from: '8.8.8.8', iif: 'eth0' });
    expect(formatInbound(wrong)).toBe('RTNETLINK answers: Invalid argument');
    expect(wrong.refusedBy).toBe('rp_filter');
    expect(wrong.reverse?.dev).toBe('eth1');
  });

  it('rp_filter 0 accepts on any NIC; 2 (loose) wants some route back', () => {
    for (const rp of [0, 2]) {
      expect(simulateInbound(rules, { to: '1.2.3.17', from: '8.8.8.8', iif: 'eth0', sysctl: { rp_filter: rp } }).ok).toBe(true);
    }
  });

  it('without rules the local table is merged: no `table`; a broadcast says table local', () => {
    expect(formatInbound(simulateInbound(noRules, { to: '1.2.3.16', from: '1.2.3.50', iif: 'eth0', sysctl: { rp_filter: 0 } }))).toBe('local 1.2.3.16 from 1.2.3.50 dev lo');
    expect(formatInbound(simulateInbound(noRules, { to: '1.2.3.255', from: '1.2.3.50', iif: 'eth0', sysctl: { rp_filter: 0 } }))).toBe('broadcast 1.2.3.255 from 1.2.3.50 dev lo table local');
    // rp_filter 1 without rules: eth1 accepts nothing (main's first connected route is eth0's).
    expect(simulateInbound(noRules, { to: '1.2.3.17', from: '1.2.3.50', iif: 'eth1', sysctl: { rp_filter: 1 } }).ok).toBe(false);
  });

  it('martians: a host address, loopback or broadcast source; not an address of the host: no route (no forwarding)', () => {
    const r = (from: string, to = '1.2.3.17', p = rules) => formatInbound(simulateInbound(p, { to, from, iif: 'eth0', sysctl: { rp_filter: 0 } }));
    expect(r('1.2.3.16')).toBe('RTNETLINK answers: Invalid argument');
    expect(r('127.0.0.1')).toBe('RTNETLINK answers: Invalid argument');
    expect(r('0.0.0.0')).toBe('RTNETLINK answers: Invalid argument');
    expect(r('1.2.3.255')).toBe('RTNETLINK answers: Invalid argument');
    expect(r('1.2.3.255', '1.2.3.17', noRules)).toBe('local 1.2.3.17 from 1.2.3.255 dev lo');
    expect(r('1.2.3.50', '8.8.4.4')).toBe('RTNETLINK answers: No route to host');
  });
});

describe('ARP (arp who-has A on D), as measured', () => {
  const rules = plan(twoNics(true));
  const noRules = plan(twoNics(false));
  const who = (p: Plan, target: string, on: string, sysctl: Record<string, number>) =>
    simulateArp(p, { target, on, sender: '1.2.3.50', sysctl }).answers;
  const answering = (p: Plan, target: string, sysctl: Record<string, number>) => ['eth0', 'eth1'].filter((d) => who(p, target, d, sysctl));

  it('kernel defaults: both NICs answer for both addresses (ARP flux), rules or not', () => {
    const zero = { rp_filter: 0, arp_ignore: 0, arp_filter: 0 };
    for (const p of [rules, noRules]) for (const a of ['1.2.3.16', '1.2.3.17']) expect(answering(p, a, zero)).toEqual(['eth0', 'eth1']);
  });

  it('arp_ignore 1: each NIC answers for its own address only', () => {
    const s = { rp_filter: 0, arp_ignore: 1 };
    expect(answering(noRules, '1.2.3.16', s)).toEqual(['eth0']);
    expect(answering(noRules, '1.2.3.17', s)).toEqual(['eth1']);
  });

  it('arp_filter 1 follows the route back: with rules the owner, without them eth0 for both', () => {
    const s = { rp_filter: 0, arp_ignore: 0, arp_filter: 1 };
    expect(answering(rules, '1.2.3.17', s)).toEqual(['eth1']);
    expect(answering(noRules, '1.2.3.17', s)).toEqual(['eth0']);
  });

  it('rp_filter 1 stops ARP on the wrong NIC too; 2 does not', () => {
    expect(answering(rules, '1.2.3.17', { rp_filter: 1, arp_ignore: 0 })).toEqual(['eth1']);
    expect(answering(rules, '1.2.3.17', { rp_filter: 2, arp_ignore: 0 })).toEqual(['eth0', 'eth1']);
    expect(answering(noRules, '1.2.3.17', { rp_filter: 1, arp_ignore: 0 })).toEqual(['eth0']);
  });

  it('arp_ignore 2 wants the asker in the subnet; 8 never answers', () => {
    expect(simulateArp(noRules, { target: '1.2.3.17', on: 'eth1', sender: '10.7.7.7', sysctl: { arp_ignore: 2, rp_filter: 0 } }).answers).toBe(false);
    expect(simulateArp(noRules, { target: '1.2.3.17', on: 'eth1', sender: '1.2.3.50', sysctl: { arp_ignore: 2, rp_filter: 0 } }).answers).toBe(true);
    expect(simulateArp(noRules, { target: '1.2.3.17', on: 'eth1', sender: '1.2.3.50', sysctl: { arp_ignore: 8 } }).answers).toBe(false);
  });

  it('says which check decided', () => {
    const a = simulateArp(noRules, { target: '1.2.3.17', on: 'eth0', sender: '1.2.3.50', sysctl: { rp_filter: 0, arp_ignore: 1 } });
    expect(formatArp(a)).toBe('eth0 does not answer: arp_ignore 1 on eth0: 1.2.3.17 is not an address of eth0');
    expect(formatArp(simulateArp(noRules, { target: '1.2.3.17', on: 'eth1', sender: '1.2.3.50' }))).toBe('eth1 answers');
  });

  it("under the Plan's own settings every address is answered by its owner only", () => {
    for (const p of [rules, noRules]) {
      const checks = builtinInboundChecks(p);
      expect(checks.length).toBeGreaterThan(0);
      expect(checks.filter((c) => !c.pass).map((c) => c.lookup)).toEqual([]);
    }
  });

  it('the built-in checks fail when the model forces the kernel defaults back', () => {
    const flux = plan(twoNics(true, 'sysctl: { arp_ignore: 0, rp_filter: 0 }'));
    expect(builtinInboundChecks(flux).filter((c) => !c.pass).map((c) => c.lookup)).toEqual([
      'arp who-has 1.2.3.16 tell 1.2.3.1 on eth1',
      'arp who-has 1.2.3.17 tell 1.2.3.1 on eth0',
    ]);
  });
});

describe('expect: entries for inbound lookups and ARP', () => {
  it('iif: accept, and who-has: answers are checked', () => {
    const p = plan(
      twoNics(
        true,
        `expect:
  - { to: 1.2.3.17, from: 8.8.8.8, iif: eth1 }
  - { to: 1.2.3.17, from: 8.8.8.8, iif: eth0, accept: false }
  - { who-has: 1.2.3.17, on: eth1 }
  - { who-has: 1.2.3.17, on: eth0, answers: false }
  - { who-has: 1.2.3.17, on: eth0 }`,
      ),
    );
    const r = checkExpectations(p);
    expect(r.map((x) => x.pass)).toEqual([true, true, true, true, false]);
    expect(r[4]!.mismatches).toEqual([{ field: 'answers', expected: 'answers', actual: 'does not answer (rp_filter)' }]);
  });
});

describe('a foreign /etc/sysctl.conf', () => {
  const p = plan(twoNics(false));

  it('read after netgen (OpenRC): a key set there wins and is named', () => {
    const c = sysctlConflicts(p, '# site\nnet.ipv4.conf.all.rp_filter = 2\nkernel.panic = 1\n', true);
    expect(c.map((x) => [x.line, x.message])).toEqual([
      [2, "`net.ipv4.conf.all.rp_filter = 2` is read after netgen's file and leaves rp_filter at 2 on eth0, not the 1 netgen's file sets; remove the line, or set the value in the model (`sysctl:`)"],
    ]);
  });

  it('read before netgen (RHEL 6): netgen wins on the same key, but an `all` larger than a device value still wins', () => {
    expect(sysctlConflicts(p, 'net.ipv4.conf.all.rp_filter = 2\n', false)).toEqual([]);
    expect(sysctlConflicts(p, 'net.ipv4.conf.eth0.arp_ignore = 0\nnet.ipv4.conf.default.rp_filter = 1\n', false)).toEqual([]);
    // netgen's file sets all.arp_announce 2; nothing foreign read first can lower it.
    expect(sysctlConflicts(p, 'net.ipv4.conf.all.arp_announce = 0\n', false)).toEqual([]);
  });

  it('reads both spellings of a key; others are not its business', () => {
    expect(parseSysctlAssignment('net.ipv4.conf.eth0/10.rp_filter=2')).toEqual({ key: 'rp_filter', scope: 'eth0.10', value: 2 });
    expect(parseSysctlAssignment('net/ipv4/conf/eth0.10/arp_ignore = 1')).toEqual({ key: 'arp_ignore', scope: 'eth0.10', value: 1 });
    expect(parseSysctlAssignment('net.ipv4.ip_forward = 1')).toBeUndefined();
    expect(parseSysctlAssignment('# net.ipv4.conf.all.rp_filter = 2')).toBeUndefined();
  });
});

describe('rp_filter with rules of several source prefixes', () => {
  // eth0's address is selected by its own per-source rule (from 10.1.0.5, priority 1000 and
  // up) and by a hand-written rule for its whole /16 that sends replies out of eth1.
  const model = (priority: number): string => `
host: h
tables: { t0: 10, t1: 11 }
interfaces:
  eth0:
    addresses: [10.1.0.5/24]
    source-routing: { table: t0, gateway: 10.1.0.1 }
  eth1:
    addresses: [10.2.0.5/24]
    routes:
      - { to: default, via: 10.2.0.1, table: t1 }
    routing-policy:
      - { from: 10.1.0.0/16, table: t1, priority: ${priority} }
`;
  it('the rule tried first decides, whichever prefix it selects by', () => {
    const before = plan(model(500));
    expect(settings(before)).toContain('eth0.rp_filter=2');
    expect(before.sysctl!.reasons.find((r) => r.startsWith('rp_filter 2 on eth0'))).toContain('leave through eth1 (table t1)');
    const after = plan(model(2000));
    expect(settings(after)).toContain('eth0.rp_filter=1');
    expect(after.sysctl!.reasons.find((r) => r.startsWith('rp_filter 1 on eth0'))).toContain('(table t0)');
  });
});

describe('sysctl comments', () => {
  /** The wrapping as first written: words split at blanks, joined by one space. */
  const reference = (text: string, width = 86): string[] => {
    const out: string[] = [];
    let line = '';
    for (const word of text.split(/\s+/)) {
      if (line !== '' && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    if (line !== '') out.push(line);
    return out;
  };
  it('wrap is the reference on texts with single spaces (its fast path) and with blanks of every kind', () => {
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    const blanks = [' ', ' ', ' ', '  ', '\t', '\u00a0', '\n'];
    for (let k = 0; k < 4000; k++) {
      const spaced = k % 2 === 0;
      const words = Array.from({ length: rnd(40) }, () => 'abcdefghij'.repeat(3).slice(0, 1 + rnd(k % 7 === 0 ? 30 : 12)));
      let text = spaced ? words.join(' ') : words.map((w) => w + blanks[rnd(blanks.length)]).join('');
      if (!spaced && rnd(3) === 0) text = blanks[rnd(blanks.length)] + text;
      const width = 5 + rnd(90);
      expect(wrap(text, width), JSON.stringify([text, width])).toEqual(reference(text, width));
    }
    expect(wrap('')).toEqual([]);
  });
});

describe('sysctl file lines', () => {
  const withScope = (scope: string, key = 'rp_filter'): Plan => {
    const p = plan(twoNics(true));
    p.sysctl!.settings.push({ key: key as 'rp_filter', scope, value: 1 });
    return p;
  };
  it('spells each setting as its sysctl name and value, a dot in a device name as a slash', () => {
    const f = planSysctlFile(withScope('eth0.10'), 'intro')!;
    const lines = (f.context['groups'] as { lines: string[] }[]).flatMap((g) => g.lines);
    expect(lines).toContain('net.ipv4.conf.eth0.rp_filter = 1');
    expect(lines).toContain('net.ipv4.conf.all.arp_ignore = 1');
    expect(lines).toContain('net.ipv4.conf.eth0/10.rp_filter = 1');
  });
  it('refuses a name sysctl(8) would misread, naming it whole', () => {
    expect(() => planSysctlFile(withScope('eth0 x'), 'intro')).toThrow('sysctl: refusing to write key "net.ipv4.conf.eth0 x.rp_filter"');
    expect(() => planSysctlFile(withScope('eth0$'), 'intro')).toThrow('sysctl: refusing to write key "net.ipv4.conf.eth0$.rp_filter"');
    expect(() => planSysctlFile(withScope('eth0', 'rp filter'), 'intro')).toThrow('sysctl: refusing to write key "net.ipv4.conf.eth0.rp filter"');
  });
});
