// Preloaded by the benchmark (with --expose-gc) into one fleet run: every 500 ms a full GC,
// then the live JS heap; on exit the largest live heap, the largest heap V8 had reserved, and
// the peak RSS. Tells memory netgen holds (live heap growing with hosts) from room V8 and
// native code take between collections.
let live = 0;
let total = 0;
setInterval(() => {
  global.gc();
  const m = process.memoryUsage();
  live = Math.max(live, m.heapUsed);
  total = Math.max(total, m.heapTotal);
}, 500).unref();
process.on('exit', () => {
  process.stderr.write(`netgen-bench-heap live=${live} total=${total} maxrss=${process.resourceUsage().maxRSS}\n`);
});
