// Sysconfig-style files (`ifcfg-*`, `/etc/sysconfig/network`, the ADDRESSn form of
// `route-*`): `KEY=value` lines that bash sources. `ini` decodes each line; the shell's own
// reading (src/kernel/shell-text.ts) decides where the two differ, since bash is what the
// consumer runs. Lines bash would run as commands are reported, never executed.
import { parse as parseIni } from 'ini';
import { parseShellValue } from '../kernel/shell-text.js';
import { note, type Facts, type ReportEntry } from './types.js';

export interface Assigned {
  value: string;
  line: number;
  entry: ReportEntry;
}

const ASSIGN = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/**
 * The keys a file assigns, the last assignment winning as in the shell. Every assignment
 * gets a report entry (status `represented` for now; the caller settles it); earlier
 * assignments of a key set twice are `ignored`, lines the shell would run are
 * `not-representable`.
 */
export function readAssignments(facts: Facts, file: string, content: string): Map<string, Assigned> {
  const out = new Map<string, Assigned>();
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    const line = i + 1;
    const cr = raw.endsWith('\r');
    const text = cr ? raw.slice(0, -1) : raw;
    if (/^[ \t]*(#.*)?$/.test(text)) return;
    const m = ASSIGN.exec(text);
    if (!m) {
      note(facts, file, line, text.trim(), 'not-representable', 'not a KEY=value line: shell code bash would run, which netgen does not');
      return;
    }
    const key = m[1]!;
    const shell = parseShellValue(m[2]!);
    if (typeof shell !== 'string') {
      note(facts, file, line, key, 'not-representable', `shell code (${shell.error}); netgen reads values, it does not run them`);
      return;
    }
    const decoded = parseIni(`${key}=${m[2]!}`) as Record<string, unknown>;
    const iniValue = typeof decoded[key] === 'string' ? decoded[key] : undefined;
    const entry = note(facts, file, line, key, 'represented');
    const notes: string[] = [];
    if (cr) notes.push('the line ends in a carriage return (CRLF); bash would keep it in the value, so read without it');
    if (iniValue !== undefined && iniValue !== shell) notes.push(`read as bash reads it (${JSON.stringify(shell)})`);
    if (notes.length > 0) entry.note = notes.join('; ');
    const prev = out.get(key);
    if (prev) {
      prev.entry.status = 'ignored';
      prev.entry.why = `set again on line ${line}; the shell keeps the last value`;
    }
    out.set(key, { value: shell, line, entry });
  });
  return out;
}

/** Settle an entry: its status and why (kept notes come first). */
export function settle(entry: ReportEntry, status: ReportEntry['status'], why?: string, model?: string): void {
  entry.status = status;
  if (why !== undefined) entry.why = why;
  else delete entry.why;
  if (model !== undefined) entry.model = model;
}
