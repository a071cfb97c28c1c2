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
