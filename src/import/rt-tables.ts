// /etc/iproute2/rt_tables: `NUMBER NAME` lines that name routing tables for ip(8).
import { TABLE_NAME } from '../model/schema.js';
import type { TableBook } from './ip-words.js';
import { note, type Facts, type ImportFile } from './types.js';

export function readRtTables(facts: Facts, f: ImportFile, tables: TableBook): void {
  facts.files.push(f.path);
  f.content.split('\n').forEach((raw, i) => {
    const text = raw.replace(/\r$/, '').trim();
    if (text === '' || text.startsWith('#')) return;
    const entry = note(facts, f.path, i + 1, text, 'represented');
    const m = /^(0x[0-9a-fA-F]+|[0-9]+)[ \t]+(\S+)(?:[ \t]+#.*)?$/.exec(text);
    if (!m) {
      entry.status = 'not-representable';
      entry.why = 'not a NUMBER NAME line; ip skips it';
      return;
    }
    const id = Number(m[1]);
    const name = m[2]!;
    if (!TABLE_NAME.test(name)) {
      entry.status = 'not-representable';
      entry.why = `${JSON.stringify(name)} is not a table name netgen accepts (a letter first, then letters, digits, _ . -)`;
      return;
    }
    const why = tables.declare(name, id, entry);
    if (why === 'reserved') {
      entry.status = 'ignored';
      entry.why = 'a table every system has';
    } else if (why !== undefined) {
      entry.status = 'not-representable';
      entry.why = why;
    } else entry.model = `tables.${name}`;
  });
}
