import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, isoFromS, weekStartS } from './time.ts';

describe('time helpers', () => {
  it('isoFromS matches Date#toISOString', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (s) => {
        expect(isoFromS(s)).toBe(new Date(s * 1000).toISOString());
      }),
      { numRuns: 2000 },
    );
    expect(isoFromS(Number.NaN)).toBeNull();
  });

  it('weeks start on Monday 00:00 UTC', () => {
    const monday = Date.UTC(2024, 0, 1) / 1000;
    expect(weekStartS(monday)).toBe(monday);
    expect(weekStartS(monday + 7 * 86400 - 1)).toBe(monday);
    expect(weekStartS(monday + 7 * 86400)).toBe(monday + 7 * 86400);
    expect(weekStartS(Date.UTC(2024, 1, 29, 12) / 1000)).toBe(Date.UTC(2024, 1, 26) / 1000);
    expect(new Date(weekStartS(0) * 1000).toISOString()).toBe('1969-12-29T00:00:00.000Z');
  });

  it('formats durations', () => {
    expect(formatDuration(4.5 * 3600 + 60)).toBe('4h31m');
    expect(formatDuration(45 * 60)).toBe('45m');
    expect(formatDuration(3605)).toBe('1h0m5s');
  });
});
