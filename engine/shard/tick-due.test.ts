import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialConnectivity } from '../../actors/connectivity.ts';
import { earliestTick, tickDue } from './tick-due.ts';

const T0 = 1_800_000_000_000;
const ms = (max: number) => fc.integer({ min: 0, max });

/** An actor as a sweep finds it: times around T0, online or not, heard since some time or not at all. */
const actorState = fc.record({
  lastTick: fc.oneof(fc.constant(0), ms(600_000).map((d) => T0 - d)),
  lastActivity: ms(600_000).map((d) => T0 - d),
  online: fc.boolean(),
  lastSeen: fc.oneof(fc.constant(0), ms(120_000).map((d) => T0 - d), ms(3_600_000).map((d) => T0 - d)),
  offlineAfterMs: fc.oneof(fc.integer({ min: 1000, max: 120_000 }), fc.integer({ min: 1000, max: 3_600_000 })),
});
const hearing = fc.option(fc.record({ since: ms(3_600_000).map((d) => T0 - d), upTo: ms(7_200_000).map((d) => T0 - 3_600_000 + d) }), { nil: undefined });

describe('when the sweep ticks an actor', () => {
  it('no tick falls due before earliestTick, whatever is heard meanwhile; with nothing held back it falls due then', () => {
    fc.assert(
      fc.property(actorState, hearing, hearing, fc.double({ min: 0, max: 1, noNaN: true }), (a, heardFirst, heardLater, f) => {
        const c = { ...initialConnectivity(a.offlineAfterMs), lastSeen: a.lastSeen };
        if (tickDue(a, a.online, c, T0, heardFirst)) return;
        // Already past when hearing held the silence back: the sweep keeps checking the actor.
        const at = earliestTick(a, a.online, c);
        // Any moment before it, under any hearing: not due. So the sweep may skip the actor until then.
        if (at > T0) {
          expect(tickDue(a, a.online, c, T0 + Math.floor(f * (at - T0 - 1)), heardLater)).toBe(false);
          expect(tickDue(a, a.online, c, at - 1, { since: 0, upTo: at })).toBe(false);
        }
        // At it, heard throughout: due. So the bound is the rule's own, not merely a safe one.
        const then = Math.max(at, T0);
        expect(tickDue(a, a.online, c, then, { since: 0, upTo: then })).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('a quiet device, a silent one and a slow tick each make an actor due', () => {
    const c = { ...initialConnectivity(300_000), lastSeen: T0 - 1000 };
    expect(tickDue({ lastTick: T0 - 20_000, lastActivity: T0 - 11_000 }, true, c, T0)).toBe(true);
    expect(tickDue({ lastTick: T0 - 5000, lastActivity: T0 - 9000 }, true, c, T0)).toBe(false);
    expect(tickDue({ lastTick: T0 - 61_000, lastActivity: T0 - 70_000 }, true, c, T0)).toBe(true);
    const silent = { ...c, lastSeen: T0 - 301_000 };
    expect(tickDue({ lastTick: T0 - 5000, lastActivity: T0 - 301_000 }, true, silent, T0)).toBe(true);
    expect(tickDue({ lastTick: T0 - 5000, lastActivity: T0 - 301_000 }, false, silent, T0)).toBe(false);
    // not heard for long enough: the platform was not listening (hearing since 10 s ago)
    expect(tickDue({ lastTick: T0 - 5000, lastActivity: T0 - 301_000 }, true, silent, T0, { since: T0 - 10_000, upTo: T0 })).toBe(false);
  });
});
