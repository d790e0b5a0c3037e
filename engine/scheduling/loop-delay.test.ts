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
    // Twice the cores and two more, released at once: for 0.4 s the cores give at most cores x 0.4 s of CPU,
    // and the threads wait the rest of that time. A thread still loading must not miss the start, so each
    // one says it is ready and sleeps on a shared gate until all are.
    const cores = availableParallelism();
    const n = 2 * cores + 2;
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const spins = Promise.all(
      Array.from({ length: n }, () =>
        inThread<{ cpu: number; wait: number }>(
          './loop-delay.ts',
          import.meta.url,
          `(m, gate) => {
            Atomics.add(gate, 0, 1);
            Atomics.wait(gate, 1, 0);
            const a = m.threadSchedSeconds();
            const end = Date.now() + 400;
            while (Date.now() < end);
            const b = m.threadSchedSeconds();
            return { cpu: b.cpu - a.cpu, wait: b.wait - a.wait };
          }`,
          gate,
        ),
      ),
    );
    while (Atomics.load(gate, 0) < n) await new Promise((r) => setTimeout(r, 20));
    Atomics.store(gate, 1, 1);
    Atomics.notify(gate, 1);
    const done = await spins;
    const cpu = done.reduce((s, x) => s + x.cpu, 0);
    const wait = done.reduce((s, x) => s + x.wait, 0);
    // Read the other way round (wait as CPU), the CPU would be about twice what the cores can give.
    expect(cpu).toBeLessThan(cores * 0.4 * 1.25 + 0.1);
    expect(wait).toBeGreaterThan(cpu);
    expect(cpu + wait).toBeLessThan(n * 0.4 * 1.5);
    for (const x of done) expect(x.cpu).toBeGreaterThan(0.01);
  });
});
