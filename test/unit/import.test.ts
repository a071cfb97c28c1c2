// Unit tests of the importers' pieces: the sh reader for conf.d/net, ip route/rule words,
// the RHEL semantics that decide what a file means, rule priorities, live state, YAML.
import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { importFiles, importLive, type ImportFile } from '../../src/import/index.js';
import { parseRouteWords, parseRuleWords, TableBook } from '../../src/import/ip-words.js';
import { readShVars, shLines } from '../../src/import/sh-vars.js';
import { newFacts, type ReportEntry } from '../../src/import/types.js';
import { emitYaml } from '../../src/import/yaml.js';

const entry: ReportEntry = { file: 'f', line: 1, item: 'x', status: 'represented' };
const tree = (files: Record<string, string>): ImportFile[] => Object.entries(files).map(([path, content]) => ({ path, content, mode: 0o644 }));
const data = (yaml: string): Record<string, unknown> => jsyaml.load(yaml) as Record<string, unknown>;
const eth0 = (yaml: string): Record<string, unknown> => (data(yaml)['interfaces'] as Record<string, Record<string, unknown>>)['eth0']!;
const NET = 'etc/sysconfig/network';
const NS = 'etc/sysconfig/network-scripts/';

describe('readShVars: conf.d/net as sh reads it, without running it', () => {
  it('reads strings over several lines, arrays with comments between elements, and quoting', () => {
    const f = readShVars(['config_eth0="1.2.3.4/24', '  5.6.7.8/24 label eth0:1"', 'routes_eth0=(', '  # the default', '  "default via 1.2.3.1"', "  'x y'", ')', 'a=b\\ c # note', 'q="say \\"hi\\""', ''].join('\n'));
    expect(f.code).toEqual([]);
    expect(shLines(f.vars.get('config_eth0'))).toEqual([{ text: '1.2.3.4/24', line: 1 }, { text: '5.6.7.8/24 label eth0:1', line: 2 }]);
    expect(f.vars.get('routes_eth0')).toMatchObject({ kind: 'array', items: [{ text: 'default via 1.2.3.1', line: 5 }, { text: 'x y', line: 6 }] });
    expect(shLines(f.vars.get('a'))[0]!.text).toBe('b c');
    expect(shLines(f.vars.get('q'))[0]!.text).toBe('say "hi"');
  });

  it('reports expansions, commands, functions and assignments inside blocks as shell code; the last assignment wins', () => {
    const f = readShVars(['a="$HOME"', 'b=1 c=2', 'echo hi', 'preup() {', '  ip link set up', '}', 'if true; then', '  d=1', 'fi', 'e=1', 'e=2', ''].join('\n'));
    expect(f.code.map((c) => c.line)).toEqual([1, 2, 3, 4, 7, 8, 9]);
    expect(f.code[0]!.why).toContain('$ expansion');
    expect(f.code[3]!.why).toContain('function preup');
    expect(f.code[5]!.why).toContain('assigned inside a shell block');
    expect([...f.vars.keys()]).toEqual(['e']);
    expect(shLines(f.vars.get('e'))[0]!.text).toBe('2');
    expect(f.overridden.map((v) => v.line)).toEqual([10]);
  });
});

describe('ip route / ip rule words', () => {
  const book = (): TableBook => new TableBook(newFacts());

  it('reads net-tools spellings, tables by number, and refuses what ip refuses', () => {
    const b = book();
    expect(parseRouteWords(['-net', '10.0.0.0', 'netmask', '255.0.0.0', 'gw', '10.1.1.1'], b, entry)).toMatchObject({ to: { prefix: 8 }, via: 0x0a010101 });
    expect(parseRouteWords(['192.0.2.0/24', 'via', '10.1.1.1', 'table', '100'], b, entry)).toMatchObject({ table: 't100' });
    expect(parseRouteWords(['192.0.2.0/24', 'table', 'nosuch'], b, entry)).toBe('table nosuch is not in rt_tables, so ip refuses the line');
    expect(parseRouteWords(['192.0.2.5/24', 'dev', 'eth0'], b, entry)).toContain('host bits set');
    expect(parseRouteWords(['blackhole', '10.0.0.0/8'], b, entry)).toContain('only unicast');
    expect(parseRouteWords(['10.0.0.0/8', 'via', '10.1.1.1', 'mtu', '1400'], b, entry)).toContain('`mtu`');
  });

  it('reads rules with lookup/pref spellings and refuses other selectors', () => {
    const b = book();
    expect(parseRuleWords(['from', '1.2.3.4', 'lookup', 'main', 'pref', '10'], b, entry)).toEqual({ from: { address: 0x01020304, prefix: 32 }, table: 'main', priority: 10 });
    expect(parseRuleWords(['fwmark', '1', 'table', 'main'], b, entry)).toContain('fwmark');
    expect(parseRuleWords(['from', 'all'], b, entry)).toContain('without a table');
  });
});

