// `netgen route get` for an IPv6 destination, as a user runs it (a few child processes only).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { REPO } from './helpers/repo.js';

const SEED = join(REPO, 'examples/rhel-vip-egress/netgen.yaml');
const DUAL = join(REPO, 'test/fixtures/dual-stack-vip.yaml');

describe('netgen route get, IPv6', () => {
  it('answers as ip -6 route get does: a host without IPv6 addresses has no route to a global destination (exit 1)', () => {
    const r = runCli(['route', 'get', '2001:db8:7::1', '-m', SEED, '--explain']);
    expect([r.code, r.stderr]).toEqual([1, '']);
    expect(r.stdout.split('\n').slice(0, 5)).toEqual([
      'RTNETLINK answers: Network is unreachable',
      '  ip -6 route get 2001:db8:7::1',
      '    => RTNETLINK answers: Network is unreachable',
      '    rule 0: from all lookup local: no route in table',
      '    rule 32766: from all lookup main: no route in table',
    ]);
  });

  it('refuses a lookup of two families and a text that is no address, saying why (exit 2)', () => {
    const mixed = runCli(['route', 'get', '2001:db8::1', '--from', '172.16.3.111', '-m', SEED]);
    expect([mixed.code, mixed.stdout]).toEqual([2, '']);
    expect(mixed.stderr).toContain('--from 172.16.3.111 is IPv4 but the destination 2001:db8::1 is IPv6: a lookup is of one family');
    const bad = runCli(['route', 'get', '2001:db8::g', '-m', SEED]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('destination 2001:db8::g is not an IPv6 address: only hex digits, ":" and "." may appear');
  });

  it('names the RFC 6724 rule that chose the source: after failover the VIP is deprecated, so the primary (rule 3)', () => {
    const r = runCli(['route', 'get', '2001:db8:9::1', '--down', '2001:db8:3::105', '--add', '2001:db8:3::105', '--explain', '-m', DUAL]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('2001:db8:9::1 from :: via 2001:db8:3::1 dev eth0 src 2001:db8:3::111 metric 1 pref medium');
    expect(lines.find((l) => l.includes('source 2001:db8:3::111:'))).toMatch(/rule 3, avoid deprecated: 2001:db8:3::105 is deprecated/);
  });

  it('verify checks expectations of both families, IPv6 answers in the same words as IPv4', () => {
    const r = runCli(['verify', '-m', DUAL]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^4 +2001:db8:9::1 +via 2001:db8:3::1 dev eth0 src 2001:db8:3::105 +via 2001:db8:3::1 dev eth0 src 2001:db8:3::105 +ok$/m);
    expect(r.stdout).toContain('8 of 8 expectations hold');
  });
});
