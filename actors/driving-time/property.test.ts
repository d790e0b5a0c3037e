import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DriverActivity } from '../../engine/model/telemetry-record.ts';
import { ActivityLog, type ActivityLogOptions } from './activity-log.ts';
import { evaluate } from './rules.ts';
import { DAY, HOUR, MIN, MONDAY } from './test-kit.ts';

/**
 * Order does not matter: a random activity history delivered in order and
 * shuffled gives identical counters and infringements; folding old samples
 * is exact; memory stays bounded over a year.
 */

type Op =
  | { kind: 'sample'; t: number; activity: DriverActivity }
  | { kind: 'period'; t: number; end: number; activity: DriverActivity };

const activityArb = fc.constantFrom<DriverActivity | 'gap'>('driving', 'driving', 'working', 'available', 'rest', 'rest', 'gap');
const minutesArb = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 60 }), weight: 3 },
  { arbitrary: fc.integer({ min: 60, max: 16 * 60 }), weight: 2 },
  { arbitrary: fc.integer({ min: 16 * 60, max: 50 * 60 }), weight: 1 },
);
/** 0: one explicit period; otherwise a tracker sampling every n minutes (75 > maxGap: gaps). */
const everyArb = fc.constantFrom(0, 1, 7, 30, 75);
const stepArb = fc.record({ activity: activityArb, minutes: minutesArb, every: everyArb });

function toOps(start: number, steps: ReadonlyArray<{ activity: DriverActivity | 'gap'; minutes: number; every: number }>, periods = true): Op[] {
  const ops: Op[] = [];
  let t = start;
  for (const { activity, minutes, every } of steps) {
    const end = t + minutes * MIN;
    if (activity !== 'gap') {
      if (every === 0 && periods) ops.push({ kind: 'period', t, end, activity });
      else {
        const stepMin = Math.max(every || 1, Math.ceil(minutes / 200));
        for (let s = t; s < end; s += stepMin * MIN) ops.push({ kind: 'sample', t: s, activity });
      }
    }
    t = end;
  }
  return ops;
}

function apply(log: ActivityLog, op: Op): void {
  if (op.kind === 'sample') log.add(op.t, op.activity);
  else log.addPeriod({ start: op.t, end: op.end, activity: op.activity });
}

function build(ops: readonly Op[], options: ActivityLogOptions): ActivityLog {
  const log = new ActivityLog(options);
  for (const op of ops) apply(log, op);
  return log;
}

const lastTime = (ops: readonly Op[]) => ops.reduce((m, op) => Math.max(m, op.kind === 'period' ? op.end : op.t), MONDAY);
const KEEP_ALL: ActivityLogOptions = { reorderWindowMs: Infinity, maxSamples: 1e6 };
const START = MONDAY + 5 * HOUR;

describe('order independence (property)', () => {
  it('in order and shuffled give identical counters and infringements', () => {
    const arb = fc
      .array(stepArb, { minLength: 1, maxLength: 30 })
      .map((steps) => toOps(START, steps))
      .chain((ops) =>
        fc.tuple(fc.constant(ops), fc.shuffledSubarray(ops, { minLength: ops.length, maxLength: ops.length }), fc.integer({ min: 0, max: 40 * 60 })),
      );
    fc.assert(
      fc.property(arb, ([ops, shuffled, extraMin]) => {
        const a = build(ops, KEEP_ALL);
        const b = build(shuffled, KEEP_ALL);
        const end = lastTime(ops);
        for (const now of [end, end + extraMin * MIN]) expect(evaluate(b, now)).toEqual(evaluate(a, now));
        // delivering everything again (at-least-once delivery) changes nothing
        for (const op of shuffled.slice(0, 50)) apply(b, op);
        expect(evaluate(b, end)).toEqual(evaluate(a, end));
      }),
      { numRuns: 100 },
    );
  });

  it('late samples within the reorder window land exactly with the default window', () => {
    const arb = fc
      .array(stepArb, { minLength: 1, maxLength: 30 })
      .map((steps) => toOps(START, steps, false))
      .chain((ops) => fc.tuple(fc.constant(ops), fc.array(fc.integer({ min: 0, max: 20 * 60 }), { minLength: ops.length, maxLength: ops.length })));
    fc.assert(
      fc.property(arb, ([ops, delaysMin]) => {
        // each sample arrives up to 20 h late (the window is 24 h)
        const order = ops.map((op, i) => ({ op, at: op.t + delaysMin[i]! * MIN, i })).sort((x, y) => x.at - y.at || x.i - y.i);
        const options: ActivityLogOptions = { maxSamples: 1e6 };
        const a = build(ops, options);
        const b = build(
          order.map((o) => o.op),
          options,
        );
        expect(b.droppedLate).toBe(0);
        const end = lastTime(ops);
        expect(evaluate(b, end + HOUR)).toEqual(evaluate(a, end + HOUR));
      }),
      { numRuns: 100 },
    );
  });

  it('folding old samples is exact (tiny window and cap vs keeping everything), at every step', () => {
    const arb = fc.array(stepArb, { minLength: 1, maxLength: 25 }).map((steps) => toOps(START, steps));
    fc.assert(
      fc.property(arb, (ops) => {
        const tiny = new ActivityLog({ reorderWindowMs: 0, maxSamples: 3 });
        const all = new ActivityLog(KEEP_ALL);
        ops.forEach((op, i) => {
          apply(tiny, op);
          apply(all, op);
          if (i % 7 === 0 || i === ops.length - 1) {
            const now = (op.kind === 'period' ? op.end : op.t) + 10 * MIN;
            expect(evaluate(tiny, now)).toEqual(evaluate(all, now));
          }
        });
        expect(tiny.size).toBeLessThanOrEqual(3);
      }),
      { numRuns: 60 },
    );
  });
});

describe('bounded memory (property)', () => {
  /** mulberry32 */
  function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('a year of samples, a little out of order: bounded, nothing dropped, same as in order', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const r = rng(seed);
        const ops: Op[] = [];
        for (let d = 0; d < 365; d++) {
          let t = MONDAY + d * DAY + (4 + r() * 4) * HOUR;
          if (r() < 2 / 7) continue; // days off
          const end = t + (8 + r() * 7) * HOUR;
          while (t < end) {
            const activity: DriverActivity = r() < 0.6 ? 'driving' : r() < 0.5 ? 'working' : r() < 0.5 ? 'available' : 'rest';
            const stop = Math.min(end, t + (5 + r() * 150) * MIN);
            for (; t < stop; t += 5 * MIN) ops.push({ kind: 'sample', t, activity });
          }
          ops.push({ kind: 'sample', t, activity: 'rest' });
        }
        const delayed = ops.map((op, i) => ({ op, at: op.t + (r() < 0.1 ? r() * 2 * HOUR : 0), i })).sort((x, y) => x.at - y.at || x.i - y.i);
        const a = new ActivityLog();
        const b = new ActivityLog();
        let maxSize = 0;
        let maxBytes = 0;
        for (const op of ops) apply(a, op);
        for (const { op } of delayed) {
          apply(b, op);
          maxSize = Math.max(maxSize, b.size);
          maxBytes = Math.max(maxBytes, b.approxBytes);
        }
        expect(b.droppedLate).toBe(0);
        expect(maxSize).toBeLessThanOrEqual(512);
        expect(maxBytes).toBeLessThan(8 * 1024);
        const now = MONDAY + 366 * DAY;
        const result = evaluate(b, now);
        expect(result).toEqual(evaluate(a, now));
        expect(result.infringements.length).toBeLessThanOrEqual(32 + 6);
      }),
      { numRuns: 3 },
    );
  });
});
