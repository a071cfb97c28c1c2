// A kernel session: one throw-away network namespace holding a host's links, a rendered
// tree applied to it the way its consumer applies it, and `ip route get` asked of it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGentooDriver, GENTOO_GENERATIONS } from './apply-gentoo.js';
import { createRhel6Driver } from './apply-rhel6.js';
import { createClusterDriver, type ClusterDriver } from './apply-cluster.js';
import type { ConsumerDriver, DriverContext } from './driver.js';
import { firstLine, kernelAvailable, namespaceArgv, runInNamespace, runProgram } from './exec.js';
import { createNamespace, deleteNamespace, reapStaleSessions, writeSessionOwner } from './namespace.js';
import { parseAddresses, parseRouteGet, parseRules, splitBatch, type BatchOutcome } from './probe.js';
import { RESERVED_RT_TABLES, RT_TABLES_PATH, writeTree } from './tree.js';
import type { AddressEntry, ApplyReport, CommandRecord, Consumer, KernelAddressHint, KernelLink, Probe, RouteAnswer, RuleEntry, TreeFile } from './types.js';

export interface SessionOptions {
  /** Devices to create (a Plan's `links`): one veth each, named after it, down until the consumer brings it up. */
  links: readonly KernelLink[];
  /** Addresses the model knows (a Plan's `addresses`), for `up()` of an address no file names, and for `add()`. */
  addresses?: readonly KernelAddressHint[];
  /**
   * Where the real OCF agents are (Debian's resource-agents: /usr/lib/ocf/resource.d/heartbeat):
   * Pacemaker's resources then start with them; without it their `ip` commands are emulated.
   */
  ocfDir?: string;
  /**
   * Put every device's peer on one bridge (in a namespace of its own) with a client
   * namespace beside it, so that ARP and traffic can be exchanged with the host for real
   * (`arping`, `exchangeTcp`). Without it the peers stay in the host's namespace.
   */
  segment?: boolean;
  /**
   * Keep IPv6 duplicate address detection on (as on a real host): a new address is tentative
   * for a second or two, and the kernel refuses a route whose src it is. Off by default, so
   * that applying a tree does not depend on timing (the IPv6 contract: DAD off in the namespace).
   */
  dad?: boolean;
}

/** The per-interface keys the harness copies from `default` onto VLAN stand-ins. */
const CONF_KEYS = ['rp_filter', 'arp_filter', 'arp_ignore', 'arp_announce'] as const;

/** Listens on every address of its namespace, answers each connection with `ok`; exits after N of them or 10 s. */
const TCP_SERVER =
  "let n=+process.argv[2];const s=require('net').createServer(c=>{c.end('ok');if(--n<=0)s.close()});s.listen(+process.argv[1]);setTimeout(()=>process.exit(0),10000)";
/**
 * Connects in turn to each TARGET:PORT from LOCAL (`-`: the kernel picks), retrying while the
 * listener starts; prints one 1 (read `ok`) or 0 per target.
 */
const TCP_CLIENT =
  "const port=+process.argv[1];const a=process.argv.slice(2);const out=[];" +
  "const one=(h,l,t0,k)=>{const c=require('net').connect(l==='-'?{host:h,port}:{host:h,port,localAddress:l});let d='';c.setTimeout(3000,()=>c.destroy(new Error('timeout')));" +
  "c.on('data',x=>d+=x);c.on('end',()=>k(d==='ok'));c.on('error',e=>{if(e.code==='ECONNREFUSED'&&Date.now()-t0<4000)setTimeout(()=>one(h,l,t0,k),100);else k(false)})};" +
  "const next=i=>{if(i>=a.length){console.log(out.join(' '));return}one(a[i],a[i+1],Date.now(),ok=>{out.push(ok?1:0);next(i+2)})};next(0)";

/**
 * TCP across the segment, both ways, with four node processes in all: a listener in each
 * namespace, then the client connecting to every host address and the host connecting,
 * bound to each, to the client. The SYNs, the ARP they need and the answers all cross the
 * bridge and the host's reverse-path checks.
 */
