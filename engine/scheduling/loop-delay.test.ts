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
