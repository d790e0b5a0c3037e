import { describe, expect, it } from 'vitest';
import { ActivityLog } from './activity-log.ts';
import { evaluate } from './rules.ts';
import { HOUR, live, MIN, MONDAY, only, schedule } from './test-kit.ts';

const START = MONDAY + 6 * HOUR;

describe('continuous driving (art. 7)', () => {
  it('4h30 of driving then a 45 min break is fine, and the break resets the counter', () => {
    const log = new ActivityLog();
    const end = schedule(log, START, [
      ['driving', 4.5 * HOUR],
      ['rest', 45 * MIN],
      ['driving', 4.5 * HOUR],
    ]);
    const { counters, infringements } = evaluate(log, end);
    expect(infringements).toEqual([]);
    expect(counters.continuousDrivingS).toBe(4.5 * 3600);
    expect(counters.continuousDrivingLeftS).toBe(0);
    expect(counters.breakOwedS).toBe(45 * 60);
  });

  it('at the end of the 45 min break the driver has a fresh 4h30 (counters are "if you resume now")', () => {
    const log = new ActivityLog();
    schedule(log, START, [['driving', 4.5 * HOUR]]);
    log.add(START + 4.5 * HOUR, 'rest');
    expect(evaluate(log, START + 4.5 * HOUR + 44 * MIN).counters).toMatchObject({ continuousDrivingLeftS: 0, breakOwedS: 60 });
    expect(evaluate(log, START + 5.25 * HOUR).counters).toMatchObject({ continuousDrivingLeftS: 4.5 * 3600, breakOwedS: 0 });
  });

  it('4h31 of driving is an infringement over by 60 s, at the moment 4h30 was reached', () => {
    const log = new ActivityLog({ driverId: 'D1' });
    const end = schedule(log, START, [
      ['driving', 4.5 * HOUR + MIN],
      ['rest', 45 * MIN],
    ]);
    const { infringements } = evaluate(log, end + HOUR);
    expect(infringements).toEqual([
      expect.objectContaining({ rule: 'continuous-driving', time: START + 4.5 * HOUR, overByS: 60, driverId: 'D1', ongoing: false, article: 'art. 7' }),
    ]);
  });

  it('split break 15 + 30 resets', () => {
    const log = new ActivityLog();
    const end = schedule(log, START, [
      ['driving', 2 * HOUR],
      ['rest', 15 * MIN],
      ['driving', 2 * HOUR],
      ['rest', 30 * MIN],
      ['driving', 2 * HOUR],
    ]);
    const { counters, infringements } = evaluate(log, end);
    expect(only(infringements, 'continuous-driving')).toEqual([]);
    expect(counters.continuousDrivingS).toBe(2 * 3600);
  });

  it('split break 30 + 15 does not reset: the 15 must come first', () => {
    const log = new ActivityLog();
    const end = schedule(log, START, [
      ['driving', 2 * HOUR],
      ['rest', 30 * MIN],
      ['driving', 2 * HOUR],
      ['rest', 15 * MIN],
      ['driving', 1 * HOUR],
    ]);
    const found = only(evaluate(log, end).infringements, 'continuous-driving');
    expect(found).toHaveLength(1);
    // 4h driven by the end of the second stint: 4h30 reached 30 min into the third
    expect(found[0]!.time).toBe(START + 2 * HOUR + 30 * MIN + 2 * HOUR + 15 * MIN + 30 * MIN);
    expect(found[0]!.overByS).toBe(30 * 60);
  });

  it('other work is not a break', () => {
    const log = new ActivityLog();
    const end = schedule(log, START, [
      ['driving', 4 * HOUR],
      ['working', HOUR],
      ['available', HOUR],
      ['driving', 31 * MIN],
    ]);
    const found = only(evaluate(log, end).infringements, 'continuous-driving');
    expect(found.map((i) => i.overByS)).toEqual([60]);
  });

  it('breakOwedS: 45 min, 30 after a qualifying 15, and what is left while resting', () => {
    const log = new ActivityLog();
    schedule(log, START, [
      ['driving', 2 * HOUR],
      ['rest', 15 * MIN],
      ['driving', HOUR],
    ]);
    const t = START + 3 * HOUR + 15 * MIN;
    expect(evaluate(log, t).counters).toMatchObject({ breakOwedS: 30 * 60, breakFirstPartTaken: true, continuousDrivingLeftS: 1.5 * 3600 });
    // now resting, 20 min in: 10 more minutes complete the 30
    log.add(t, 'rest');
    expect(evaluate(log, t + 20 * MIN).counters.breakOwedS).toBe(10 * 60);
    expect(evaluate(log, t + 30 * MIN).counters).toMatchObject({ breakOwedS: 0, continuousDrivingLeftS: 4.5 * 3600 });
  });

  it('an ongoing infringement is reported while driving goes on, with the same key', () => {
    const log = new ActivityLog();
    const end = live(log, START, START + 4.5 * HOUR + 10 * MIN, 'driving');
    const a = only(evaluate(log, end).infringements, 'continuous-driving');
    expect(a).toEqual([expect.objectContaining({ time: START + 4.5 * HOUR, overByS: 10 * 60, ongoing: true })]);
    live(log, end, end + 5 * MIN, 'driving');
    log.add(end + 5 * MIN, 'rest');
    const b = only(evaluate(log, end + HOUR).infringements, 'continuous-driving');
    expect(b).toEqual([expect.objectContaining({ time: START + 4.5 * HOUR, overByS: 15 * 60, ongoing: false })]);
  });
});
