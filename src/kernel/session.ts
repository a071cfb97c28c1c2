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
import { parseAddresses, parseRouteGet, parseRules } from './probe.js';
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
      this.must(['link', 'set', 'dev', 'lo', 'up']);
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
    const ctx = this.context(files);
    this.consumer = consumer;
    this.driver = consumer === 'rhel6' ? createRhel6Driver(ctx) : createGentooDriver(ctx, GENTOO_GENERATIONS[consumer]);
    this.cluster = createClusterDriver(ctx, this.ocfDir);
    return this.record(consumer, () => this.driver!.boot(), false);
  }

  /** `ip route get TO [from FROM]`. An unreachable destination answers with `dev: ''` and the error in `raw`. */
  probe(p: Probe): RouteAnswer {
    this.assertOpen();
    const q = ['route', 'get', p.to, ...(p.from !== undefined ? ['from', p.from] : [])];
    const text = this.run(['ip', '-4', ...q]);
    if (text.status !== 0) {
      const out: RouteAnswer = { dest: p.to, dev: '', raw: text.stderr.trim() };
      if (p.from !== undefined) out.from = p.from;
      return out;
    }
    return parseRouteGet(this.must(['-j', '-4', ...q]), text.stdout);
  }

  /** Take an address away as failover tooling does (`ip addr del`); the kernel drops routes that use it as `src`. */
  down(address: string): CommandRecord {
    this.assertOpen();
    const a = this.addresses().find((x) => x.address === address);
    if (!a) throw new Error(`down ${address}: no such address in the namespace`);
    return this.ip(['addr', 'del', `${a.address}/${a.prefix}`, 'dev', a.dev], `down ${address}`);
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

  rules(): RuleEntry[] {
    this.assertOpen();
    return parseRules(this.must(['-j', '-4', 'rule', 'show']));
  }

  /** `ip -4 route show table TABLE` lines. */
  routes(table = 'main'): string[] {
    this.assertOpen();
    return this.must(['-4', 'route', 'show', 'table', table])
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
  }

  addresses(): AddressEntry[] {
    this.assertOpen();
    return parseAddresses(this.must(['-j', '-4', 'addr', 'show']));
  }

  /** Delete the namespace and the temporary tree. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    deleteNamespace(this.namespace);
  }

  private context(files: readonly TreeFile[]): DriverContext {
    return {
      files: new Map(files.map((f) => [f.path, f])),
      root: this.root,
      links: this.links,
      ip: (args, origin) => this.ip(args, origin),
      exec: (argv, origin, options) => this.exec(argv, origin, options?.stderrIsLog === true),
      problem: (m) => void this.problems.push(m),
      linkExists: (name) => this.run(['ip', 'link', 'show', 'dev', name]).status === 0,
      createLink: (name) => this.addLink(name, undefined, undefined),
      ifindex: (name) => {
        const r = this.run(['ip', '-j', 'link', 'show', 'dev', name]);
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
    this.must(['link', 'add', name, ...(mtu !== undefined ? ['mtu', String(mtu)] : []), ...(mac !== undefined ? ['address', mac] : []), 'type', 'veth', 'peer', 'name', peer, ...(mtu !== undefined ? ['mtu', String(mtu)] : [])]);
    this.must(['link', 'set', 'dev', peer, 'up']);
    this.peerOf.set(name, peer);
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
    this.must(['link', 'set', 'dev', peer, 'down']);
    this.must(['link', 'set', 'dev', peer, 'name', as]);
    this.must(['link', 'set', 'dev', as, 'netns', segment.namespace]);
    this.peerOf.delete(link);
    const r = runProgram(['ip', '-n', segment.namespace, 'link', 'set', 'dev', as, 'master', segment.bridge, 'up']);
    if (r.status !== 0) throw new Error(`joining ${as} to ${segment.bridge} failed: ${firstLine(r.stderr)}`);
  }

  /** The argument vector that runs `argv` inside this session (for long-running programs a test spawns itself). */
  commandArgv(argv: readonly string[]): string[] {
    this.assertOpen();
    return namespaceArgv(this.namespace, this.iproute2, argv);
  }

  /** The session's own temporary directory (the consumer's `/` is `root` below it). */
  get scratch(): string {
    return this.tmp;
  }

  private record(consumer: Consumer, fn: () => void, reapplied: boolean): ApplyReport {
    const from = this.log.length;
    const problemsFrom = this.problems.length;
    fn();
    const commands = this.log.slice(from);
    const failed = commands.filter((c) => c.status !== 0 && !(reapplied && /File exists/.test(c.stderr)));
    return { consumer, commands, failed, problems: this.problems.slice(problemsFrom) };
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

  private run(argv: string[]): { status: number; stdout: string; stderr: string } {
    return runInNamespace(this.namespace, this.iproute2, argv, this.root);
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
