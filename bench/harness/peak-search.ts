/**
 * Which rate the peak scenario tries next. Doubling (x1, x2, x4...) finds
 * where the platform breaks, but only to within a factor of two: sustaining
 * x4 and breaking at x8 says the highest sustained rate is somewhere from
 * 5,500 to 10,500 records/s. So after the first break the search narrows the
 * gap between the highest sustained rate and the lowest broken one by
 * geometric halving, `refine` times. When the very first step breaks (a
 * fleet too large for the machine at its realistic rate), it halves the rate
 * until a step holds, then narrows the same way.
 */
export interface TriedStep {
  rateScale: number;
  sustained: boolean;
}

export interface PeakSearch {
  /** Doubling or halving steps before a bracket is found (--max-steps). */
  maxSteps: number;
  /** Narrowing steps once a sustained and a broken rate bracket the peak (--refine). */
  refine: number;
}

/** Rates closer than this (ratio) are not worth a step of their own. */
const CLOSE_ENOUGH = 1.1;

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The next rate scale to try, or undefined when the search is over. */
export function nextPeakScale(steps: readonly TriedStep[], search: PeakSearch): number | undefined {
  if (steps.length === 0) return undefined;
  const held = steps.filter((s) => s.sustained).map((s) => s.rateScale);
  const broke = steps.filter((s) => !s.sustained).map((s) => s.rateScale);
  const lo = held.length ? Math.max(...held) : undefined;
  // The lowest broken rate above the highest sustained one: a noisy step that broke below a held one says nothing about the peak.
  const above = broke.filter((b) => lo === undefined || b > lo);
  const hi = above.length ? Math.min(...above) : undefined;
  if (lo !== undefined && hi !== undefined) {
    // The bracket formed at the first step whose verdict differs from the first one's.
    const bracketedAt = steps.findIndex((s) => s.sustained !== steps[0]!.sustained);
    const narrowed = steps.length - 1 - bracketedAt;
    if (narrowed >= search.refine || hi / lo <= CLOSE_ENOUGH) return undefined;
    return round2(Math.sqrt(lo * hi));
  }
  if (steps.length >= search.maxSteps) return undefined;
  const last = steps.at(-1)!.rateScale;
  return hi === undefined ? last * 2 : round2(last / 2);
}
