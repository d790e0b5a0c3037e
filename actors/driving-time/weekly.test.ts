import { describe, expect, it } from 'vitest';
import { ActivityLog } from './activity-log.ts';
import { evaluate } from './rules.ts';
import { DAY, drivingDay, HOUR, live, MIN, MONDAY, only, schedule, WEEK, type Step } from './test-kit.ts';

const START = MONDAY + 6 * HOUR;
const NINE_HOUR_DAY = drivingDay([4.5 * HOUR, 4.5 * HOUR], 14.25 * HOUR);
const TEN_HOUR_DAY = drivingDay([4.5 * HOUR, 4.5 * HOUR, HOUR], 12.5 * HOUR);
const SHIFT_ONLY = (day: Step[]) => day.slice(0, -1);
const iso = (ms: number) => new Date(ms).toISOString();

/** Six working days of 9 h (the last one without its rest), then a weekly rest of `restMs`. */
function block(log: ActivityLog, start: number, restMs: number): number {
  const days = [...NINE_HOUR_DAY, ...NINE_HOUR_DAY, ...NINE_HOUR_DAY, ...NINE_HOUR_DAY, ...NINE_HOUR_DAY, ...SHIFT_ONLY(NINE_HOUR_DAY)];
  return schedule(log, start, [...days, ['rest', restMs]]);
}

describe('calendar weeks (art. 6.2, 6.3)', () => {
  it('driving from Sunday 23:00 to Monday 02:00 counts 1 h in one week and 2 h in the next', () => {
    const sunday23 = MONDAY + WEEK - HOUR;
    const log = new ActivityLog();
    live(log, sunday23, sunday23 + 59 * MIN, 'driving');
    expect(evaluate(log, sunday23 + 59 * MIN).counters).toMatchObject({ weeklyDrivingS: 59 * 60, fortnightDrivingS: 59 * 60 });
    const end = live(log, sunday23 + 59 * MIN, sunday23 + 3 * HOUR, 'driving');
    expect(evaluate(log, end).counters).toMatchObject({
      weeklyDrivingS: 2 * 3600,
      weeklyDrivingLeftS: 54 * 3600,
      fortnightDrivingS: 3 * 3600,
      fortnightDrivingLeftS: 87 * 3600,
      continuousDrivingS: 3 * 3600, // the day and the driving period go on across midnight
      currentDailyDrivingS: 3 * 3600,
    });
  });

  it('56 h in a week is fine; one more minute is an infringement', () => {
    const week = [...NINE_HOUR_DAY, ...NINE_HOUR_DAY, ...NINE_HOUR_DAY, ...NINE_HOUR_DAY, ...TEN_HOUR_DAY];
    const ok = new ActivityLog();
    const end = schedule(ok, START, [...week, ...SHIFT_ONLY(TEN_HOUR_DAY)]);
    const a = evaluate(ok, end);
    expect(a.infringements).toEqual([]);
    expect(a.counters).toMatchObject({ weeklyDrivingS: 56 * 3600, weeklyDrivingLeftS: 0, dailyExtensionsUsedThisWeek: 2 });

    const over = new ActivityLog();
    const end2 = schedule(over, START, [...week, ...drivingDay([4.5 * HOUR, 4.5 * HOUR, HOUR + MIN], HOUR)]);
    const saturday = START + 5 * DAY;
    expect(only(evaluate(over, end2).infringements, 'weekly-driving')).toEqual([
      expect.objectContaining({ time: saturday + 11.5 * HOUR, overByS: 60, article: 'art. 6.2' }),
    ]);
  });

  it('90 h over two consecutive weeks is fine; one more minute is an infringement', () => {
    const week1 = [...NINE_HOUR_DAY, ...NINE_HOUR_DAY, ...NINE_HOUR_DAY, ...NINE_HOUR_DAY, ...TEN_HOUR_DAY, ...SHIFT_ONLY(TEN_HOUR_DAY)];
    const build = (fridayMs: number) => {
      const log = new ActivityLog();
      const sat = schedule(log, START, week1);
      const tuesday = START + WEEK + DAY;
      schedule(log, sat, [['rest', tuesday - sat]]);
      const end = schedule(log, tuesday, [...NINE_HOUR_DAY, ...NINE_HOUR_DAY, ...NINE_HOUR_DAY, ...drivingDay([4.5 * HOUR, fridayMs - 4.5 * HOUR], HOUR)]);
      return evaluate(log, end);
    };
    const ok = build(7 * HOUR);
    expect(ok.infringements).toEqual([]);
    expect(ok.counters).toMatchObject({ weeklyDrivingS: 34 * 3600, fortnightDrivingS: 90 * 3600, fortnightDrivingLeftS: 0 });

    const over = build(7 * HOUR + MIN);
    const friday = START + WEEK + 4 * DAY;
    expect(over.infringements).toEqual([
      expect.objectContaining({ rule: 'fortnight-driving', time: friday + 4.5 * HOUR + 45 * MIN + 2.5 * HOUR, overByS: 60, article: 'art. 6.3' }),
    ]);
  });
});

