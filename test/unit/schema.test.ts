import { join } from 'node:path';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/repo.js';
import { modelJsonSchema } from '../../src/model/json-schema.js';
import { parseIp, parsePrefix } from '../../src/net/ip.js';
import { IFNAME, TABLE_NAME, sysctlKeys } from '../../src/model/schema.js';
import { endsWithDotNumber } from '../../src/model/validate.js';
import fc from 'fast-check';

describe('JSON Schema for editors', () => {
  it('is reachable outside the repository: an export of the installed package', () => {
    // Node resolves a package's own name through its exports, as an installed copy would be.
    const resolved = createRequire(join(REPO, 'package.json')).resolve('netgen/schema/netgen.schema.json');
    expect(resolved).toBe(join(REPO, 'schema', 'netgen.schema.json'));
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('schema');
  });

  it('is the one generated from the validator\'s schema (run `npm run schema` after changing it)', () => {
    const shipped = readFileSync(new URL('../../schema/netgen.schema.json', import.meta.url), 'utf8');
    expect(shipped).toBe(modelJsonSchema());
  });

  it('refuses unknown keys, like the validator', () => {
    const schema = JSON.parse(modelJsonSchema()) as { additionalProperties: unknown; required: string[] };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['host', 'interfaces']);
  });

  it('gives editors patterns for addresses, prefixes and names that agree with the validator', () => {
    type Node = { [k: string]: Node } & { pattern?: string };
    const schema = JSON.parse(modelJsonSchema()) as Node;
    const iface = schema.properties!.interfaces!;
    const re = (n: Node | undefined): RegExp => {
      expect(n?.pattern, JSON.stringify(n)).toBeDefined();
      return new RegExp(n!.pattern!, 'u');
    };
    const fields = iface.additionalProperties!.properties!;
    const v4Samples = ['172.16.3.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '172.16.3.300', '1.2.3.4/24', ' 1.2.3.4'];
    const v6Samples = [
      '2001:db8::1', '::', '::1', '1::', 'fe80::1:2:3:4:5:6', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1::2::3',
      '::ffff:192.0.2.1', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', '::1.2.3.4', '1:2:3:4:5::1.2.3.4', '1:2:3:4:5:6::1.2.3.4', '2001:DB8::A',
      '12345::', ':1::', '1:::2', 'fe80::1%eth0', '2001:db8::g', '1.2.3.4::', '::1.2.3', '::01.2.3.4', '1:2:3:4:5:6:7:8::',
    ];
    const cases: [RegExp, (s: string) => boolean, string[]][] = [
      [re(fields.gateway!.anyOf![0]), (s) => parseIp(s) !== undefined, [...v4Samples, ...v6Samples]],
      [re(fields.addresses!.items), (s) => parsePrefix(s) !== undefined, ['172.16.3.111/24', '10.0.0.1/32', '10.0.0.1/33', '10.0.0.1', '172.16.3.300/24', '1.2.3.4/024', ...v6Samples.flatMap((a) => [`${a}/64`, `${a}/128`, `${a}/129`, `${a}/064`])]],
      [re(iface.propertyNames), (s) => IFNAME.test(s), ['eth0', 'eth0.10', 'bond_1', 'eth 1', 'eth0:1', 'a'.repeat(16), '-x']],
      [re(schema.properties!.tables!.propertyNames), (s) => TABLE_NAME.test(s), ['e0v10', 'uplink', '1abc', 'a b']],
    ];
    for (const [pattern, accepts, samples] of cases) {
      for (const s of samples) expect(pattern.test(s), `${pattern} on ${JSON.stringify(s)}`).toBe(accepts(s));
    }
  });

  it('lists the sysctl values the validator takes', () => {
    type Node = { [k: string]: Node } & { enum?: number[] };
    const schema = JSON.parse(modelJsonSchema()) as Node;
    const keys = schema.properties!.interfaces!.additionalProperties!.properties!.sysctl!.properties!;
    for (const key of ['rp_filter', 'arp_filter', 'arp_ignore', 'arp_announce']) {
      const listed = keys[key]!.enum;
      expect(listed, key).toBeDefined();
      for (let v = -1; v <= 10; v++) expect(listed!.includes(v), `${key}: ${v}`).toBe(sysctlKeys.safeParse({ [key]: v }).success);
    }
  });
});

describe('names the validator reads', () => {
  it('endsWithDotNumber is /\\.\\d+$/ (a VLAN written by name, `eth0.10`)', () => {
    for (const t of ['eth0.10', 'eth0.', 'eth0', '.5', '5', '', 'a.b.7', 'e.1x', 'eth0..1', 'x.\u0661']) expect(endsWithDotNumber(t), t).toBe(/\.\d+$/.test(t));
    const chars = fc.constantFrom('e', '0', '1', '9', '.', '-', ':', '\u0663');
    fc.assert(fc.property(fc.array(chars, { maxLength: 8 }).map((a) => a.join('')), (t) => endsWithDotNumber(t) === /\.\d+$/.test(t)), { numRuns: 3000 });
  });
});
