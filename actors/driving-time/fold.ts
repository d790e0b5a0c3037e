import { driveContinuous } from './continuous-driving.ts';
import { checkDailyRestDeadline, driveDaily } from './daily.ts';
import { ACT_DRIVING, ACT_REST, ACT_UNKNOWN, type ActCode, type FoldState } from './fold-state.ts';
import { WEEK_S } from './limits.ts';
import { closeRest } from './rests.ts';
import { weekStartS } from './time.ts';
import { checkWeeklyRestDeadline, driveWeek, expireDebts, rollWeek } from './weekly.ts';

/**
 * The fold's one step: the driver did `act` over [t0, t1) (seconds, t0 < t1,
 * t0 = where the previous step stopped). Rest and unknown count as rest.
 */
export function advance(st: FoldState, t0: number, t1: number, act: ActCode): void {
  const resting = act === ACT_REST || act === ACT_UNKNOWN;
  if (resting) {
    if (Number.isNaN(st.restStart)) st.restStart = t0;
  } else if (!Number.isNaN(st.restStart)) {
    closeRest(st, st.restStart, t0);
  }
  let a = t0;
  while (a < t1) {
    const ws = weekStartS(a);
    if (ws !== st.weekStart) rollWeek(st, ws);
    const b = Math.min(t1, ws + WEEK_S);
    if (act === ACT_DRIVING) {
      const d = b - a;
      driveContinuous(st, a, d);
      driveDaily(st, a, d);
      driveWeek(st, a, d);
    }
    a = b;
  }
  if (!resting) {
    checkDailyRestDeadline(st, t0, t1);
    checkWeeklyRestDeadline(st, t0, t1);
  }
  if (st.debts.length > 0) expireDebts(st, t1);
  st.pos = t1;
  st.act = act;
}


/**
 * Fold the period a sample opens: from `ts` to the next sample `tNext`. A
 * working/available/driving sample that is not held only covers `maxGapS`;
 * the rest of a longer gap is unknown (README: "Gaps").
 */
export function advanceSample(st: FoldState, ts: number, code: number, tNext: number, maxGapS: number): void {
  if (tNext <= ts) return;
  const act = (code >> 1) as ActCode;
  const held = (code & 1) === 1;
  if (act > ACT_REST && !held && tNext - ts > maxGapS) {
    if (maxGapS > 0) advance(st, ts, ts + maxGapS, act);
    advance(st, ts + maxGapS, tNext, ACT_UNKNOWN);
  } else {
    advance(st, ts, tNext, act);
  }
}

/** The activity a sample gives at `ts + elapsedS`. */
export function activityAfter(code: number, elapsedS: number, maxGapS: number): ActCode {
  const act = (code >> 1) as ActCode;
  const held = (code & 1) === 1;
  return act > ACT_REST && !held && elapsedS >= maxGapS ? ACT_UNKNOWN : act;
}
