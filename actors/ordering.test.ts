import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TelemetryRecord } from '../engine/model/index.ts';
import type { DerivedEvent } from './derived-event.ts';
import { GEOFENCES, SETTINGS, inversions, life, records, shuffleWithin, type Life, type Segment } from './testing/lives.ts';
import { DEPOT, TestDevice, at, offset, rec } from './testing/record-kit.ts';

/**
 * The late-record guarantee (actors/README.md): a record is folded into
 * history in device-time order if it arrives before the device has reported
 * anything reorderWindowS newer (and the window holds at most
 * reorderMaxRecords). Arrival orders are generated as device time plus a
 * random delay below the window, which is exactly that condition.
 */

function play(list: TelemetryRecord[], settings: Record<string, unknown>) {
  const d = new TestDevice({ settings, geofences: GEOFENCES });
  d.feed(list);
  const lastSeen = Math.max(...list.map((r) => r.receivedAt));
  d.tickAt(lastSeen + 60_000); // quiet: flush the window (not yet offline)
  return { events: d.events, view: d.actor.view(), persisted: d.actor.persisted() };
}

const shuffleSeed = fc.integer({ min: 1, max: 2_147_483_646 });

const byId = (a: DerivedEvent, b: DerivedEvent) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const ordered = (es: DerivedEvent[]) => es.filter((e) => !e.type.startsWith('alarm.'));

function assertSame(inOrder: ReturnType<typeof play>, shuffled: ReturnType<typeof play>) {
  // every event, ids included (alarms come out on arrival, so only as a set)
  expect([...shuffled.events].sort(byId)).toEqual([...inOrder.events].sort(byId));
  // history-dependent events in the same order
  expect(ordered(shuffled.events)).toEqual(ordered(inOrder.events));
  expect(shuffled.view).toEqual(inOrder.view);
  expect(shuffled.persisted).toEqual(inOrder.persisted);
}

describe('late records: in order and shuffled within the window give the same results', () => {
  it('property: default window (10 s, 4 records)', () => {
    fc.assert(
      fc.property(life, shuffleSeed, (l, seed) => {
        const list = records(l);
        const arrival = shuffleWithin(list, 10_000, seed);
        fc.pre(inversions(arrival) > 0); // only real reorderings count
        const inOrder = play(list, SETTINGS);
        const shuffled = play(arrival, SETTINGS);
        expect(shuffled.view.tooLateRecords).toBe(0);
        assertSame(inOrder, shuffled);
      }),
      { numRuns: 25 },
    );
  });

  it('property: a wider window set per device (60 s, 16 records)', () => {
    const wide = { ...SETTINGS, reorderWindowS: 60, reorderMaxRecords: 16 };
    fc.assert(
      fc.property(life, shuffleSeed, (l, seed) => {
        const list = records(l);
        const arrival = shuffleWithin(list, 60_000, seed);
        fc.pre(inversions(arrival) > 0); // only real reorderings count
        assertSame(play(list, wide), play(arrival, wide));
      }),
      { numRuns: 15 },
    );
  });

  it('the scripted lives exercise every concern', () => {
    const l: Life = {
      segments: [
        { kind: 'park', s: 100, fuelDrop: true },
        { kind: 'idle', s: 120 },
        { kind: 'drive', s: 300, kmh: 100, heading: 90, brake: true },
        { kind: 'park', s: 100, fuelDrop: false },
      ] as Segment[],
      everyS: 2 as Life['everyS'], // 1 Hz-ish data, so harsh braking can be computed
      seed: 42,
    };
    const types = new Set(play(records(l), SETTINGS).events.map((e) => e.type));
    for (const t of ['trip.started', 'trip.ended', 'overspeed', 'geofence.entered', 'geofence.exited', 'coldchain.excursion', 'dtc.detected', 'fuel.drop', 'harsh.braking', 'idling.started', 'maintenance.due', 'overload', 'coolant.overheating', 'tyre.pressure.low', 'door.opened.outside'])
      expect(types, t).toContain(t);
  });
});

describe('records later than the window', () => {
  it('are counted and kept out of history; the live position stays put', () => {
    const d = new TestDevice();
    const list = Array.from({ length: 10 }, (_, i) => rec({ at: i * 10, ...offset(DEPOT.lat, DEPOT.lon, 0, i * 100), speed: 36, ign: true }));
    d.feed(list.slice(0, 5), list.slice(6));
    const before = d.actor.view();
    d.feed(list[5]!); // 50 s: the device already reported 90 s, so up to 80 s is applied
    const after = d.actor.view();
    expect(after.tooLateRecords).toBe(1);
    expect({ ...after, records: 0, tooLateRecords: 0 }).toEqual({ ...before, records: 0, tooLateRecords: 0 });
    expect(d.actor.context.reorder.tooLateByMs).toBe(at(80) - at(50));
  });
});
