// Gentoo: netifrc reading /etc/conf.d/net (sourced by /bin/sh, or by bash for the legacy
// array syntax), then the local start scripts (OpenRC's executable /etc/local.d/*.start, or
// baselayout-1's /etc/conf.d/local.start). See consumers.md, "Generations of Gentoo".
import { join } from 'node:path';
import type { ConsumerDriver, DriverContext } from './driver.js';
import type { Consumer, KernelAddressHint } from './types.js';
import { firstLine, runProgram } from './exec.js';
import { globWords, netifrcLines, prefixOfNetmask, shellString, shellVarName, splitWords, type ShellValue } from './shell-text.js';

export const CONF_NET = 'etc/conf.d/net';
export const LEGACY_LOCAL_START = 'etc/conf.d/local.start';
export const LOCAL_D = 'etc/local.d/';
export const LEGACY_LOCAL_STOP = 'etc/conf.d/local.stop';

/** What differs between the Gentoo systems the harness emulates. */
export interface GentooGeneration {
  /** The shell that sources conf.d/net: `sh` (maybe dash) for the modern syntax, bash where arrays must work. */
  shell: 'sh' | 'bash';
  /**
   * What the `local` service runs: baselayout-1 (and OpenRC before 0.6.4) sources
   * /etc/conf.d/local.start with bash; OpenRC 0.6.4 and later runs every executable
   * /etc/local.d/*.start and never reads local.start.
   */
  local: 'local.start' | 'local.d';
  /** Whether the net scripts read `rules_<if>`: netifrc does (OpenRC 0.7 and later), baselayout-1 had no rules_. */
  rules: boolean;
}

export const GENTOO_GENERATIONS: Record<Exclude<Consumer, 'rhel6'>, GentooGeneration> = {
  gentoo: { shell: 'sh', local: 'local.d', rules: true },
  'gentoo-legacy': { shell: 'bash', local: 'local.start', rules: false },
  // A current system reading the legacy files: /bin/sh is bash there, so the arrays still
  // work (netifrc warns once per variable); local.start is silently ignored.
  'gentoo-legacy-openrc': { shell: 'bash', local: 'local.d', rules: true },
};

/**
 * Prints `NAME\0KIND\0...` for each requested variable after sourcing the file: `U` unset,
 * `S\0value`, or (bash) `A\0count\0elements...`. The names were checked to be identifiers.
 */
const PRINT_VARS_SH = [
  '__ng_file=$1; shift; __ng_names=$*',
  '. "$__ng_file" || exit 3',
  "IFS=' '",
  "printf 'NETGEN-BEGIN\\0'",
  'for __ng_v in $__ng_names; do',
  '  eval "__ng_s=\\${$__ng_v+set}"',
  '  if [ "$__ng_s" != set ]; then printf \'%s\\0U\\0\' "$__ng_v"; continue; fi',
  '  @ARRAY@',
  '  eval "__ng_x=\\$$__ng_v"',
  "  printf '%s\\0S\\0%s\\0' \"$__ng_v\" \"$__ng_x\"",
  'done',
  "printf 'NETGEN-END\\0'",
].join('\n');

const ARRAY_BASH = [
  'case "$(declare -p "$__ng_v" 2>/dev/null)" in',
  '  "declare -a "*) eval "set -- \\"\\${$__ng_v[@]}\\""',
  "    printf '%s\\0A\\0%s\\0' \"$__ng_v\" \"$#\"",
  "    if [ $# -gt 0 ]; then printf '%s\\0' \"$@\"; fi",
  '    continue ;;',
  'esac',
].join('\n');

