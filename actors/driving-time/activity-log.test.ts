import { describe, expect, it } from 'vitest';
import { ActivityLog } from './activity-log.ts';
import { evaluate } from './rules.ts';
import { DAY, drivingDay, HOUR, live, MIN, MONDAY, schedule, SEC, toPeriods } from './test-kit.ts';

const T = MONDAY + 6 * HOUR;

describe('ActivityLog', () => {
  it('keeps samples sorted whatever order they arrive in', () => {
    const inOrder = new ActivityLog();
    const shuffled = new ActivityLog();
    const samples = [
      [T, 'driving'],
      [T + 30 * MIN, 'working'],
      [T + 40 * MIN, 'rest'],
      [T + 50 * MIN, 'driving'],
    ] as const;
    for (const [t, a] of samples) inOrder.add(t, a);
    for (const i of [2, 0, 3, 1]) shuffled.add(samples[i]![0], samples[i]![1]);
    expect(shuffled.samples()).toEqual(inOrder.samples());
    expect(shuffled.periods(T + HOUR)).toEqual([
      { start: T, end: T + 30 * MIN, activity: 'driving' },
      { start: T + 30 * MIN, end: T + 40 * MIN, activity: 'working' },
      { start: T + 40 * MIN, end: T + 50 * MIN, activity: 'rest' },
      { start: T + 50 * MIN, end: T + HOUR, activity: 'driving' },
    ]);
    expect(evaluate(shuffled, T + HOUR)).toEqual(evaluate(inOrder, T + HOUR));
  });

  it('a late sample inside an already counted period gives the same result as in order', () => {
    // A tracker reporting every 2 min; the samples of a 50 min stop arrive after the rest of the day.
    const all: Array<[number, 'driving' | 'rest']> = [];
    for (let m = 0; m < 240; m += 2) all.push([T + m * MIN, m >= 100 && m < 150 ? 'rest' : 'driving']);
    const inOrder = new ActivityLog();
    for (const [t, a] of all) inOrder.add(t, a);
    const late = new ActivityLog();
    for (const [t, a] of all) if (a === 'driving') late.add(t, a);
    const now = T + 240 * MIN;
    // without the stop's samples the 52 min gap (< maxGap) reads as driving
    expect(evaluate(late, now).counters.continuousDrivingS).toBe(4 * 3600);
    for (const [t, a] of all) if (a === 'rest') expect(late.add(t, a)).toBe('added');
    expect(evaluate(late, now)).toEqual(evaluate(inOrder, now));
    expect(evaluate(late, now).counters.continuousDrivingS).toBe(90 * 60);
  });

  it('a gap longer than maxGap after a non-rest sample is unknown, counted as rest', () => {
    const log = new ActivityLog(); // maxGap 1 h
    log.add(T, 'driving');
    log.add(T + 3 * HOUR, 'working');
    expect(log.periods(T + 4 * HOUR)).toEqual([
      { start: T, end: T + HOUR, activity: 'driving' },
      { start: T + HOUR, end: T + 3 * HOUR, activity: 'unknown' },
      { start: T + 3 * HOUR, end: T + 4 * HOUR, activity: 'working' },
    ]);
    const c = evaluate(log, T + 3 * HOUR + MIN).counters;
    // the 2 h unknown is a break (>= 45 min), not driving
    expect(c).toMatchObject({ activity: 'working', continuousDrivingS: 0, currentDailyDrivingS: 3600 });
    // the last sample also stands for at most maxGap
    expect(evaluate(log, T + 5 * HOUR).counters.activity).toBe('unknown');
  });

  it('rest samples and explicit periods are not cut by maxGap; maxGap Infinity trusts every sample', () => {
    const log = new ActivityLog();
    log.add(T, 'rest');
    log.addPeriod({ start: T + 20 * HOUR, end: T + 25 * HOUR, activity: 'working' });
    expect(log.periods()).toEqual([
      { start: T, end: T + 20 * HOUR, activity: 'rest' },
      { start: T + 20 * HOUR, end: T + 25 * HOUR, activity: 'working' },
    ]);
    // a period rebuilt from two records can opt into the gap rule
    const rebuilt = new ActivityLog();
    rebuilt.addPeriod({ start: T, end: T + 3 * HOUR, activity: 'driving' }, { held: false });
    expect(rebuilt.periods()).toEqual([
      { start: T, end: T + HOUR, activity: 'driving' },
      { start: T + HOUR, end: T + 3 * HOUR, activity: 'unknown' },
    ]);
    const events = new ActivityLog({ maxGapMs: Infinity });
    events.add(T, 'driving');
    events.add(T + 3 * HOUR, 'rest');
    expect(evaluate(events, T + 3 * HOUR).counters.continuousDrivingS).toBe(3 * 3600);
  });

  it('samples in the same second: the higher-priority activity wins, whatever the order', () => {
    const a = new ActivityLog();
    const b = new ActivityLog();
    expect(a.add(T + 100, 'rest')).toBe('added');
    expect(a.add(T + 900, 'driving')).toBe('merged');
    expect(b.add(T + 900, 'driving')).toBe('added');
    expect(b.add(T + 100, 'rest')).toBe('duplicate');
    expect(a.samples()).toEqual(b.samples());
    expect(a.samples()).toEqual([{ time: T, activity: 'driving', held: false }]);
  });

  it('refuses bad input without throwing', () => {
    const log = new ActivityLog();
    expect(log.add(Number.NaN, 'driving')).toBe('invalid');
    expect(log.add(-1, 'driving')).toBe('invalid');
    expect(log.add(T, 'flying' as never)).toBe('invalid');
    expect(log.addPeriod({ start: T, end: T, activity: 'driving' })).toBe('invalid');
    expect(log.size).toBe(0);
  });

  it('samples older than the reorder window are folded; a sample older than the folded past is dropped', () => {
    const log = new ActivityLog({ reorderWindowMs: HOUR });
    live(log, T, T + 3 * HOUR, 'driving', 5 * MIN);
    expect(log.foldedUntil).toBeGreaterThan(T);
    expect(log.foldedUntil).toBeLessThanOrEqual(T + 2 * HOUR);
    expect(log.add(T + 10 * SEC, 'rest')).toBe('dropped-late');
    expect(log.droppedLate).toBe(1);
    // within the window: lands exactly
    expect(log.add(T + 2.5 * HOUR + 10 * SEC, 'rest')).toBe('added');
  });

  it('folding is exact: a tiny window and sample cap give the same counters as keeping everything', () => {
    const tiny = new ActivityLog({ reorderWindowMs: 0, maxSamples: 4 });
    const all = new ActivityLog({ reorderWindowMs: Infinity, maxSamples: 1e6 });
    let t = T;
    const days = [drivingDay([4.5 * HOUR, 4.5 * HOUR, HOUR + MIN], 9 * HOUR), drivingDay([5 * HOUR], 30 * HOUR)];
    for (let i = 0; i < 12; i++) {
      for (const p of toPeriods(t, days[i % 2]!)) {
        tiny.addPeriod(p);
        all.addPeriod(p);
        t = p.end;
        expect(evaluate(tiny, t)).toEqual(evaluate(all, t));
      }
    }
    expect(tiny.size).toBeLessThanOrEqual(4);
    expect(evaluate(all, t).infringements.length).toBeGreaterThan(3);
  });

  it('a snapshot survives JSON and goes on exactly like the original', () => {
    const log = new ActivityLog({ driverId: 'D7', reorderWindowMs: 2 * HOUR });
    let t = schedule(log, T, drivingDay([4.5 * HOUR, 4.5 * HOUR, 2 * HOUR], 8 * HOUR));
    const copy = ActivityLog.fromSnapshot(JSON.parse(JSON.stringify(log.toSnapshot())));
    expect(evaluate(copy, t)).toEqual(evaluate(log, t));
    for (const l of [log, copy]) schedule(l, t, drivingDay([5 * HOUR], 20 * HOUR));
    t += 25 * HOUR;
    expect(evaluate(copy, t)).toEqual(evaluate(log, t));
    expect(copy.options).toEqual(log.options);
  });

  it('memory stays bounded over a year of dense samples', () => {
    const log = new ActivityLog();
    let maxBytes = 0;
    let maxSize = 0;
    // every day: 11 h of duty sampled every 2 min, rest sampled every hour
    for (let d = 0; d < 365; d++) {
      const day = MONDAY + d * DAY + 6 * HOUR;
      live(log, day, day + 4 * HOUR, 'driving', 2 * MIN);
      live(log, day + 4 * HOUR, day + 5 * HOUR, 'rest', 2 * MIN);
      live(log, day + 5 * HOUR, day + 9 * HOUR, 'driving', 2 * MIN);
      live(log, day + 9 * HOUR, day + 11 * HOUR, 'working', 2 * MIN);
      live(log, day + 11 * HOUR, day + 24 * HOUR, 'rest', HOUR);
      maxBytes = Math.max(maxBytes, log.approxBytes);
      maxSize = Math.max(maxSize, log.size);
    }
    const { infringements } = evaluate(log, MONDAY + 365 * DAY);
    expect(maxSize).toBeLessThanOrEqual(512);
    expect(maxBytes).toBeLessThan(8 * 1024);
    expect(infringements.length).toBeLessThanOrEqual(32 + 6);
    expect(log.droppedLate).toBe(0);
  });
});
