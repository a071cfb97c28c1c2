// How the harness reads and shows the kernel's answers (src/kernel/probe.ts).
import { describe, expect, it } from 'vitest';
import { answerText } from '../../src/kernel/probe.js';

describe('answerText: a kernel answer as verify --kernel shows it', () => {
  it('IPv4: the text after the destination, up to uid', () => {
    expect(answerText({ dest: '192.168.1.1', via: '172.16.3.1', dev: 'eth0', src: '172.16.3.105', raw: '192.168.1.1 via 172.16.3.1 dev eth0 src 172.16.3.105 uid 0 \n    cache ' })).toBe(
      'via 172.16.3.1 dev eth0 src 172.16.3.105',
    );
  });

  it('IPv6: without the from :: of a lookup without source, and without proto, metric and pref', () => {
    const raw = '2001:db8:9::1 from :: via 2001:db8:3::1 dev eth0 proto kernel src 2001:db8:3::105 metric 1 pref medium';
    expect(answerText({ dest: '2001:db8:9::1', via: '2001:db8:3::1', dev: 'eth0', src: '2001:db8:3::105', raw })).toBe('via 2001:db8:3::1 dev eth0 src 2001:db8:3::105');
    const from = '2001:4860:4860::8888 from 2001:db8:10::17 via 2001:db8:10::3 dev eth1.10 table e1v10 proto static src 2001:db8:10::17 metric 1024 pref medium';
    expect(answerText({ dest: '2001:4860:4860::8888', dev: 'eth1.10', raw: from })).toBe('from 2001:db8:10::17 via 2001:db8:10::3 dev eth1.10 table e1v10 src 2001:db8:10::17');
  });

  it('an error answer is the message', () => {
    expect(answerText({ dest: '2001:db8:9::1', dev: '', raw: 'RTNETLINK answers: Network is unreachable\n' })).toBe('RTNETLINK answers: Network is unreachable');
  });
});
