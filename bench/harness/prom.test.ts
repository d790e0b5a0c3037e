import { describe, expect, it } from 'vitest';
import { platformMetrics, threadCores } from './prom.ts';

const scrapeAt = (adaptersCpu: number, shardCpu: number, shardGc: number, shardWait = 0) => `
# TYPE fleet_thread_cpu_seconds_total counter
fleet_thread_cpu_seconds_total{thread="main"} 10
fleet_thread_cpu_seconds_total{thread="adapters"} ${adaptersCpu}
fleet_thread_cpu_seconds_total{thread="shard-0"} ${shardCpu}
# TYPE fleet_thread_gc_seconds_total counter
fleet_thread_gc_seconds_total{thread="main"} 1
fleet_thread_gc_seconds_total{thread="adapters"} 0.5
fleet_thread_gc_seconds_total{thread="shard-0"} ${shardGc}
# TYPE fleet_thread_cpu_wait_seconds_total counter
fleet_thread_cpu_wait_seconds_total{thread="main"} 3
fleet_thread_cpu_wait_seconds_total{thread="shard-0"} ${shardWait}
`;

describe('platform metrics per thread', () => {
  it('gives each thread the cores it used between two scrapes, and its GC share', () => {
    const a = platformMetrics(scrapeAt(20, 30, 2, 1), 1_000);
    const b = platformMetrics(scrapeAt(24.5, 36, 3, 3.5), 11_000);
    expect(threadCores(a, b)).toEqual({
      main: { cores: 0, gcCores: 0, waitCores: 0 },
      // A platform that does not report the wait: left out, not read as none.
      adapters: { cores: 0.45, gcCores: 0 },
      'shard-0': { cores: 0.6, gcCores: 0.1, waitCores: 0.25 },
    });
  });

  it('leaves out a thread that restarted in between (its total went back)', () => {
    const a = platformMetrics(scrapeAt(20, 30, 2), 1_000);
    const b = platformMetrics(scrapeAt(24, 3, 0.1), 11_000);
    expect(Object.keys(threadCores(a, b)).sort()).toEqual(['adapters', 'main']);
  });
});