function tcpExchanges(hostNs: string, clientNs: string, pairs: readonly { host: string; client: string }[]): { toHost: boolean[]; fromHost: boolean[] } {
  const node = process.execPath;
  const port = '47017';
  const n = String(pairs.length);
  const toHost = pairs.flatMap((p) => [p.host, '-']).join(' ');
  const fromHost = pairs.flatMap((p) => [p.client, p.host]).join(' ');
  const script =
    'ip netns exec "$1" "$3" -e "$4" "$6" "$7" & a=$!; ip netns exec "$2" "$3" -e "$4" "$6" "$7" & b=$!; ' +
    'ip netns exec "$2" "$3" -e "$5" "$6" $8; ip netns exec "$1" "$3" -e "$5" "$6" $9; kill $a $b 2>/dev/null; wait';
  const r = runProgram(['sh', '-c', script, 'netgen-tcp', hostNs, clientNs, node, TCP_SERVER, TCP_CLIENT, port, n, toHost, fromHost]);
  const [a = '', b = ''] = r.stdout.trim().split('\n');
  const bits = (line: string): boolean[] => line.trim().split(/\s+/).map((x) => x === '1');
  return { toHost: bits(a), fromHost: bits(b) };
}

/** Open a session. Throws when the machine cannot (see `kernelAvailable`); the namespace is gone again on any failure. */
export function openKernelSession(options: SessionOptions): KernelSession {
  const avail = kernelAvailable();
  if (!avail.ok) throw new Error(`the kernel harness cannot run here: ${avail.reason}`);
  return new KernelSession(options);
}

