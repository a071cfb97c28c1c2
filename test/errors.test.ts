// The bad-model corpus: each test/errors/<case>/ holds a model and the exact message a
// user must see (expected.txt). UPDATE_GOLDEN=1 writes missing or changed messages.
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NetgenError } from '../src/errors.js';
import { loadModel } from '../src/model/index.js';
import { compilePlan } from '../src/plan/compile.js';
import { REPO } from './helpers/repo.js';
import { runCli } from './helpers/cli.js';

const update = process.env.UPDATE_GOLDEN === '1' && !process.env.CI;
const base = join(REPO, 'test/errors');
const cases = readdirSync(base).sort();

function messageFor(model: string): string {
  try {
    compilePlan(loadModel(model, relative(REPO, model)));
  } catch (err) {
    if (err instanceof NetgenError) return err.message;
    throw err;
  }
  return '(no error)';
}

// Every refusal the corpus shows, by the words of its message: each must be shown by at
// least two cases (the plain one and an edge: a VLAN, an alias, a second interface, JSON),
// and every problem line of every case must be one of them, so a new message needs its
// entry here (and its two cases).
const REFUSALS: [string, RegExp][] = [
  ['YAML syntax', /: YAML syntax: /],
  ['JSON syntax', /: JSON syntax: /],
  ['not UTF-8', /is not UTF-8 text/],
  ['empty model', /the model is empty/],
  ['not a directory', /is a directory; give a \.yaml or \.json file/],
  ['unknown key', /unknown key `/],
  ['required key', /` is required \(/],
  ['wrong type', /: expected (a|an) [a-z ():,]+, got /],
  ['too small', /is too small: at least/],
  ['too large', /is too large: at most/],
  ['not one of', /is not one of /],
  ['inbound or ARP expectation without its question', /an ARP expectation needs `on`|an inbound expectation \(`iif`\) needs `from`/],
  ['route fields on an inbound or ARP expectation', /an (ARP|inbound) expectation \(`(who-has|iif)`\) (takes|checks) only/],
  ['VLANs with different sysctl values', /VLANs are created after sysctl runs at boot/],
  ['not an address', /is not an IPv[46] address/],
  ['IPv6 not canonical', /is not written in canonical form \(RFC 5952/],
  ['one family per route or rule', /a (route|rule) is one family/],
  ['one per family', /give at most one per family/],
  ['one family per lookup', /one lookup is one family/],
  ['not an interface address', /is (the loopback address|the unspecified address|a multicast address), not an interface address/],
  ['link-local via without dev', /is a link-local gateway, which every link has: give `dev`/],
  ['inbound IPv6', /inbound lookups \(`iif`\) are checked for IPv4 only/],
  ['Pacemaker IPv6 fallback metric', /whose Route agent adds IPv6 routes without a metric/],
  ['bad host name', /is not a host name/],
  ['bad MAC', /is not a MAC address/],
  ['bad proto', /is not a route protocol/],
  ['no interfaces', /the model has no interfaces/],
  ['interface name', /is not an interface name|Linux allows at most 15/],
  ['VLAN id', /VLAN id .* is not a whole number from 1 to 4094/],
  ['VLAN twice', /VLAN \d+ on \S+ is defined twice/],
  ['VLAN parent', /VLAN `[^`]+` (names parent|needs its parent)/],
  ['interface twice', /interface `[^`]+` is defined twice/],
  ['alias label', /alias label .* is not `|its label must start with/],
  ['table name', /is not a table name `ip` accepts|is a word `ip` reads as something else/],
  ['table reserved', /is a reserved table|table number \d+ is reserved/],
  ['table number taken', /table number \d+ is taken by/],
  ['table undeclared', /is not declared under `tables:`/],
  ['address twice', /is configured twice/],
  ['network/broadcast address', /is the (network|broadcast) address of/],
  ['subnet in 0.0.0.0/8', /adds no connected route for a subnet that starts in 0\.0\.0\.0\/8/],
  ['MAC the kernel refuses', /MAC address.*, which no device can have/],
  ['gateway outside subnets', /gateway \S+ is not inside a subnet of/],
  ['gateway is a host address', /gateway \S+ is an address of this host/],
  ['gateway only through a later alias', /which has `on-parent: false`: it is not up at boot/],
  ['host bits', /has host bits set/],
  ['from and src', /give the source once/],
  ['src not on host', /is not an address configured on this host/],
  ['src comes up later', /which comes up after/],
  ['scope with a gateway', /cannot be `scope: link`|cannot have a gateway/],
  ['on-link without via', /`on-link` is about a gateway/],
  ['device not in model', /device `[^`]+` is not an interface of this model/],
  ['connected route metric 0', /is the kernel's own connected route/],
  ['route collision', /is there already .*File exists/],
  ['priority reserved', /is the kernel's own (in `ip -6 rule` )?\(0 local/],
  ['priority twice', /priority \d+ is used twice/],
  ['egress prefer not on link', /is not an address of \S+: add it under/],
  ['egress prefer primary', /is already \S+'s primary address/],
  ['egress split too long', /the egress split needs \/(30|126) or shorter/],
  ['egress metric order', /the preferred metric .* must be lower than the fallback metric/],
  ['expect down not on host', /so it cannot be taken away/],
  ['expect up not on host', /so it cannot be brought back/],
  ['expect step up while present', /is present at this point .*take it `down` first/],
  ['expect step two events', /a step is one event: give only one of/],
  ['expect step down twice', /is already down at this point/],
  ['expect step empty', /a step needs one of `down`, `up` or `add`/],
  ['egress metric overflow', /with the egress intent of \S+ this route is also added at metric .* above 4294967295/],
  ['managed: instance settings differ', /the aliases of one instance share its settings/],
  ['managed: keepalived without vrrp', /is managed by keepalived: give its `vrrp:`/],
  ['managed: on-parent true', /which brings it up only on the node that holds it; `on-parent: true`/],
  ['managed: router-id taken', /router-id \d+ on \S+ is taken by instance/],
  ['managed: vrrp interface unknown', /vrrp\.interface: `[^`]+` is not an interface of this model/],
  ['managed: unicast peer is this host', /unicast peers are the other nodes/],
  ['managed: instance name', /is not a name \(a letter, then letters/],
  ['managed: settings without managed-by', /configures (keepalived|Pacemaker): add `managed-by: /],
];

describe('bad models', () => {
  it('has a corpus of at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  for (const name of cases) {
    it(name, () => {
      const dir = join(base, name);
      const model = ['model.yaml', 'model.json'].map((m) => join(dir, m)).find((m) => existsSync(m));
      expect(model, `${dir} has no model.yaml or model.json`).toBeDefined();
      const got = messageFor(model!);
      const expectedFile = join(dir, 'expected.txt');
      if (update && (!existsSync(expectedFile) || readFileSync(expectedFile, 'utf8') !== got + '\n')) writeFileSync(expectedFile, got + '\n');
      expect(got).not.toBe('(no error)');
      expect(got + '\n').toBe(readFileSync(expectedFile, 'utf8'));
    });
  }

  it('shows every refusal with at least two cases, and every message is a known refusal', () => {
    const lines = cases.flatMap((name) => {
      const f = join(base, name, 'expected.txt');
      return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l !== '' && !/^\d+ problems? in the model:$/.test(l)).map((l) => ({ name, l })) : [];
    });
    const unknown = lines.filter(({ l }) => !REFUSALS.some(([, re]) => re.test(l))).map(({ name, l }) => `${name}:${l}`);
    expect(unknown, 'messages no REFUSALS entry names').toEqual([]);
    const thin = REFUSALS.map(([what, re]) => [what, new Set(lines.filter(({ l }) => re.test(l)).map(({ name }) => name)).size] as const).filter(([, n]) => n < 2);
    expect(thin, 'refusals with fewer than two cases').toEqual([]);
  });

  it('refuses a 50 MB model before parsing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netgen-big-'));
    try {
      const file = join(dir, 'big.yaml');
      const fd = openSync(file, 'w');
      const chunk = Buffer.alloc(1024 * 1024, '# padding padding padding padding\n');
      for (let i = 0; i < 50; i++) writeSync(fd, chunk);
      closeSync(fd);
      expect(messageFor(file)).toMatch(/big\.yaml:1:1: the file is 52428800 bytes; a model may be at most \d+ bytes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad models through the CLI', () => {
  it('exits 2, lists every problem with file:line:col, writes nothing, shows no stack trace', () => {
    const out = mkdtempSync(join(tmpdir(), 'netgen-err-'));
    try {
      const r = runCli(['render', '--distro', 'rhel6', '-m', 'test/errors/many-problems/model.yaml', '--root', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('test/errors/many-problems/model.yaml:4:17: interfaces.eth0.addresses[0]: "172.16.3.300/24" is not an IPv4 address');
      expect(r.stderr).toContain('did you mean `gateway`?');
      expect(r.stderr).toContain('nothing was written');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(readdirSync(out)).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
