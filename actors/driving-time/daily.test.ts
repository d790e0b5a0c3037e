import { describe, expect, it } from 'vitest';
import { ActivityLog } from './activity-log.ts';
import { evaluate } from './rules.ts';
import { DAY, drivingDay, HOUR, MIN, MONDAY, only, schedule, WEEK, type Step } from './test-kit.ts';

const START = MONDAY + 6 * HOUR;
/** 9 h of driving in a 24 h cycle (shift 9h45, rest 14h15). */
const NINE_HOUR_DAY = drivingDay([4.5 * HOUR, 4.5 * HOUR], 14.25 * HOUR);
/** 10 h of driving in a 24 h cycle (shift 11h30, rest 12h30). */
const TEN_HOUR_DAY = drivingDay([4.5 * HOUR, 4.5 * HOUR, HOUR], 12.5 * HOUR);
const iso = (ms: number) => new Date(ms).toISOString();

describe('daily driving (art. 6.1)', () => {
  it('a 9 h day is fine and uses no extension', () => {
    const log = new ActivityLog();
    const end = schedule(log, START, NINE_HOUR_DAY);
    const { counters, infringements } = evaluate(log, end);
    expect(infringements).toEqual([]);
    expect(counters).toMatchObject({ dailyExtensionsUsedThisWeek: 0, currentDailyDrivingS: 0, dayStartedAt: iso(START + DAY) });
  });

  it('mid-day counters: after 9 h, 1 h is left while an extension is available', () => {
    const log = new ActivityLog();
    const end = schedule(log, START, NINE_HOUR_DAY.slice(0, 3));
    expect(evaluate(log, end).counters).toMatchObject({
      currentDailyDrivingS: 9 * 3600,
      dailyDrivingLimitS: 10 * 3600,
      dailyDrivingLeftS: 3600,
      dailyExtensionsLeft: 2,
    });
  });

  it('a 10 h day twice in a week is fine; the third is an infringement', () => {
    const twice = new ActivityLog();
    const wednesday = schedule(twice, START, [...TEN_HOUR_DAY, ...TEN_HOUR_DAY]);
    const before = evaluate(twice, wednesday);
    expect(before.infringements).toEqual([]);
    expect(before.counters).toMatchObject({ dailyExtensionsUsedThisWeek: 2, dailyExtensionsLeft: 0, dailyDrivingLimitS: 9 * 3600, dailyDrivingLeftS: 9 * 3600 });

    const thrice = new ActivityLog();
    schedule(thrice, START, [...TEN_HOUR_DAY, ...TEN_HOUR_DAY, ...TEN_HOUR_DAY]);
    const found = evaluate(thrice, START + 3 * DAY).infringements;
    expect(found).toEqual([
      expect.objectContaining({ rule: 'daily-driving-extension', time: START + 2 * DAY + 10.5 * HOUR, overByS: 3600, ongoing: false }),
    ]);
  });

  it('more than 10 h on an extended day is a daily-driving infringement', () => {
    const log = new ActivityLog();
    const end = schedule(log, START, drivingDay([4.5 * HOUR, 4.5 * HOUR, HOUR + MIN], 12 * HOUR));
    expect(evaluate(log, end).infringements).toEqual([
      expect.objectContaining({ rule: 'daily-driving', time: START + 11.5 * HOUR, overByS: 60 }),
    ]);
  });

  it('extensions are counted per calendar week', () => {
    const log = new ActivityLog();
    let t = schedule(log, START, [...TEN_HOUR_DAY, ...TEN_HOUR_DAY]);
    t = schedule(log, t, [['rest', MONDAY + WEEK + 6 * HOUR - t]]); // weekly rest to next Monday 06:00
    const end = schedule(log, t, TEN_HOUR_DAY);
    const { counters, infringements } = evaluate(log, end);
    expect(infringements).toEqual([]);
    expect(counters.dailyExtensionsUsedThisWeek).toBe(1);
  });
});

