// `netgen import`: a host's existing network files (or its live state) -> a model in
// netgen's YAML, with a fidelity report on stderr. Exit 0 when everything was represented,
// 1 when something was not, 2 on a usage error.
import { EXIT, NetgenError } from '../errors.js';
import { formatReport, importFiles, importLive, readImportTree, reportJson, type ImportResult, type ImportSource } from '../import/index.js';
import { writeTextFile } from '../output/text-file.js';
import { shownModelPath } from '../pipeline.js';

export interface ImportArgs {
  from: string;
  root?: string;
  output?: string;
  host?: string;
  report?: string;
  lift?: boolean;
  force?: boolean;
  quiet?: boolean;
  addr?: string;
  routes?: string;
  rules?: string;
  rtTables?: string;
}

export async function runImport(a: ImportArgs, io: { out?: (s: string) => void; err?: (s: string) => void } = {}): Promise<void> {
  const out = io.out ?? ((s) => process.stdout.write(s));
  const err = io.err ?? ((s) => process.stderr.write(s));
  const from = a.from as ImportSource;
  const file = a.output === undefined ? '<stdout>' : shownModelPath(a.output);
  const options = { lift: a.lift !== false, file, ...(a.host !== undefined ? { host: a.host } : {}) };
  let result: ImportResult;
  if (from === 'live') {
    if (a.root !== undefined) throw new NetgenError('usage', '--root is for files; --from live reads `ip -j` (or saved copies: --addr, --routes, --rules)');
    const { gatherLiveState } = await import('../import/live-read.js');
    const live = gatherLiveState({ ...(a.addr ? { addr: a.addr } : {}), ...(a.routes ? { routes: a.routes } : {}), ...(a.rules ? { rules: a.rules } : {}), ...(a.rtTables ? { rtTables: a.rtTables } : {}) });
    if (options.host === undefined && live.host !== undefined) Object.assign(options, { host: live.host });
    result = importLive(live.state, options);
  } else {
    if (a.root === undefined) throw new NetgenError('usage', `--from ${from} reads files: give --root DIR (the directory that holds etc/)`);
    for (const k of ['addr', 'routes', 'rules', 'rtTables'] as const) {
      if (a[k] !== undefined) throw new NetgenError('usage', `--${k === 'rtTables' ? 'rt-tables' : k} is for --from live`);
    }
    result = importFiles(readImportTree(a.root, from), from, options);
  }
  if (a.report !== undefined) writeTextFile(a.report, reportJson(result, from), { force: true, what: 'report' });
  if (a.output !== undefined) writeTextFile(a.output, result.yaml, { force: a.force === true, what: 'model' });
  else out(result.yaml);
  const text = formatReport(result);
  err(a.quiet ? text.slice(0, text.indexOf('\n') + 1) : text);
  process.exitCode = result.exitCode === 0 ? EXIT.ok : EXIT.changes;
}
