import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.js';
import { parseModel } from '../../src/model/index.js';
import { shape } from '../../src/model/shape.js';

/** The problems of a model, as `path: message`; [] when it validates. */
function problems(yaml: string): string[] {
  try {
    parseModel(yaml, 'm.yaml');
    return [];
  } catch (err) {
    if (!(err instanceof ModelError)) throw err;
    return err.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

describe('validate: the IPv6 spelling check sees every string value', () => {
  // The check walks the model only when the schema saw a string value with a colon
  // (shape.ts safeParse's onString): wherever such a value sits, it must be seen.
  const base = ['host: h', 'interfaces:', '  eth0:', '    addresses: [10.0.0.1/24, 2001:db8::1/64]'];
  it.each([
    ['a list under a union', ['    gateway: [10.0.0.254, 2001:DB8::fe]'], 'interfaces.eth0.gateway[1]'],
    ['a record value (an alias)', ['    aliases:', '      eth0:1: { address: 2001:DB8::5/64 }'], 'interfaces.eth0.aliases.eth0:1.address'],
    ['a nested record (a VLAN)', ['    vlans:', '      10: { addresses: [2001:DB8:a::1/64] }'], 'interfaces.eth0.vlans.10.addresses[0]'],
    ['source routing', ['    source-routing: { table: t1, gateway: 2001:DB8::fe }'], 'interfaces.eth0.source-routing.gateway'],
  ])('in %s', (_what, lines, path) => {
    const yaml = [...base, ...lines, ...(path.includes('source-routing') ? ['tables: { t1: 10 }'] : [])].join('\n') + '\n';
    expect(problems(yaml).filter((p) => p.includes('canonical form'))).toEqual([expect.stringMatching(new RegExp(`^${path.replace(/[.[\]]/g, '\\$&')}: `))]);
  });

  it('colons only in keys (alias labels) are no IPv6 addresses', () => {
    expect(problems([...base.slice(0, 3), '    addresses: [10.0.0.1/24]', '    aliases:', '      eth0:1: { address: 10.0.0.5/24 }'].join('\n') + '\n')).toEqual([]);
  });
});

describe('shape: onString', () => {
  it('is called with every string value of a value that passes, and not with mapping keys', () => {
    const s = shape.strictObject({
      a: shape.string(),
      b: shape.record(shape.string(), shape.union([shape.int(), shape.literal('auto'), shape.array(shape.enum(['x', 'y']))])),
    });
    const seen: string[] = [];
    expect(s.safeParse({ a: 'p:q', b: { 'k:1': 'auto', k2: 3, k3: ['x', 'y'] } }, (v) => seen.push(v)).success).toBe(true);
    expect(new Set(seen)).toEqual(new Set(['p:q', 'auto', 'x', 'y']));
  });
});
