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
  const name = `net.ipv4.conf.${s.scope.replace(/\./g, '/')}.${s.key}`;
  if (!SAFE.test(name)) throw new NetgenError('internal', `sysctl: refusing to write key ${JSON.stringify(name)}`);
  return name;
}

/** Comments for people: wrapped at 88 columns. */
function wrap(text: string, width = 86): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') out.push(line);
  return out;
}

/**
 * The sysctl file spelling a Plan's settings, grouped by key with the reasons above each
 * group; undefined when the Plan has none (a file written earlier is then stale).
 * `intro` says when the distro reads the file and what wins over it.
 */
export function planSysctlFile(plan: Plan, intro: string): FileSpec | undefined {
  const sysctl = plan.sysctl;
  if (sysctl === undefined) return undefined;
  const keys = [...new Set(sysctl.settings.map((s) => s.key))];
  const groups = keys.map((key) => ({
    comments: sysctl.reasons.filter((r) => r.startsWith(`${key} `)).flatMap((r) => wrap(r)),
    lines: sysctl.settings.filter((s) => s.key === key).map((s) => `${sysctlName(s)} = ${s.value}`),
  }));
  return {
    path: SYSCTL_PATH,
    mode: 0o644,
    owner: { kind: 'whole' },
    template: 'common/sysctl',
    context: { source: plan.source, intro: wrap(intro), groups },
  };
}
