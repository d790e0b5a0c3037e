import { describe, expect, it } from 'vitest';
import { ActivityLog } from './activity-log.ts';
import { diffInfringements, infringementKey, newInfringements } from './infringements.ts';
import { drivingTimeCounters, evaluate, infringementsAt } from './rules.ts';
import { HOUR, live, MIN, MONDAY, schedule } from './test-kit.ts';

const T = MONDAY + 6 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

describe('live counters', () => {
  it('mid-shift, after 2 h of driving', () => {
    const log = new ActivityLog();
    const now = live(log, T, T + 2 * HOUR, 'driving');
    expect(evaluate(log, now).counters).toMatchObject({
      activity: 'driving',
      continuousDrivingLeftS: 2.5 * 3600,
      breakOwedS: 45 * 60,
      dailyDrivingLeftS: 8 * 3600, // 10 h: an extension is available
      weeklyDrivingLeftS: 54 * 3600,
      fortnightDrivingLeftS: 88 * 3600,
      nextRestDueBy: iso(now + 2.5 * HOUR),
      nextRestKind: 'break',
      drivingLeftS: 2.5 * 3600,
      asOf: iso(now),
    });
  });

  it('while working the next rest due is the daily rest', () => {
    const log = new ActivityLog();
    live(log, T, T + 2 * HOUR, 'driving');
    const now = live(log, T + 2 * HOUR, T + 3 * HOUR, 'working');
    expect(drivingTimeCounters(log, now)).toMatchObject({
      activity: 'working',
      nextRestDueBy: iso(T + 15 * HOUR),
      nextRestKind: 'daily-rest',
      dailyRestDueBy: iso(T + 15 * HOUR),
      weeklyRestDueBy: iso(T + 144 * HOUR),
    });
  });

  it('an empty log has full allowances and nothing due', () => {
    const c = drivingTimeCounters(new ActivityLog(), T);
    expect(c).toMatchObject({
      activity: 'unknown',
      continuousDrivingLeftS: 4.5 * 3600,
      breakOwedS: 0,
      dailyDrivingLeftS: 10 * 3600,
      weeklyDrivingLeftS: 56 * 3600,
      fortnightDrivingLeftS: 90 * 3600,
      nextRestDueBy: null,
      dayStartedAt: null,
    });
  });

  it('evaluation is pure: same log, same now, same answer; the log is not changed', () => {
    const log = new ActivityLog();
    const now = schedule(log, T, [['driving', 5 * HOUR], ['rest', HOUR], ['driving', 5 * HOUR]]);
    const before = log.samples();
    expect(evaluate(log, now + HOUR)).toEqual(evaluate(log, now + HOUR));
    expect(log.samples()).toEqual(before);
  });
});

describe('new infringements', () => {
  it('each infringement is new exactly once, under a stable key', () => {
    const log = new ActivityLog({ driverId: 'D1' });
    let t = live(log, T, T + 4.5 * HOUR, 'driving');
    let seen = infringementsAt(log, t);
    expect(seen).toEqual([]);
    const emitted: string[] = [];
    for (let i = 0; i < 30; i++) {
      log.add(t, 'driving');
      t += MIN;
      const now = infringementsAt(log, t);
      for (const inf of newInfringements(seen, now)) emitted.push(infringementKey(inf));
      seen = now;
    }
    expect(emitted).toEqual([`continuous-driving@${T + 4.5 * HOUR}`]);
  });

  it('diffInfringements reports growth, closing and retraction by late samples', () => {
    const log = new ActivityLog();
    // a tracker reporting every 5 min; the stop from 2:00 to 2:45 was not reported yet (45 min < maxGap)
    for (let m = 0; m < 280; m += 5) if (m < 120 || m >= 165) log.add(T + m * MIN, 'driving');
    const t = T + 280 * MIN;
    const a = infringementsAt(log, t);
    expect(a).toEqual([expect.objectContaining({ rule: 'continuous-driving', overByS: 600, ongoing: true })]);

    log.add(t, 'rest');
    const b = infringementsAt(log, t + HOUR);
    expect(diffInfringements(a, b)).toEqual({ added: [], removed: [], updated: [expect.objectContaining({ overByS: 600, ongoing: false })] });

    // late samples show the driver had a 45 min break after 2 h: no infringement after all
    for (let m = 120; m < 165; m += 5) expect(log.add(T + m * MIN, 'rest')).toBe('added');
    const c = infringementsAt(log, t + HOUR);
    expect(diffInfringements(b, c)).toEqual({ added: [], removed: b, updated: [] });
  });
});
