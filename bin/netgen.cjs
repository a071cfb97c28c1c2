#!/usr/bin/env node
// netgen's command: runs the bundled CLI (made by `npm run build`) from a V8 code cache, so
// a single render does not spend its time compiling JavaScript. There are two bundles:
// dist/render.cjs holds the render path alone and runs a `render` line; dist/netgen.cjs holds
// every command and runs everything else, including a render line dist/render.cjs does not
// read plainly (--help, a misspelt option: it leaves those to the full CLI's yargs).
// Each bundle is one function expression with Node's module wrapper written in (see
// scripts/bundle.mjs): it is compiled as it is and called here, as Node would call a module.
//
// V8 accepts a code cache only from the same Node and the same V8 flags: `npm run build`
// makes one for the environment it runs in (dist/<bundle>.<key>.cache); any other
// (another Node, NODE_OPTIONS=--max-old-space-size=..., node --flag bin/netgen.cjs) gets its
// own, made on its first run in the user's cache directory ($XDG_CACHE_HOME/netgen or
// ~/.cache/netgen). A cache that V8 rejects all the same is made again. All of this is
// an optimisation only: when no cache can be read or written, netgen runs without one.
// NETGEN_CODE_CACHE_REPORT=1 prints what happened on stderr (bench/run.ts counts hits).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const dist = path.join(__dirname, '..', 'dist');
const building = process.env.NETGEN_WRITE_CODE_CACHE === '1';

/** FNV-1a, as 8 hex digits: names cache files, nothing secret. */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

// Everything V8 checks a cache against that can differ between runs of the same bundle.
const envKey = hash([process.version, process.arch, process.execArgv.join(' '), process.env.NODE_OPTIONS ?? ''].join('\0'));

/** $XDG_CACHE_HOME/netgen, or ~/.cache/netgen (the XDG base directory rules: relative paths are ignored). */
function userCacheDir() {
  const xdg = process.env.XDG_CACHE_HOME;
  const home = process.env.HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : home && path.isAbsolute(home) ? path.join(home, '.cache') : undefined;
  return base && path.join(base, 'netgen');
}
const userDir = userCacheDir();

/** The bundles this run loaded, for the exit handler: which cache each used or needs. */
const loaded = [];
/** Bundle path -> the code cache file V8 accepted for it: a render worker (src/commands/render-pool.ts) loads the same bundle with it. */
const accepted = (globalThis[Symbol.for('netgen.code-cache')] = Object.create(null));

/** Compile and run dist/NAME; returns its exports. */
function load(name) {
  const file = path.join(dist, name);
  let source;
  let stat;
  try {
    // One open, fstat and read: the size and time name the user's cache (below). The build
    // makes the bundle ASCII, so a latin1 string is the cheapest to make of it.
    const fd = fs.openSync(file, 'r');
    try {
      stat = fs.fstatSync(fd);
      const buf = Buffer.allocUnsafe(stat.size);
      let got = 0;
      for (let n; got < buf.length && (n = fs.readSync(fd, buf, got, buf.length - got, got)) > 0; ) got += n;
      source = buf.latin1Slice(0, got);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    process.stderr.write(`netgen: ${file} is missing; run "npm run build" (npm ci does it)\n`);
    process.exit(3);
  }
  const distCache = `${file}.${envKey}.cache`;
  // One installation (its bundle's path) and one build of it (size and time).
  const install = hash(file);
  const userCache = userDir && path.join(userDir, `${name.replace(/\.cjs$/, '')}-${install}-${stat.size}-${Math.trunc(stat.mtimeMs)}-${envKey}.cache`);
  let cachedData;
  let from = 'none';
  if (!building) {
    for (const [where, f] of [['user', userCache], ['dist', distCache]]) {
      // existsSync first: a failed read costs ~0.1 ms making its exception, and the user's cache
      // is missing on most runs.
      if (!f || !fs.existsSync(f)) continue;
      try {
        cachedData = fs.readFileSync(f);
        from = where;
        break;
      } catch {
        // not made yet for this environment
      }
    }
  }
  const script = new vm.Script(source, { filename: file, cachedData, importModuleDynamically: undefined });
  const rejected = cachedData !== undefined && script.cachedDataRejected === true;
  if (cachedData !== undefined && !rejected) accepted[file] = from === 'user' ? userCache : distCache;
  loaded.push({ name, script, from, rejected, distCache, userCache, stale: `${name.replace(/\.cjs$/, '')}-${install}-`, keep: `${name.replace(/\.cjs$/, '')}-${install}-${stat.size}-${Math.trunc(stat.mtimeMs)}-` });
  const mod = { exports: {}, filename: file, id: file, loaded: false };
  // The bundles require Node's own modules only: this file's require serves them.
  script.runInThisContext().call(mod.exports, mod.exports, require, mod, file, dist);
  return mod.exports;
}

/** mkdir DIR and, if missing, its parent (~/.cache); not mkdirSync's recursive mode, which never returns below /proc. */
function mkdirUpTo2(dir) {
  for (const d of [path.dirname(dir), dir]) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      if (err.code !== 'EEXIST' && d === dir) throw err;
    }
  }
}

/** Write data to f through a temporary name, so that a concurrent run never reads half a file. */
function writeAtomically(f, data) {
  const tmp = `${f}.${process.pid}.tmp`;
  try {
    mkdirUpTo2(path.dirname(f));
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, f);
    return true;
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing to clean
    }
    return false;
  }
}

process.on('exit', () => {
  const report = [];
  for (const b of loaded) {
    let wrote = '';
    if (building) {
      wrote = writeAtomically(b.distCache, b.script.createCachedData()) ? b.distCache : '';
    } else if ((b.from === 'none' || b.rejected) && b.userCache) {
      // After the run, so the cache holds the functions this command compiled.
      if (writeAtomically(b.userCache, b.script.createCachedData())) {
        wrote = b.userCache;
        // Caches of this installation's earlier builds are dead: remove them.
        try {
          for (const f of fs.readdirSync(userDir)) if (f.startsWith(b.stale) && !f.startsWith(b.keep)) fs.rmSync(path.join(userDir, f), { force: true });
        } catch {
          // best effort
        }
      }
    }
    const state = b.from === 'none' ? 'miss' : b.rejected ? 'rejected' : 'hit';
    report.push(`netgen-code-cache=${state} bundle=${b.name} from=${b.from}${wrote ? ` wrote=${wrote}` : ''}\n`);
  }
  // By descriptor: building process.stderr would add ~3 ms to the run the bench is timing.
  if (process.env.NETGEN_CODE_CACHE_REPORT === '1') fs.writeSync(2, report.join(''));
});

const argv = process.argv.slice(2);
if (argv[0] === 'render') {
  load('render.cjs')
    .main(argv)
    .then((done) => done || load('netgen.cjs').main(argv));
} else {
  load('netgen.cjs').main(argv);
}