/** Source conf.d/net with `shell` and read the named variables. Throws with the shell's words on failure. */
export function readConfVars(shell: 'sh' | 'bash', file: string, names: readonly string[], cwd: string): Map<string, ShellValue> {
  for (const n of names) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) throw new Error(`not a shell variable name: ${n}`);
  const script = PRINT_VARS_SH.replace('@ARRAY@', shell === 'bash' ? ARRAY_BASH : ':');
  // --norc: bash reads ~/.bashrc even with -c when its stdin looks like a socket (as under Node).
  const argv = shell === 'bash' ? ['bash', '--norc', '--noprofile', '-c'] : ['sh', '-c'];
  const r = runProgram([...argv, script, 'netgen-conf', file, ...names], { cwd });
  const parts = r.stdout.split('\0');
  const begin = parts.indexOf('NETGEN-BEGIN');
  if (r.status !== 0 || begin < 0 || !parts.includes('NETGEN-END')) {
    throw new Error(`${shell} could not source it (exit status ${r.status}): ${firstLine(r.stderr) || 'no message'}`);
  }
  if (r.stderr.trim() !== '') throw new Error(`${shell} complained while sourcing it: ${firstLine(r.stderr)}`);
  const out = new Map<string, ShellValue>();
  let i = begin + 1;
  while (i < parts.length && parts[i] !== 'NETGEN-END') {
    const name = parts[i++]!;
    const kind = parts[i++];
    if (kind === 'U') out.set(name, { kind: 'unset' });
    else if (kind === 'S') out.set(name, { kind: 'string', value: parts[i++] ?? '' });
    else if (kind === 'A') {
      const n = Number(parts[i++]);
      out.set(name, { kind: 'array', values: parts.slice(i, i + n) });
      i += n;
    } else throw new Error(`unexpected output while reading ${name}`);
  }
  return out;
}

let shIsBash: boolean | undefined;

/** Whether this machine's `sh` is bash, which reads what dash refuses (arrays, `[[`); asked once. */
function shellShIsBash(): boolean {
  shIsBash ??= runProgram(['sh', '-c', 'test -n "${BASH_VERSION-}"']).status === 0;
  return shIsBash;
}

interface IfaceState {
  started: boolean;
}

