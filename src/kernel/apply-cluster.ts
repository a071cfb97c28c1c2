// The cluster tools that move VIPs, as the harness applies their rendered files:
// keepalived on becoming MASTER (etc/keepalived/netgen.conf: the instance's
// virtual_ipaddress, then virtual_routes, then virtual_rules), and Pacemaker starting a
// group (etc/netgen/pacemaker-resources.sh: each `pcs resource create`, in order). With
// `ocfDir` the real OCF agents (Debian's resource-agents) run; otherwise their effect is
// emulated with the `ip` command each agent runs. The real keepalived is exercised by the
// two-node kernel test; here its effect on one node is emulated.
import { join } from 'node:path';
import type { DriverContext } from './driver.js';
import { SAFE_PATH } from './exec.js';
import { splitWords } from './shell-text.js';

export const KEEPALIVED_CONF = 'etc/keepalived/netgen.conf';
export const PACEMAKER_SCRIPT = 'etc/netgen/pacemaker-resources.sh';

export interface VrrpInstanceText {
  name: string;
  /** `virtual_ipaddress` lines. */
  addresses: string[];
  /** `virtual_routes` lines. */
  routes: string[];
  /** `virtual_rules` lines. */
  rules: string[];
  /** Other `key value` settings of the instance. */
  settings: Map<string, string>;
}

