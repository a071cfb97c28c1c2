// The arguments of `ip route add` and `ip rule add` as hand-written files give them, read
// into facts. Pure. Anything `ip` would refuse, or that the model has no word for, comes
// back as a reason instead of a guess.
import { parseCidr, parseIPv4 } from '../net/ipv4.js';
import { prefixOfNetmask } from '../kernel/shell-text.js';
import type { Cidr4, Facts, FactRoute, FactRule, FactTable, ReportEntry } from './types.js';

const RESERVED = new Map<string, number>([
  ['local', 255],
  ['main', 254],
  ['default', 253],
  ['unspec', 0],
]);

/** Table names and numbers: the host's rt_tables, and names made up for numbers it does not name. */
export class TableBook {
  private readonly byName = new Map<string, number>(RESERVED);
  private readonly byId = new Map<number, string>([...RESERVED].map(([n, id]) => [id, n]));
  constructor(private readonly facts: Facts) {}

  /** A `NUMBER NAME` line of rt_tables. Returns why it cannot be used, if it cannot. */
  declare(name: string, id: number, entry: ReportEntry): string | undefined {
    if (RESERVED.get(name) === id) return 'reserved';
    if (this.byName.has(name)) return `the name ${name} is declared already (as ${this.byName.get(name)})`;
    if (this.byId.has(id)) return `the number ${id} is declared already (as ${this.byId.get(id)}); ip uses the first`;
    this.byName.set(name, id);
    this.byId.set(id, name);
    const t: FactTable = { name, id, entries: [entry] };
    this.facts.tables.push(t);
    return undefined;
  }

  /** The table a route or rule names: `main`, a declared name, or a number (named `tN` when rt_tables has none). */
  resolve(word: string, entry: ReportEntry): { table: string } | { error: string } {
    if (/^[0-9]+$/.test(word)) {
      const id = Number(word);
      if (id === 0 || id > 4294967295) return { error: `table ${word} is not a table number ip accepts` };
      const known = this.byId.get(id);
      if (known !== undefined) {
        if (known === 'unspec') return { error: 'table 0 (unspec) is not a table' };
        return { table: known };
      }
      let name = `t${id}`;
      while (this.byName.has(name)) name = `_${name}`;
      this.byName.set(name, id);
      this.byId.set(id, name);
      this.facts.tables.push({ name, id, entries: [entry] });
      return { table: name };
    }
    if (!this.byName.has(word) || word === 'unspec') return { error: `table ${word} is not in rt_tables, so ip refuses the line` };
    return { table: word };
  }

  isReserved(name: string): boolean {
    return RESERVED.has(name);
  }
}

export type RouteWords = Omit<FactRoute, 'entries' | 'dev' | 'metric'> & { dev?: string; metric?: number };

function prefixArg(text: string, allowDefault: boolean): (Cidr4 & { isDefault: boolean }) | string {
  if (allowDefault && (text === 'default' || text === '0/0' || text === '0.0.0.0/0' || text === 'all')) return { address: 0, prefix: 0, isDefault: true };
  const c = parseCidr(text, true);
  if (!c) return `${JSON.stringify(text)} is not an IPv4 address or prefix`;
  if (c.address !== (c.prefix === 0 ? 0 : (c.address & (0xffffffff << (32 - c.prefix))) >>> 0)) {
    return `${text} has host bits set; ip refuses it (Invalid prefix for given prefix length)`;
  }
  return { address: c.address, prefix: c.prefix, isDefault: c.prefix === 0 };
}

/**
 * The words after `ip route add` (net.lo's `-net`/`-host`/`gw`/`netmask` spellings too).
 * Returns the route or why it cannot be taken.
 */