describe('RHEL semantics', () => {
  it('an alias takes the parent\'s PREFIX over its own NETMASK, as ifup-aliases does', () => {
    const r = importFiles(
      tree({
        [NET]: 'HOSTNAME=h\n',
        [`${NS}ifcfg-eth0`]: 'DEVICE=eth0\nIPADDR=10.0.0.2\nPREFIX=24\n',
        [`${NS}ifcfg-eth0:1`]: 'DEVICE=eth0:1\nIPADDR=10.0.0.3\nNETMASK=255.255.0.0\n',
      }),
      'rhel6',
    );
    expect(eth0(r.yaml)['aliases']).toEqual({ 'eth0:1': { address: '10.0.0.3/24' } });
    expect(r.report.find((e) => e.file.endsWith('eth0:1') && e.item === 'NETMASK')).toMatchObject({ status: 'ignored' });
  });

  it('of two devices with a GATEWAY the one brought up last wins; METRIC makes it a route', () => {
    const r = importFiles(
      tree({
        [NET]: 'HOSTNAME=h\n',
        [`${NS}ifcfg-eth0`]: 'DEVICE=eth0\nIPADDR=10.0.0.2\nPREFIX=24\nGATEWAY=10.0.0.1\n',
        [`${NS}ifcfg-eth1`]: 'DEVICE=eth1\nIPADDR=10.1.0.2\nPREFIX=24\nGATEWAY=10.1.0.1\nMETRIC=5\n',
      }),
      'rhel6',
    );
    const m = data(r.yaml)['interfaces'] as Record<string, Record<string, unknown>>;
    expect(m['eth0']!['gateway']).toBeUndefined();
    expect(m['eth1']!['routes']).toEqual([{ to: 'default', via: '10.1.0.1', metric: 5 }]);
    expect(r.report.find((e) => e.file.endsWith('ifcfg-eth0') && e.item === 'GATEWAY')).toMatchObject({ status: 'ignored', why: expect.stringContaining('eth1 comes up later') });
  });

  it('a route line without dev goes out of the device, up by then, whose subnet holds its gateway', () => {
    const r = importFiles(
      tree({
        [NET]: 'HOSTNAME=h\n',
        [`${NS}ifcfg-eth0`]: 'DEVICE=eth0\nIPADDR=10.0.0.2\nPREFIX=24\n',
        [`${NS}ifcfg-eth1`]: 'DEVICE=eth1\nIPADDR=10.1.0.2\nPREFIX=24\n',
        [`${NS}route-eth0`]: '198.51.100.0/24 via 10.1.0.1\n',
        [`${NS}route-eth1`]: '192.0.2.0/24 via 10.0.0.1\n',
      }),
      'rhel6',
    );
    const m = data(r.yaml)['interfaces'] as Record<string, Record<string, unknown>>;
    expect(m['eth0']!['routes']).toEqual([{ to: '192.0.2.0/24', via: '10.0.0.1' }]);
    // route-eth0 is applied when eth0 comes up, before eth1: ip finds no way to 10.1.0.1 then.
    expect(r.report.find((e) => e.file.endsWith('route-eth0'))).toMatchObject({ status: 'not-representable', why: expect.stringContaining('ip refuses it at boot') });
  });

  it('route6- files are reported, not skipped', () => {
    const r = importFiles(tree({ [NET]: 'HOSTNAME=h\n', [`${NS}ifcfg-eth0`]: 'DEVICE=eth0\nIPADDR=10.0.0.2\nPREFIX=24\n', [`${NS}route6-eth0`]: '2001:db8::/32 via fe80::1\n' }), 'rhel6');
    expect(r.exitCode).toBe(1);
    expect(r.report.find((e) => e.file.endsWith('route6-eth0'))).toMatchObject({ status: 'not-representable', why: 'IPv6 is not imported yet (the model takes it: write it in by hand)' });
  });

  it('a second route the kernel refuses (same table, destination, metric) leaves the model with the validator\'s reason', () => {
    const r = importFiles(
      tree({ [NET]: 'HOSTNAME=h\n', [`${NS}ifcfg-eth0`]: 'DEVICE=eth0\nIPADDR=10.0.0.2\nPREFIX=24\n', [`${NS}route-eth0`]: '192.0.2.0/24 via 10.0.0.1 dev eth0\n192.0.2.0/24 via 10.0.0.9 dev eth0\n' }),
      'rhel6',
    );
    expect(eth0(r.yaml)['routes']).toEqual([{ to: '192.0.2.0/24', via: '10.0.0.1' }]);
    expect(r.report.find((e) => e.line === 2 && e.file.endsWith('route-eth0'))).toMatchObject({ status: 'not-representable', why: expect.stringContaining('File exists') });
  });
});

