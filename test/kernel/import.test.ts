// Import round trip in the real kernel (issue 13, parts 4 and 5).
// (a) The original files of import cases are applied the way their consumer applies them,
//     and beside them the imported model rendered for every back-end (cross-distro too:
//     the RHEL seed rendered for Gentoo); both namespaces are asked the same `ip route get`
//     probes at boot and with each VIP taken away, and must answer the same (dev, via, src,
//     table; uid and the cache line left out).
// (b) `import --from live`: a namespace built from each seed example's rendered tree is
//     dumped with `ip -j` from inside it and imported; the model is the one the files give.
//     Two things live state cannot know are left out of the comparison, and only those: the
//     MTU when it is the kernel's 1500 (a file may say MTU=1500), and a MAC address that the
//     files did not set (every device has one).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsyaml from 'js-yaml';
import { afterAll, expect, it } from 'vitest';
import { importFiles, importLive, readImportTree } from '../../src/import/index.js';
import { withKernelSession, type Consumer, type KernelSession, type TreeFile } from '../../src/kernel/index.js';
import { runInNamespace } from '../../src/kernel/exec.js';
import { RESERVED_RT_TABLES, RT_TABLES_PATH } from '../../src/kernel/tree.js';
import { loadModel } from '../../src/model/index.js';
import { compilePlan } from '../../src/plan/compile.js';
import type { Plan } from '../../src/plan/types.js';
import { importCases, importProbes, importStates, planOfResult, runCase } from '../helpers/import-cases.js';
import { renderVariant, showKernel, VARIANTS, type CrossProbe } from '../helpers/probes.js';
import { REPO } from '../helpers/repo.js';
import { describeKernel } from './gate.js';

const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

/** Each probe's kernel answer in each state, one line each. */
function kernelAnswers(s: KernelSession, probes: readonly CrossProbe[], states: { name: string; down: string[] }[]): string[] {
  const out: string[] = [];
  for (const st of states) {
    for (const d of st.down) if (s.addresses().some((x) => x.address === d)) expect(s.down(d).status).toBe(0);
    const present = new Set(s.addresses().map((x) => x.address));
    const asked = probes.filter((p) => p.from === undefined || present.has(p.from));
    const answers = s.probeAll(asked);
    for (const [i, p] of asked.entries()) out.push(`${st.name}: ip route get ${p.to}${p.from ? ` from ${p.from}` : ''} => ${showKernel(answers[i]!)}`);
  }
  return out;
}

function session<T>(plan: Plan, fn: (s: KernelSession) => T): T {
  return withKernelSession({ links: plan.links, addresses: plan.addresses }, fn);
}

const KERNEL_CASES = ['seed-rhel-vip-egress', 'seed-gentoo-dual-switch', 'rhel-egress-near-miss', 'rhel-egress-own-route', 'rhel-ifup-local'];

describeKernel('import round trip in the kernel: original files vs the imported model rendered again', () => {
  for (const c of importCases().filter((x) => KERNEL_CASES.includes(x.name))) {
    const result = runCase(c);
    const literal = planOfResult(runCase(c, false));
    const lifted = planOfResult(result);
    const probes = importProbes(literal);
    // At boot, then with each VIP taken away in turn (the same steps on both sides).
    const states = importStates(literal);
    const original: TreeFile[] = readImportTree(c.root, c.from);
    let want: string[] | undefined;
    const wanted = (): string[] =>
      (want ??= session(literal, (s) => {
        s.apply(c.from as Consumer, original);
        return kernelAnswers(s, probes, states);
      }));
    // The seeds on every variant; the other cases on their own back-end and one other distro (time).
    const variants = c.name.startsWith('seed-') ? VARIANTS : VARIANTS.filter((v) => v.consumer === c.from || v.consumer === 'gentoo');
    for (const v of variants) {
      it(`${c.name} (${c.from} files) rendered for ${v.name}: ${probes.length} probes, ${states.length} state(s)`, () => {
        const files = renderVariant(lifted, v);
        const got = session(lifted, (s) => {
          const boot = s.apply(v.consumer, files);
          expect(boot.problems, 'the consumer read every rendered file').toEqual([]);
          return kernelAnswers(s, probes, states);
        });
        expect(got.length).toBeGreaterThan(probes.length - 1);
        expect(got, c.name).toEqual(wanted());
      }, 120_000);
    }
  }
});

/** `ip -j` dumps from inside the namespace, with the tree's rt_tables as /etc/iproute2/rt_tables. */
function dumpLive(s: KernelSession, rtTables: string): { addr: string; route: string; rule: string; rtDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ngk-import-'));
  tmp.push(dir);
  writeFileSync(join(dir, 'rt_tables'), rtTables);
  const run = (argv: string[]): string => {
    const r = runInNamespace(s.namespace, dir, argv);
    if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  return {
    addr: run(['ip', '-j', '-d', 'addr', 'show']),
    route: run(['ip', '-j', '-4', 'route', 'show', 'table', 'all']),
    rule: run(['ip', '-j', '-4', 'rule', 'show']),
    rtDir: dir,
  };
}

type Obj = Record<string, unknown>;

/** The model data, with what live state cannot tell taken out (see the header). */
function comparable(yaml: string, fileModel?: Obj): Obj {
  const m = jsyaml.load(yaml) as Obj;
  const walk = (o: Obj, f: Obj | undefined): void => {
    if (o['mtu'] === 1500) delete o['mtu'];
    if (f !== undefined && o['mac'] !== undefined && f['mac'] === undefined) delete o['mac'];
    for (const k of ['interfaces', 'vlans']) {
      const sub = o[k] as Record<string, Obj> | undefined;
      if (sub) for (const [n, x] of Object.entries(sub)) walk(x, f === undefined ? undefined : ((f[k] as Record<string, Obj> | undefined)?.[n] ?? {}));
    }
  };
  walk(m, fileModel);
  return m;
}

describeKernel('import --from live on a namespace built from each seed example', () => {
  for (const example of ['rhel-vip-egress', 'gentoo-dual-switch']) {
    const rel = `examples/${example}/netgen.yaml`;
    const plan = compilePlan(loadModel(join(REPO, rel), rel));
    for (const v of VARIANTS) {
      it(`${example} applied from its ${v.name} files`, () => {
        const files = renderVariant(plan, v);
        const fromFiles = importFiles(files, v.backend.name as 'rhel6' | 'gentoo' | 'gentoo-legacy', { host: plan.host, file: 'model.yaml' });
        const rt = files.find((f) => f.path === RT_TABLES_PATH)?.content ?? RESERVED_RT_TABLES;
        const live = session(plan, (s) => {
          s.apply(v.consumer, files);
          const d = dumpLive(s, rt);
          return importLive(
            { addr: { name: 'ip -j -d addr show', text: d.addr }, route: { name: 'ip -j route show table all', text: d.route }, rule: { name: 'ip -j rule show', text: d.rule }, rtTables: { path: 'rt_tables', content: rt, mode: 0o644 } },
            { host: plan.host, file: 'model.yaml' },
          );
        });
        expect(live.exitCode, live.report.filter((e) => e.status === 'not-representable').map((e) => `${e.item}: ${e.why}`).join('\n')).toBe(0);
        const fileData = comparable(fromFiles.yaml);
        expect(comparable(live.yaml, jsyaml.load(fromFiles.yaml) as Obj)).toEqual(fileData);
        expect(live.yaml).toContain(example === 'rhel-vip-egress' ? 'egress:' : 'source-routing:');

      }, 60_000);
    }
  }
});
