import { readFileSync } from 'node:fs';
import { PerformanceObserver, constants, monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/**
 * How long this thread's event loop made callbacks wait, and the longest
 * garbage-collection pause, since the last read (ms). Every latency the
 * platform promises (device ACK, live push, urgent alarms) passes through
 * some thread's loop; a thread whose loop is held up shows here first, and
 * the GC figures tell whether the collector held it, and whether a full
 * (mark-compact) collection of a large heap did. One per thread, started on
 * first use.
 */
export interface LoopDelay {
  p99Ms: number;
  maxMs: number;
  gcMaxMs: number;
  /** Longest mark-compact pause: long ones come from a big old generation (objects that live seconds, then die). */
  majorGcMaxMs: number;
  /** This thread's V8 heap in use now. */
  heapUsedBytes: number;
  /**
   * CPU time this thread has used since it started, s (0 where the OS does not
   * say). Every thread of the process has the same name to the OS, so this is
   * how an operator (and the bench) tells which of them is saturated.
   */
  cpuSeconds: number;
  /**
   * Time this thread has spent ready to run but waiting for a CPU since it
   * started, s (0 where the OS does not say). It grows when the machine has
   * more runnable threads than cores: a loop delay that comes with it was the
   * machine being full, one without it was this thread's own work.
   */
  cpuWaitSeconds: number;
  /** Time this thread has spent in garbage-collection pauses since it was first measured, s. */
  gcSeconds: number;
}

/**
 * The calling thread's time on a CPU and time runnable but waiting for one
 * (Linux: /proc/thread-self/schedstat, nanoseconds), s; 0 elsewhere.
 */
export function threadSchedSeconds(): { cpu: number; wait: number } {
  try {
    const [cpu, wait] = readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ', 2);
    return { cpu: Number(cpu) / 1e9 || 0, wait: Number(wait) / 1e9 || 0 };
  } catch {
    return { cpu: 0, wait: 0 };
  }
}

/** The calling thread's CPU time, s; 0 where the OS does not say. */
export function threadCpuSeconds(): number {
  return threadSchedSeconds().cpu;
}

let histogram: IntervalHistogram | undefined;
let gcMaxMs = 0;
let majorGcMaxMs = 0;
let gcTotalMs = 0;
const round1 = (ms: number) => Math.round(ms * 10) / 10;

export function loopDelaySinceLastRead(): LoopDelay {
  if (!histogram) {
    histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        gcTotalMs += e.duration;
        if (e.duration > gcMaxMs) gcMaxMs = e.duration;
        const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
        if (kind === constants.NODE_PERFORMANCE_GC_MAJOR && e.duration > majorGcMaxMs) majorGcMaxMs = e.duration;
      }
    }).observe({ entryTypes: ['gc'] });
    const sched = threadSchedSeconds();
    return { ...NONE, heapUsedBytes: getHeapStatistics().used_heap_size, cpuSeconds: sched.cpu, cpuWaitSeconds: sched.wait };
  }
  const sched = threadSchedSeconds();
  const out = {
    p99Ms: histogram.percentile(99) / 1e6,
    maxMs: histogram.max / 1e6,
    gcMaxMs: round1(gcMaxMs),
    majorGcMaxMs: round1(majorGcMaxMs),
    heapUsedBytes: getHeapStatistics().used_heap_size,
    cpuSeconds: sched.cpu,
    cpuWaitSeconds: sched.wait,
    gcSeconds: gcTotalMs / 1000,
  };
  histogram.reset();
  gcMaxMs = 0;
  majorGcMaxMs = 0;
  return out;
}

const NONE: LoopDelay = { p99Ms: 0, maxMs: 0, gcMaxMs: 0, majorGcMaxMs: 0, heapUsedBytes: 0, cpuSeconds: 0, cpuWaitSeconds: 0, gcSeconds: 0 };

/** For a thread read by scrapes (the main thread): one reading a second, the latest kept. */
let sampled: LoopDelay = NONE;
let sampler: NodeJS.Timeout | undefined;
export function latestLoopDelay(): LoopDelay {
  if (!sampler) {
    loopDelaySinceLastRead();
    sampler = setInterval(() => (sampled = loopDelaySinceLastRead()), 1000);
    sampler.unref();
  }
  // The heap and the CPU time are read now: a level and a running total, not something over the last second.
  const sched = threadSchedSeconds();
  return { ...sampled, heapUsedBytes: getHeapStatistics().used_heap_size, cpuSeconds: sched.cpu, cpuWaitSeconds: sched.wait, gcSeconds: gcTotalMs / 1000 };
}
