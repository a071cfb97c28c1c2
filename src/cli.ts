// Entry point of the full CLI (dist/netgen.cjs): yargs wiring and the try/catch that turns
// an error into its message and exit code (src/report.ts; src/render-main.ts, the entry of
// dist/render.cjs, has the other). Command implementations are imported when their command
// runs, so `--help` loads no more than it needs; a plain `render` line does not load yargs at
// all (src/render-argv.ts).
import type { Argv } from 'yargs';
import type Yargs from 'yargs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, NetgenError } from './errors.js';
import { report } from './report.js';
import { packageRoot } from './package-root.js';
import { parseRenderArgv } from './render-argv.js';

const DISTROS = ['rhel6', 'gentoo', 'gentoo-legacy'] as const;

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Options every command that reads a model shares. */
function modelOption<T>(y: Argv<T>) {
  return y
    .option('model', {
      alias: 'm',
      type: 'string',
      array: true,
      default: ['./netgen.yaml'],
      defaultDescription: './netgen.yaml',
      describe: 'host model (YAML or JSON); repeat it or name a directory for a fleet',
      requiresArg: true,
    })
    .option('keep-going', { type: 'boolean', describe: 'fleet: render the hosts that are valid even when others fail (exit 2 still)' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'no progress and no per-file listing for fleets' });
}

/** One model only (route get, verify): not an array, so it cannot swallow a positional. */
function singleModelOption<T>(y: Argv<T>) {
  return y.option('model', { alias: 'm', type: 'string', default: './netgen.yaml', describe: 'the host model (YAML or JSON)', requiresArg: true });
}

function distroOption<T>(y: Argv<T>) {
  return y.option('distro', {
    alias: 'd',
    type: 'string',
    describe: `back-end: ${DISTROS.join(', ')}`,
    demandOption: 'give --distro',
    requiresArg: true,
  });
}

function targetOptions<T>(y: Argv<T>) {
  return y
    .option('output', {
      alias: 'o',
      type: 'string',
      describe: "the back-end's main directory, e.g. /etc/sysconfig/network-scripts",
      requiresArg: true,
    })
    .option('root', {
      type: 'string',
      describe: 'write the whole tree below DIR (DIR/etc/...); for a fleet, DIR/<host>/etc/...',
      requiresArg: true,
    })
    .option('gentoo-rules', {
      type: 'string',
      choices: ['local-start', 'native'],
      describe: 'gentoo: ip rules in /etc/local.d/netgen.start (default) or as native rules_<if> variables',
    })
    .conflicts('output', 'root')
    .check((argv) => {
      const a = argv as { output?: string; root?: string };
      if (a.output === undefined && a.root === undefined) throw new NetgenError('usage', 'give -o DIR or --root DIR');
      // An unset shell variable ("--root $ROOT") must not mean the working directory (from /, the live /etc).
      for (const [flag, value] of [['--root', a.root], ['-o', a.output]] as const) {
        if (value !== undefined && value.trim() === '') throw new NetgenError('usage', `${flag} is empty (an unset variable?); give the directory to write into`);
      }
      checkGentooRules(argv as { distro?: unknown; gentooRules?: unknown });
      return true;
    });
}

/** --gentoo-rules means nothing to another back-end: say so rather than ignore it. */
function checkGentooRules(argv: { distro?: unknown; gentooRules?: unknown }): void {
  if (argv.gentooRules !== undefined && argv.distro !== undefined && argv.distro !== 'gentoo' && argv.distro !== 'gentoo-legacy') {
    throw new NetgenError('usage', `--gentoo-rules applies to the gentoo back-ends only, not to --distro ${String(argv.distro)}`);
  }
}

