import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { inThread } from '../testing/in-thread.ts';

/** setThreadNice in a thread of its own, which then reports its nice value; the test runner's thread keeps its own. */
const niceOfWorkerAfter = (nice: number) =>
  inThread<{ set: boolean; nice: number }>(
    './thread-priority.ts',
    import.meta.url,
    `(m, nice) => {
      const fs = require('node:fs');
      const os = require('node:os');
      const set = m.setThreadNice(nice);
      const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
      return { set, nice: os.getPriority(tid) };
    }`,
    nice,
  );

describe('thread priority', () => {
  it('lowers the calling thread only (FLEET_SHARD_NICE)', async () => {
    const before = os.getPriority();
    const target = Math.min(19, before + 5);
    expect(await niceOfWorkerAfter(target)).toEqual({ set: true, nice: target });
    expect(os.getPriority()).toBe(before);
  });
});
