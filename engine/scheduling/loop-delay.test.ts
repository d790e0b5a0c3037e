import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { threadCpuSeconds } from './loop-delay.ts';

/** A thread that spins for `ms` and reports its own CPU time before and after. */
function spinInThread(ms: number): Promise<{ before: number; after: number }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import('tsx/esm/api').then(async ({ tsImport }) => {
      const m = await tsImport(workerData.module, workerData.base);
      const before = m.threadCpuSeconds();
      const end = Date.now() + workerData.ms;
      while (Date.now() < end);
      parentPort.postMessage({ before, after: m.threadCpuSeconds() });
    });`;
  const w = new Worker(code, { eval: true, workerData: { module: './loop-delay.ts', base: import.meta.url, ms } });
  return new Promise((resolve, reject) => {
    w.once('message', (m: { before: number; after: number }) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

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
