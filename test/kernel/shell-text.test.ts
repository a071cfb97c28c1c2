// The harness's pure readers: no kernel needed, so these always run.
import { describe, expect, it } from 'vitest';
import { compareAnswer } from '../../src/kernel/index.js';
import { parseRouteGet, parseRules } from '../../src/kernel/probe.js';
import { compareInterfaceNames } from '../../src/model/bring-up.js';
import { isBlankOrComment, netifrcLines, parseShellAssignments, readLikeBash, shellVarName, splitWords } from '../../src/kernel/shell-text.js';

describe('parseShellAssignments', () => {
  it('reads quoted and unquoted values, comments and blank lines', () => {
    const r = parseShellAssignments('# c\n\nA=1\nB="two words"\nC=\'$x\'\nexport D=x.y:z/1\nE= \nF=b # note\n', 'f');
    expect(r.problems).toEqual([]);
    expect(Object.fromEntries(r.vars)).toEqual({ A: '1', B: 'two words', C: '$x', D: 'x.y:z/1', E: '', F: 'b' });
  });

  it('refuses what bash would read differently from its look', () => {
    const bad = ['A=two words', 'B="$HOME"', 'C=`id`', 'D="unterminated', 'E=a;b', 'F=*', 'echo hi', 'G=1\r'];
    const r = parseShellAssignments(bad.join('\n'), 'f');
    expect(r.problems).toHaveLength(bad.length);
    expect(r.vars.size).toBe(0);
    expect(r.problems[0]).toMatch(/^f:1: unquoted whitespace/);
  });
});

describe('readLikeBash', () => {
  it('joins backslash-newline, unescapes, trims, and reads a last line without newline', () => {
    expect(readLikeBash('  a b  \nc \\\nd\ne\\ f\nlast')).toEqual([
      { text: 'a b', lineNo: 1 },
      { text: 'c d', lineNo: 2 },
      { text: 'e f', lineNo: 4 },
      { text: 'last', lineNo: 5 },
    ]);
    // `{ cat; echo; }`: a file that ends in a newline gives one empty line more.
    expect(readLikeBash('a\n')).toEqual([
      { text: 'a', lineNo: 1 },
      { text: '', lineNo: 2 },
    ]);
  });

  it('keeps a carriage return in the last word', () => {
    expect(splitWords(readLikeBash('x metric 1\r\n')[0]!.text)).toEqual(['x', 'metric', '1\r']);
  });

  it('skips blank lines and whole-line comments only', () => {
    expect(isBlankOrComment('   # x')).toBe(true);
    expect(isBlankOrComment('')).toBe(true);
    expect(isBlankOrComment('default via 1.2.3.4 # x')).toBe(false);
  });
});

describe('netifrcLines', () => {
  it('trims, squeezes and drops empty lines of a string; keeps array elements as they are', () => {
    expect(netifrcLines({ kind: 'string', value: '\n  a   b \n\n c\n' })).toEqual(['a b', 'c']);
    expect(netifrcLines({ kind: 'array', values: ['a  b', 'c\nd', ''] })).toEqual(['a  b', 'c', 'd']);
    expect(netifrcLines({ kind: 'unset' })).toEqual([]);
    expect(shellVarName('eth0.10')).toBe('eth0_10');
  });
});

describe('interface order of the RHEL network script', () => {
  it('sorts by letters, then numerically', () => {
    expect(['eth10', 'eth2', 'bond0', 'eth1'].sort(compareInterfaceNames)).toEqual(['bond0', 'eth1', 'eth2', 'eth10']);
  });
});

describe('probe parsing', () => {
  it('reads `ip -j route get` answers', () => {
    const a = parseRouteGet('[{"dst":"8.8.8.8","from":"1.2.3.17","gateway":"1.2.3.3","dev":"eth1.10","table":"e1v10","flags":[],"uid":0,"cache":[]}]', 'raw');
    expect(a).toEqual({ dest: '8.8.8.8', from: '1.2.3.17', via: '1.2.3.3', dev: 'eth1.10', table: 'e1v10', raw: 'raw' });
    const b = parseRouteGet('[{"dst":"172.16.3.1","dev":"eth0","prefsrc":"172.16.3.105","flags":[],"uid":0,"cache":[]}]', 'raw');
    expect(compareAnswer(b, { dev: 'eth0', via: null, src: '172.16.3.105', table: 'main' })).toEqual([]);
    expect(compareAnswer(b, { via: '172.16.3.1', src: '172.16.3.111' })).toEqual(['via: got (none), want 172.16.3.1', 'src: got 172.16.3.105, want 172.16.3.111']);
  });

  it('reads `ip -j rule` entries', () => {
    const r = parseRules('[{"priority":0,"src":"all","table":"local"},{"priority":1000,"src":"1.2.3.16","table":"e0v10"},{"priority":1001,"src":"10.0.0.0","srclen":8,"table":"x"}]');
    expect(r.map((x) => x.raw)).toEqual(['0:\tfrom all lookup local', '1000:\tfrom 1.2.3.16 lookup e0v10', '1001:\tfrom 10.0.0.0/8 lookup x']);
  });
});