export function parseRouteWords(input: readonly string[], tables: TableBook, entry: ReportEntry): RouteWords | string {
  let words = input.filter((w) => w !== '-net' && w !== '-host');
  if (words[0] === 'unicast') words = words.slice(1);
  if (['blackhole', 'prohibit', 'throw', 'unreachable', 'local', 'broadcast', 'multicast', 'nat', 'anycast'].includes(words[0] ?? '')) {
    return `a ${words[0]} route; the model has only unicast routes`;
  }
  if (words[0] === 'to') words = words.slice(1);
  const head = words[0];
  if (head === undefined) return 'no destination';
  const to = prefixArg(head, true);
  if (typeof to === 'string') return to;
  const r: RouteWords = { to, table: 'main', onlink: false };
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    const arg = words[i + 1];
    const need = (): string | undefined => (arg === undefined ? `\`${w}\` needs an argument` : undefined);
    switch (w) {
      case 'via':
      case 'gw': {
        const e = need();
        if (e) return e;
        const v = arg === 'inet' ? words[++i + 1] : arg;
        const a = v === undefined ? undefined : parseIPv4(v);
        if (a === undefined) return `via ${v ?? ''} is not an IPv4 address`;
        r.via = a;
        i++;
        break;
      }
      case 'netmask': {
        const e = need();
        if (e) return e;
        const p = prefixOfNetmask(arg!);
        if (p === undefined) return `netmask ${arg} is not a netmask`;
        const again = prefixArg(`${head}/${p}`, false);
        if (typeof again === 'string') return again;
        r.to = again;
        i++;
        break;
      }
      case 'dev':
      case 'oif': {
        const e = need();
        if (e) return e;
        r.dev = arg!;
        i++;
        break;
      }
      case 'src': {
        const e = need();
        if (e) return e;
        const a = parseIPv4(arg!);
        if (a === undefined) return `src ${arg} is not an IPv4 address`;
        r.src = a;
        i++;
        break;
      }
      case 'metric':
      case 'preference':
      case 'priority': {
        const e = need();
        if (e) return e;
        if (!/^[0-9]+$/.test(arg!) || Number(arg) > 4294967295) return `metric ${arg} is not a number ip accepts`;
        r.metric = Number(arg);
        i++;
        break;
      }
      case 'table': {
        const e = need();
        if (e) return e;
        const t = tables.resolve(arg!, entry);
        if ('error' in t) return t.error;
        r.table = t.table;
        i++;
        break;
      }
      case 'scope': {
        const e = need();
        if (e) return e;
        const s = arg === '253' ? 'link' : arg === '254' ? 'host' : arg === '0' ? 'global' : arg;
        if (s !== 'link' && s !== 'host' && s !== 'global') return `scope ${arg}: the model knows link, host and global`;
        r.scope = s;
        i++;
        break;
      }
      case 'proto':
      case 'protocol': {
        const e = need();
        if (e) return e;
        if (!/^(kernel|boot|static|dhcp|ra|redirect|[0-9]{1,3})$/.test(arg!)) return `proto ${arg}: the model knows kernel, boot, static, dhcp, ra, redirect or a number`;
        r.proto = arg!;
        i++;
        break;
      }
      case 'onlink':
        r.onlink = true;
        break;
      default:
        return `\`${w}\` is a route option the model has no word for`;
    }
  }
  return r;
}

export type RuleWords = Omit<FactRule, 'entries'>;

/** The words after `ip rule add`. Returns the rule or why it cannot be taken. */
export function parseRuleWords(input: readonly string[], tables: TableBook, entry: ReportEntry): RuleWords | string {
  const r: Partial<RuleWords> = {};
  for (let i = 0; i < input.length; i++) {
    const w = input[i]!;
    const arg = input[i + 1];
    if (arg === undefined && w !== 'not') return `\`${w}\` needs an argument`;
    switch (w) {
      case 'from':
      case 'to': {
        if (arg === 'all') {
          i++;
          break;
        }
        const c = prefixArg(arg!, false);
        if (typeof c === 'string') return c;
        r[w] = { address: c.address, prefix: c.prefix };
        i++;
        break;
      }
      case 'table':
      case 'lookup': {
        const t = tables.resolve(arg!, entry);
        if ('error' in t) return t.error;
        r.table = t.table;
        i++;
        break;
      }
      case 'priority':
      case 'pref':
      case 'preference':
      case 'order': {
        if (!/^[0-9]+$/.test(arg!) || Number(arg) > 4294967295) return `priority ${arg} is not a number ip accepts`;
        r.priority = Number(arg);
        i++;
        break;
      }
      default:
        return `\`${w}\` is a rule selector or action the model has no word for`;
    }
  }
  if (r.table === undefined) return 'a rule without a table (`lookup`); the model has only table lookups';
  if (r.priority === 0) return 'priority 0 is the local table\'s rule';
  const out: RuleWords = { table: r.table };
  if (r.from) out.from = r.from;
  if (r.to) out.to = r.to;
  if (r.priority !== undefined) out.priority = r.priority;
  return out;
}
