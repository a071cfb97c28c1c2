import { describe, expect, it } from 'vitest';
import type { RenderedFile } from '../../src/backends/types.js';
import { NetgenError } from '../../src/errors.js';
import { isNetgenFile, mergeContent } from '../../src/output/merge.js';

const keys = (remove: string[]): RenderedFile => ({ path: 'etc/sysconfig/network', mode: 0o644, owner: { kind: 'keys', remove }, content: 'NETWORKING=yes\n' });
const block = (content: string): RenderedFile => ({ path: 'etc/conf.d/local.start', mode: 0o644, owner: { kind: 'block', base: '# local.start\n' }, content });
const rt = (tables: { id: number; name: string }[]): RenderedFile => ({
  path: 'etc/iproute2/rt_tables',
  mode: 0o644,
  owner: { kind: 'rt-tables', base: '255 local\n254 main\n253 default\n0 unspec\n', tables },
  content: tables.map((t) => `${t.id} ${t.name}\n`).join(''),
});

describe('merging files other people write', () => {
  it('removes only GATEWAY and GATEWAYDEV from sysconfig/network, every other line kept in order', () => {
    const before = '# hand-made\nNETWORKING=yes\nHOSTNAME=db1\nGATEWAY=172.16.3.1\nNOZEROCONF=yes\nGATEWAYDEV="eth0"\nexport FOO=1\n';
    expect(mergeContent(keys(['GATEWAY', 'GATEWAYDEV']), before, 'm.yaml')).toBe('# hand-made\nNETWORKING=yes\nHOSTNAME=db1\nNOZEROCONF=yes\nexport FOO=1\n');
    // `export GATEWAY=` is as much a GATEWAY to the scripts that source the file.
    const exported = 'NETWORKING=yes\nexport GATEWAY=172.16.3.1\n  export  GATEWAYDEV=eth0\nexport FOO=1\n';
    expect(mergeContent(keys(['GATEWAY', 'GATEWAYDEV']), exported, 'm.yaml')).toBe('NETWORKING=yes\nexport FOO=1\n');
    expect(mergeContent(keys([]), before, 'm.yaml')).toBe(before);
    expect(mergeContent(keys(['GATEWAY']), undefined, 'm.yaml')).toBe('NETWORKING=yes\n');
  });

  it('sets NETWORKING_IPV6=yes: a plain line of the key is replaced by one at the end, every other line kept; stable on a second merge', () => {
    const f: RenderedFile = { path: 'etc/sysconfig/network', mode: 0o644, owner: { kind: 'keys', remove: ['GATEWAY'], set: { NETWORKING_IPV6: 'yes' } }, content: 'NETWORKING=yes\nNETWORKING_IPV6=yes\n' };
    const before = 'NETWORKING=yes\nNETWORKING_IPV6=no\nHOSTNAME=db1\nGATEWAY=172.16.3.1';
    const once = mergeContent(f, before, 'm.yaml')!;
    expect(once).toBe('NETWORKING=yes\nHOSTNAME=db1\nNETWORKING_IPV6=yes\n');
    expect(mergeContent(f, once, 'm.yaml')).toBe(once);
    expect(mergeContent(f, undefined, 'm.yaml')).toBe('NETWORKING=yes\nNETWORKING_IPV6=yes\n');
    expect(() => mergeContent(f, 'if true; then\n  NETWORKING_IPV6=no\nfi\n', 'm.yaml', 'etc/sysconfig/network')).toThrow(/:2: netgen sets NETWORKING_IPV6=yes and must replace its line, but it is inside a compound command/);
  });

  it('removes GATEWAY only where the line is a plain top-level assignment; elsewhere refuses, naming the line', () => {
    const k = keys(['GATEWAY', 'GATEWAYDEV']);
    const ok = "NETWORKING=yes\nexport GATEWAY='172.16.3.1'  # old\nif [ -f /x ]; then\n  HOSTNAME=x\nfi\nGATEWAYDEV=eth0\nNOTE=\"a\nb\"\n";
    expect(mergeContent(k, ok, 'm.yaml', 'etc/sysconfig/network')).toBe('NETWORKING=yes\nif [ -f /x ]; then\n  HOSTNAME=x\nfi\nNOTE="a\nb"\n');
    const refused: [string, number, RegExp][] = [
      ['NETWORKING=yes\nif [ -f /etc/gw ]; then\n  GATEWAY=172.16.3.1\nfi\n', 3, /inside a compound command/],
      ['NOTE="first line\nGATEWAY=172.16.3.1\n"\n', 2, /inside a quoted value that spans lines/],
      ['GATEWAY="172.16.3.1\n"\n', 1, /not a plain one-line assignment/],
      ['[ -n "$x" ] && GATEWAY=172.16.3.1\n', 1, /not a plain one-line assignment/],
      ['set_gw() {\n  GATEWAY=172.16.3.1\n}\n', 2, /inside a compound command/],
      ['FOO=a \\\nGATEWAY=172.16.3.1\n', 2, /continues the line before it/],
      ['cat <<EOF\nx\nEOF\nGATEWAY=1.2.3.4\n', 4, /here-document/],
    ];
    for (const [text, line, why] of refused) {
      const run = () => mergeContent(k, text, 'm.yaml', 'etc/sysconfig/network');
      expect(run, text).toThrow(NetgenError);
      expect(run, text).toThrow(new RegExp(`^etc/sysconfig/network:${line}: netgen manages the default route and must remove GATEWAY from this file, but`));
      expect(run, text).toThrow(why);
    }
  });

  it('puts its block at the end, replaces it in place later, and keeps the rest byte for byte', () => {
    const first = mergeContent(block('ip rule add from 1.2.3.16 table e0v10\n'), '#!/bin/sh\necho mine\n', 'm.yaml');
    expect(first).toBe('#!/bin/sh\necho mine\n# BEGIN netgen (from m.yaml): edit the model, not these lines\nip rule add from 1.2.3.16 table e0v10\n# END netgen\n');
    const edited = first + 'echo after\n';
    const second = mergeContent(block('ip rule add from 1.2.3.17 table e1v10\n'), edited, 'm.yaml');
    expect(second).toBe('#!/bin/sh\necho mine\n# BEGIN netgen (from m.yaml): edit the model, not these lines\nip rule add from 1.2.3.17 table e1v10\n# END netgen\necho after\n');
    expect(mergeContent(block('ip rule add from 1.2.3.17 table e1v10\n'), second, 'm.yaml')).toBe(second);
    expect(mergeContent(block(''), second, 'm.yaml')).toBe('#!/bin/sh\necho mine\necho after\n');
  });

  it('refuses a half-marked block', () => {
    expect(() => mergeContent(block('x\n'), 'a\n# BEGIN netgen\nb\n', 'm.yaml')).toThrow(/no matching "# END netgen"/);
  });

  it('keeps reserved and foreign rt_tables entries and adds its own in a block', () => {
    const before = '255 local\n254 main\n253 default\n0 unspec\n# theirs\n42 vpn\n';
    const after = mergeContent(rt([{ id: 1, name: 'e0v10' }, { id: 2, name: 'e0v11' }]), before, 'm.yaml');
    expect(after).toBe(before + '# BEGIN netgen (from m.yaml): edit the model, not these lines\n1 e0v10\n2 e0v11\n# END netgen\n');
  });

  it('leaves an identical foreign entry alone instead of writing it twice', () => {
    const before = '255 local\n254 main\n1   e0v10\n';
    expect(mergeContent(rt([{ id: 1, name: 'e0v10' }, { id: 2, name: 'e0v11' }]), before, 'm.yaml')).toBe(before + '# BEGIN netgen (from m.yaml): edit the model, not these lines\n2 e0v11\n# END netgen\n');
  });

  it('names both lines when a foreign entry clashes by number or by name', () => {
    const before = '255 local\n254 main\n7 vpn\n8 e0v10\n';
    const byNumber = () => mergeContent(rt([{ id: 7, name: 'uplink' }]), before, 'm.yaml', 'etc/iproute2/rt_tables');
    expect(byNumber).toThrow(NetgenError);
    expect(byNumber).toThrow('etc/iproute2/rt_tables:3: "7 vpn" clashes with netgen\'s table "7 uplink" from m.yaml');
    expect(() => mergeContent(rt([{ id: 9, name: 'e0v10' }]), before, 'm.yaml', 'rt')).toThrow('rt:4: "8 e0v10" clashes with netgen\'s table "9 e0v10"');
  });

  it('does not count its own old block as foreign', () => {
    const once = mergeContent(rt([{ id: 7, name: 'uplink' }]), undefined, 'm.yaml');
    expect(mergeContent(rt([{ id: 7, name: 'uplink' }]), once, 'm.yaml')).toBe(once);
    const renumbered = mergeContent(rt([{ id: 8, name: 'uplink' }]), once, 'm.yaml');
    expect(renumbered).toContain('8 uplink');
    expect(renumbered).not.toContain('7 uplink');
  });

  it('recognises its own header only in the first lines', () => {
    expect(isNetgenFile('# Generated by netgen from m.yaml. Do not edit\nDEVICE=eth0\n')).toBe(true);
    expect(isNetgenFile('#!/bin/sh\n# Generated by netgen from m.yaml.\n')).toBe(true);
    expect(isNetgenFile('DEVICE=eth0\n# Generated by netgen\n')).toBe(false);
    expect(isNetgenFile('a\nb\nc\n# Generated by netgen\n')).toBe(false);
    expect(isNetgenFile('# Generated by netgenius from m.yaml\n')).toBe(false);
    expect(isNetgenFile('# Not generated by netgen\n')).toBe(false);
  });
});
