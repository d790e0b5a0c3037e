import type { ActivityLog, SampleActivity } from './activity-log.ts';
import { breakOwedS, continuousDrivingLeftS, openContinuous } from './continuous-driving.ts';
import { dailyDrivingLimitS, dailyRestDueS, extensionsUsed, openDailyDriving, openDailyRest } from './daily.ts';
import { isResting, type FoldState } from './fold-state.ts';
import {
  compareRecords,
  MAX_KEPT_INFRINGEMENTS,
  mostRecent,
  toInfringement,
  type Infringement,
  type InfringementRecord,
} from './infringements.ts';
import {
  BREAK_S,
  BREAK_SECOND_PART_S,
  DAILY_EXTENSIONS_PER_WEEK,
  DAILY_REST_REDUCED_S,
  WEEKLY_REST_REDUCED_S,
  FORTNIGHT_DRIVING_MAX_S,
  REDUCED_DAILY_RESTS_MAX,
  WEEKLY_DRIVING_MAX_S,
} from './limits.ts';
import { closeRest } from './rests.ts';
import { isoFromS } from './time.ts';
import { openWeeklyDriving, openWeeklyRest, pendingCompensationS, weeklyRestDueS, weekTotalsAt } from './weekly.ts';

/**
 * The live counters and the infringements of one driver at `now`.
 *
 * Two views of the same fold:
 * - the infringement view: history folded up to now, the current rest left
 *   open (it may still turn out to be a daily or weekly rest);
 * - the counter view: the same, then the current rest closed at now, i.e.
 *   "what the driver has left if they resume now". After 45 min of rest,
 *   continuousDrivingLeftS is back to 4h30; after 11 h, a new day starts.
 */

export type NextRestKind = 'break' | 'daily-rest' | 'weekly-rest';

export interface DrivingTimeCounters {
  // --- the public API contract
  activity: SampleActivity;
  continuousDrivingLeftS: number;
  breakOwedS: number;
  dailyDrivingLeftS: number;
  weeklyDrivingLeftS: number;
  fortnightDrivingLeftS: number;
  /** Latest start of the next break or rest that is due (ISO-8601), null without history. */
  nextRestDueBy: string | null;

  // --- extras
  /** The time these counters are for (ISO-8601). */
  asOf: string;
  nextRestKind: NextRestKind | null;
  /** min(continuous, daily, weekly, fortnight) driving left. */
  drivingLeftS: number;
  continuousDrivingS: number;
  /** A >= 15 min first part of a split break was taken; the break owed is 30 min. */
  breakFirstPartTaken: boolean;
  currentDailyDrivingS: number;
  /** 10 h while an extension is available or already used today, else 9 h. */
  dailyDrivingLimitS: number;
  /** Days over 9 h charged to the week the current day started in. */
  dailyExtensionsUsedThisWeek: number;
  dailyExtensionsLeft: number;
  weeklyDrivingS: number;
  /** This week and last week. */
  fortnightDrivingS: number;
  /** Completed reduced daily rests since the last weekly rest. */
  reducedDailyRestsSinceWeeklyRest: number;
  reducedDailyRestsLeft: number;
  /** A >= 3 h first part of a split daily rest was taken this day. */
  splitRestFirstPartTaken: boolean;
  /** Start of the current day: end of the last daily/weekly rest (ISO-8601). */
  dayStartedAt: string | null;
  dailyRestDueBy: string | null;
  lastWeeklyRestEndedAt: string | null;
  lastWeeklyRestReduced: boolean;
  weeklyRestDueBy: string | null;
  /** Weekly-rest reductions not compensated yet, and the first deadline. */
  pendingCompensationS: number;
  compensationDueBy: string | null;
  /** Length of the current rest, null when not resting or resting since before the first sample. */
  currentRestS: number | null;
}

export interface DrivingTimeStatus {
  counters: DrivingTimeCounters;
  /** Oldest first (by time, then rule): closed ones within the retention and the open ones. */
  infringements: Infringement[];
}

/** Counters and infringements at `nowMs` (epoch ms). Pure: does not change the log. */
export function evaluate(log: ActivityLog, nowMs: number): DrivingTimeStatus {
  const { state, nowS, activity, empty } = log.stateAt(nowMs);
  return {
    counters: countersFrom(state, nowS, activity, empty),
    infringements: infringementsFrom(state, nowS, log),
  };
}

export function drivingTimeCounters(log: ActivityLog, nowMs: number): DrivingTimeCounters {
  const { state, nowS, activity, empty } = log.stateAt(nowMs);
  return countersFrom(state, nowS, activity, empty);
}

export function infringementsAt(log: ActivityLog, nowMs: number): Infringement[] {
  const { state, nowS } = log.stateAt(nowMs);
  return infringementsFrom(state, nowS, log);
}

function lateUntil(st: FoldState): number {
  return isResting(st) ? st.restStart : st.pos;
}

