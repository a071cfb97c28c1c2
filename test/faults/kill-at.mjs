// Preloaded into a netgen process by the fault tests (node --import): counts the calls
// that change the file system below $NETGEN_FAULT_ROOT and sends the process
// $NETGEN_FAULT_SIGNAL (default SIGKILL) just before call number $NETGEN_FAULT_AT.
// $NETGEN_FAULT_COUNT names a file that receives the number of calls at exit (to choose
// kill points); $NETGEN_FAULT_STOP_AT_LOCK=1 kills the process as it starts writing its
// lock, which netgen does only after finishing or rolling back an interrupted run.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const root = process.env.NETGEN_FAULT_ROOT;
const at = Number(process.env.NETGEN_FAULT_AT ?? '0');
const signal = process.env.NETGEN_FAULT_SIGNAL ?? 'SIGKILL';
const countFile = process.env.NETGEN_FAULT_COUNT;
const stopAtLock = process.env.NETGEN_FAULT_STOP_AT_LOCK === '1';
let calls = 0;
const fds = new Set();

const below = (p) => typeof p === 'string' && root !== undefined && (p === root || p.startsWith(root + '/'));
function step() {
  calls++;
  if (calls === at) process.kill(process.pid, signal);
}

function wrapPath(name) {
  const orig = fs[name];
  fs[name] = function (p, ...rest) {
    // netgen writes its lock aside (then links it into place) only after recovering.
    if (stopAtLock && name === 'writeFileSync' && below(p) && /\/\.netgen\.lock\.\d+\.tmp$/.test(p)) process.kill(process.pid, 'SIGKILL');
    if (below(p)) step();
    return orig.call(this, p, ...rest);
  };
}
for (const name of ['mkdirSync', 'renameSync', 'unlinkSync', 'rmdirSync', 'rmSync', 'chmodSync', 'writeFileSync']) wrapPath(name);

// netgen takes the lock by linking a file written aside to <root>/.netgen.lock.
const link = fs.linkSync;
fs.linkSync = function (from, to) {
  if (below(to)) {
    step();
  }
  return link.call(this, from, to);
};

const open = fs.openSync;
fs.openSync = function (p, flags, ...rest) {
  const writing = typeof flags === 'string' && /[wax+]/.test(flags);
  if (below(p) && writing) {
    step();
  }
  const fd = open.call(this, p, flags, ...rest);
  if (below(p) && writing) fds.add(fd);
  return fd;
};
const close = fs.closeSync;
fs.closeSync = function (fd) {
  fds.delete(fd);
  return close.call(this, fd);
};
const write = fs.writeSync;
fs.writeSync = function (fd, ...rest) {
  if (fds.has(fd)) step();
  return write.call(this, fd, ...rest);
};
syncBuiltinESMExports();

if (countFile) process.on('exit', () => fs.writeFileSync(countFile, String(calls)));
