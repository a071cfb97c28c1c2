// `netgen import` as a user runs it: --help, stdout or -o, --report JSON, the exit codes
// (0 all represented, 1 something not, 2 usage error), and --from live with saved `ip -j`
// outputs (test/import-live/<case>/, dumped from namespaces built from the seed examples'
// rendered trees; the kernel test re-dumps them live).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsyaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { importFiles } from '../src/import/index.js';
import { loadModel } from '../src/model/index.js';
import { compilePlan } from '../src/plan/compile.js';
import { runCli } from './helpers/cli.js';
import { renderVariant, VARIANTS } from './helpers/probes.js';
import { REPO } from './helpers/repo.js';

const dir = mkdtempSync(join(tmpdir(), 'netgen-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SEED_RHEL = 'test/import/seed-rhel-vip-egress';
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

describe('netgen import', () => {
  it('--help says what it reads, where, and shows examples', () => {
    const h = runCli(['import', '--help']);
    expect(h.code).toBe(0);
    for (const word of ['--from', '--root', '--host', '--report', '--no-lift', '--addr', '--rt-tables', 'Examples:', 'import --from rhel6 --root / -o host.yaml']) expect(h.stdout).toContain(word);
    expect(runCli(['--help']).stdout).toContain('import');
  });

  it('prints the model on stdout and the report on stderr; exit 0 when everything is represented', () => {
    const r = runCli(['import', '--from', 'rhel6', '--root', `${SEED_RHEL}/root`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(REPO, SEED_RHEL, 'expected/model.yaml'), 'utf8'));
    expect(r.stderr).toMatch(/^netgen import: 28 keys and lines read from 4 files: 14 represented, 4 lifted, 10 without effect, 0 not representable\n/);
    expect(r.stderr).toContain('lifted       etc/sysconfig/network-scripts/route-eth0:1');
    expect(runCli(['import', '--from', 'rhel6', '--root', `${SEED_RHEL}/root`]).stdout).toBe(r.stdout);
  });

  it('-o writes the model (never over a file without --force), --report writes the JSON report', () => {
    const model = join(dir, 'host.yaml');
    const report = join(dir, 'fidelity.json');
    const r = runCli(['import', '--from', 'rhel6', '--root', `${SEED_RHEL}/root`, '-o', model, '--report', report, '-q']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(loadModel(model).links[0]!.egress?.metric).toBe(1);
    const json = JSON.parse(readFileSync(report, 'utf8')) as { exitCode: number; summary: Record<string, number>; entries: unknown[] };
    expect(json.exitCode).toBe(0);
    expect(json.summary['lifted']).toBe(4);
    expect(json.entries).toHaveLength(28);
    writeFileSync(model, 'mine\n');
    const again = runCli(['import', '--from', 'rhel6', '--root', `${SEED_RHEL}/root`, '-o', model]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists; pass --force to replace it');
    expect(readFileSync(model, 'utf8')).toBe('mine\n');
    expect(runCli(['import', '--from', 'rhel6', '--root', `${SEED_RHEL}/root`, '-o', model, '--force']).code).toBe(0);
  });

  it('exits 1 when something could not be represented, and lists it with file:line and why', () => {
    const r = runCli(['import', '--from', 'rhel6', '--root', 'test/import/rhel-not-representable/root']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not-representable  etc/sysconfig/network-scripts/ifcfg-eth1:2   BOOTPROTO  DHCP is not modelled');
    expect(r.stdout).toContain('#   etc/sysconfig/network-scripts/ifcfg-eth2:2: MASTER: bonding is not modelled');
  });

  it('--no-lift keeps every route explicit', () => {
    const r = runCli(['import', '--from', 'rhel6', '--root', `${SEED_RHEL}/root`, '--no-lift']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('egress:');
    expect(r.stdout).toContain('- { to: 172.16.3.0/25, src: 172.16.3.105, metric: 1, scope: link, proto: kernel }');
  });

  it('usage errors exit 2 and say what to give', () => {
    const noHost = runCli(['import', '--from', 'rhel6', '--root', 'examples/rhel-vip-egress/expected/rhel6']);
    expect(noHost.code).toBe(2);
    expect(noHost.stderr).toContain('give --host NAME');
    expect(noHost.stdout).toBe('');
    expect(runCli(['import', '--from', 'rhel6', '--root', 'examples/rhel-vip-egress/expected/rhel6', '--host', 'db1']).code).toBe(0);
    const noRoot = runCli(['import', '--from', 'gentoo']);
    expect(noRoot.code).toBe(2);
    expect(noRoot.stderr).toContain('give --root DIR');
    const missing = runCli(['import', '--from', 'gentoo', '--root', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist');
    const empty = runCli(['import', '--from', 'gentoo', '--root', dir]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no gentoo network files below the root');
    const badFrom = runCli(['import', '--from', 'debian', '--root', dir]);
    expect(badFrom.code).toBe(2);
    const partial = runCli(['import', '--from', 'live', '--addr', 'x.json', '--host', 'h']);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toContain('give all three saved outputs');
    const junk = join(dir, 'junk.json');
    writeFileSync(junk, 'not json');
    const bad = runCli(['import', '--from', 'live', '--addr', junk, '--routes', junk, '--rules', junk, '--host', 'h']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("is not the JSON `ip -j` prints");
    expect(runCli(['import', '--from', 'live', '--root', dir]).code).toBe(2);
  });
});

describe('netgen import --from live, saved `ip -j` outputs', () => {
  for (const [name, example, distro, host] of [
    ['seed-rhel-vip-egress', 'rhel-vip-egress', 'rhel6', 'db-172-16-3-111'],
    ['seed-gentoo-dual-switch', 'gentoo-dual-switch', 'gentoo-legacy', 'box'],
  ] as const) {
    it(`${name}: the model the files give (MTU 1500 and MACs the files do not set aside)`, () => {
      const d = `test/import-live/${name}`;
      const r = runCli(['import', '--from', 'live', '--addr', `${d}/addr.json`, '--routes', `${d}/routes.json`, '--rules', `${d}/rules.json`, '--rt-tables', `${d}/rt_tables`, '--host', host]);
      expect(r.code, r.stderr).toBe(0);
      const expected = join(REPO, d, 'expected-model.yaml');
      if (UPDATE || !existsSync(expected)) {
        if (!UPDATE) throw new Error(`${expected} is missing (UPDATE_GOLDEN=1 writes it)`);
        writeFileSync(expected, r.stdout);
      }
      expect(r.stdout).toBe(readFileSync(expected, 'utf8'));
      const rel = `examples/${example}/netgen.yaml`;
      const plan = compilePlan(loadModel(join(REPO, rel), rel));
      const v = VARIANTS.find((x) => x.backend.name === distro && x.consumer === distro)!;
      const files = importFiles(renderVariant(plan, v), distro, { host });
      const strip = (yaml: string, macs: boolean): unknown =>
        JSON.parse(JSON.stringify(jsyaml.load(yaml)), (k, val: unknown) => ((k === 'mtu' && val === 1500) || (macs && k === 'mac') ? undefined : val));
      expect(strip(r.stdout, example === 'gentoo-dual-switch')).toEqual(strip(files.yaml, false));
      expect(r.stdout).toContain(example === 'rhel-vip-egress' ? 'egress:' : 'source-routing:');
    });
  }
});