/** The vrrp_instance blocks of a keepalived configuration (comments start with # or !). */
export function parseKeepalivedConf(text: string): VrrpInstanceText[] {
  const out: VrrpInstanceText[] = [];
  let inst: VrrpInstanceText | undefined;
  let block: 'addresses' | 'routes' | 'rules' | 'other' | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#!].*$/, '').trim();
    if (line === '') continue;
    const m = /^vrrp_instance\s+(\S+)\s*\{$/.exec(line);
    if (m) {
      inst = { name: m[1]!, addresses: [], routes: [], rules: [], settings: new Map() };
      out.push(inst);
      continue;
    }
    if (inst === undefined) continue;
    if (line === '}') {
      if (block !== undefined) block = undefined;
      else inst = undefined;
      continue;
    }
    const b = /^(\S+)\s*\{$/.exec(line);
    if (b) {
      // virtual_ipaddress_excluded: added and removed with the same state changes, not announced.
      block = b[1] === 'virtual_ipaddress' || b[1] === 'virtual_ipaddress_excluded' ? 'addresses' : b[1] === 'virtual_routes' ? 'routes' : b[1] === 'virtual_rules' ? 'rules' : 'other';
      continue;
    }
    if (block === 'other') continue;
    if (block !== undefined) inst[block].push(line);
    else {
      const [k, ...v] = line.split(/\s+/);
      inst.settings.set(k!, v.join(' '));
    }
  }
  return out;
}

/** A virtual_routes line as `ip route add` arguments (keepalived's `src`, `to`, `gw`, `protocol` spelt as ip spells them). */
export function keepalivedRouteArgs(line: string): string[] {
  const w = splitWords(line);
  const out: string[] = [];
  let dest: string | undefined;
  // Words that take a value, spelt as `ip route` spells them.
  const keys: Record<string, string> = { src: 'src', dev: 'dev', scope: 'scope', metric: 'metric', table: 'table', gw: 'via', via: 'via', protocol: 'proto', proto: 'proto' };
  for (let i = 0; i < w.length; i++) {
    const x = w[i]!;
    const next = w[i + 1];
    if (x === 'no_track') continue;
    if (x === 'to' && next !== undefined) {
      dest = next;
      i++;
    } else if (keys[x] !== undefined && next !== undefined) {
      out.push(keys[x], next);
      i++;
    } else if (dest === undefined) dest = x;
    else out.push(x);
  }
  return [dest ?? '', ...out];
}

export interface PcsResource {
  id: string;
  /** `ocf:heartbeat:IPaddr2`. */
  agent: string;
  params: Map<string, string>;
  group?: string;
}

/** The `pcs resource create ID AGENT k=v ... [--group G]` lines of the rendered script. */
export function parsePcsScript(text: string): PcsResource[] {
  const out: PcsResource[] = [];
  for (const raw of text.split('\n')) {
    const w = splitWords(raw.replace(/#.*$/, ''));
    if (w[0] !== 'pcs' || w[1] !== 'resource' || w[2] !== 'create' || w.length < 5) continue;
    const r: PcsResource = { id: w[3]!, agent: w[4]!, params: new Map() };
    for (let i = 5; i < w.length; i++) {
      const x = w[i]!;
      if (x === '--group') {
        const g = w[++i];
        if (g !== undefined) r.group = g;
      }
      else if (x.includes('=')) r.params.set(x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1));
    }
    out.push(r);
  }
  return out;
}

export interface ClusterDriver {
  /** Bring an address up the way its cluster tool does; false when no cluster file names it. */
  up(address: string): boolean;
  /** Give an address up the way its cluster tool does (leaving MASTER, stopping the group); false when no cluster file names it. */
  release(address: string): boolean;
  /** Whether a cluster file moves the address. */
  moves(address: string): boolean;
}

export function createClusterDriver(ctx: DriverContext, ocfDir: string | undefined): ClusterDriver {
  const kaFile = ctx.files.get(KEEPALIVED_CONF);
  const instances = kaFile ? parseKeepalivedConf(kaFile.content) : [];
  const pcsFile = ctx.files.get(PACEMAKER_SCRIPT);
  const resources = pcsFile ? parsePcsScript(pcsFile.content) : [];

  const addressOf = (line: string): string => splitWords(line)[0]?.split('/')[0] ?? '';

  /** keepalived becoming MASTER for the instance: its VIPs, then its routes, then its rules. */
  function becomeMaster(inst: VrrpInstanceText): void {
    const origin = `keepalived ${inst.name} MASTER`;
    for (const line of inst.addresses) ctx.ip(['addr', 'add', ...splitWords(line)], `${origin} (virtual_ipaddress)`);
    for (const line of inst.routes) ctx.ip(['route', 'add', ...keepalivedRouteArgs(line)], `${origin} (virtual_routes: ${line})`);
    for (const line of inst.rules) ctx.ip(['rule', 'add', ...splitWords(line)], `${origin} (virtual_rules: ${line})`);
  }

  /** keepalived leaving MASTER: its rules, routes and VIPs go again. */
  function leaveMaster(inst: VrrpInstanceText): void {
    const origin = `keepalived ${inst.name} leaves MASTER`;
    for (const line of inst.rules) ctx.ip(['rule', 'del', ...splitWords(line)], `${origin} (virtual_rules: ${line})`);
    for (const line of inst.routes) ctx.ip(['route', 'del', ...keepalivedRouteArgs(line)], `${origin} (virtual_routes: ${line})`);
    for (const line of inst.addresses) ctx.ip(['addr', 'del', ...splitWords(line).slice(0, 3)], `${origin} (virtual_ipaddress)`);
  }

  /** Pacemaker starting a group: each resource in order; stopping it: in reverse order. */
  function runGroup(action: 'start' | 'stop', members: PcsResource[]): void {
    for (const r of action === 'start' ? members : [...members].reverse()) {
      if (ocfDir !== undefined) runAgent(r, action);
      else emulateAgent(r, action);
    }
  }

  function emulateAgent(r: PcsResource, action: 'start' | 'stop'): void {
    const p = (k: string): string | undefined => r.params.get(k);
    const origin = `pacemaker ${r.id} ${action} (emulated ${r.agent})`;
    const verb = action === 'start' ? 'add' : 'del';
    if (r.agent === 'ocf:heartbeat:IPaddr2') {
      const nic = p('nic') ?? '';
      const ip = p('ip') ?? '';
      if (ip.includes(':')) {
        // IPv6: `ip -f inet6 addr add IP/LEN dev NIC preferred_lft P` (forever unless given).
        const start = action === 'start' ? ['preferred_lft', p('preferred_lft') ?? 'forever'] : [];
        ctx.ip(['-f', 'inet6', 'addr', verb, `${ip}/${p('cidr_netmask') ?? '64'}`, 'dev', nic, ...start], origin);
        return;
      }
      const label = p('iflabel') !== undefined ? ['label', `${nic}:${p('iflabel')!}`] : [];
      ctx.ip(['addr', verb, `${ip}/${p('cidr_netmask') ?? '32'}`, ...(action === 'start' ? ['brd', '+'] : []), 'dev', nic, ...(action === 'start' ? label : [])], origin);
    } else if (r.agent === 'ocf:heartbeat:Route') {
      // The agent's own route spec: `to DEST [dev D] [via G] [src S] [table T]`.
      const spec = ['to', p('destination') ?? ''];
      for (const [k, word] of [['device', 'dev'], ['gateway', 'via'], ['source', 'src'], ['table', 'table']] as const) {
        const v = p(k);
        if (v !== undefined) spec.push(word, v);
      }
      ctx.ip(['route', verb, ...spec], origin);
    } else ctx.limit(`${PACEMAKER_SCRIPT}: ${r.id}: agent ${r.agent} is not emulated`);
  }

  /** The OCF agent itself, with OCF_RESKEY_* from the pcs line, inside the namespace. */
  function runAgent(r: PcsResource, action: 'start' | 'stop'): void {
    const name = r.agent.split(':')[2] ?? '';
    const env = [`OCF_ROOT=${join(ocfDir!, '..', '..')}`, `OCF_RESOURCE_INSTANCE=${r.id}`, `OCF_RESOURCE_TYPE=${name}`, `PATH=${SAFE_PATH}`, 'LC_ALL=C', `HA_RSCTMP=${join(ctx.root, 'run', 'resource-agents')}`];
    for (const [k, v] of r.params) env.push(`OCF_RESKEY_${k}=${v}`);
    ctx.exec(['env', '-i', ...env, join(ocfDir!, name), action], `pacemaker ${r.id} ${action} (${r.agent})`, { stderrIsLog: true });
  }

  function instanceOf(address: string): VrrpInstanceText | undefined {
    return instances.find((i) => i.addresses.some((l) => addressOf(l) === address));
  }

  /** The resources that move with the address: its whole group, in order. */
  function groupOf(address: string): PcsResource[] | undefined {
    const vip = resources.find((r) => r.agent === 'ocf:heartbeat:IPaddr2' && r.params.get('ip') === address);
    if (vip === undefined) return undefined;
    return vip.group === undefined ? [vip] : resources.filter((r) => r.group === vip.group);
  }

  function up(address: string): boolean {
    const inst = instanceOf(address);
    if (inst) becomeMaster(inst);
    const group = inst ? undefined : groupOf(address);
    if (group) runGroup('start', group);
    return inst !== undefined || group !== undefined;
  }

  function release(address: string): boolean {
    const inst = instanceOf(address);
    if (inst) leaveMaster(inst);
    const group = inst ? undefined : groupOf(address);
    if (group) runGroup('stop', group);
    return inst !== undefined || group !== undefined;
  }

  return { up, release, moves: (address) => instanceOf(address) !== undefined || groupOf(address) !== undefined };
}
