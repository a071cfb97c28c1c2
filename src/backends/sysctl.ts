// /etc/sysctl.d/60-netgen.conf: the ARP and reverse-path settings of the Plan, one file
// netgen owns whole on every back-end. Each distro reads it at boot in its own order
// against /etc/sysctl.conf; the back-end says which in the file's opening comment.
import { NetgenError } from '../errors.js';
import type { Plan, PlanSysctlSetting } from '../plan/types.js';
import type { FileSpec } from './types.js';

export const SYSCTL_PATH = 'etc/sysctl.d/60-netgen.conf';

const SAFE = /^[A-Za-z0-9_./-]+$/;

/** `net.ipv4.conf.<scope>.<key>`; a `.` in a device name is written `/`, as sysctl(8) reads it. */
export function sysctlName(s: Pick<PlanSysctlSetting, 'key' | 'scope'>): string {
  const name = `net.ipv4.conf.${s.scope.includes('.') ? s.scope.replace(/\./g, '/') : s.scope}.${s.key}`;
  if (!SAFE.test(name)) throw new NetgenError('internal', `sysctl: refusing to write key ${JSON.stringify(name)}`);
  return name;
}

/** The characters of SAFE, any number of them: a scope or key of these makes a SAFE name. */
const SAFE_PART = /^[A-Za-z0-9_./-]*$/;

/** `.<key> = <value>` by key and value (a handful of each). */
const LINE_ENDS = new Map<string, string>();

/**
 * `<sysctlName> = <value>`, refused exactly where sysctlName refuses: the name's fixed parts
 * are SAFE, so it is SAFE when its scope and key are. The name and the line are not built
 * twice: a host with 10,000 interfaces has 30,000 of these lines.
 */
function sysctlLine(s: PlanSysctlSetting): string {
  const scope = s.scope.includes('.') ? s.scope.replace(/\./g, '/') : s.scope;
  if (!SAFE_PART.test(scope) || !SAFE_PART.test(s.key)) sysctlName(s);
  const endKey = `${s.key} ${s.value}`;
  let end = LINE_ENDS.get(endKey);
  if (end === undefined) {
    end = `.${s.key} = ${s.value}`;
    if (LINE_ENDS.size < 64) LINE_ENDS.set(endKey, end);
  }
  return 'net.ipv4.conf.' + scope + end;
}

/**
 * Comments for people: wrapped at 88 columns. Words are runs of non-blanks, joined by one
 * space. Each line is cut out of the text in one piece where its words are one space apart
 * there (always, in practice): a host with thousands of interfaces has thousands of these
 * comments, and a line built word by word is a chain of small strings until it is written.
 */
export function wrap(text: string, width = 86): string[] {
  if (!IRREGULAR_BLANKS.test(text)) return wrapSpaced(text, width);
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  // The line so far: from `start` to `end` in the text (when `plain`), else `built`.
  let start = -1;
  let end = -1;
  let length = 0;
  let plain = true;
  let built = '';
  const flush = (): void => {
    if (start >= 0) out.push(plain ? text.slice(start, end) : built);
    start = -1;
  };
  while (i < n) {
    while (i < n && isBlank(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const ws = i;
    while (i < n && !isBlank(text.charCodeAt(i))) i++;
    const wordLength = i - ws;
    if (start >= 0 && length + 1 + wordLength > width) flush();
    if (start < 0) {
      start = ws;
      end = i;
      length = wordLength;
      plain = true;
      built = '';
      continue;
    }
    // One space between the words in the text: the line stays one piece of it.
    if (plain && !(ws === end + 1 && text.charCodeAt(end) === 32)) {
      plain = false;
      built = text.slice(start, end);
    }
    if (!plain) built += ' ' + text.slice(ws, i);
    end = i;
    length += 1 + wordLength;
  }
  // A text ending in blanks ends in an empty word, which adds a space to a line it fits on.
  if (start >= 0 && n > 0 && isBlank(text.charCodeAt(n - 1)) && length + 1 <= width) {
    if (plain) built = text.slice(start, end);
    plain = false;
    built += ' ';
  }
  flush();
  return out;
}

/** A blank other than a space, two blanks in a row, or one at either end: what wrapSpaced cannot take. */
const IRREGULAR_BLANKS = /[^\S ]|\s\s|^\s|\s$/;

/**
 * wrap() of a text whose words are one space apart, with no blank at either end (every
 * reason netgen writes): each line is cut out of the text between two spaces.
 */
function wrapSpaced(text: string, width: number): string[] {
  const out: string[] = [];
  const n = text.length;
  let start = 0;
  while (start < n) {
    let end = text.indexOf(' ', start);
    if (end < 0) end = n;
    while (end < n) {
      let next = text.indexOf(' ', end + 1);
      if (next < 0) next = n;
      if (next - start > width) break;
      end = next;
    }
    out.push(text.slice(start, end));
    start = end + 1;
  }
  return out;
}

/** What /\s/ matches. */
function isBlank(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Each back-end's intro, wrapped once (a fleet writes the same few lines for every host); templates only read it. */
const INTROS = new Map<string, readonly string[]>();

function introLines(intro: string): readonly string[] {
  let lines = INTROS.get(intro);
  if (lines === undefined) {
    lines = wrap(intro);
    // A caller's own text is not kept (the back-ends pass constants).
    if (INTROS.size < 8) INTROS.set(intro, lines);
  }
  return lines;
}

/**
 * The sysctl file spelling a Plan's settings, grouped by key with the reasons above each
 * group; undefined when the Plan has none (a file written earlier is then stale).
 * `intro` says when the distro reads the file and what wins over it.
 */
export function planSysctlFile(plan: Plan, intro: string): FileSpec | undefined {
  const sysctl = plan.sysctl;
  if (sysctl === undefined) return undefined;
  // Keys in the order their settings come; each key's lines and reasons in theirs.
  const groups: { comments: string[]; lines: string[] }[] = [];
  const byKey = new Map<string, { comments: string[]; lines: string[] }>();
  for (let i = 0; i < sysctl.settings.length; i++) {
    const s = sysctl.settings[i]!;
    let g = byKey.get(s.key);
    if (g === undefined) {
      g = { comments: [], lines: [] };
      byKey.set(s.key, g);
      groups.push(g);
    }
    g.lines.push(sysctlLine(s));
  }
  // A reason starts with its key and a space.
  for (let i = 0; i < sysctl.reasons.length; i++) {
    const r = sysctl.reasons[i]!;
    const space = r.indexOf(' ');
    const g = space < 0 ? undefined : byKey.get(r.slice(0, space));
    if (g !== undefined) for (const line of wrap(r)) g.comments.push(line);
  }
  return {
    path: SYSCTL_PATH,
    mode: 0o644,
    owner: { kind: 'whole' },
    template: 'common/sysctl',
    context: { source: plan.source, intro: introLines(intro), groups },
  };
}