export function buildCli(yargs: typeof Yargs, argv: string[]) {
  return yargs(argv)
    .scriptName('netgen')
    .usage('$0 <command> [options]\n\nRender one host network model into the files its distribution reads at boot.')
    .option('debug', { type: 'boolean', describe: 'show stack traces of internal errors', global: true })
    .command(
      'render',
      'render the model into a target tree',
      (y) =>
        targetOptions(distroOption(modelOption(y)))
          .option('check', { type: 'boolean', describe: 'write nothing; exit 1 if the target is not up to date' })
          .option('dry-run', { type: 'boolean', describe: 'write nothing; list the files and sizes that would be written' })
          .option('force', { type: 'boolean', describe: 'overwrite files netgen did not generate (they are named)' })
          .option('prune', { type: 'boolean', describe: "remove files this model's earlier renders wrote that it no longer produces" })
          .conflicts('check', ['dry-run', 'force', 'prune'])
          .example('$0 render --distro rhel6 -m host.yaml -o /etc/sysconfig/network-scripts', 'write the RHEL files in place')
          .example('$0 render --distro gentoo -m host.yaml --root out/', 'write out/etc/conf.d/net and friends'),
      async (a) => {
        const { runRender } = await import('./commands/render.js');
        return runRender(a as never);
      },
    )
    .command(
      'diff',
      'show what render would change in the target, as a unified diff (exit 0 same, 1 differs, 2 error)',
      (y) =>
        targetOptions(distroOption(modelOption(y)))
          .option('color', { type: 'boolean', describe: 'colour the diff (default: on a terminal, unless NO_COLOR is set)' })
          .example('$0 diff --distro rhel6 -m host.yaml --root cm-repo/hosts/db1', 'review before committing'),
      async (a) => {
        const { runDiff } = await import('./commands/diff.js');
        return runDiff(a as never);
      },
    )
    .command('route', 'ask the simulator how a packet would be routed', (y) =>
      y
        .command(
          'get <dest>',
          'print what `ip route get DEST` (`ip -6 route get` for an IPv6 DEST) would answer on the host, from the model alone',
          (g) =>
            singleModelOption(g)
              .positional('dest', { type: 'string', describe: 'destination address', demandOption: true })
              .option('from', { type: 'string', describe: 'source address (ip route get DEST from SRC); with --iif the remote sender', requiresArg: true })
              .option('iif', {
                type: 'string',
                describe: 'inbound: the packet arrives on this interface (ip route get DEST from REMOTE iif DEV): accepted, or refused by reverse-path filtering',
                requiresArg: true,
              })
              .option('down', { type: 'string', array: true, nargs: 1, describe: 'take ADDR away first (ip addr del, as failover does; IPv6 routes naming it keep going, src cleared); repeatable', requiresArg: true })
              .option('up', { type: 'string', array: true, nargs: 1, describe: 'bring ADDR back through its manager (ifup, keepalived, Pacemaker) with what depends on it; repeatable', requiresArg: true })
              .option('add', { type: 'string', array: true, nargs: 1, describe: 'put ADDR back alone (ip addr add by a tool netgen does not know); repeatable', requiresArg: true })
              .option('sysctl', { type: 'string', array: true, describe: 'with --iif: force KEY=VALUE (rp_filter, arp_ignore, ...) on every interface, to ask "what if"; repeatable', requiresArg: true })
              .option('json', { type: 'boolean', describe: 'print the whole answer as JSON' })
              .option('explain', { type: 'boolean', describe: 'say which rule and route decided, which routes lost and why, and (IPv6) which RFC 6724 rule chose the source' })
              .example('$0 route get 192.168.1.1 -m host.yaml', 'the source the VIP egress gives')
              .example('$0 route get 192.168.1.1 --down 172.16.3.105 -m host.yaml', 'after failover took the VIP away')
              .example('$0 route get 192.168.1.1 --down 172.16.3.105 --up 172.16.3.105 -m host.yaml', 'after failback (--down, --up, --add apply in the order given)')
              .example('$0 route get 1.2.3.17 --from 8.8.8.8 --iif eth0.10 -m host.yaml', 'is a packet for 1.2.3.17 arriving on eth0.10 accepted?')
              .example('$0 route get 2001:db8:7::1 --down 2001:db8:3::105 --explain -m host.yaml', 'IPv6: the source after failover, and the RFC 6724 rule that chose it'),
          async (a) => {
            const { runRouteGet, stepsInOrder } = await import('./commands/route.js');
            return runRouteGet({ ...(a as never as Parameters<typeof runRouteGet>[0]), steps: stepsInOrder(argv) });
          },
        )
        .demandCommand(1, 'give a route subcommand: get'),
    )
    .command('arp', 'ask the simulator how the host answers ARP', (y) =>
      y
        .command(
          'who-has <address>',
          'say whether an interface answers an ARP request for ADDRESS (DEV answers / DEV does not answer, and why), under the sysctl settings netgen writes',
          (g) =>
            singleModelOption(g)
              .positional('address', { type: 'string', describe: 'the address asked for', demandOption: true })
              .option('on', { type: 'string', describe: 'the interface the request arrives on', demandOption: 'give --on DEV: the interface the request arrives on', requiresArg: true })
              .option('from', { type: 'string', describe: "the asker's address (default: the lowest free address of ADDRESS's subnet)", requiresArg: true })
              .option('down', { type: 'string', array: true, nargs: 1, describe: 'take ADDR away first (ip addr del, as failover does; IPv6 routes naming it keep going, src cleared); repeatable', requiresArg: true })
              .option('up', { type: 'string', array: true, nargs: 1, describe: 'bring ADDR back through its manager with what depends on it; repeatable', requiresArg: true })
              .option('add', { type: 'string', array: true, nargs: 1, describe: 'put ADDR back alone; repeatable', requiresArg: true })
              .option('sysctl', { type: 'string', array: true, describe: 'force KEY=VALUE (rp_filter, arp_ignore, arp_filter, arp_announce) on every interface, to ask "what if"; repeatable', requiresArg: true })
              .option('json', { type: 'boolean', describe: 'print the whole answer as JSON' })
              .option('explain', { type: 'boolean', describe: 'list the settings in effect and every check the kernel makes' })
              .example('$0 arp who-has 1.2.3.17 --on eth0.10 -m host.yaml', 'does eth0.10 answer for eth1.10\'s address?')
              .example('$0 arp who-has 1.2.3.17 --on eth0.10 --sysctl arp_ignore=0 --sysctl rp_filter=0 -m host.yaml', 'the kernel defaults: ARP flux'),
          async (a) => {
            const [{ runArpWhoHas }, { stepsInOrder }] = await Promise.all([import('./commands/arp.js'), import('./commands/route.js')]);
            return runArpWhoHas({ ...(a as never as Parameters<typeof runArpWhoHas>[0]), steps: stepsInOrder(argv) });
          },
        )
        .demandCommand(1, 'give an arp subcommand: who-has'),
    )
    .command(
      'verify',
      "check the model's `expect:` lookups with the simulator, or with --kernel in a throw-away namespace (exit 1 if any fails)",
      (y) =>
        singleModelOption(y)
          .option('kernel', { type: 'boolean', describe: 'also apply the rendered files in a network namespace and ask the kernel (needs root)' })
          .option('distro', { alias: 'd', type: 'string', describe: `with --kernel: the back-end whose files are applied (${DISTROS.join(', ')}; gentoo-legacy on both baselayout-1 and current OpenRC)`, requiresArg: true })
          .option('gentoo-rules', { type: 'string', choices: ['local-start', 'native'], describe: 'gentoo: where ip rules go' })
          .check((argv) => {
            checkGentooRules(argv as { distro?: unknown; gentooRules?: unknown });
            return true;
          })
          .example('$0 verify -m host.yaml', 'simulator only, no root needed')
          .example('$0 verify --kernel --distro rhel6 -m host.yaml', 'expected / simulator / kernel side by side'),
      async (a) => {
        const { runVerify } = await import('./commands/verify.js');
        return runVerify(a as never);
      },
    )
    .command(
      'import',
      "turn a host's existing network files (or its live state) into a model, with a fidelity report on stderr (exit 0 all represented, 1 something not, 2 error)",
      (y) =>
        y
          .option('from', { type: 'string', choices: [...DISTROS, 'live'], demandOption: 'give --from rhel6, gentoo, gentoo-legacy or live', describe: 'what to read: a back-end\'s files, or the running host (`ip -j`)' })
          .option('root', { type: 'string', describe: 'the directory that holds the files\' etc/ (the layout render --root writes); / for this host', requiresArg: true })
          .option('output', { alias: 'o', type: 'string', describe: 'write the model to FILE instead of stdout', requiresArg: true })
          .option('force', { type: 'boolean', describe: 'replace an existing -o FILE' })
          .option('host', { type: 'string', describe: 'the model\'s host: when the files name none (HOSTNAME=, conf.d/hostname, /etc/hostname)', requiresArg: true })
          .option('report', { type: 'string', describe: 'also write the fidelity report as JSON to FILE', requiresArg: true })
          .option('lift', { type: 'boolean', default: true, describe: 'state recognised recipes as egress:/source-routing: intents (--no-lift keeps every route and rule explicit)' })
          .option('quiet', { alias: 'q', type: 'boolean', describe: 'only the report\'s summary line on stderr' })
          .option('addr', { type: 'string', describe: 'live: a saved `ip -j -d addr show` output instead of asking this host', requiresArg: true })
          .option('routes', { type: 'string', describe: 'live: a saved `ip -j route show table all` output', requiresArg: true })
          .option('rules', { type: 'string', describe: 'live: a saved `ip -j rule show` output', requiresArg: true })
          .option('rt-tables', { type: 'string', describe: 'live: the rt_tables that names the tables (default /etc/iproute2/rt_tables)', requiresArg: true })
          .example('$0 import --from rhel6 --root / -o host.yaml', "this RHEL 6 host's ifcfg-, route- and rule- files as a model")
          .example('$0 import --from gentoo-legacy --root backup/box --report fidelity.json', 'a copy of a baselayout-1 box, the report as JSON too')
          .example('$0 import --from live --host db1 -o db1.yaml', 'the running kernel state (addresses, routes, rules) of this host')
          .example('$0 import --from live --addr a.json --routes r.json --rules u.json --rt-tables rt_tables --host db1', 'saved `ip -j` outputs of another host'),
      async (a) => {
        const { runImport } = await import('./commands/import.js');
        return runImport(a as never);
      },
    )
    .demandCommand(1, 'give a command; see --help')
    .strict()
    .version(version())
    .help()
    .alias('help', 'h')
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      // yargs reports its own parse errors (a flag without its value) as YError: a usage error too.
      if (err && err.name !== 'YError') throw err;
      throw new NetgenError('usage', `${msg ?? err?.message}\nRun "netgen --help" or "netgen <command> --help".`);
    });
}

