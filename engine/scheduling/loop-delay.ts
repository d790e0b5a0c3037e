import { PerformanceObserver, monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * How long this thread's event loop made callbacks wait, and the longest
 * garbage-collection pause, since the last read (ms). Every latency the
 * platform promises (device ACK, live push, urgent alarms) passes through
 * some thread's loop; a thread whose loop is held up shows here first, and
 * the GC figure tells whether the collector held it. One per thread, started
 * on first use.
 */
export interface LoopDelay {
  p99Ms: number;
  maxMs: number;
  gcMaxMs: number;
}

let histogram: IntervalHistogram | undefined;
let gcMaxMs = 0;

export function loopDelaySinceLastRead(): LoopDelay {
  if (!histogram) {
    histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.duration > gcMaxMs) gcMaxMs = e.duration;
    }).observe({ entryTypes: ['gc'] });
    return { p99Ms: 0, maxMs: 0, gcMaxMs: 0 };
  }
  const out = { p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6, gcMaxMs: Math.round(gcMaxMs * 10) / 10 };
  histogram.reset();
  gcMaxMs = 0;
  return out;
}

/** For a thread read by scrapes (the main thread): one reading a second, the latest kept. */
let sampled: LoopDelay = { p99Ms: 0, maxMs: 0, gcMaxMs: 0 };
let sampler: NodeJS.Timeout | undefined;
export function latestLoopDelay(): LoopDelay {
  if (!sampler) {
    loopDelaySinceLastRead();
    sampler = setInterval(() => (sampled = loopDelaySinceLastRead()), 1000);
    sampler.unref();
  }
  return sampled;
}
