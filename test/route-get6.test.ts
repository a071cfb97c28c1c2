// `netgen route get` for an IPv6 destination, as a user runs it (a few child processes only).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NetgenError } from '../src/errors.js';
import { runRouteGet } from '../src/commands/route.js';
import { runCli } from './helpers/cli.js';
import { REPO } from './helpers/repo.js';

const SEED = join(REPO, 'examples/rhel-vip-egress/netgen.yaml');
const DUAL = join(REPO, 'examples/dual-stack-vip/netgen.yaml');

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

  // In process (runRouteGet), to keep child processes few: a usage error throws before anything is printed.
  it('refuses a lookup of two families and a text that is no address, saying why (a usage error: exit 2)', () => {
    const run = (a: Parameters<typeof runRouteGet>[0]): unknown => {
      try {
        runRouteGet(a, () => {});
        return 'no error';
      } catch (err) {
        return err instanceof NetgenError ? [err.kind, err.message] : err;
      }
    };
    expect(run({ dest: '2001:db8::1', from: '172.16.3.111', model: SEED })).toEqual(['usage', '--from 172.16.3.111 is IPv4 but the destination 2001:db8::1 is IPv6: a lookup is of one family']);
    expect(run({ dest: '2001:db8::g', model: SEED })).toEqual(['usage', 'destination 2001:db8::g is not an IPv6 address: only hex digits, ":" and "." may appear']);
    expect(run({ dest: '2001:db8::1', from: '8.8.8.8', iif: 'eth0', model: SEED })).toEqual(['usage', '--from 8.8.8.8 is IPv4 but the destination 2001:db8::1 is IPv6: a lookup is of one family']);
    expect(run({ dest: '2001:db8::1', from: '2001:db8::9', iif: 'eth0', model: SEED })).toEqual(['usage', '--iif (the inbound question) is answered for IPv4 only']);
  });

  it('names the RFC 6724 rule that chose the source: after failover the VIP is deprecated, so the primary (rule 3)', () => {
    const out: string[] = [];
    const steps = [{ op: 'down' as const, address: '2001:db8:3::105' }, { op: 'add' as const, address: '2001:db8:3::105' }];
    runRouteGet({ dest: '2001:db8:9::1', steps, explain: true, model: DUAL }, (l) => void out.push(l));
    const lines = out.join('\n').split('\n');
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