export function createGentooDriver(ctx: DriverContext, generation: GentooGeneration): ConsumerDriver {
  const shell = generation.shell;
  const confAbs = join(ctx.root, ...CONF_NET.split('/'));
  const known = new Map<string, ShellValue>();
  let readable = ctx.files.has(CONF_NET);
  const state = new Map<string, IfaceState>();

  function vars(names: string[]): Map<string, ShellValue> {
    const missing = names.filter((n) => !known.has(n));
    if (missing.length > 0 && readable) {
      try {
        for (const [k, v] of readConfVars(shell, confAbs, missing, ctx.root)) known.set(k, v);
      } catch (err) {
        // Under dash an array is a syntax error and no interface starts at all.
        ctx.problem(`${CONF_NET}: ${(err as Error).message}`);
        readable = false;
      }
    }
    for (const n of missing) if (!known.has(n)) known.set(n, { kind: 'unset' });
    return known;
  }
  const get = (name: string): ShellValue => vars([name]).get(name) ?? { kind: 'unset' };

  function boot(): void {
    if (!ctx.files.has(CONF_NET)) ctx.problem(`${CONF_NET} is not in the tree`);
    if (shell === 'sh' && readable && shellShIsBash()) {
      ctx.limit(`${CONF_NET} was sourced by this machine's /bin/sh, which is bash: what dash (Gentoo's /bin/sh may be dash) refuses is not seen`);
    }
    const physical = ctx.links.filter((l) => l.kind !== 'vlan' && l.parent === undefined);
    if (readable) {
      // One sourcing for what every physical interface needs; VLAN names are known after it.
      vars(physical.flatMap((l) => ifaceVarNames(l.name)));
      for (const link of physical) if (link.onBoot !== false) start(link.name);
    }
    for (const link of ctx.links) {
      if (link.onBoot !== false && !state.get(link.name)?.started) {
        ctx.problem(`${link.name}: nothing in ${CONF_NET} brings it up at boot` + (link.parent ? ` (is ${link.name.slice(link.parent.length + 1)} in vlans_${shellVarName(link.parent)}?)` : ''));
      }
    }
    runLocal('start');
  }

  function ifaceVarNames(iface: string): string[] {
    const v = shellVarName(iface);
    return [`config_${v}`, `routes_${v}`, `rules_${v}`, `rules6_${v}`, `metric_${v}`, `vlans_${v}`, `mtu_${v}`, `policy_rules_before_routes_${v}`, 'policy_rules_before_routes'];
  }

  /** `rc-service net.IFACE start`: addresses, routes, rules, then the VLANs it carries. */
  function start(iface: string): void {
    const v = shellVarName(iface);
    vars(ifaceVarNames(iface));
    if (!ctx.linkExists(iface)) {
      ctx.problem(`net.${iface}: interface ${iface} does not exist`);
      return;
    }
    const origin = `net.${iface}`;
    const mtu = shellString(get(`mtu_${v}`));
    if (mtu !== '') ctx.ip(['link', 'set', 'dev', iface, 'mtu', mtu], `${origin} (mtu_${v})`);
    ctx.ip(['link', 'set', 'dev', iface, 'up'], origin);

    const configs = loadConfig(iface);
    if (configs === undefined) return;
    let oneWorked = false;
    for (const cfg of configs) {
      const words = splitWords(cfg);
      const head = words[0] ?? '';
      if (head === 'null') oneWorked = true;
      else if (head === 'noop') {
        if (ctx.addresses().some((a) => a.dev === iface)) {
          oneWorked = true;
          break;
        }
      } else if (/^[0-9]/.test(head) || head.includes(':')) {
        if (addAddress(iface, words, `config_${v}`)) oneWorked = true;
      } else ctx.limit(`config_${v}: "${head}" (a netifrc module) is not emulated by the harness`);
    }
    if (!oneWorked) {
      ctx.problem(`net.${iface}: no entry of config_${v} worked, so netifrc adds no routes and fails the interface`);
      return;
    }
    state.set(iface, { started: true });
    const before = /^(yes|true|on|1)$/i.test(shellString(get(`policy_rules_before_routes_${v}`)) || shellString(get('policy_rules_before_routes')) || 'no');
    if (before) addRules(iface);
    addRoutes(iface);
    if (!before) addRules(iface);
    postup(iface);
    for (const id of splitWords(shellString(get(`vlans_${v}`)))) {
      vars([`${v}_vlan${id}_name`, `vlan${id}_name`]);
      const name = shellString(get(`${v}_vlan${id}_name`)) || shellString(get(`vlan${id}_name`)) || `${iface}.${id}`;
      if (!ctx.linkExists(name)) {
        ctx.problem(`vlans_${v}: VLAN ${name} is not a link of the model; the harness creates it`);
        ctx.createLink(name);
      }
      start(name);
    }
  }

  /** netifrc's _load_config: one entry per line, or several plain addresses on one line. */
  function loadConfig(iface: string): string[] | undefined {
    const v = shellVarName(iface);
    const lines = netifrcLines(get(`config_${v}`));
    if (lines.length === 0) {
      ctx.limit(`config_${v} is not set: netifrc would run DHCP on ${iface} (not emulated)`);
      return undefined;
    }
    if (lines.length === 1) {
      const words = splitWords(lines[0]!);
      const second = words[1];
      if (second !== undefined && (second.includes('.') || second.includes(':'))) return words;
    }
    return lines;
  }

  /** netifrc's _add_address: options by their leading letters, `broadcast +` and `/32` by default. */
  function addAddress(iface: string, words: string[], varName: string): boolean {
    const raw = words[0]!;
    const slash = raw.indexOf('/');
    const address = slash < 0 ? raw : raw.slice(0, slash);
    let netmask = slash < 0 ? '' : raw.slice(slash + 1);
    const v6 = address.includes(':');
    const opt: Record<string, string> = {};
    const flags: string[] = [];
    for (let i = 1; i < words.length; i++) {
      const x = words[i]!;
      const arg = words[i + 1] ?? '';
      if (x === 'netmask' || x.startsWith('ne')) {
        if (netmask !== '') {
          ctx.problem(`${varName}: too many netmasks in "${words.join(' ')}"`);
          return false;
        }
        netmask = String(prefixOfNetmask(arg) ?? arg);
        i++;
      } else if (x === 'broadcast' || x === 'brd' || x.startsWith('br')) {
        opt['broadcast'] = arg;
        i++;
      } else if (/^(pointopoint|pointtopoint|peer)$/.test(x) || x.startsWith('po') || x.startsWith('pe')) {
        opt['peer'] = arg;
        i++;
      } else if (/^(a|l|s|v|pr)/.test(x)) {
        const key = x.startsWith('a') ? 'anycast' : x.startsWith('l') ? 'label' : x.startsWith('s') ? 'scope' : x.startsWith('v') ? 'valid_lft' : 'preferred_lft';
        opt[key] = arg;
        i++;
      } else if (/^(h|mng|no)/.test(x)) {
        flags.push(x.startsWith('h') ? 'home' : x.startsWith('m') ? 'mngtmpaddr' : x.startsWith('nop') ? 'noprefixroute' : 'nodad');
      } else ctx.problem(`${varName}: unknown argument "${x}" in "${words.join(' ')}" (netifrc warns and ignores it)`);
    }
    if (!v6 && opt['broadcast'] === undefined) opt['broadcast'] = '+';
    if (netmask === '') netmask = v6 ? '128' : '32';
    const argv = ['addr', 'add', `${address}/${netmask}`];
    for (const k of ['peer', 'broadcast', 'anycast', 'label', 'scope']) if (opt[k] !== undefined) argv.push(k, opt[k]!);
    argv.push('dev', iface);
    for (const k of ['valid_lft', 'preferred_lft']) if (opt[k] !== undefined) argv.push(k, opt[k]!);
    argv.push(...flags);
    const exists = ctx.addresses().some((a) => a.dev === iface && a.address === address);
    const r = ctx.ip(argv, `${varName}: ${words.join(' ')}`);
    return r.status === 0 || exists;
  }

  /** net.lo's route loop and iproute2.sh's _add_route, with the metric carried between lines. */
  function addRoutes(iface: string): void {
    const v = shellVarName(iface);
    const own = shellString(get(`metric_${v}`));
    let metric = own !== '' ? own : String(ctx.ifindex(iface) ?? 0);
    for (const line of netifrcLines(get(`routes_${v}`))) {
      let cmd = line;
      const family: string[] = [];
      if (cmd.startsWith('-6 ') || cmd.startsWith('-4 ')) {
        family.push('-f', cmd.startsWith('-6') ? 'inet6' : 'inet');
        cmd = cmd.slice(3);
      }
      let rtype = '';
      const head = cmd.split(' ')[0]!;
      if (['blackhole', 'prohibit', 'throw', 'unreachable'].includes(head)) {
        rtype = head;
        cmd = cmd.slice(head.length + 1);
      }
      cmd = classifyRoute(cmd) + cmd;
      let args = splitWords(cmd);
      const globs = globWords(args);
      if (globs.length > 0) ctx.problem(`routes_${v}: ${globs.join(' ')} would be expanded as a file name pattern`);
      if (args.length === 3) args = [args[0]!, args[1]!, 'via', args[2]!];
      else if (args[2] === 'gw') args = [args[0]!, args[1]!, 'via', ...args.slice(3)];
      const out: string[] = [];
      let haveMetric = false;
      for (let i = 0; i < args.length; i++) {
        const w = args[i]!;
        if (w === 'metric') {
          metric = args[i + 1] ?? '';
          out.push('metric', metric);
          haveMetric = true;
          i++;
        } else if (w === 'netmask') {
          const p = prefixOfNetmask(args[i + 1] ?? '');
          if (out.length > 0) out[out.length - 1] += `/${p ?? args[i + 1] ?? ''}`;
          i++;
        } else if (w !== '-host' && w !== '-net') out.push(w);
      }
      if (!haveMetric && metric !== '' && !out.includes('nexthop')) out.push('metric', metric);
      const argv = [...family, 'route', 'append', ...(rtype ? [rtype] : []), ...out, ...(rtype ? [] : ['dev', iface])];
      ctx.ip(argv, `routes_${v}: ${line}`);
    }
  }

  /** iproute2's policy routing: rules_<if> with `ip -4 rule add`, then rules6_<if> with `ip -6 rule add`. */
  function addRules(iface: string): void {
    const v = shellVarName(iface);
    for (const [name, family] of [[`rules_${v}`, '-4'], [`rules6_${v}`, '-6']] as const) {
      if (!generation.rules) {
        // baselayout-1's net scripts have no rules_ (consumers.md): the variable is never read.
        if (netifrcLines(get(name)).length > 0) ctx.problem(`${name}: baselayout-1 has no ${name.slice(0, name.indexOf('_') + 1)}; these rules are not added`);
        continue;
      }
      for (const line of netifrcLines(get(name))) {
        const words = splitWords(line);
        if (words.length === 0) continue;
        ctx.ip([family, 'rule', 'add', ...words], `${name}: ${line.trim()}`);
      }
    }
  }

  /**
   * The postup() function of conf.d/net, when it defines one: called with IFACE and IFVAR
   * once the interface has started (after iproute2_post_start's rules and DAD wait).
   */
  function postup(iface: string): void {
    if (!readable || !/^\s*postup\s*\(\)/m.test(ctx.files.get(CONF_NET)?.content ?? '')) return;
    const argv = shell === 'bash' ? ['bash', '--norc', '--noprofile', '-c'] : ['sh', '-c'];
    const script = 'IFACE=$2; IFVAR=$3; . "$1" || exit 3; if [ "$(command -v postup)" = postup ]; then postup; fi';
    ctx.exec([...argv, script, 'netgen-postup', confAbs, iface, shellVarName(iface)], `net.${iface} (postup)`);
  }

  /** The `local` service's scripts for `start` or `stop`, as the generation finds them. */
  function runLocal(what: 'start' | 'stop'): void {
    if (generation.local === 'local.start') {
      // baselayout-1's /etc/init.d/local sources the file with bash.
      const path = what === 'start' ? LEGACY_LOCAL_START : LEGACY_LOCAL_STOP;
      if (ctx.files.has(path)) ctx.exec(['bash', '--norc', '--noprofile', join(ctx.root, ...path.split('/'))], path);
      return;
    }
    const suffix = `.${what}`;
    const scripts = [...ctx.files.values()].filter((f) => f.path.startsWith(LOCAL_D) && f.path.endsWith(suffix) && !f.path.slice(LOCAL_D.length).includes('/'));
    for (const f of scripts.sort((a, b) => (a.path < b.path ? -1 : 1))) {
      if ((f.mode & 0o111) === 0) {
        ctx.problem(`${f.path} is not executable (mode ${(f.mode & 0o777).toString(8)}): OpenRC's local service skips it`);
        continue;
      }
      const abs = join(ctx.root, ...f.path.split('/'));
      // A script with a #! line runs under its interpreter; one without falls to sh.
      ctx.exec(f.content.startsWith('#!') ? [abs] : ['sh', abs], f.path);
    }
  }

  function restartLocal(): void {
    runLocal('stop');
    runLocal('start');
  }

  function up(address: string, hint?: KernelAddressHint): boolean {
    for (const [iface, st] of state) {
      if (!st.started) continue;
      const v = shellVarName(iface);
      const configs = loadConfig(iface) ?? [];
      const cfg = configs.find((c) => splitWords(c)[0]?.split('/')[0] === address);
      if (cfg === undefined) continue;
      // No per-address ifup in netifrc: failover tooling adds the address as conf.d/net
      // spells it, then the interface's routes, rules and postup are applied again (what the
      // end of `rc-service net.IFACE restart` does, without taking the other addresses away).
      addAddress(iface, splitWords(cfg), `config_${v}`);
      addRoutes(iface);
      addRules(iface);
      postup(iface);
      return true;
    }
    if (hint === undefined) return false;
    const v6 = hint.address.includes(':');
    const label = hint.label !== undefined && !v6 ? ['label', hint.label] : [];
    ctx.ip(['addr', 'add', `${hint.address}/${hint.prefix}`, ...(v6 ? [] : ['broadcast', '+']), ...label, 'dev', hint.device], `up ${hint.address} (not in ${CONF_NET}; failover tooling)`);
    if (state.get(hint.device)?.started) {
      addRoutes(hint.device);
      addRules(hint.device);
      postup(hint.device);
    }
    return true;
  }

  return { boot, up, restartLocal };
}

/** net.lo's guess of `-net` or `-host` for a route line, from its shape. */
function classifyRoute(cmd: string): string {
  if (/^-(net|host) /.test(cmd)) return '';
  if (/ netmask /.test(cmd)) return '-net ';
  if (/^.*\..*\..*\..*\/32/.test(cmd)) return '-host ';
  if (/^.*\..*\..*\..*\//.test(cmd) || cmd === '0.0.0.0' || cmd.startsWith('0.0.0.0 ')) return '-net ';
  if (cmd === 'default' || cmd.startsWith('default ')) return '-net ';
  if (/:.*\/128/.test(cmd)) return '-host ';
  if (/:.*\//.test(cmd)) return '-net ';
  return '-host ';
}