describe('rule priorities', () => {
  const files = (rules: string): ImportFile[] =>
    tree({
      [NET]: 'HOSTNAME=h\n',
      'etc/iproute2/rt_tables': '1 a\n2 b\n',
      [`${NS}ifcfg-eth0`]: 'DEVICE=eth0\nIPADDR=10.0.0.2\nPREFIX=24\n',
      [`${NS}route-eth0`]: '192.0.2.0/24 via 10.0.0.1 dev eth0 table a\n192.0.2.0/24 via 10.0.0.9 dev eth0 table b\n',
      [`${NS}rule-eth0`]: rules,
    });

  it('rules without priority that cannot both match are left to netgen\'s numbering', () => {
    const r = importFiles(files('from 10.0.0.2 table a\nfrom 10.0.0.3 table b\n'), 'rhel6');
    expect(eth0(r.yaml)['routing-policy']).toEqual([{ from: '10.0.0.2', table: 'a' }, { from: '10.0.0.3', table: 'b' }]);
  });

  it('overlapping rules without priority keep the kernel\'s order: the one added last comes first', () => {
    const r = importFiles(files('from 10.0.0.0/24 table a\nfrom 10.0.0.2 table b\n'), 'rhel6');
    expect(eth0(r.yaml)['routing-policy']).toEqual([{ from: '10.0.0.0/24', table: 'a', priority: 32765 }, { from: '10.0.0.2', table: 'b', priority: 32764 }]);
  });
});

describe('Gentoo semantics', () => {
  it('routes_ lines: the old `DEST GATEWAY` shorthand, metric_ and a metric carried to the lines after it', () => {
    const r = importFiles(
      tree({
        'etc/hostname': 'g\n',
        'etc/conf.d/net': 'config_eth0="10.0.0.2/24"\nroutes_eth0="192.0.2.0/24 10.0.0.1\n198.51.100.0/24 via 10.0.0.1 metric 7\n203.0.113.0/24 via 10.0.0.1"\n',
      }),
      'gentoo',
    );
    expect(eth0(r.yaml)['routes']).toEqual([
      { to: '192.0.2.0/24', via: '10.0.0.1' },
      { to: '198.51.100.0/24', via: '10.0.0.1', metric: 7 },
      { to: '203.0.113.0/24', via: '10.0.0.1', metric: 7 },
    ]);
    expect(r.report.find((e) => e.item.includes('203.0.113.0/24'))!.why).toBe('metric 7 carried over from an earlier line');
  });

  it('under --from gentoo, conf.d/local.start is not read (OpenRC never runs it); local.d scripts must be executable', () => {
    const r = importFiles(
      [
        ...tree({ 'etc/hostname': 'g\n', 'etc/conf.d/net': 'config_eth0="10.0.0.2/24"\n', 'etc/conf.d/local.start': 'ip rule add from 10.0.0.2 table main\n' }),
        { path: 'etc/local.d/rules.start', content: 'ip rule add from 10.0.0.2 table main priority 50\n', mode: 0o644 },
      ],
      'gentoo',
    );
    expect(eth0(r.yaml)['routing-policy']).toBeUndefined();
    expect(r.report.find((e) => e.file === 'etc/conf.d/local.start')).toMatchObject({ status: 'ignored' });
    expect(r.report.find((e) => e.file === 'etc/local.d/rules.start')).toMatchObject({ status: 'ignored', why: expect.stringContaining('not executable') });
  });
});