function infringementsFrom(st: FoldState, nowS: number, log: ActivityLog): Infringement[] {
  const { driverId, infringementRetentionMs } = log.options;
  const oldest = nowS - infringementRetentionMs / 1000;
  const closed = mostRecent(st.closed, MAX_KEPT_INFRINGEMENTS).filter((r) => r.timeS >= oldest);
  const until = lateUntil(st);
  // An open infringement is settled once the rest going on is long enough to close it whatever happens next.
  const restS = isResting(st) ? nowS - st.restStart : 0;
  const contSettled = restS >= (st.part15 ? BREAK_SECOND_PART_S : BREAK_S);
  const open: Array<[InfringementRecord | null, boolean]> = [
    [openContinuous(st), contSettled],
    [openDailyDriving(st), restS >= DAILY_REST_REDUCED_S],
    [openDailyRest(st, until), restS >= DAILY_REST_REDUCED_S],
    [openWeeklyRest(st, until), restS >= WEEKLY_REST_REDUCED_S],
    ...openWeeklyDriving(st).map((r) => [r, false] as [InfringementRecord, boolean]),
  ];
  const all: Array<[InfringementRecord, boolean]> = closed.map((r) => [r, false]);
  for (const [rec, settled] of open) if (rec) all.push([rec, !settled]);
  all.sort((x, y) => compareRecords(x[0], y[0]));
  return all.map(([r, ongoing]) => toInfringement(r, ongoing, driverId));
}

function countersFrom(iv: FoldState, nowS: number, activity: SampleActivity, empty: boolean): DrivingTimeCounters {
  const resting = isResting(iv);
  const restS = resting ? nowS - iv.restStart : 0;
  // Counter view: as if the driver resumed now.
  const cv: FoldState = { ...iv };
  if (resting && nowS > iv.restStart) closeRest(cv, iv.restStart, nowS);

  const contLeft = continuousDrivingLeftS(cv);
  const limit = dailyDrivingLimitS(cv);
  const dailyLeft = Math.max(0, limit - cv.dayDrivingS);
  const { weekS, prevWeekS } = weekTotalsAt(iv, nowS);
  const weeklyLeft = Math.max(0, WEEKLY_DRIVING_MAX_S - weekS);
  const fortnightLeft = Math.max(0, FORTNIGHT_DRIVING_MAX_S - weekS - prevWeekS);

  const dailyDue = empty ? NaN : dailyRestDueS(cv);
  const weeklyDue = empty ? NaN : weeklyRestDueS(cv);
  const breakDue = activity === 'driving' ? nowS + contLeft : NaN;
  let next = NaN;
  let kind: NextRestKind | null = null;
  for (const [t, k] of [
    [breakDue, 'break'],
    [dailyDue, 'daily-rest'],
    [weeklyDue, 'weekly-rest'],
  ] as const) {
    if (Number.isFinite(t) && !(t >= next)) {
      next = t;
      kind = k;
    }
  }
  const extUsed = extensionsUsed(cv);
  const firstDebt = cv.debts[0];
  return {
    activity,
    continuousDrivingLeftS: contLeft,
    breakOwedS: breakOwedS(iv, Number.isFinite(restS) ? restS : Infinity),
    dailyDrivingLeftS: dailyLeft,
    weeklyDrivingLeftS: weeklyLeft,
    fortnightDrivingLeftS: fortnightLeft,
    nextRestDueBy: isoFromS(next),

    asOf: isoFromS(nowS) ?? '',
    nextRestKind: kind,
    drivingLeftS: Math.min(contLeft, dailyLeft, weeklyLeft, fortnightLeft),
    continuousDrivingS: cv.contS,
    breakFirstPartTaken: cv.part15,
    currentDailyDrivingS: cv.dayDrivingS,
    dailyDrivingLimitS: limit,
    dailyExtensionsUsedThisWeek: extUsed,
    dailyExtensionsLeft: Math.max(0, DAILY_EXTENSIONS_PER_WEEK - extUsed),
    weeklyDrivingS: weekS,
    fortnightDrivingS: weekS + prevWeekS,
    reducedDailyRestsSinceWeeklyRest: iv.reducedDaily,
    reducedDailyRestsLeft: Math.max(0, REDUCED_DAILY_RESTS_MAX - iv.reducedDaily),
    splitRestFirstPartTaken: cv.splitPart,
    dayStartedAt: empty ? null : isoFromS(cv.dayStart),
    dailyRestDueBy: isoFromS(dailyDue),
    lastWeeklyRestEndedAt: empty ? null : isoFromS(cv.weeklyRestEnd),
    lastWeeklyRestReduced: cv.lastWeeklyReduced,
    weeklyRestDueBy: isoFromS(weeklyDue),
    pendingCompensationS: pendingCompensationS(cv),
    compensationDueBy: firstDebt ? isoFromS(firstDebt.deadlineS) : null,
    currentRestS: resting && Number.isFinite(restS) ? restS : null,
  };
}