/**
 * A fleet's render worker (src/commands/render-pool.ts) loads this bundle as a module and
 * calls this: its loop, imported only there.
 */
export async function runRenderWorker(): Promise<void> {
  const { runWorker } = await import('./commands/render-pool.js');
  await runWorker();
}

/** Run the CLI; sets the process exit code. */
export async function main(argv: string[]): Promise<void> {
  const debug = argv.includes('--debug');
  try {
    const plain = parseRenderArgv(argv);
    if (plain) {
      // The installed command runs such a line from dist/render.cjs (src/render-main.ts);
      // this is the same, for the test suite's bundle and for `node --import tsx src/cli.ts`.
      const { runRender } = await import('./commands/render.js');
      await runRender(plain);
    } else {
      // A reader that stops early (`netgen diff | head`) closes the pipe. What is left to print
      // has nowhere to go and is dropped; the command runs to its end (no file is left
      // half-written) and keeps its exit code.
      for (const stream of [process.stdout, process.stderr]) stream.on('error', ignoreClosedPipe);
      const { default: yargs } = await import('yargs');
      await buildCli(yargs, argv).parseAsync();
    }
    process.exitCode = process.exitCode ?? EXIT.ok;
  } catch (err) {
    process.exitCode = report(err, debug);
  }
}

function ignoreClosedPipe(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
}
