import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

/** setThreadNice in a thread of its own, which then reports its nice value; the test runner's thread keeps its own. */
function niceOfWorkerAfter(nice: number): Promise<{ set: boolean; nice: number }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const fs = require('node:fs');
    const os = require('node:os');
    import('tsx/esm/api').then(async ({ tsImport }) => {
      const m = await tsImport(workerData.module, workerData.base);
      const set = m.setThreadNice(workerData.nice);
      const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
      parentPort.postMessage({ set, nice: os.getPriority(tid) });
    });`;
  const w = new Worker(code, { eval: true, workerData: { module: './thread-priority.ts', base: import.meta.url, nice } });
  return new Promise((resolve, reject) => {
    w.once('message', (m: { set: boolean; nice: number }) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

describe('thread priority', () => {
  it('lowers the calling thread only (FLEET_SHARD_NICE)', async () => {
    const before = os.getPriority();
    const target = Math.min(19, before + 5);
    expect(await niceOfWorkerAfter(target)).toEqual({ set: true, nice: target });
    expect(os.getPriority()).toBe(before);
  });
});
