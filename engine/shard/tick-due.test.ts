import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clockDue } from '../../actors/clock.ts';
import { DeviceActor } from '../../actors/device-actor.ts';
import { TENANT, DEVICE, at, offset, DEPOT, rec } from '../../actors/testing/record-kit.ts';
import type { Hearing } from '../../actors/connectivity.ts';
import { QUIET_TICK_MS, earliestTick, tickDue } from './tick-due.ts';

/** A device as a sweep finds it: settings, a few records in any order, and how long ago the shard applied the last. */
const device = fc.record({
  offlineAfterS: fc.integer({ min: 30, max: 3600 }),
  reorderWindowS: fc.constantFrom(0, 5, 10, 30, 120),
  // Around T0 (2025-01-06 08:00 UTC): passed, today, to come, or none planned.
  nextDate: fc.option(fc.constantFrom('2025-01-05', '2025-01-06', '2025-01-07', '2025-01-09'), { nil: undefined }),
  // Received by 640 s at the latest: the shard applied the last of them between then and now (700 s).
  records: fc.array(
    fc.record({ at: fc.integer({ min: 0, max: 600 }), lagS: fc.integer({ min: 0, max: 40 }), ign: fc.boolean(), east: fc.integer({ min: 0, max: 5000 }) }),
    { maxLength: 6 },
  ),
  appliedAgoS: fc.integer({ min: 0, max: 60 }),
});
type Device = typeof device extends fc.Arbitrary<infer D> ? D : never;
const NOW = at(700);
const hearing = fc.option(fc.record({ since: fc.integer({ min: 0, max: 3_600_000 }).map((d) => NOW - d), upTo: fc.integer({ min: 0, max: 7_200_000 }).map((d) => NOW - 3_600_000 + d) }), {
  nil: undefined,
});

function build(d: Device): { actor: DeviceActor; clock: { lastActivity: number } } {
  const actor = new DeviceActor(TENANT as never, DEVICE as never, d.offlineAfterS * 1000);
  actor.applySettings({ reorderWindowS: d.reorderWindowS, ...(d.nextDate ? { maintenance: { nextDate: d.nextDate } } : {}) }, []);
  for (const r of d.records) actor.record(rec({ at: r.at, lagS: r.lagS, ign: r.ign, ...offset(DEPOT.lat, DEPOT.lon, 0, r.east), speed: 30 }));
  return { actor, clock: { lastActivity: d.records.length > 0 ? NOW - d.appliedAgoS * 1000 : 0 } };
}

const state = (a: DeviceActor) => JSON.stringify([a.online, a.persisted()]);
const throughout = (t: number): Hearing => ({ since: 0, upTo: t });

describe('when the sweep ticks an actor', () => {
  it('the sweep ticks no sooner than earliestTick, a tick before the device\'s own moment changes nothing, and at earliestTick the tick changes the device and leaves nothing due', () => {
    fc.assert(
      fc.property(device, hearing, hearing, fc.double({ min: 0, max: 1, noNaN: true }), (d, heardFirst, heardLater, f) => {
        const { actor, clock } = build(d);
        const before = state(actor);
        if (tickDue(clock, actor.context, actor.online, NOW, heardFirst)) {
          // Due now: the tick changes the device, and leaves nothing due under the same hearing.
          actor.tick(NOW, heardFirst);
          expect(state(actor)).not.toBe(before);
          expect(tickDue(clock, actor.context, actor.online, NOW, heardFirst)).toBe(false);
          return;
        }
        const bound = earliestTick(clock, actor.context, actor.online);
        if (bound > NOW && bound !== Infinity) {
          // Any moment before it, under any hearing: not due. So the sweep may skip the actor until then.
          expect(tickDue(clock, actor.context, actor.online, NOW + Math.floor(f * (bound - NOW - 1)), heardLater)).toBe(false);
          expect(tickDue(clock, actor.context, actor.online, bound - 1, throughout(bound))).toBe(false);
        }
        // The device's own moment (clock.ts): a tick before it is a no-op, whatever is heard. The sweep waits
        // at least as long, and longer for a window whose records the shard has only just applied.
        const due = clockDue(actor.context, actor.online);
        const own = Math.min(due.release, due.date, due.silence);
        expect(own).toBeLessThanOrEqual(bound);
        if (own > NOW && own !== Infinity) {
          expect(actor.tick(NOW + Math.floor(f * (own - NOW - 1)), heardLater)).toEqual([]);
          expect(actor.tick(own - 1, throughout(own))).toEqual([]);
          expect(state(actor)).toBe(before);
        }
        if (bound === Infinity) {
          // Nothing in the device waits for the clock: a tick a year on changes nothing either.
          expect(actor.tick(NOW + 365 * 86_400_000)).toEqual([]);
          expect(state(actor)).toBe(before);
          return;
        }
        // At it, heard throughout: due, and the tick does something. So the bound is the rule's own, not merely a safe one.
        const then = Math.max(bound, NOW);
        expect(tickDue(clock, actor.context, actor.online, then, throughout(then))).toBe(true);
        actor.tick(then, throughout(then));
        expect(state(actor)).not.toBe(before);
        // And once ticked, nothing is left due at that moment: no actor is ticked again and again for nothing.
        expect(tickDue(clock, actor.context, actor.online, then, throughout(then))).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it('a quiet window, a silence and a maintenance date each make an actor due, and a backlog being applied does not', () => {
    const device = (settings: Record<string, unknown> = {}) => {
      const actor = new DeviceActor(TENANT as never, DEVICE as never, 300_000);
      actor.applySettings({ reorderWindowS: 10, ...settings }, []);
      actor.record(rec({ at: 0, lagS: 1, ...DEPOT, speed: 20 }));
      return actor;
    };
    // Held in the window: released 10 s after the device's last record arrived, once the shard applied it 10 s ago.
    const a = device();
    expect(a.context.reorder.held.length).toBe(1);
    expect(tickDue({ lastActivity: at(1) }, a.context, a.online, at(11))).toBe(true);
    expect(tickDue({ lastActivity: at(1) }, a.context, a.online, at(10))).toBe(false);
    // A backlog: received long ago, applied a second ago. Not quiet until the shard has had nothing for QUIET_TICK_MS.
    expect(tickDue({ lastActivity: at(599) }, a.context, false, at(600))).toBe(false);
    expect(earliestTick({ lastActivity: at(599) }, a.context, false)).toBe(at(599) + QUIET_TICK_MS);
    // Silent: offline after 300 s heard, not when the platform was not listening.
    a.tick(at(11));
    expect(tickDue({ lastActivity: at(1) }, a.context, true, at(301))).toBe(true);
    expect(tickDue({ lastActivity: at(1) }, a.context, true, at(301), { since: at(290), upTo: at(301) })).toBe(false);
    expect(tickDue({ lastActivity: at(1) }, a.context, false, at(301))).toBe(false);
    // The maintenance date: due at midnight UTC of the day, and only then.
    const m = device({ maintenance: { nextDate: '2025-01-07' } });
    m.tick(at(11));
    const midnight = Date.UTC(2025, 0, 7);
    expect(earliestTick({ lastActivity: at(1) }, m.context, false)).toBe(midnight);
    expect(tickDue({ lastActivity: at(1) }, m.context, false, midnight - 1)).toBe(false);
    expect(tickDue({ lastActivity: at(1) }, m.context, false, midnight)).toBe(true);
    expect(m.tick(midnight).map((e) => e.type)).toContain('maintenance.due');
    expect(earliestTick({ lastActivity: at(1) }, m.context, false)).toBe(Infinity);
  });
});
