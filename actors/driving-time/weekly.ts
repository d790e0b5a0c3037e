import { pushClosed, type Debt, type FoldState } from './fold-state.ts';
import type { InfringementRecord } from './infringements.ts';
import {
  COMPENSATION_WEEKS,
  FORTNIGHT_DRIVING_MAX_S,
  WEEK_S,
  WEEKLY_DRIVING_MAX_S,
  WEEKLY_REST_INTERVAL_S,
  WEEKLY_REST_REGULAR_S,
} from './limits.ts';
import { weekStartS } from './time.ts';

/**
 * Calendar weeks (Monday 00:00 to Sunday 24:00 UTC, art. 4(i)) for driving:
 * 56 h a week (art. 6.2), 90 h in any two consecutive weeks (art. 6.3). A
 * driving period across midnight Sunday is split at the boundary.
 *
 * Weekly rest (art. 4(h), 8.6): a rest of >= 45 h is regular, >= 24 h reduced.
 * It starts no later than six 24-hour periods after the end of the previous
 * one. Two reduced weekly rests in a row are an infringement (the "one regular
 * and one reduced in any two consecutive weeks" rule, read as "no two reduced
 * in a row"). A reduction (45 h - rest) is owed and must be paid en bloc, as
 * the surplus of a later rest (over 45 h for a weekly rest, over 11 h for a
 * daily rest) that ends before the end of the third week following the week
 * the reduced rest started in.
 */

/** The fold enters calendar week `ws`. */
export function rollWeek(st: FoldState, ws: number): void {
  const open = openWeeklyDriving(st);
  for (const rec of open) pushClosed(st, rec.rule, rec.timeS, rec.overByS);
  st.weekDrvInfrAt = NaN;
  st.fortInfrAt = NaN;
  st.prevWeekS = ws === st.weekStart + WEEK_S ? st.weekS : 0;
  st.weekS = 0;
  st.weekStart = ws;
}

/** `d` seconds of driving starting at `a`, inside the current calendar week. */
export function driveWeek(st: FoldState, a: number, d: number): void {
  const before = st.weekS;
  const after = before + d;
  if (after > WEEKLY_DRIVING_MAX_S && Number.isNaN(st.weekDrvInfrAt)) {
    st.weekDrvInfrAt = a + Math.max(0, WEEKLY_DRIVING_MAX_S - before);
  }
  const pairBefore = st.prevWeekS + before;
  if (pairBefore + d > FORTNIGHT_DRIVING_MAX_S && Number.isNaN(st.fortInfrAt)) {
    st.fortInfrAt = a + Math.max(0, FORTNIGHT_DRIVING_MAX_S - pairBefore);
  }
  st.weekS = after;
}

export function openWeeklyDriving(st: FoldState): InfringementRecord[] {
  const out: InfringementRecord[] = [];
  if (!Number.isNaN(st.weekDrvInfrAt)) {
    out.push({ rule: 'weekly-driving', timeS: st.weekDrvInfrAt, overByS: st.weekS - WEEKLY_DRIVING_MAX_S });
  }
  if (!Number.isNaN(st.fortInfrAt)) {
    out.push({ rule: 'fortnight-driving', timeS: st.fortInfrAt, overByS: st.prevWeekS + st.weekS - FORTNIGHT_DRIVING_MAX_S });
  }
  return out;
}

/** Driving this week and last week, as seen at `nowS` (the fold may still be in an earlier week). */
export function weekTotalsAt(st: FoldState, nowS: number): { weekS: number; prevWeekS: number } {
  const ws = weekStartS(nowS);
  if (ws === st.weekStart) return { weekS: st.weekS, prevWeekS: st.prevWeekS };
  return { weekS: 0, prevWeekS: ws === st.weekStart + WEEK_S ? st.weekS : 0 };
}

/** Not resting over [t0, t1): the weekly rest is late if its latest start passed (see checkDailyRestDeadline). */
export function checkWeeklyRestDeadline(st: FoldState, t0: number, t1: number): void {
  if (!Number.isNaN(st.weekRestInfrAt)) return;
  const latest = st.weeklyRestEnd + WEEKLY_REST_INTERVAL_S;
  if (latest < t1) st.weekRestInfrAt = Math.max(latest, t0);
}

export function openWeeklyRest(st: FoldState, lateUntil: number): InfringementRecord | null {
  if (Number.isNaN(st.weekRestInfrAt)) return null;
  return { rule: 'weekly-rest', timeS: st.weekRestInfrAt, overByS: lateUntil - (st.weeklyRestEnd + WEEKLY_REST_INTERVAL_S) };
}

export function weeklyRestDueS(st: FoldState): number {
  return st.weeklyRestEnd + WEEKLY_REST_INTERVAL_S;
}

/** A weekly rest [a, b) (>= 24 h) ended. */
export function weeklyRestTaken(st: FoldState, a: number, b: number): void {
  const length = b - a;
  if (!Number.isNaN(st.weekRestInfrAt)) {
    pushClosed(st, 'weekly-rest', st.weekRestInfrAt, a - weeklyRestDueS(st));
    st.weekRestInfrAt = NaN;
  }
  if (length < WEEKLY_REST_REGULAR_S) {
    const shortS = WEEKLY_REST_REGULAR_S - length;
    if (st.lastWeeklyReduced) pushClosed(st, 'weekly-rest-reduced', b, shortS);
    const debt: Debt = { amountS: shortS, deadlineS: weekStartS(a) + (COMPENSATION_WEEKS + 1) * WEEK_S };
    st.debts = [...st.debts, debt];
    st.lastWeeklyReduced = true;
  } else {
    st.lastWeeklyReduced = false;
  }
  st.weeklyRestEnd = b;
  st.reducedDaily = 0;
}

/** A rest ending at `b` with `surplusS` beyond its own requirement pays debts, oldest first, each en bloc. */
export function payDebts(st: FoldState, b: number, surplusS: number): void {
  if (st.debts.length === 0 || surplusS <= 0) return;
  let left = surplusS;
  let paid = 0;
  for (const debt of st.debts) {
    if (debt.deadlineS < b || debt.amountS > left) break;
    left -= debt.amountS;
    paid += 1;
  }
  if (paid > 0) st.debts = st.debts.slice(paid);
}

/** The fold reached `t`: reductions whose deadline passed unpaid are infringements. */
export function expireDebts(st: FoldState, t: number): void {
  let expired = 0;
  for (const debt of st.debts) {
    if (debt.deadlineS >= t) break;
    pushClosed(st, 'weekly-rest-compensation', debt.deadlineS, debt.amountS);
    expired += 1;
  }
  if (expired > 0) st.debts = st.debts.slice(expired);
}

export function pendingCompensationS(st: FoldState): number {
  let sum = 0;
  for (const d of st.debts) sum += d.amountS;
  return sum;
}
