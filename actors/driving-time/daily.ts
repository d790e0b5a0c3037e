import { pushClosed, type FoldState } from './fold-state.ts';
import type { InfringementRecord } from './infringements.ts';
import {
  DAILY_DRIVING_EXTENDED_MAX_S,
  DAILY_DRIVING_MAX_S,
  DAILY_EXTENSIONS_PER_WEEK,
  DAILY_REST_LATEST_START_S,
  DAILY_REST_REDUCED_S,
  DAILY_REST_REGULAR_LATEST_START_S,
  DAILY_REST_REGULAR_S,
  DAILY_REST_WINDOW_S,
  REDUCED_DAILY_RESTS_MAX,
} from './limits.ts';
import { weekStartS } from './time.ts';

/**
 * The "day" is the regulation's, not the calendar's: the time from the end of
 * one daily or weekly rest to the start of the next (art. 4(k)).
 *
 * - Daily driving (art. 6.1): 9 h; 10 h at most twice a week. The extension is
 *   charged to the calendar week the day started in, at the moment the day
 *   goes over 9 h.
 * - Daily rest (art. 4(g), 8.2, 8.4): within 24 h of the end of the previous
 *   rest, at least 9 h of rest. A rest of >= 9 h ends the day. Its part inside
 *   that 24 h window decides what it is: >= 11 h regular; >= 9 h after a rest
 *   of >= 3 h earlier in the day, regular (split 3 + 9); >= 9 h reduced (at
 *   most 3 between weekly rests); < 9 h a 'daily-rest' infringement.
 */

/** `d` seconds of driving starting at `a`. */
export function driveDaily(st: FoldState, a: number, d: number): void {
  const before = st.dayDrivingS;
  const after = before + d;
  if (after > DAILY_DRIVING_MAX_S && !st.dayExtended && Number.isNaN(st.dayDrvInfrAt)) {
    if (st.extUsed < DAILY_EXTENSIONS_PER_WEEK) {
      st.extUsed += 1;
      st.dayExtended = true;
    } else {
      st.dayDrvInfrAt = a + Math.max(0, DAILY_DRIVING_MAX_S - before);
    }
  }
  if (after > DAILY_DRIVING_EXTENDED_MAX_S && st.dayExtended && Number.isNaN(st.dayDrvInfrAt)) {
    st.dayDrvInfrAt = a + Math.max(0, DAILY_DRIVING_EXTENDED_MAX_S - before);
  }
  st.dayDrivingS = after;
}

/**
 * Not resting over [t0, t1): if the latest start of the daily rest (day start
 * + 15 h) is in there, or passed while a rest too short to be a daily rest
 * was going on, the daily rest is late. Its time is the first moment we know:
 * the latest start itself, or the end of that short rest (= t0).
 */
export function checkDailyRestDeadline(st: FoldState, t0: number, t1: number): void {
  if (!Number.isNaN(st.dayRestInfrAt)) return;
  const latest = st.dayStart + DAILY_REST_LATEST_START_S;
  if (latest < t1) st.dayRestInfrAt = Math.max(latest, t0);
}

/** A rest [a, b) of at least 9 h and under 24 h ended: classify it against the 24 h window. */
export function dailyRestTaken(st: FoldState, a: number, b: number): void {
  const windowEnd = st.dayStart + DAILY_REST_WINDOW_S;
  const inWindow = Math.min(b, windowEnd) - a;
  if (inWindow >= DAILY_REST_REGULAR_S || (st.splitPart && inWindow >= DAILY_REST_REDUCED_S)) return;
  if (inWindow >= DAILY_REST_REDUCED_S) {
    st.reducedDaily += 1;
    if (st.reducedDaily > REDUCED_DAILY_RESTS_MAX) {
      pushClosed(st, 'reduced-daily-rests', Math.min(b, windowEnd), DAILY_REST_REGULAR_S - inWindow);
    }
  }
  // inWindow < 9 h: the rest started after its latest start; checkDailyRestDeadline raised it.
}

/** The day ends with a daily or weekly rest [a, b): close what belongs to it and start the next. */
export function endDay(st: FoldState, a: number, b: number): void {
  if (!Number.isNaN(st.dayRestInfrAt)) {
    pushClosed(st, 'daily-rest', st.dayRestInfrAt, a - (st.dayStart + DAILY_REST_LATEST_START_S));
    st.dayRestInfrAt = NaN;
  }
  const open = openDailyDriving(st);
  if (open) {
    pushClosed(st, open.rule, open.timeS, open.overByS);
    st.dayDrvInfrAt = NaN;
  }
  newDay(st, b);
}

export function newDay(st: FoldState, b: number): void {
  st.dayStart = b;
  st.dayDrivingS = 0;
  st.dayExtended = false;
  st.splitPart = false;
  const week = weekStartS(b);
  if (week !== st.extWeek) {
    st.extWeek = week;
    st.extUsed = 0;
  }
}

export function openDailyDriving(st: FoldState): InfringementRecord | null {
  if (Number.isNaN(st.dayDrvInfrAt)) return null;
  return st.dayExtended
    ? { rule: 'daily-driving', timeS: st.dayDrvInfrAt, overByS: st.dayDrivingS - DAILY_DRIVING_EXTENDED_MAX_S }
    : { rule: 'daily-driving-extension', timeS: st.dayDrvInfrAt, overByS: st.dayDrivingS - DAILY_DRIVING_MAX_S };
}

/** `lateUntil`: the start of the current rest when resting, else the fold position. */
export function openDailyRest(st: FoldState, lateUntil: number): InfringementRecord | null {
  if (Number.isNaN(st.dayRestInfrAt)) return null;
  return { rule: 'daily-rest', timeS: st.dayRestInfrAt, overByS: lateUntil - (st.dayStart + DAILY_REST_LATEST_START_S) };
}

/** 10 h while an extension is available (or already taken today), else 9 h. */
export function dailyDrivingLimitS(st: FoldState): number {
  if (st.dayExtended) return DAILY_DRIVING_EXTENDED_MAX_S;
  return extensionsUsed(st) < DAILY_EXTENSIONS_PER_WEEK && Number.isNaN(st.dayDrvInfrAt)
    ? DAILY_DRIVING_EXTENDED_MAX_S
    : DAILY_DRIVING_MAX_S;
}

/** Extensions used in the week the current day started in. */
export function extensionsUsed(st: FoldState): number {
  return Number.isNaN(st.dayStart) || weekStartS(st.dayStart) !== st.extWeek ? 0 : st.extUsed;
}

/**
 * Latest start of the next daily rest: day start + 15 h (a reduced 9 h rest,
 * or the 9 h second part of a split rest, still fits in the 24 h window), or
 * + 13 h when the three reduced rests are used up and no 3 h part was taken.
 */
export function dailyRestDueS(st: FoldState): number {
  if (Number.isNaN(st.dayStart)) return NaN;
  const reducedLeft = st.reducedDaily < REDUCED_DAILY_RESTS_MAX;
  return st.dayStart + (reducedLeft || st.splitPart ? DAILY_REST_LATEST_START_S : DAILY_REST_REGULAR_LATEST_START_S);
}