describe('daily rest (art. 4(g), 8.2, 8.4)', () => {
  /** Shift of 9h45 (9 h driving) then a 9 h reduced rest: an 18h45 cycle. */
  const REDUCED_CYCLE = drivingDay([4.5 * HOUR, 4.5 * HOUR], 9 * HOUR);
  const CYCLE = 18.75 * HOUR;

  it('reduced daily rests are counted; three are fine, a fourth is an infringement', () => {
    const log = new ActivityLog();
    const three = schedule(log, START, [...REDUCED_CYCLE, ...REDUCED_CYCLE, ...REDUCED_CYCLE]);
    log.add(three, 'driving');
    const after3 = evaluate(log, three + MIN);
    expect(after3.infringements).toEqual([]);
    expect(after3.counters).toMatchObject({ reducedDailyRestsSinceWeeklyRest: 3, reducedDailyRestsLeft: 0 });
    // no reduced rest left: the next daily rest is due 13 h (not 15 h) after the day started
    expect(after3.counters.dailyRestDueBy).toBe(iso(three + 13 * HOUR));

    const end = schedule(log, three, [...REDUCED_CYCLE, ['driving', HOUR]]);
    expect(evaluate(log, end).infringements).toEqual([
      expect.objectContaining({ rule: 'reduced-daily-rests', time: START + 4 * CYCLE, overByS: 2 * 3600, article: 'art. 8.4' }),
    ]);
  });

  it('a weekly rest resets the count of reduced daily rests', () => {
    const log = new ActivityLog();
    let t = schedule(log, START, [...REDUCED_CYCLE, ...REDUCED_CYCLE, ...REDUCED_CYCLE]);
    t = schedule(log, t, [['rest', 45 * HOUR]]);
    const end = schedule(log, t, [...REDUCED_CYCLE, ['driving', HOUR]]);
    const { counters, infringements } = evaluate(log, end);
    expect(infringements).toEqual([]);
    expect(counters.reducedDailyRestsSinceWeeklyRest).toBe(1);
  });

  it('split daily rest 3 h + 9 h is a regular rest, 9 h + 3 h is not', () => {
    const split: Step[] = [
      ['driving', 4 * HOUR],
      ['rest', 3 * HOUR],
      ['driving', 4 * HOUR],
      ['rest', 9 * HOUR],
      ['driving', HOUR],
    ];
    const log = new ActivityLog();
    const mid = schedule(log, START, split.slice(0, 3));
    expect(evaluate(log, mid).counters).toMatchObject({ splitRestFirstPartTaken: true, dailyRestDueBy: iso(START + 15 * HOUR) });
    const end = schedule(log, mid, split.slice(3));
    const regular = evaluate(log, end);
    expect(regular.infringements).toEqual([]);
    expect(regular.counters).toMatchObject({ reducedDailyRestsSinceWeeklyRest: 0, dayStartedAt: iso(START + 20 * HOUR), currentDailyDrivingS: 3600 });

    const reversed = new ActivityLog();
    const end2 = schedule(reversed, START, [
      ['driving', 4 * HOUR],
      ['rest', 9 * HOUR],
      ['driving', 4 * HOUR],
      ['rest', 3 * HOUR],
      ['driving', HOUR],
    ]);
    expect(evaluate(reversed, end2).counters.reducedDailyRestsSinceWeeklyRest).toBe(1);
  });

  it('the daily rest must fit within 24 h of the end of the previous rest', () => {
    // 16 h of duty, then 9 h of rest: only 8 h of it falls in the window, the rest started 1 h late
    const late = new ActivityLog();
    const shift: Step[] = [
      ['driving', 4 * HOUR],
      ['rest', 45 * MIN],
      ['driving', 4 * HOUR],
      ['rest', 45 * MIN],
    ];
    const t = schedule(late, START, [...shift, ['working', 6.5 * HOUR]]);
    expect(t).toBe(START + 16 * HOUR);
    expect(evaluate(late, START + 15 * HOUR).counters.dailyRestDueBy).toBe(iso(START + 15 * HOUR));
    // still working 30 min after the latest start: ongoing
    expect(evaluate(late, t).infringements).toEqual([
      expect.objectContaining({ rule: 'daily-rest', time: START + 15 * HOUR, overByS: 3600, ongoing: true }),
    ]);
    const end = schedule(late, t, [['rest', 9 * HOUR], ['driving', HOUR]]);
    expect(evaluate(late, end).infringements).toEqual([
      expect.objectContaining({ rule: 'daily-rest', time: START + 15 * HOUR, overByS: 3600, ongoing: false, article: 'art. 8.2' }),
    ]);

    // 15 h of duty then 9 h: fits (a reduced rest)
    const onTime = new ActivityLog();
    const end2 = schedule(onTime, START, [...shift, ['working', 5.5 * HOUR], ['rest', 9 * HOUR], ['driving', HOUR]]);
    const ok = evaluate(onTime, end2);
    expect(ok.infringements).toEqual([]);
    expect(ok.counters.reducedDailyRestsSinceWeeklyRest).toBe(1);
  });

  it('a rest partly outside the window counts only for its part inside it', () => {
    // rest starts 14 h after the day started and lasts 12 h: 10 h inside the window -> reduced
    const log = new ActivityLog();
    const end = schedule(log, START, [
      ['driving', 4 * HOUR],
      ['rest', 45 * MIN],
      ['driving', 4 * HOUR],
      ['working', 5.25 * HOUR],
      ['rest', 12 * HOUR],
      ['driving', HOUR],
    ]);
    const { counters, infringements } = evaluate(log, end);
    expect(infringements).toEqual([]);
    expect(counters.reducedDailyRestsSinceWeeklyRest).toBe(1);
  });

  it('after 11 h of rest the counters show a new day', () => {
    const log = new ActivityLog();
    const t = schedule(log, START, NINE_HOUR_DAY.slice(0, 3));
    log.add(t, 'rest');
    expect(evaluate(log, t + 8 * HOUR).counters).toMatchObject({ currentDailyDrivingS: 9 * 3600, currentRestS: 8 * 3600 });
    expect(evaluate(log, t + 11 * HOUR).counters).toMatchObject({
      currentDailyDrivingS: 0,
      dailyDrivingLeftS: 10 * 3600, // 9 h exactly did not use an extension
      dayStartedAt: iso(t + 11 * HOUR),
      reducedDailyRestsSinceWeeklyRest: 0,
    });
  });
});
