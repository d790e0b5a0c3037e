import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { inThread } from '../testing/in-thread.ts';
import { threadCpuSeconds } from './loop-delay.ts';

/** A thread that spins for `ms` and reports its own CPU time before and after. */
const spinInThread = (ms: number) =>
  inThread<{ before: number; after: number }>(
    './loop-delay.ts',
    import.meta.url,
    `(m, ms) => {
      const before = m.threadCpuSeconds();
      const end = Date.now() + ms;
      while (Date.now() < end);
      return { before, after: m.threadCpuSeconds() };
    }`,
    ms,
  );

describe('thread CPU time (fleet_thread_cpu_seconds_total)', () => {
  it('counts the calling thread only', async () => {
    const mine = threadCpuSeconds();
    const spun = await spinInThread(300);
    const mineAfter = threadCpuSeconds();
    // The spinning thread may lose its core now and then on a busy machine; it cannot have used more than it ran.
    expect(spun.after - spun.before).toBeGreaterThan(0.05);
    expect(spun.after - spun.before).toBeLessThan(0.5);
    // This thread waited meanwhile: it did not get the other thread's 300 ms.
    expect(mineAfter - mine).toBeLessThan(spun.after - spun.before);
    expect(mine).toBeGreaterThan(0);
  });
});

describe('thread CPU wait (fleet_thread_cpu_wait_seconds_total)', () => {
  it('grows when more threads want to run than there are cores, and is never CPU time', async () => {
    // Threads that start spinning together, two more than the cores: some of them must wait for a CPU.
    const n = availableParallelism() + 2;
    const startAt = Date.now() + 2000; // every thread loaded and waiting before any spins
    const spins = await Promise.all(
      Array.from({ length: n }, () =>
        inThread<{ cpu: number; wait: number }>(
          './loop-delay.ts',
          import.meta.url,
          `(m, startAt) => {
            while (Date.now() < startAt);
            const a = m.threadSchedSeconds();
            const end = Date.now() + 400;
            while (Date.now() < end);
            const b = m.threadSchedSeconds();
            return { cpu: b.cpu - a.cpu, wait: b.wait - a.wait };
          }`,
          startAt,
        ),
      ),
    );
    const wait = spins.reduce((s, x) => s + x.wait, 0);
    const cpu = spins.reduce((s, x) => s + x.cpu, 0);
    // n threads for 0.4 s on n - 2 cores: at least 0.8 thread-seconds were spent waiting, less whatever
    // the scheduler's start-up skew hides; and what was waited was not run.
    expect(wait).toBeGreaterThan(0.3);
    expect(cpu + wait).toBeLessThan(n * 0.4 * 1.5);
    for (const x of spins) expect(x.cpu).toBeGreaterThan(0.02);
  });
});
