// Hostile strings in every name a model carries. Each one is either refused with a model
// error, or accepted and then harmless: sourcing every shell-read file runs nothing and
// yields exactly the intended value, and no path leaves the target tree.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BACKENDS } from '../src/backends/index.js';
import { ModelError, NetgenError } from '../src/errors.js';
import { parseModel } from '../src/model/index.js';
import { mergeContent } from '../src/output/merge.js';
import { compilePlan } from '../src/plan/compile.js';
import { renderFiles } from '../src/render/index.js';

const CANARY_DIR = mkdtempSync(join(tmpdir(), 'netgen-canary-'));
const CANARY = join(CANARY_DIR, 'pwned');

const nasty = [
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  `x;touch ${CANARY}`,
  `x&&touch ${CANARY}`,
  `x|touch ${CANARY}`,
  `x"; touch ${CANARY}; "`,
  `x'; touch ${CANARY}; '`,
  `x\ntouch ${CANARY}`,
  'x\r\ny',
  '../../../../etc/passwd',
  '../x',
  '/abs',
  'a\u0000b',
  'x'.repeat(5000),
  'ünïcödé',
  'eth0 ',
  ' eth0',
  '-rf',
  '*',
  'a$b',
  'a\\',
  '${IFS}',
  'x#y',
  '~root',
];

const hostile = fc.oneof(
  fc.constantFrom(...nasty),
  fc.string({ unit: fc.constantFrom(...'a0_.-:;$`"\'\\|&<>(){}[]*?~# \n\t/!'.split('')), minLength: 1, maxLength: 20 }),
  fc.tuple(fc.constantFrom('eth0', 'e0v10', 'db1'), fc.constantFrom(...nasty)).map(([a, b]) => a + b),
);

type Slot = 'host' | 'iface' | 'aliasTag' | 'table' | 'vlanName' | 'proto';

function modelWith(slot: Slot, s: string): string {
  const ifname = slot === 'iface' ? s : 'eth0';
  const iface: Record<string, unknown> = {
    addresses: ['172.16.3.111/24'],
    gateway: '172.16.3.1',
    aliases: { [`${ifname}:${slot === 'aliasTag' ? s : '1'}`]: { address: '172.16.3.105/24' } },
    egress: { prefer: '172.16.3.105' },
    routes: [{ to: '10.0.0.0/8', via: '172.16.3.2', table: slot === 'table' ? s : 't1', ...(slot === 'proto' ? { proto: s } : {}) }],
    'source-routing': { table: slot === 'table' ? s : 't1' },
  };
  const model: Record<string, unknown> = {
    host: slot === 'host' ? s : 'db1',
    tables: { [slot === 'table' ? s : 't1']: 7 },
    interfaces: { [ifname]: iface },
  };
  if (slot === 'vlanName') model.vlans = { [s]: { id: 10, link: ifname, addresses: ['1.2.3.16/24'] } };
  return JSON.stringify(model);
}

/** Source a file with a shell in an empty directory; print one variable. */
function sourced(shell: string, file: string, variable: string): { out: string; status: number | null } {
  const r = spawnSync(shell === 'bash' ? '/bin/bash' : '/bin/sh', ['-c', `. "$1" >/dev/null 2>&1; printf '%s' "\${${variable}}"`, 'sh', file], {
    cwd: CANARY_DIR,
    encoding: 'utf8',
    env: { PATH: '/nonexistent' },
    timeout: 5000,
  });
  return { out: r.stdout, status: r.status };
}

describe('hostile strings in the model', () => {
  it('are refused or rendered harmless, on every back-end', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.constantFrom<Slot>('host', 'iface', 'aliasTag', 'table', 'vlanName', 'proto'), hostile, (slot, s) => {
        let plan;
        try {
          plan = compilePlan(parseModel(modelWith(slot, s), 'hostile.yaml'));
        } catch (err) {
          expect(err, String(err)).toBeInstanceOf(ModelError);
          refused++;
          return;
        }
        accepted++;
        const root = mkdtempSync(join(tmpdir(), 'netgen-hostile-'));
        try {
          for (const backend of BACKENDS) {
            let files;
            try {
              files = renderFiles(backend.planFiles(plan, {}));
            } catch (err) {
              // A back-end may refuse what it cannot spell, but only as a model error.
              expect(err).toBeInstanceOf(NetgenError);
              expect((err as NetgenError).kind).toBe('model');
              continue;
            }
            for (const f of files) {
              const p = normalize(f.path);
              expect(p.startsWith('..') || p.startsWith('/') || p.includes('\0'), f.path).toBe(false);
              const abs = join(root, backend.name, p);
              mkdirSync(dirname(abs), { recursive: true });
              const content = mergeContent(f, undefined, plan.source);
              if (content === undefined) continue;
              writeFileSync(abs, content);
              const name = p.split('/').pop()!;
              if (/^ifcfg-/.test(name)) {
                const dev = sourced('sh', abs, 'DEVICE');
                expect(dev.status).toBe(0);
                expect(dev.out).toBe(name.slice('ifcfg-'.length));
              } else if (p === 'etc/conf.d/net') {
                const shell = backend.name === 'gentoo-legacy' ? 'bash' : 'sh';
                const v = sourced(shell, abs, `config_${plan.links[0]!.name.replace(/[^A-Za-z0-9_]/g, '_')}`);
                expect(v.status).toBe(0);
                if (backend.name !== 'gentoo-legacy') expect(v.out.split('\n')[0]).toBe(`${plan.addresses[0]!.address}/${plan.addresses[0]!.prefix}`);
              } else if (p === 'etc/sysconfig/network') {
                expect(sourced('sh', abs, 'NETWORKING').status).toBe(0);
              } else if (/start$/.test(name)) {
                expect(spawnSync('sh', ['-n', abs]).status).toBe(0);
                for (const line of f.content.split('\n')) {
                  if (line === '' || line.startsWith('#')) continue;
                  expect(line, `${p}: every command is a plain ip rule call (or applies netgen's sysctl file)`).toMatch(/^(status=0|exit \$status|\/sbin\/sysctl -q -p \/etc\/sysctl\.d\/60-netgen\.conf|\/sbin\/sysctl -q -w net\.ipv4\.conf\.[A-Za-z0-9_/-]+\.[a-z_]+=\d+|(\/sbin\/)?ip rule (add|del) [A-Za-z0-9_.:/ -]+?( 2>\/dev\/null \|\| true| \|\| status=1)?)$/);
                }
              }
            }
          }
          expect(readdirSync(CANARY_DIR)).toEqual([]);
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }),
      { numRuns: 300, seed: Number(process.env.NETGEN_PROPERTY_SEED ?? 20261123) },
    );
    expect(readdirSync(CANARY_DIR)).toEqual([]);
    // Both outcomes must have been exercised, or the property proved little.
    expect(refused).toBeGreaterThan(50);
    expect(accepted).toBeGreaterThan(0);
  });

  it('never reach the shell from the model at all: every accepted name is in the strict grammar', () => {
    for (const s of nasty) {
      for (const slot of ['host', 'iface', 'aliasTag', 'table', 'vlanName', 'proto'] as const) {
        expect(() => compilePlan(parseModel(modelWith(slot, s), 'h.yaml')), `${slot}=${JSON.stringify(s)}`).toThrow(ModelError);
      }
    }
  });
});
