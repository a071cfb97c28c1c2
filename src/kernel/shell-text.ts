// How the consumers' shells turn file text into words. Pure. Where a file says something a
// shell would read differently from how it looks, the caller gets a problem, not a guess.
import { formatIPv4, maskOf, parseIPv4 } from '../net/ipv4.js';

export interface Assignments {
  vars: Map<string, string>;
  problems: string[];
}

const ASSIGN = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;
const SAFE_UNQUOTED = /[A-Za-z0-9_.,:/@%+=^-]/;

/**
 * Read a file that a shell sources for `KEY=value` lines only (ifcfg-*, /etc/sysconfig/network,
 * the ADDRESSn form of route-*). Strict: a line that bash would run as a command, expand,
 * or read differently from its look (unquoted spaces, `$`, backquotes, backslashes, CR)
 * is a problem and is not assigned. Later assignments win, as in the shell.
 */
export function parseShellAssignments(text: string, label: string): Assignments {
  const vars = new Map<string, string>();
  const problems: string[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const where = `${label}:${i + 1}`;
    if (raw.includes('\r')) {
      problems.push(`${where}: carriage return in the line; the shell keeps it as part of the value`);
      return;
    }
    const line = raw;
    if (/^[ \t]*$/.test(line) || /^[ \t]*#/.test(line)) return;
    const m = ASSIGN.exec(line);
    if (!m) {
      problems.push(`${where}: not a KEY=value line: ${JSON.stringify(line)}`);
      return;
    }
    const value = parseShellValue(m[2]!);
    if (typeof value !== 'string') {
      problems.push(`${where}: ${value.error}: ${JSON.stringify(line)}`);
      return;
    }
    vars.set(m[1]!, value);
  });
  return { vars, problems };
}

/** One assignment's value as the shell reads it; quotes and escapes the strict reader refuses come back as an error. */
export function parseShellValue(text: string): string | { error: string } {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { error: 'unterminated single quote' };
      out += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) return { error: 'unterminated double quote' };
      const inner = text.slice(i + 1, end);
      if (/[$`\\]/.test(inner)) return { error: 'expansion or escape inside double quotes' };
      out += inner;
      i = end + 1;
    } else if (c === ' ' || c === '\t') {
      // After the value only a comment may follow: anything else is a command bash would run.
      if (!/^[ \t]*(#.*)?$/.test(text.slice(i))) return { error: 'unquoted whitespace in the value' };
      break;
    } else if (SAFE_UNQUOTED.test(c)) {
      out += c;
      i++;
    } else {
      return { error: `unquoted ${JSON.stringify(c)} in the value` };
    }
  }
  return out;
}

export interface ReadLine {
  /** What `read line` (without -r) leaves in `line`. */
  text: string;
  /** 1-based number of the physical line the logical line starts on. */
  lineNo: number;
}

/**
 * The lines `{ cat FILE; echo; } | while read line` produces: backslash-newline joins
 * lines, any other backslash escapes the next character, leading and trailing blanks go,
 * and a last line without a newline is still read.
 */
export function readLikeBash(text: string): ReadLine[] {
  const data = text + '\n';
  const out: ReadLine[] = [];
  let cur = '';
  let lineNo = 1;
  let startLine = 1;
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c === '\\' && i + 1 < data.length) {
      const next = data[i + 1]!;
      i++;
      if (next === '\n') {
        lineNo++;
        continue;
      }
      cur += next;
      continue;
    }
    if (c === '\n') {
      out.push({ text: cur.replace(/^[ \t]+|[ \t]+$/g, ''), lineNo: startLine });
      cur = '';
      lineNo++;
      startLine = lineNo;
      continue;
    }
    cur += c;
  }
  return out;
}

/** initscripts' skip test for route-/rule- lines: blank, or a whole-line comment. */
export function isBlankOrComment(line: string): boolean {
  return /^[ \t\n\r\f\v]*(#.*)?$/.test(line);
}

/** Word splitting of an unquoted `$line` under the default IFS. */
export function splitWords(line: string): string[] {
  return line.split(/[ \t\n]+/).filter((w) => w !== '');
}

/** Words the shell would try to expand as file name patterns. */
export function globWords(words: readonly string[]): string[] {
  return words.filter((w) => /[*?[]/.test(w));
}

/** A variable's value as a shell left it after sourcing a file. */
export type ShellValue = { kind: 'unset' } | { kind: 'string'; value: string } | { kind: 'array'; values: string[] };

/**
 * The entries netifrc reads from a variable (`_get_array` then an IFS=newline loop): for a
 * bash array each element's lines as they are; for a string each line trimmed, runs of
 * blanks made one, empty lines dropped.
 */
export function netifrcLines(v: ShellValue | undefined): string[] {
  if (!v || v.kind === 'unset') return [];
  if (v.kind === 'array') return v.values.flatMap((e) => e.split('\n')).filter((l) => l.trim() !== '');
  return v.value
    .split('\n')
    .map((l) => l.replace(/^[ \t]+|[ \t]+$/g, '').replace(/[ \t]+/g, ' '))
    .filter((l) => l !== '');
}

/** The whole value as one string (a bash array's elements joined by spaces, as `$var` never does; for messages). */
export function shellString(v: ShellValue | undefined): string {
  if (!v || v.kind === 'unset') return '';
  return v.kind === 'string' ? v.value : v.values.join(' ');
}

/** The shell-safe form of an interface name netifrc uses in variable names: `eth0.10` -> `eth0_10`. */
export function shellVarName(iface: string): string {
  return iface.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Prefix length of a dotted netmask; undefined for a non-contiguous or malformed mask. */
export function prefixOfNetmask(mask: string): number | undefined {
  const n = parseIPv4(mask);
  if (n === undefined) return undefined;
  for (let p = 0; p <= 32; p++) if (maskOf(p) === n) return p;
  return undefined;
}

/** What `ipcalc --netmask ADDR` answers without a mask: the old class default. */
export function classfulPrefix(address: string): number | undefined {
  const n = parseIPv4(address);
  if (n === undefined) return undefined;
  const first = n >>> 24;
  return first < 128 ? 8 : first < 192 ? 16 : 24;
}

/** Broadcast address of ADDR/PREFIX, dotted. */
export function broadcastFor(address: string, prefix: number): string | undefined {
  const n = parseIPv4(address);
  if (n === undefined) return undefined;
  return formatIPv4((n | (~maskOf(prefix) >>> 0)) >>> 0);
}

/** Network address of ADDR/PREFIX, dotted. */
export function networkFor(address: string, prefix: number): string | undefined {
  const n = parseIPv4(address);
  if (n === undefined) return undefined;
  return formatIPv4((n & maskOf(prefix)) >>> 0);
}