describe('weekly rest (art. 4(h), 8.6)', () => {
  it('a regular weekly rest of 45 h', () => {
    const log = new ActivityLog();
    const restEnd = block(log, START, 45 * HOUR);
    const end = schedule(log, restEnd, [['driving', HOUR]]);
    const { counters, infringements } = evaluate(log, end);
    expect(infringements).toEqual([]);
    expect(counters).toMatchObject({
      lastWeeklyRestEndedAt: iso(restEnd),
      lastWeeklyRestReduced: false,
      weeklyRestDueBy: iso(restEnd + 6 * DAY),
      pendingCompensationS: 0,
    });
  });

  it('a reduced weekly rest of 24 h is allowed and leaves 21 h to compensate by the end of the third following week', () => {
    const log = new ActivityLog();
    const restEnd = block(log, START, 24 * HOUR);
    const end = schedule(log, restEnd, [['driving', HOUR]]);
    const { counters, infringements } = evaluate(log, end);
    expect(infringements).toEqual([]);
    expect(counters).toMatchObject({
      lastWeeklyRestReduced: true,
      pendingCompensationS: 21 * 3600,
      compensationDueBy: iso(MONDAY + 4 * WEEK),
      weeklyRestDueBy: iso(restEnd + 6 * DAY),
    });
  });

  it('a rest under 24 h is not a weekly rest', () => {
    const log = new ActivityLog();
    const restEnd = block(log, START, 23 * HOUR);
    const end = schedule(log, restEnd, [['driving', HOUR]]);
    expect(evaluate(log, end).counters.lastWeeklyRestEndedAt).toBe(iso(START));
  });

  it('two reduced weekly rests in a row are an infringement', () => {
    const log = new ActivityLog();
    const first = block(log, START, 24 * HOUR);
    const second = block(log, first, 30 * HOUR);
    const end = schedule(log, second, [['driving', HOUR]]);
    expect(only(evaluate(log, end).infringements, 'weekly-rest-reduced')).toEqual([
      expect.objectContaining({ time: second, overByS: 15 * 3600, ongoing: false }),
    ]);
  });

  it('a reduction compensated en bloc with a later weekly rest', () => {
    const log = new ActivityLog();
    const first = block(log, START, 24 * HOUR);
    const second = block(log, first, 45 * HOUR + 21 * HOUR);
    const end = block(log, second, 45 * HOUR);
    const { counters, infringements } = evaluate(log, end);
    expect(counters.pendingCompensationS).toBe(0);
    expect(only(infringements, 'weekly-rest-compensation')).toEqual([]);
  });

  it('a reduction not compensated by the end of the third following week is an infringement', () => {
    const log = new ActivityLog();
    let t = block(log, START, 24 * HOUR);
    // 45 h rests only: no surplus to compensate with; a 20 h surplus is not enough (en bloc)
    t = block(log, t, 45 * HOUR + 20 * HOUR);
    while (t < MONDAY + 5 * WEEK) t = block(log, t, 45 * HOUR);
    const { counters, infringements } = evaluate(log, t);
    expect(counters.pendingCompensationS).toBe(0);
    expect(only(infringements, 'weekly-rest-compensation')).toEqual([
      expect.objectContaining({ time: MONDAY + 4 * WEEK, overByS: 21 * 3600, ongoing: false }),
    ]);
  });

  it('the weekly rest starts no later than six 24-hour periods after the previous one', () => {
    const log = new ActivityLog();
    // seven 9 h days in a row from Monday 06:00: six 24 h periods end on Sunday 06:00
    const sundayShift = schedule(log, START, [...NINE_HOUR_DAY, ...NINE_HOUR_DAY, ...NINE_HOUR_DAY, ...NINE_HOUR_DAY, ...NINE_HOUR_DAY, ...NINE_HOUR_DAY]);
    const deadline = START + 6 * DAY;
    expect(sundayShift).toBe(deadline);
    log.add(sundayShift, 'driving');
    expect(evaluate(log, deadline - MIN).counters.weeklyRestDueBy).toBe(iso(deadline));
    expect(evaluate(log, deadline + HOUR).infringements).toEqual([
      expect.objectContaining({ rule: 'weekly-rest', time: deadline, overByS: 3600, ongoing: true, article: 'art. 8.6' }),
    ]);
    const end = schedule(log, deadline, [...SHIFT_ONLY(NINE_HOUR_DAY), ['rest', 45 * HOUR], ['driving', HOUR]]);
    const found = evaluate(log, end).infringements;
    expect(only(found, 'weekly-rest')).toEqual([expect.objectContaining({ time: deadline, overByS: 9.75 * 3600, ongoing: false })]);
    // and seven 9 h days are 63 h of driving in the week
    expect(only(found, 'weekly-driving')).toEqual([expect.objectContaining({ overByS: 7 * 3600 })]);
  });
});
