import { describe, expect, it } from 'vitest';
import { nextPeakScale, type TriedStep } from './peak-search.ts';

const S = (rateScale: number): TriedStep => ({ rateScale, sustained: true });
const B = (rateScale: number): TriedStep => ({ rateScale, sustained: false });
const search = { maxSteps: 8, refine: 2 };

/** Runs the search against a platform that holds every rate up to `peak`. */
function walk(start: number, peak: number, s = search): number[] {
  const steps: TriedStep[] = [{ rateScale: start, sustained: start <= peak }];
  for (let next = nextPeakScale(steps, s); next !== undefined; next = nextPeakScale(steps, s)) steps.push({ rateScale: next, sustained: next <= peak });
  return steps.map((x) => x.rateScale);
}

describe('peak search', () => {
  it('doubles while the platform holds', () => {
    expect(nextPeakScale([S(1)], search)).toBe(2);
    expect(nextPeakScale([S(1), S(2)], search)).toBe(4);
  });

  it('narrows the gap between the highest held and the first broken rate, geometrically', () => {
    expect(nextPeakScale([S(1), S(2), S(4), B(8)], search)).toBe(5.66);
    expect(nextPeakScale([S(1), S(2), S(4), B(8), S(5.66)], search)).toBe(6.73);
    expect(nextPeakScale([S(1), S(2), S(4), B(8), B(5.66)], search)).toBe(4.76);
  });

  it('stops after `refine` narrowing steps, or when the bracket is tight', () => {
    expect(nextPeakScale([S(1), S(2), S(4), B(8), S(5.66), B(6.73)], search)).toBeUndefined();
    expect(nextPeakScale([S(1), S(2), S(4), B(8)], { maxSteps: 8, refine: 0 })).toBeUndefined();
    expect(nextPeakScale([S(4), B(4.3)], search)).toBeUndefined();
  });

  it('halves from a first step that breaks, then narrows', () => {
    expect(nextPeakScale([B(1)], search)).toBe(0.5);
    expect(nextPeakScale([B(1), B(0.5)], search)).toBe(0.25);
    expect(nextPeakScale([B(1), B(0.5), S(0.25)], search)).toBe(0.35);
  });

  it('keeps to --max-steps while it has no bracket', () => {
    expect(nextPeakScale([S(1), S(2), S(4)], { maxSteps: 3, refine: 2 })).toBeUndefined();
    expect(nextPeakScale([B(1), B(0.5)], { maxSteps: 2, refine: 2 })).toBeUndefined();
  });

  it('ignores a broken step below a held one (noise) when bracketing', () => {
    expect(nextPeakScale([S(1), B(2), S(1.41), S(1.68)], { maxSteps: 8, refine: 3 })).toBe(1.83);
  });

  it('lands within a fifth of the true peak from either side', () => {
    for (const peak of [0.3, 1, 3, 5.5, 7.9, 40]) {
      const tried = walk(1, peak);
      const best = Math.max(...tried.filter((x) => x <= peak));
      expect(best).toBeGreaterThan(peak / 1.2);
      expect(tried.length).toBeLessThanOrEqual(search.maxSteps + search.refine);
    }
  });
});
