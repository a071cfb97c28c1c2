// Child process for the cleanup test: open a session, print its namespace, wait to be killed.
import { openKernelSession } from '../../src/kernel/index.js';

const s = openKernelSession({ links: [{ name: 'eth0' }] });
process.stdout.write(`${s.namespace}\n`);
setInterval(() => {}, 1000);