/** Run `fn` with a fresh session and always delete the namespace afterwards. */
export function withKernelSession<T>(options: SessionOptions, fn: (s: KernelSession) => T): T {
  const s = openKernelSession(options);
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

export class KernelSession {
  /** The namespace's name (`ngk-<pid>-<n>`). */
  readonly namespace: string;
  /** Every command run on the consumer's behalf, in order. */
  readonly log: CommandRecord[] = [];
  readonly problems: string[] = [];
  /** Where the harness could not follow the consumer, over the whole session (see ApplyReport.limits). */
  readonly limits: string[] = [];
  private readonly tmp: string;
  private readonly iproute2: string;
  private readonly root: string;
  private readonly links: KernelLink[];
  private readonly hints: KernelAddressHint[];
  private driver: ConsumerDriver | undefined;
  private cluster: ClusterDriver | undefined;
  private readonly ocfDir: string | undefined;
  private consumer: Consumer | undefined;
  private peers = 0;
  /** Each link's veth peer, by link name. */
  private readonly peerOf = new Map<string, string>();
  private closed = false;
  private probeRunCount = 0;
  private sysctlDir: string | undefined;
  /** With `segment`: the bridge's and the client's namespaces. */
  private readonly bridgeNs: string | undefined;
  private readonly clientNs: string | undefined;

  constructor(options: SessionOptions) {
    this.links = [...options.links];
    this.hints = [...(options.addresses ?? [])];
    this.ocfDir = options.ocfDir;
    // What a session killed earlier left (its namespace, its directory) goes first.
    reapStaleSessions(tmpdir());
    const tmp = mkdtempSync(join(tmpdir(), 'ngk-'));
    this.tmp = tmp;
    const removeTmp = (): void => rmSync(tmp, { recursive: true, force: true });
    try {
      writeSessionOwner(tmp);
      this.namespace = createNamespace(removeTmp);
    } catch (err) {
      removeTmp();
      throw err;
    }
    try {
      this.iproute2 = join(this.tmp, 'iproute2');
      this.root = join(this.tmp, 'root');
      mkdirSync(this.iproute2);
      mkdirSync(this.root);
      writeFileSync(join(this.iproute2, 'rt_tables'), RESERVED_RT_TABLES);
      this.mustDirect(['link', 'set', 'dev', 'lo', 'up']);
      if (options.dad !== true) {
        // Before any device exists: `default` is what each new device starts with.
        for (const scope of ['all', 'default']) {
          const r = this.run(['sysctl', '-q', '-w', `net.ipv6.conf.${scope}.accept_dad=0`]);
          if (r.status !== 0) throw new Error(`turning IPv6 DAD off in ${this.namespace} failed: ${firstLine(r.stderr)}`);
        }
      }
      if (options.segment) {
        this.bridgeNs = createNamespace();
        this.clientNs = createNamespace();
        this.other(this.bridgeNs, ['link', 'add', 'br0', 'type', 'bridge']);
        this.other(this.bridgeNs, ['link', 'set', 'br0', 'up']);
        this.other(this.clientNs, ['link', 'set', 'lo', 'up']);
        this.other(this.clientNs, ['link', 'add', 'c0', 'type', 'veth', 'peer', 'name', 'ngc0', 'netns', this.bridgeNs]);
        this.other(this.bridgeNs, ['link', 'set', 'ngc0', 'master', 'br0', 'up']);
        this.other(this.clientNs, ['link', 'set', 'c0', 'up']);
      }
      for (const link of this.links) this.addLink(link.name, link.mtu, link.mac);
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /**
   * Apply a tree as `consumer` does at boot. Once per session. Failed commands are
   * recorded, not thrown: the consumer carries on past them too.
   */
  apply(consumer: Consumer, files: readonly TreeFile[]): ApplyReport {
    this.assertOpen();
    if (this.driver) throw new Error('a session applies one tree; open another session for another');
    writeTree(this.root, files);
    const rt = files.find((f) => f.path === RT_TABLES_PATH);
    if (rt) writeFileSync(join(this.iproute2, 'rt_tables'), rt.content);
    if (files.some((f) => f.path.startsWith('etc/sysctl.d/'))) this.sysctlDir = join(this.root, 'etc', 'sysctl.d');
    const ctx = this.context(files);
    this.consumer = consumer;
    this.driver = consumer === 'rhel6' ? createRhel6Driver(ctx) : createGentooDriver(ctx, GENTOO_GENERATIONS[consumer]);
    this.cluster = createClusterDriver(ctx, this.ocfDir);
    return this.record(
      consumer,
      () => {
        this.bootSysctl(consumer, files);
        this.driver!.boot();
      },
      false,
    );
  }

  /**
   * The boot's sysctl pass, before the network starts, in the consumer's order: RHEL 6's
   * apply_sysctl reads /etc/sysctl.conf, then /etc/sysctl.d/*; OpenRC's sysctl service
   * /etc/sysctl.d/*.conf, then /etc/sysctl.conf (gentoo, and gentoo-legacy's files on current
   * OpenRC); baselayout-1 only /etc/sysctl.conf (its local.start applies netgen's file later). A VLAN is created after this pass and starts
   * with `default`: its stand-in here (made earlier) is given those values now.
   */
  private bootSysctl(consumer: Consumer, files: readonly TreeFile[]): void {
    const conf = files.filter((f) => f.path === 'etc/sysctl.conf');
    const dir = files.filter((f) => /^etc\/sysctl\.d\/[^/]+\.conf$/.test(f.path)).sort((a, b) => (a.path < b.path ? -1 : 1));
    const order = consumer === 'rhel6' ? [...conf, ...dir] : consumer === 'gentoo-legacy' ? conf : [...dir, ...conf];
    // One `sysctl -p` per file, as the distros run it; a failed line makes it exit non-zero.
    for (const f of order) this.exec(['sysctl', '-q', '-p', join(this.root, ...f.path.split('/'))], f.path);
    const vlans = this.links.filter((l) => l.kind === 'vlan').map((l) => l.name.replace(/\./g, '/'));
    if (vlans.length > 0) {
      const copy = 'for d in "$@"; do for k in ' + CONF_KEYS.join(' ') + '; do sysctl -q -w "net.ipv4.conf.$d.$k=$(sysctl -n net.ipv4.conf.default.$k)" || exit 1; done; done';
      this.exec(['sh', '-c', copy, 'netgen-vlans', ...vlans], 'VLANs created after the sysctl pass (they copy default)');
    }
  }

  /** `sysctl -w NAME=VALUE` in the namespace: a setting the distro had before netgen (RHEL 6's rp_filter 1). */
  setSysctl(name: string, value: string | number): void {
    this.assertOpen();
    const r = this.run(['sysctl', '-w', `${name}=${value}`]);
    if (r.status !== 0) throw new Error(`sysctl -w ${name}=${value} failed in ${this.namespace}: ${firstLine(r.stderr)}`);
  }

  /** `sysctl -n NAME` in the namespace. */
  getSysctl(name: string): string {
    this.assertOpen();
    return this.run(['sysctl', '-n', name]).stdout.trim();
  }

  /** How many times a probe has run `ip` so far (a batch counts once): shows that batching works. */
  get probeRuns(): number {
    return this.probeRunCount;
  }

  /** `ip route get TO from FROM iif IIF`: accepted (`ok`) or the kernel's refusal, with its text. */
  probeInbound(p: { to: string; from: string; iif: string }): { ok: boolean; raw: string } {
    this.assertOpen();
    this.probeRunCount++;
    const r = this.run(['ip', '-4', 'route', 'get', p.to, 'from', p.from, 'iif', p.iif]);
    return r.status === 0 ? { ok: true, raw: r.stdout.split('\n')[0]!.trim().replace(/\s+/g, ' ') } : { ok: false, raw: firstLine(r.stderr) };
  }

  /**
   * A real ARP request for `target` from the client, which holds `sender/prefix` on the
   * segment: the host devices whose MAC answered, in order. Needs `segment`.
   */
  arping(target: string, sender: string, prefix: number): { devices: string[]; raw: string } {
    const client = this.client();
    this.clientAddress(sender, prefix);
    this.other(client, ['neigh', 'flush', 'dev', 'c0']);
    const r = runProgram(['ip', 'netns', 'exec', client, 'arping', '-c', '100', '-w', '1', '-I', 'c0', '-s', sender, target]);
    const macs = [...r.stdout.matchAll(/reply from \S+ \[([0-9A-Fa-f:]+)\]/g)].map((m) => m[1]!.toLowerCase());
    const byMac = this.macs();
    const devices = [...new Set(macs.map((m) => byMac.get(m) ?? m))];
    return { devices, raw: r.stdout.trim() || firstLine(r.stderr) };
  }

  /**
   * Real TCP both ways for each pair: the client connects to the host's `host` address
   * (from its own `client` address, which it takes as `client/prefix`), and the host
   * connects, bound to `host`, to `client`. Says for each pair whether both worked and the
   * device whose MAC the client sent to (its neighbour entry afterwards).
   */
  exchangeTcp(pairs: readonly { host: string; client: string; prefix: number }[]): { toHost: boolean; fromHost: boolean; via?: string }[] {
    const client = this.client();
    for (const p of pairs) this.clientAddress(p.client, p.prefix);
    this.other(client, ['neigh', 'flush', 'dev', 'c0']);
    const results = tcpExchanges(this.namespace, client, pairs);
    const neigh = JSON.parse(runProgram(['ip', '-n', client, '-j', 'neigh', 'show', 'dev', 'c0']).stdout || '[]') as { dst?: string; lladdr?: string }[];
    const macs = this.macs();
    return pairs.map((p, i) => {
      const mac = neigh.find((n) => n.dst === p.host)?.lladdr?.toLowerCase();
      const via = mac === undefined ? undefined : macs.get(mac);
      return { toHost: results.toHost[i] === true, fromHost: results.fromHost[i] === true, ...(via !== undefined ? { via } : {}) };
    });
  }

  private client(): string {
    this.assertOpen();
    if (this.clientNs === undefined) throw new Error('this session has no segment: open it with { segment: true }');
    return this.clientNs;
  }

  private clientAddress(address: string, prefix: number): void {
    const have = runProgram(['ip', '-n', this.client(), '-4', '-o', 'addr', 'show', 'dev', 'c0']).stdout;
    if (!new RegExp(`inet ${address.replace(/\./g, '\\.')}/`).test(have)) this.other(this.client(), ['addr', 'add', `${address}/${prefix}`, 'dev', 'c0']);
  }

  /** The host's devices by MAC address. */
  private macs(): Map<string, string> {
    const list = JSON.parse(this.mustDirect(['-j', 'link', 'show'])) as { ifname?: string; address?: string }[];
    return new Map(list.flatMap((l) => (l.ifname !== undefined && l.address !== undefined ? [[l.address.toLowerCase(), l.ifname] as [string, string]] : [])));
  }

  /** `ip -n NS ARGS` in the segment's namespaces; a failure is the harness's. */
  private other(ns: string, args: string[]): void {
    const r = runProgram(['ip', '-n', ns, ...args]);
    if (r.status !== 0) throw new Error(`ip -n ${ns} ${args.join(' ')} failed: ${firstLine(r.stderr) || `exit status ${r.status}`}`);
  }

  /** `ip route get TO [from FROM]` (`-6` when TO is IPv6). An unreachable destination answers with `dev: ''` and the error in `raw`. */
  probe(p: Probe): RouteAnswer {
    this.assertOpen();
    const q = ['route', 'get', p.to, ...(p.from !== undefined ? ['from', p.from] : [])];
    this.probeRunCount++;
    const family = p.to.includes(':') ? '-6' : '-4';
    const text = this.run(['ip', family, ...q]);
    if (text.status !== 0) {
      const out: RouteAnswer = { dest: p.to, dev: '', raw: text.stderr.trim() };
      if (p.from !== undefined) out.from = p.from;
      return out;
    }
    this.probeRunCount++;
    return parseRouteGet(this.must(['-j', family, ...q]), text.stdout);
  }

  /**
   * `probe` for each of `probes`, in the state the session is in now, with one `ip -batch`
   * for the text answers and one for the JSON instead of two `ip` runs a probe (each run
   * enters the namespaces afresh). Answers as `probe` gives them, in order.
   */
  probeAll(probes: readonly Probe[]): RouteAnswer[] {
    this.assertOpen();
    // One family per `ip -batch` (its -4 or -6 holds for every line): a mixed list is asked per family.
    const v6 = probes.map((p) => p.to.includes(':'));
    if (v6.includes(true) && v6.includes(false)) {
      const out: RouteAnswer[] = [];
      for (const want of [false, true]) {
        const idx = probes.flatMap((_, i) => (v6[i] === want ? [i] : []));
        this.probeAll(idx.map((i) => probes[i]!)).forEach((a, k) => (out[idx[k]!] = a));
      }
      return out;
    }
    const family = v6[0] === true ? '-6' : '-4';
    const lines = probes.map((p) => ['route', 'get', p.to, ...(p.from !== undefined ? ['from', p.from] : [])]);
    const text = probes.length > 1 ? this.batch([family], lines) : undefined;
    const json = text !== undefined ? this.batch(['-j', family], lines) : undefined;
    if (text === undefined || json === undefined || text.some((t, i) => t.ok !== json[i]!.ok)) return probes.map((p) => this.probe(p));
    return probes.map((p, i) => {
      const t = text[i]!;
      const j = json[i]!;
      if (t.ok && j.ok) return parseRouteGet(j.out, t.out);
      const out: RouteAnswer = { dest: p.to, dev: '', raw: t.ok ? '' : t.err };
      if (p.from !== undefined) out.from = p.from;
      return out;
    });
  }

  /** `probeInbound` for each of `probes` (one `ip -batch` in all), in order. */
  probeInboundAll(probes: readonly { to: string; from: string; iif: string }[]): { ok: boolean; raw: string }[] {
    this.assertOpen();
    const text = probes.length > 1 ? this.batch(['-4'], probes.map((p) => ['route', 'get', p.to, 'from', p.from, 'iif', p.iif])) : undefined;
    if (text === undefined) return probes.map((p) => this.probeInbound(p));
    return text.map((t) => (t.ok ? { ok: true, raw: t.out.split('\n')[0]!.trim().replace(/\s+/g, ' ') } : { ok: false, raw: firstLine(t.err) }));
  }

  /**
   * `ip FLAGS -force -batch -` over `commands` (argument vectors without `ip`), each
   * command's outcome; undefined when a word cannot go on a batch line as it is or the
   * output does not split (see splitBatch).
   */
  private batch(flags: string[], commands: readonly string[][]): BatchOutcome[] | undefined {
    if (commands.some((c) => c.some((w) => !/^[A-Za-z0-9_.:/-]+$/.test(w)))) return undefined;
    this.probeRunCount++;
    const r = this.run(['ip', ...flags, '-force', '-batch', '-'], commands.map((c) => c.join(' ') + '\n').join(''));
    return splitBatch(r.stdout, r.stderr, commands.length);
  }

  /** Take an address away as failover tooling does (`ip addr del`); the kernel drops routes that use it as `src`. */
  down(address: string): CommandRecord {
    this.assertOpen();
    const a = this.addresses().find((x) => x.address === address);
    if (!a) throw new Error(`down ${address}: no such address in the namespace`);
    return this.ip(['addr', 'del', `${a.address}/${a.prefix}`, 'dev', a.dev], `down ${address}`);
  }

  /**
   * Take an address away the way failover does: a VIP that keepalived or Pacemaker moves is
   * given up by its manager (which takes its routes and rules with it, as the simulator's
   * `down` does); any other address by `ip addr del`.
   */
  leave(address: string): void {
    this.assertOpen();
    if (this.cluster?.moves(address)) this.release(address);
    else this.down(address);
  }

  /**
   * Bring an address back the way the consumer does (RHEL: `ifup eth0:1`, which re-reads
   * route-eth0; Gentoo: the address line of conf.d/net, then the interface's routes and
   * rules again). `File exists` answers of re-applied lines are not counted as failures.
   */
  up(address: string): ApplyReport {
    this.assertOpen();
    if (!this.driver || !this.consumer || !this.cluster) throw new Error('up() needs a tree applied first');
    const driver = this.driver;
    const cluster = this.cluster;
    const hint = this.hints.find((h) => h.address === address);
    return this.record(this.consumer, () => {
      // keepalived or Pacemaker, when one of their files moves the address; else the distro's scripts.
      if (cluster.up(address)) return;
      if (!driver.up(address, hint)) this.problems.push(`up ${address}: no file of the tree and no model address names it`);
    }, true);
  }

  /**
   * Take an address down with the consumer's own tool (RHEL: `ifdown eth0:1`, which also
   * runs ifdown-routes and /sbin/ifdown-local); where it has none, as `down()` does.
   */
  ifdown(address: string): ApplyReport {
    this.assertOpen();
    if (!this.driver || !this.consumer) throw new Error('ifdown() needs a tree applied first');
    const driver = this.driver;
    return this.record(this.consumer, () => {
      if (driver.ifdown?.(address) !== true) this.down(address);
    }, false);
  }

  /**
   * `rc-service local restart` (Gentoo): the local service's stop scripts, then its start
   * scripts again, as the consumer's generation finds them. A rule added twice fails here
   * (`File exists`), as it does on the host.
   */
  restartLocal(): ApplyReport {
    this.assertOpen();
    if (!this.driver || !this.consumer) throw new Error('restartLocal() needs a tree applied first');
    const driver = this.driver;
    if (driver.restartLocal === undefined) throw new Error(`restartLocal(): ${this.consumer} has no local service`);
    return this.record(this.consumer, () => driver.restartLocal!(), false);
  }

  /** The address's cluster tool gives it up (keepalived leaving MASTER, Pacemaker stopping its group). */
  release(address: string): ApplyReport {
    this.assertOpen();
    if (!this.cluster || !this.consumer) throw new Error('release() needs a tree applied first');
    const cluster = this.cluster;
    return this.record(this.consumer, () => {
      if (!cluster.release(address)) this.problems.push(`release ${address}: no cluster file moves it`);
    }, false);
  }

  /** Put an address back with nothing else (`ip addr add`), as a tool netgen does not know would. */
  add(address: string): CommandRecord {
    this.assertOpen();
    const hint = this.hints.find((h) => h.address === address);
    if (!hint) throw new Error(`add ${address}: not an address of the model`);
    return this.ip(['addr', 'add', `${hint.address}/${hint.prefix}`, 'dev', hint.device, ...(hint.label !== undefined ? ['label', hint.label] : [])], `add ${address} (alone)`);
  }

  /** `ip -4 rule` (or `ip -6 rule`) entries. */
  rules(family: 4 | 6 = 4): RuleEntry[] {
    this.assertOpen();
    return parseRules(this.must(['-j', `-${family}`, 'rule', 'show']), family);
  }

  /** `ip -4 route show table TABLE` (or `ip -6`) lines. */
  routes(table = 'main', family: 4 | 6 = 4): string[] {
    this.assertOpen();
    return this.must([`-${family}`, 'route', 'show', 'table', table])
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
  }

  addresses(): AddressEntry[] {
    this.assertOpen();
    return parseAddresses(this.mustDirect(['-j', 'addr', 'show']));
  }

  /** Delete the namespace and the temporary tree. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      for (const ns of [this.clientNs, this.bridgeNs]) if (ns !== undefined) deleteNamespace(ns);
    } finally {
      deleteNamespace(this.namespace);
    }
  }

  private context(files: readonly TreeFile[]): DriverContext {
    return {
      files: new Map(files.map((f) => [f.path, f])),
      root: this.root,
      links: this.links,
      ip: (args, origin) => this.ip(args, origin),
      exec: (argv, origin, options) => this.exec(argv, origin, options?.stderrIsLog === true),
      problem: (m) => void this.problems.push(m),
      limit: (m) => void this.limits.push(m),
      linkExists: (name) => this.direct(['link', 'show', 'dev', name]).status === 0,
      createLink: (name) => this.addLink(name, undefined, undefined),
      ifindex: (name) => {
        const r = this.direct(['-j', 'link', 'show', 'dev', name]);
        if (r.status !== 0) return undefined;
        return (JSON.parse(r.stdout) as { ifindex?: number }[])[0]?.ifindex;
      },
      addresses: () => this.addresses(),
      defaultGateways: () =>
        this.routes('main')
          .filter((l) => l.startsWith('default '))
          .map((l) => /\bvia (\S+)/.exec(l)?.[1])
          .filter((g): g is string => g !== undefined),
    };
  }

  /** A veth named after the device, its peer (`ngpN`) up beside it; the device itself stays down. */
  private addLink(name: string, mtu: number | undefined, mac: string | undefined): void {
    let peer: string;
    do peer = `ngp${this.peers++}`;
    while (this.links.some((l) => l.name === peer));
    const there = this.bridgeNs !== undefined ? ['netns', this.bridgeNs] : [];
    this.mustDirect(['link', 'add', name, ...(mtu !== undefined ? ['mtu', String(mtu)] : []), ...(mac !== undefined ? ['address', mac] : []), 'type', 'veth', 'peer', 'name', peer, ...(mtu !== undefined ? ['mtu', String(mtu)] : []), ...there]);
    if (this.bridgeNs !== undefined) this.other(this.bridgeNs, ['link', 'set', 'dev', peer, 'master', 'br0', 'up']);
    else {
      this.mustDirect(['link', 'set', 'dev', peer, 'up']);
      this.peerOf.set(name, peer);
    }
  }

  /**
   * Plug a link into a shared segment: its veth peer moves into the segment's namespace,
   * renamed `as`, and joins the segment's bridge. Two sessions plugged into one segment
   * share an Ethernet (VRRP between two nodes, say); traffic stays in the namespaces.
   */
  plugInto(segment: { namespace: string; bridge: string }, link: string, as: string): void {
    this.assertOpen();
    const peer = this.peerOf.get(link);
    if (peer === undefined) throw new Error(`plugInto: ${link} is not a link of this session`);
    this.mustDirect(['link', 'set', 'dev', peer, 'down']);
    this.mustDirect(['link', 'set', 'dev', peer, 'name', as]);
    this.mustDirect(['link', 'set', 'dev', as, 'netns', segment.namespace]);
    this.peerOf.delete(link);
    const r = runProgram(['ip', '-n', segment.namespace, 'link', 'set', 'dev', as, 'master', segment.bridge, 'up']);
    if (r.status !== 0) throw new Error(`joining ${as} to ${segment.bridge} failed: ${firstLine(r.stderr)}`);
  }

  /** The argument vector that runs `argv` inside this session (for long-running programs a test spawns itself). */
  commandArgv(argv: readonly string[]): string[] {
    this.assertOpen();
    return namespaceArgv(this.namespace, this.iproute2, argv, this.sysctlDir);
  }

  /** The session's own temporary directory (the consumer's `/` is `root` below it). */
  get scratch(): string {
    return this.tmp;
  }

  private record(consumer: Consumer, fn: () => void, reapplied: boolean): ApplyReport {
    const from = this.log.length;
    const problemsFrom = this.problems.length;
    const limitsFrom = this.limits.length;
    fn();
    const commands = this.log.slice(from);
    const failed = commands.filter((c) => c.status !== 0 && !(reapplied && /File exists/.test(c.stderr)));
    return { consumer, commands, failed, problems: this.problems.slice(problemsFrom), limits: this.limits.slice(limitsFrom) };
  }

  private ip(args: string[], origin: string): CommandRecord {
    return this.exec(['ip', ...args], origin);
  }

  private exec(argv: string[], origin: string, stderrIsLog = false): CommandRecord {
    const r = this.run(argv);
    const rec: CommandRecord = { argv, origin, status: r.status, stdout: r.stdout, stderr: r.stderr };
    // A local start script that complains but exits 0 still failed at something.
    if (argv[0] !== 'ip' && !stderrIsLog && r.status === 0 && r.stderr.trim() !== '') rec.status = 1;
    this.log.push(rec);
    return rec;
  }

  private run(argv: string[], input?: string): { status: number; stdout: string; stderr: string } {
    return runInNamespace(this.namespace, this.iproute2, argv, this.root, this.sysctlDir, input);
  }

  /**
   * `ip -n NS ARGS`: for the harness's own look-ups and devices, which name no table, so
   * need not see the tree's rt_tables. One program instead of the five `run` starts
   * (unshare, sh, mount, nsenter, ip).
   */
  private direct(args: string[]): { status: number; stdout: string; stderr: string } {
    return runProgram(['ip', '-n', this.namespace, ...args]);
  }

  private mustDirect(args: string[]): string {
    const r = this.direct(args);
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed in ${this.namespace}: ${firstLine(r.stderr) || `exit status ${r.status}`}`);
    return r.stdout;
  }

  /** `ip ARGS` for the harness's own needs: a failure here is the harness's, so it throws. */
  private must(args: string[]): string {
    const r = this.run(['ip', ...args]);
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed in ${this.namespace}: ${firstLine(r.stderr) || `exit status ${r.status}`}`);
    return r.stdout;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`session ${this.namespace} is closed`);
  }
}
