import { describe, expect, it } from 'vitest';
import { Histogram } from './histogram.ts';
import { seededRandom } from './simulator/random.ts';

describe('Histogram', () => {
  it('is exact for small values and reports min, max, mean exactly', () => {
    const h = new Histogram();
    for (let us = 0; us < 100; us++) h.recordUs(us);
    expect(h.count).toBe(100);
    expect(h.minMs).toBe(0);
    expect(h.maxMs).toBe(0.099);
    expect(h.meanMs).toBeCloseTo(0.0495, 6);
    expect(h.percentileMs(50)).toBe(0.049);
    expect(h.percentileMs(100)).toBe(0.099);
  });

  it('stays within 1% of the true percentile over many decades', () => {
    const rnd = seededRandom(7);
    const values: number[] = [];
    const h = new Histogram();
    for (let i = 0; i < 50_000; i++) {
      const ms = 10 ** (rnd() * 5 - 1); // 0.1 ms .. 10,000 ms, log-uniform (1 µs resolution below)
      values.push(ms);
      h.recordMs(ms);
    }
    values.sort((a, b) => a - b);
    for (const p of [1, 10, 50, 90, 99, 99.9]) {
      const exact = values[Math.ceil((p / 100) * values.length) - 1]!;
      const got = h.percentileMs(p);
      expect(Math.abs(got - exact)).toBeLessThan(exact * 0.01 + 0.001);
    }
    expect(h.maxMs).toBeCloseTo(values.at(-1)!, 3);
  });

  it('percentiles are monotone and p99 >= p50', () => {
    const h = new Histogram();
    const rnd = seededRandom(1);
    for (let i = 0; i < 10_000; i++) h.recordMs(rnd() * 300);
    const s = h.summary();
    expect(s.p50).toBeLessThanOrEqual(s.p90);
    expect(s.p90).toBeLessThanOrEqual(s.p95);
    expect(s.p95).toBeLessThanOrEqual(s.p99);
    expect(s.p99).toBeLessThanOrEqual(s.p999);
    expect(s.p999).toBeLessThanOrEqual(s.max);
  });

  it('handles exact powers of two and huge values', () => {
    const h = new Histogram();
    for (const us of [128, 256, 1024, 2 ** 20, 2 ** 40, 2 ** 50]) h.recordUs(us);
    expect(h.count).toBe(6);
    expect(h.percentileMs(0)).toBeCloseTo(0.128, 6);
    expect(h.maxMs).toBe(2 ** 50 / 1000);
  });

  it('merges and round-trips through its sparse JSON form', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let i = 1; i <= 1000; i++) (i % 2 ? a : b).recordMs(i);
    const merged = Histogram.fromJSON(JSON.parse(JSON.stringify(a.toJSON()))).merge(b.toJSON());
    const all = new Histogram();
    for (let i = 1; i <= 1000; i++) all.recordMs(i);
    expect(merged.summary()).toEqual(all.summary());
    expect(merged.toJSON().counts.length).toBeLessThan(1000);
  });

  it('is empty-safe', () => {
    const h = new Histogram();
    expect(h.summary()).toMatchObject({ count: 0, p50: 0, p99: 0, max: 0, min: 0, mean: 0 });
    h.recordMs(Number.NaN);
    h.recordMs(-5);
    expect(h.count).toBe(1);
    expect(h.maxMs).toBe(0);
  });
});
