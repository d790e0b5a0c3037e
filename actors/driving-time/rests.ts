import { restForBreak } from './continuous-driving.ts';
import { dailyRestTaken, endDay, newDay } from './daily.ts';
import { isAnchored, type FoldState } from './fold-state.ts';
import {
  DAILY_REST_REDUCED_S,
  DAILY_REST_REGULAR_S,
  SPLIT_REST_FIRST_PART_S,
  WEEKLY_REST_REDUCED_S,
  WEEKLY_REST_REGULAR_S,
} from './limits.ts';
import { payDebts, weeklyRestTaken } from './weekly.ts';

/**
 * What a rest is can only be told once it ends, so every rest rule runs here,
 * when the driver resumes (or, for the live counters, "as if the driver
 * resumed now"). By length:
 *
 *   >= 15 min, 30 min, 45 min   breaks (art. 7)            continuous-driving.ts
 *   >= 3 h                      first part of a split daily rest
 *   >= 9 h and < 24 h           daily rest, ends the day   daily.ts
 *   >= 24 h                     weekly rest, ends the day  weekly.ts
 *
 * A rest of 24 h or more is always taken as a weekly rest (see README).
 */
export function closeRest(st: FoldState, a: number, b: number): void {
  const length = b - a;
  restForBreak(st, length);
  if (!isAnchored(st)) {
    // The end of the unknown past: taken as the end of a (long) weekly rest.
    st.weeklyRestEnd = b;
    newDay(st, b);
  } else if (length >= WEEKLY_REST_REDUCED_S) {
    payDebts(st, b, Math.max(0, length - WEEKLY_REST_REGULAR_S));
    weeklyRestTaken(st, a, b);
    endDay(st, a, b);
  } else if (length >= DAILY_REST_REDUCED_S) {
    payDebts(st, b, Math.max(0, length - DAILY_REST_REGULAR_S));
    dailyRestTaken(st, a, b);
    endDay(st, a, b);
  } else if (length >= SPLIT_REST_FIRST_PART_S) {
    st.splitPart = true;
  }
  st.restStart = NaN;
}
