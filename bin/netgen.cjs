#!/usr/bin/env node
// netgen's command: runs the bundled CLI (dist/netgen.cjs, made by `npm run build`) with a
// V8 code cache, so a single render does not spend its time compiling JavaScript.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const file = path.join(__dirname, '..', 'dist', 'netgen.cjs');
const cacheFile = file + '.cache';
let source;
try {
  source = fs.readFileSync(file, 'utf8');
} catch {
  process.stderr.write(`netgen: ${file} is missing; run "npm run build" (npm ci does it)\n`);
  process.exit(3);
}
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  // no cache: compile as usual
}
const script = new vm.Script(Module.wrap(source), { filename: file, cachedData, importModuleDynamically: undefined });
const mod = { exports: {}, filename: file, id: file, loaded: false };
const localRequire = Module.createRequire(file);
script.runInThisContext().call(mod.exports, mod.exports, localRequire, mod, file, path.dirname(file));
if (process.env.NETGEN_WRITE_CODE_CACHE === '1') {
  process.on('exit', () => fs.writeFileSync(cacheFile, script.createCachedData()));
}
mod.exports.main(process.argv.slice(2));
