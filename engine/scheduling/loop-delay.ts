import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * How long this thread's event loop made callbacks wait: the p99 and max since
 * the last read, in ms. Every latency the platform promises (device ACK, live
 * push, urgent alarms) passes through some thread's loop; a thread whose loop
 * is blocked shows here first. One per thread, created on first use.
 */
let histogram: IntervalHistogram | undefined;

export function loopDelaySinceLastRead(): { p99Ms: number; maxMs: number } {
  if (!histogram) {
    histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    return { p99Ms: 0, maxMs: 0 };
  }
  const out = { p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
  histogram.reset();
  return out;
}
