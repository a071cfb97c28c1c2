// Reading the kernel's answers: `ip -j` output into plain objects. Pure.
import type { AddressEntry, RouteAnswer, RuleEntry } from './types.js';

interface RouteGetJson {
  dst?: string;
  from?: string;
  gateway?: string;
  dev?: string;
  prefsrc?: string;
  table?: string;
}

/** One `ip -j route get` answer plus the plain text of the same question. */
export function parseRouteGet(json: string, raw: string): RouteAnswer {
  const list = JSON.parse(json) as RouteGetJson[];
  const r = list[0];
  if (!r || typeof r.dst !== 'string' || typeof r.dev !== 'string') throw new Error(`unexpected \`ip -j route get\` output: ${json.trim()}`);
  const out: RouteAnswer = { dest: r.dst, dev: r.dev, raw: raw.trim() };
  if (r.from !== undefined) out.from = r.from;
  if (r.gateway !== undefined) out.via = r.gateway;
  if (r.prefsrc !== undefined) out.src = r.prefsrc;
  if (r.table !== undefined && r.table !== 'main') out.table = r.table;
  return out;
}

/**
 * An answer as a table shows it, beside the simulator's: `ip route get`'s text without the
 * destination and from `uid` on; for IPv6 also without what `ip -6` adds that IPv4 answers
 * never show (`from ::` of a lookup without a source, the route's proto, metric and pref).
 * An error answer is its message.
 */
export function answerText(a: RouteAnswer): string {
  if (a.dev === '') return a.raw.trim();
  let t = a.raw.trim().replace(/^\S+ /, '').replace(/\s+uid \d+.*$/s, '');
  if (a.dest.includes(':')) {
    t = t
      .replace(/^from :: /, '')
      .replace(/ (proto|metric|pref) \S+/g, '')
      .split('\n')[0]!
      .trim();
  }
  return t;
}

interface RuleJson {
  priority?: number;
  src?: string;
  srclen?: number;
  dst?: string;
  dstlen?: number;
  table?: string;
}

/** `ip -j -4 rule show` (or `-6`) entries, `from` spelt as `ip rule` prints it. */
export function parseRules(json: string, family: 4 | 6 = 4): RuleEntry[] {
  const list = JSON.parse(json) as RuleJson[];
  const host = family === 6 ? 128 : 32;
  return list.map((r) => {
    const from = r.src === undefined ? 'all' : r.srclen !== undefined && r.srclen !== host ? `${r.src}/${r.srclen}` : r.src;
    const entry: RuleEntry = { priority: r.priority ?? 0, from, table: r.table ?? '', raw: '' };
    if (r.dst !== undefined) entry.to = r.dstlen !== undefined && r.dstlen !== host ? `${r.dst}/${r.dstlen}` : r.dst;
    entry.raw = `${entry.priority}:\tfrom ${entry.from}${entry.to ? ` to ${entry.to}` : ''} lookup ${entry.table}`;
    return entry;
  });
}

interface AddrJson {
  ifname?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number; label?: string; secondary?: boolean; scope?: string; deprecated?: boolean; preferred_life_time?: number }[];
}

/**
 * IPv4 addresses, then IPv6 addresses other than link-local ones (those come with every
 * device, and no file names them), from `ip -j addr show`.
 */
export function parseAddresses(json: string): AddressEntry[] {
  const list = JSON.parse(json) as AddrJson[];
  const out: AddressEntry[] = [];
  for (const family of ['inet', 'inet6']) {
    for (const link of list) {
      for (const a of link.addr_info ?? []) {
        if (a.family !== family || a.local === undefined || a.prefixlen === undefined || link.ifname === undefined) continue;
        if (family === 'inet6' && (a.scope === 'link' || a.scope === 'host')) continue;
        const e: AddressEntry = { address: a.local, prefix: a.prefixlen, dev: link.ifname, label: a.label ?? link.ifname, secondary: a.secondary === true };
        if (family === 'inet6') {
          e.family = 6;
          if (a.deprecated === true || a.preferred_life_time === 0) e.deprecated = true;
        }
        out.push(e);
      }
    }
  }
  return out;
}

/**
 * What an answer should say; unset fields are not checked, `null` means the answer must not
 * have the field (an on-link destination has no `via`). `table: 'main'` means no table shown.
 */
export interface ExpectedAnswer {
  dev?: string;
  via?: string | null;
  src?: string | null;
  table?: string;
}

/** The differences between an answer and what was expected, as `field: got X, want Y`. */
export function compareAnswer(got: RouteAnswer, want: ExpectedAnswer): string[] {
  const out: string[] = [];
  const check = (field: string, actual: string | undefined, expected: string | null | undefined): void => {
    if (expected === undefined || actual === (expected ?? undefined)) return;
    out.push(`${field}: got ${actual ?? '(none)'}, want ${expected ?? '(none)'}`);
  };
  check('dev', got.dev, want.dev);
  check('via', got.via, want.via);
  check('src', got.src, want.src);
  if (want.table !== undefined) check('table', got.table ?? 'main', want.table);
  return out;
}

/** One command's outcome in an `ip -force -batch` run: what it printed, or the error it failed with. */
export type BatchOutcome = { ok: true; out: string } | { ok: false; err: string };

/**
 * Split the output of `ip -force -batch` over `count` commands (one a line, none blank or a
 * comment) into each command's outcome. `ip` names every failed command's line on stderr
 * (`Command failed FILE:LINE`) after the command's own error; each command that succeeded
 * printed one block on stdout, a first line at the margin and its continuation lines
 * indented (text), or one line (`-j`). Undefined when the output does not add up (`ip`
 * stopped early, or printed something else): the caller then asks one command at a time.
 */
export function splitBatch(stdout: string, stderr: string, count: number): BatchOutcome[] | undefined {
  const failed = new Map<number, string>();
  let pending: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^Command failed .*:(\d+)$/.exec(line);
    if (m === null) {
      if (line.trim() !== '') pending.push(line);
      continue;
    }
    const n = Number(m[1]) - 1;
    if (n < 0 || n >= count || failed.has(n)) return undefined;
    failed.set(n, pending.join('\n').trim());
    pending = [];
  }
  // Text on stderr that no failure claims: a warning, or `ip` stopped without naming the line.
  if (pending.length > 0) return undefined;
  const blocks: string[][] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    if (/^\s/.test(line)) {
      const last = blocks[blocks.length - 1];
      if (last === undefined) return undefined;
      last.push(line);
    } else blocks.push([line]);
  }
  if (blocks.length + failed.size !== count) return undefined;
  const out: BatchOutcome[] = [];
  let next = 0;
  for (let i = 0; i < count; i++) {
    const err = failed.get(i);
    out.push(err !== undefined ? { ok: false, err } : { ok: true, out: blocks[next++]!.join('\n') });
  }
  return out;
}
