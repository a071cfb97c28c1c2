// Preloaded by the benchmark: report the process's peak RSS (KiB) on exit.
process.on('exit', () => {
  process.stderr.write(`netgen-bench-maxrss=${process.resourceUsage().maxRSS}\n`);
});
