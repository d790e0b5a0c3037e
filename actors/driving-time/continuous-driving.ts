import { pushClosed, type FoldState } from './fold-state.ts';
import type { InfringementRecord } from './infringements.ts';
import { BREAK_FIRST_PART_S, BREAK_S, BREAK_SECOND_PART_S, CONTINUOUS_DRIVING_MAX_S } from './limits.ts';

/**
 * Art. 7: after 4 h 30 min of driving, a break of at least 45 min, unless the
 * driver takes its rest. The break may be split into 15 min then 30 min: a
 * break of >= 15 min marks the first part, a later break of >= 30 min resets.
 * Order matters: 30 then 15 does not reset (the 30 is a first part, the 15 is
 * too short to be a second part). Only rest (and unknown, see README) counts as
 * a break; other work and availability do not, and do not add driving either.
 */

/** `d` seconds of driving starting at `a`. */
export function driveContinuous(st: FoldState, a: number, d: number): void {
  const before = st.contS;
  const after = before + d;
  if (after > CONTINUOUS_DRIVING_MAX_S && Number.isNaN(st.contInfrAt)) {
    st.contInfrAt = a + Math.max(0, CONTINUOUS_DRIVING_MAX_S - before);
  }
  st.contS = after;
}

/** A rest of `restS` seconds has just ended. */
export function restForBreak(st: FoldState, restS: number): void {
  if (restS >= BREAK_S || (st.part15 && restS >= BREAK_SECOND_PART_S)) resetContinuous(st);
  else if (restS >= BREAK_FIRST_PART_S) st.part15 = true;
}

function resetContinuous(st: FoldState): void {
  if (!Number.isNaN(st.contInfrAt)) {
    pushClosed(st, 'continuous-driving', st.contInfrAt, st.contS - CONTINUOUS_DRIVING_MAX_S);
    st.contInfrAt = NaN;
  }
  st.contS = 0;
  st.part15 = false;
}

export function openContinuous(st: FoldState): InfringementRecord | null {
  if (Number.isNaN(st.contInfrAt)) return null;
  return { rule: 'continuous-driving', timeS: st.contInfrAt, overByS: st.contS - CONTINUOUS_DRIVING_MAX_S };
}

export function continuousDrivingLeftS(st: FoldState): number {
  return Math.max(0, CONTINUOUS_DRIVING_MAX_S - st.contS);
}

/**
 * The break still owed: 45 min, or 30 min after a qualifying 15; while resting,
 * what is left of it if the rest goes on now. 0 when nothing was driven since
 * the last qualifying break.
 */
export function breakOwedS(st: FoldState, currentRestS: number): number {
  if (st.contS <= 0 && !st.part15) return 0;
  const needed = st.part15 ? BREAK_SECOND_PART_S : BREAK_S;
  return Math.max(0, needed - currentRestS);
}
