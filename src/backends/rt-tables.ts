// /etc/iproute2/rt_tables: the file every back-end with policy routing shares. Other
// people write it too, so netgen owns only a marked block of its tables (src/output/merge.ts).
import type { Plan } from '../plan/types.js';
import type { FileSpec } from './types.js';

export const RT_TABLES_PATH = 'etc/iproute2/rt_tables';

/**
 * What the file is when a host has none: the kernel's reserved tables, which must stay.
 * Written in our own words; the numbers are the kernel's (RT_TABLE_LOCAL, MAIN, DEFAULT, UNSPEC).
 */
export const RT_TABLES_BASE = [
  '#',
  '# Routing table names for ip(8): one "NUMBER NAME" per line.',
  '#',
  '# Tables the kernel itself uses; keep these lines.',
  '255 local',
  '254 main',
  '253 default',
  '0 unspec',
  '#',
  '# Tables of this host',
  '#',
  '',
].join('\n');

/**
 * The rt_tables file naming a Plan's user tables. Emitted even with none: an empty block
 * removes the tables an earlier render added, and creates no file where there is none.
 */
export function planRtTables(plan: Plan): FileSpec {
  const tables = [...plan.tables].sort((a, b) => a.id - b.id).map((t) => ({ id: t.id, name: t.name }));
  return {
    path: RT_TABLES_PATH,
    mode: 0o644,
    owner: { kind: 'rt-tables', base: RT_TABLES_BASE, tables },
    template: 'common/rt_tables',
    context: { tables },
  };
}
