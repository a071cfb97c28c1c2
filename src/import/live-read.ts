// Gathering a live host's state for `import --from live`: `ip -j` run on this machine, or
// saved copies of the same outputs read from files.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { NetgenError } from '../errors.js';
import type { LiveState } from './live.js';

export interface LiveSources {
  addr?: string;
  routes?: string;
  rules?: string;
  rtTables?: string;
}

function readSaved(path: string, what: string): string {
  try {
    if (statSync(path).isDirectory()) throw new NetgenError('usage', `${what} ${path} is a directory`);
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof NetgenError) throw err;
    throw new NetgenError('usage', `cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

function runIp(args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new NetgenError('io', `cannot run ip ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new NetgenError('io', `ip ${args.join(' ')} failed: ${(r.stderr || '').trim() || `exit status ${r.status}`}`);
  return r.stdout;
}

/** The state to import: saved copies where given (all three of addr/routes/rules, or none), else `ip -j` here. */
export function gatherLiveState(s: LiveSources): { state: LiveState; host?: string } {
  const given = [s.addr, s.routes, s.rules].filter((x) => x !== undefined).length;
  if (given !== 0 && given !== 3) throw new NetgenError('usage', 'give all three saved outputs (--addr, --routes, --rules) or none to read this host');
  const rtPath = s.rtTables ?? '/etc/iproute2/rt_tables';
  let rtTables: LiveState['rtTables'];
  try {
    rtTables = { path: rtPath, content: readFileSync(rtPath, 'utf8'), mode: 0o644 };
  } catch (err) {
    if (s.rtTables !== undefined) throw new NetgenError('usage', `cannot read --rt-tables ${rtPath}: ${(err as Error).message}`);
  }
  const state: LiveState =
    given === 3
      ? {
          addr: { name: s.addr!, text: readSaved(s.addr!, '--addr') },
          route: { name: s.routes!, text: readSaved(s.routes!, '--routes') },
          rule: { name: s.rules!, text: readSaved(s.rules!, '--rules') },
        }
      : {
          addr: { name: 'ip -j -d addr show', text: runIp(['-j', '-d', 'addr', 'show']) },
          route: { name: 'ip -j route show table all', text: runIp(['-j', '-4', 'route', 'show', 'table', 'all']) },
          rule: { name: 'ip -j rule show', text: runIp(['-j', '-4', 'rule', 'show']) },
        };
  if (rtTables) state.rtTables = rtTables;
  return given === 3 ? { state } : { state, host: hostname() };
}
