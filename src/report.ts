// How a failed command ends: its message on stderr and its exit code. Shared by the CLI
// (src/cli.ts) and the plain-render entry (src/render-main.ts).
import { EXIT, ModelError, NetgenError } from './errors.js';

/** Print what went wrong; returns the exit code. */
export function report(err: unknown, debug: boolean): number {
  if (err instanceof ModelError) {
    process.stderr.write(`netgen: ${err.message}\nnothing was written.\n`);
    return err.exitCode;
  }
  if (err instanceof NetgenError) {
    process.stderr.write(`netgen: ${err.message}\n`);
    if (debug && err.cause) process.stderr.write(`${(err.cause as Error).stack ?? String(err.cause)}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(`netgen: internal error: ${e?.message ?? String(err)}\n`);
  process.stderr.write(debug ? `${e?.stack ?? ''}\n` : 'This is a bug in netgen; run again with --debug for the stack trace and report it.\n');
  return EXIT.internal;
}
