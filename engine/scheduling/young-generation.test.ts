import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { youngGenerationLimits } from './young-generation.ts';

/**
 * A thread that keeps a tenth of what it allocates for a while (as a busy
 * adapters' thread keeps its packets in flight) and reports the largest its
 * young generation grew.
 */
function largestNewSpaceMb(mb: number): Promise<number> {
  const code = `
    const { parentPort } = require('node:worker_threads');
    const v8 = require('node:v8');
    let keep = [], largest = 0;
    for (let i = 0; i < 2e7; i++) {
      const o = { a: i, b: [i] };
      if (i % 10 === 0) { keep.push(o); if (keep.length > 500000) keep = []; }
      if (i % 1e6 === 0) largest = Math.max(largest, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
    }
    parentPort.postMessage(largest / 1048576);`;
  const w = new Worker(code, { eval: true, resourceLimits: youngGenerationLimits(mb) });
  return new Promise((resolve, reject) => {
    w.once('message', (m: number) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

describe('young generation of the engine threads (FLEET_YOUNG_GENERATION_MB)', () => {
  it('lets a thread with much in flight grow its young generation past V8\'s default', async () => {
    const dflt = await largestNewSpaceMb(0);
    const large = await largestNewSpaceMb(192);
    expect(dflt).toBeLessThanOrEqual(32);
    expect(large).toBeGreaterThan(dflt * 2);
  }, 30_000);

  it('is 192 MB unless set, 0 means V8\'s default, and a bad value is refused by name', () => {
    expect(loadConfig({}).youngGenerationMb).toBe(192);
    expect(youngGenerationLimits(loadConfig({ FLEET_YOUNG_GENERATION_MB: '0' }).youngGenerationMb)).toBeUndefined();
    expect(youngGenerationLimits(64)).toEqual({ maxYoungGenerationSizeMb: 64 });
    expect(() => loadConfig({ FLEET_YOUNG_GENERATION_MB: 'big' })).toThrow(/FLEET_YOUNG_GENERATION_MB/);
  });
});
