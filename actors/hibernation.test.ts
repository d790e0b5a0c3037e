import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TelemetryRecordSchema, type TelemetryRecord } from '../engine/model/index.ts';
import { pack, unpack } from '../engine/model/wire.ts';
import { DeviceActor } from './device-actor.ts';
import { putToSleep, wakeUp } from './hibernation.ts';
import { GEOFENCES, SETTINGS, life, records, shuffleWithin } from './testing/lives.ts';
import { DEVICE, TENANT } from './testing/record-kit.ts';

/**
 * A hibernating actor (actors/hibernation.ts) must be the same device as one
 * that never slept: the same events, state, context, view and snapshot after
 * any input, whenever it was put to sleep.
 */

const wire = (r: TelemetryRecord): TelemetryRecord => TelemetryRecordSchema.parse(unpack(pack(r)));

function actor(): DeviceActor {
  const a = new DeviceActor(TENANT as never, DEVICE as never, 300_000);
  a.applySettings(SETTINGS, GEOFENCES);
  return a;
}

describe('hibernation: a device put to sleep and woken is the device it was', () => {
  it('property: random lives, slept between random inputs, give the same events, state, context, view and snapshot as never sleeping', () => {
    let slept = 0;
    let inputs = 0;
    fc.assert(
      fc.property(life, fc.integer({ min: 1, max: 2_147_483_646 }), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), (l, seed, sleepPattern) => {
        const awake = actor();
        const sleeper = actor();
        const arrival = shuffleWithin(records(l), 10_000, seed).map(wire);
        let lastSeen = 0;
        const same = (a: unknown, b: unknown) => {
          expect(b).toStrictEqual(a);
          expect(sleeper.state).toStrictEqual(awake.state);
          expect(sleeper.online).toBe(awake.online);
        };
        arrival.forEach((r, i) => {
          if (sleepPattern[i % sleepPattern.length]) {
            sleeper.hibernate();
            slept++;
            // what the shard's sweep reads does not wake it
            expect(sleeper.online).toBe(awake.online);
            expect(sleeper.hibernating).toBe(true);
          }
          same(awake.record(r), sleeper.record(r));
          inputs++;
          lastSeen = Math.max(lastSeen, r.receivedAt);
          if (i % 7 === 0) {
            sleeper.hibernate();
            same(awake.tick(lastSeen + 12_000), sleeper.tick(lastSeen + 12_000));
          }
        });
        sleeper.hibernate();
        same(awake.tick(lastSeen + 301_000), sleeper.tick(lastSeen + 301_000));
        sleeper.hibernate();
        expect(sleeper.view()).toStrictEqual(awake.view());
        sleeper.hibernate();
        expect(pack(sleeper.persisted())).toEqual(pack(awake.persisted()));
        expect(sleeper.context).toStrictEqual(awake.context);
        // the config (fence geometry included, which snapshots leave out) is the very object it had
        expect(sleeper.context.config).toBe(awake.context.config);
        expect(Object.keys(sleeper.context)).toEqual(Object.keys(awake.context));
      }),
      { numRuns: 20 },
    );
    expect(slept).toBeGreaterThan(100);
    expect(inputs).toBeGreaterThan(500);
  });

  it('settings applied to a sleeping device take effect as on an awake one', () => {
    const awake = actor();
    const sleeper = actor();
    const arrival = records({ segments: [{ kind: 'drive', s: 200, kmh: 90, heading: 90, brake: false }, { kind: 'park', s: 100, fuelDrop: false }], everyS: 5, seed: 7 }).map(wire);
    const half = Math.floor(arrival.length / 2);
    for (const r of arrival.slice(0, half)) expect(sleeper.record(r)).toStrictEqual(awake.record(r));
    sleeper.hibernate();
    const lower = { ...SETTINGS, speedLimitKmh: 60, overspeedMinS: 0 };
    expect(sleeper.applySettings(lower, GEOFENCES.slice(0, 1))).toStrictEqual(awake.applySettings(lower, GEOFENCES.slice(0, 1)));
    for (const r of arrival.slice(half)) {
      sleeper.hibernate();
      expect(sleeper.record(r)).toStrictEqual(awake.record(r));
    }
    expect(sleeper.context).toStrictEqual(awake.context);
  });

  it('bytes put to sleep before the encoder learned other key lists still wake as they were', () => {
    const first = { a: 1, b: 'x', nested: { c: [1, 2], d: undefined } };
    const bytes = putToSleep(first);
    for (let i = 0; i < 200; i++) putToSleep({ [`k${i}`]: i, other: { [`j${i}`]: 'y' } });
    expect(wakeUp(bytes)).toStrictEqual(first);
    // the bytes are the sleeper's own: later encodings do not write over them
    expect(wakeUp(bytes)).toStrictEqual(first);
  });

  it('a stopped actor does not hibernate, and says it is stopped when fed', () => {
    const a = actor();
    a.stop();
    a.hibernate();
    expect(a.hibernating).toBe(false);
    expect(() => a.tick(Date.now())).toThrow(/stopped/);
  });
});
