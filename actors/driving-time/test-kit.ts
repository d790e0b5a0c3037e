import type { DriverActivity } from '../../engine/model/telemetry-record.ts';
import type { ActivityLog } from './activity-log.ts';
import type { Infringement, InfringementRule } from './infringements.ts';

/** Helpers for the driving-time tests: durations in ms, a fixed Monday, schedules as step lists. */

export const SEC = 1_000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;

/** 2024-01-01 00:00 UTC, a Monday. */
export const MONDAY = Date.UTC(2024, 0, 1);

/** [activity, duration ms]; 'gap' leaves the time without data. */
export type Step = readonly [DriverActivity | 'gap', number];

/** Adds the steps as explicit periods (tachograph style) from `start`; returns the end. */
export function schedule(log: ActivityLog, start: number, steps: readonly Step[]): number {
  let t = start;
  for (const [activity, duration] of steps) {
    if (activity !== 'gap') log.addPeriod({ start: t, end: t + duration, activity });
    t += duration;
  }
  return t;
}

/** The steps as periods, without adding them (for shuffling). */
export function toPeriods(start: number, steps: readonly Step[]): Array<{ start: number; end: number; activity: DriverActivity }> {
  const out = [];
  let t = start;
  for (const [activity, duration] of steps) {
    if (activity !== 'gap') out.push({ start: t, end: t + duration, activity });
    t += duration;
  }
  return out;
}

/** Periodic samples (a tracker reporting every `everyMs`) over [from, to). */
export function live(log: ActivityLog, from: number, to: number, activity: DriverActivity, everyMs = MIN): number {
  for (let t = from; t < to; t += everyMs) log.add(t, activity);
  return to;
}

/** A day of work: stints of driving separated by 45 min breaks, then rest until `restMs` is over. */
export function drivingDay(drivingMs: number[], restMs: number): Step[] {
  const steps: Step[] = [];
  drivingMs.forEach((d, i) => {
    if (i > 0) steps.push(['rest', 45 * MIN]);
    steps.push(['driving', d]);
  });
  steps.push(['rest', restMs]);
  return steps;
}

export function only(list: readonly Infringement[], rule: InfringementRule): Infringement[] {
  return list.filter((i) => i.rule === rule);
}

export function rulesOf(list: readonly Infringement[]): string[] {
  return list.map((i) => i.rule);
}
