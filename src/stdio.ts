// Text to the standard output and error by their file descriptors. Node builds
// process.stdout and process.stderr, with the stream and net modules behind them, when they
// are first touched: about 3 ms, a tenth of a single render above `node -e 0`
// (bench/RESULTS.md). A render only ever prints whole lines, synchronously, so it writes them
// with writeSync; on Linux process.stdout writes synchronously too, so the two never reorder.
import { writeSync } from 'node:fs';

const closed = new Set<number>();
let pause: Int32Array | undefined;

/**
 * Write all of TEXT to FD. A reader that went away (`netgen render | head -1`: EPIPE) gets
 * nothing more and the run goes on; a descriptor a parent left non-blocking (EAGAIN) is waited for.
 */
function writeAll(fd: 1 | 2, text: string): void {
  if (closed.has(fd)) return;
  const bytes = Buffer.from(text);
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(fd, bytes, done);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait((pause ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, 1);
        continue;
      }
      if (code === 'EPIPE') {
        closed.add(fd);
        return;
      }
      throw err;
    }
  }
}

/** One line on the standard output. */
export function printLine(line: string): void {
  writeAll(1, line + '\n');
}

/** One line on the standard error. */
export function printErrorLine(line: string): void {
  writeAll(2, line + '\n');
}