describe('live state', () => {
  const addr = JSON.stringify([
    { ifindex: 1, ifname: 'lo', link_type: 'loopback', flags: ['UP'], addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, label: 'lo' }] },
    {
      ifindex: 2,
      ifname: 'eth0',
      link_type: 'ether',
      flags: ['UP'],
      mtu: 1500,
      address: '52:54:00:00:00:01',
      addr_info: [
        { family: 'inet', local: '10.0.0.2', prefixlen: 24, label: 'eth0' },
        { family: 'inet6', local: 'fe80::1', prefixlen: 64 },
        { family: 'inet6', local: '2001:db8::2', prefixlen: 64 },
      ],
    },
    { ifindex: 3, ifname: 'eth1', link_type: 'ether', flags: ['UP'], mtu: 1500, address: '52:54:00:00:00:02', addr_info: [{ family: 'inet', local: '192.168.1.50', prefixlen: 24, label: 'eth1', dynamic: true }] },
  ]);
  const route = JSON.stringify([
    { dst: 'default', gateway: '10.0.0.1', dev: 'eth0', flags: [] },
    { dst: '10.0.0.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '10.0.0.2', flags: [] },
    { dst: '169.254.0.0/16', dev: 'eth0', scope: 'link', metric: 1002, flags: [] },
    { type: 'local', dst: '10.0.0.2', table: 'local', dev: 'eth0', protocol: 'kernel', scope: 'host', prefsrc: '10.0.0.2', flags: [] },
  ]);
  const rule = JSON.stringify([
    { priority: 0, src: 'all', table: 'local' },
    { priority: 100, src: 'all', fwmark: '0x1', table: 'main' },
    { priority: 32766, src: 'all', table: 'main' },
    { priority: 32767, src: 'all', table: 'default' },
  ]);

  it('recognises what the kernel and initscripts make, and reports what the model cannot say', () => {
    const r = importLive({ addr: { name: 'a', text: addr }, route: { name: 'r', text: route }, rule: { name: 'u', text: rule } }, { host: 'h' });
    expect(eth0(r.yaml)).toEqual({ addresses: ['10.0.0.2/24'], gateway: '10.0.0.1', mac: '52:54:00:00:00:01' });
    expect(r.report.filter((e) => e.file === 'r').map((e) => e.status)).toEqual(['represented', 'ignored', 'ignored', 'ignored']);
    expect(r.report.find((e) => e.file === 'u' && e.line === 2)).toMatchObject({ status: 'not-representable', why: expect.stringContaining('fwmark') });
    const a = r.report.filter((e) => e.file === 'a');
    expect(a.find((e) => e.item.includes('fe80::1'))).toMatchObject({ status: 'ignored' });
    expect(a.find((e) => e.item.includes('2001:db8::2'))).toMatchObject({ status: 'not-representable', why: 'IPv6 is not imported yet (the model takes it: write it in by hand)' });
    expect(a.find((e) => e.item.includes('192.168.1.50'))).toMatchObject({ status: 'not-representable', why: expect.stringContaining('DHCP lease') });
    expect(r.exitCode).toBe(1);
  });
});

describe('emitYaml', () => {
  it('quotes what YAML would read as something else, and loads back to the same data', () => {
    const obj = { host: 'h', a: 'true', b: '1.5', c: 'null', d: '10.0.0.1/24', e: 'eth0:1', f: [{ to: 'default', metric: 0 }], g: {} };
    const y = emitYaml(obj, { above: new Map(), after: new Map() }, ['head']);
    expect(y).toContain('a: "true"');
    expect(y).toContain('b: "1.5"');
    expect(y).toContain('d: 10.0.0.1/24');
    expect(jsyaml.load(y)).toEqual(obj);
  });
});
