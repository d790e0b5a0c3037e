import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TelemetryRecord } from '../engine/model/index.ts';
import type { DerivedEvent } from './derived-event.ts';
import { DEPOT, TestDevice, at, offset, rec, type RecSpec } from './testing/record-kit.ts';

/**
 * The late-record guarantee (actors/README.md): a record is folded into
 * history in device-time order if it arrives before the device has reported
 * anything reorderWindowS newer (and the window holds at most
 * reorderMaxRecords). Arrival orders are generated as device time plus a
 * random delay below the window, which is exactly that condition.
 */

const GEOFENCES = [
  { id: 'depot', name: 'Depot', circle: { ...DEPOT, radiusM: 250 }, doorsAllowed: true },
  { id: 'town', name: 'Town', circle: { ...offset(DEPOT.lat, DEPOT.lon, 0, 1500), radiusM: 700 }, speedLimitKmh: 40 },
];
const SETTINGS = {
  speedLimitKmh: 80,
  temperatureRangeC: { min: 2, max: 8 },
  maxWeightKg: 30_000,
  excursionMinS: 30,
  idlingMinS: 60,
  minStopS: 30,
  overloadMinS: 10,
  maintenance: { everyKm: 2, everyEngineHours: 0.5 },
};

type Segment =
  | { kind: 'park'; s: number; fuelDrop: boolean }
  | { kind: 'idle'; s: number }
  | { kind: 'drive'; s: number; kmh: number; heading: number; brake: boolean };

const segment: fc.Arbitrary<Segment> = fc.oneof(
  fc.record({ kind: fc.constant('park' as const), s: fc.integer({ min: 20, max: 400 }), fuelDrop: fc.boolean() }),
  fc.record({ kind: fc.constant('idle' as const), s: fc.integer({ min: 20, max: 200 }) }),
  fc.record({
    kind: fc.constant('drive' as const),
    s: fc.integer({ min: 20, max: 300 }),
    kmh: fc.integer({ min: 10, max: 120 }),
    heading: fc.constantFrom(0, 45, 90, 135, 180, 270),
    brake: fc.boolean(),
  }),
);

const life = fc.record({
  segments: fc.array(segment, { minLength: 2, maxLength: 8 }),
  everyS: fc.constantFrom(5, 6, 7),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
});

/** Expand segments into records with every sensor: deterministic in the seed. */
type Life = typeof life extends fc.Arbitrary<infer T> ? T : never;

function records(l: Life): TelemetryRecord[] {
  let x = l.seed;
  const rnd = () => ((x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const out: TelemetryRecord[] = [];
  let pos = { ...DEPOT };
  let t = 0;
  let fuel = 400;
  let used = 0;
  let odo = 50_000_000;
  let temp = 5;
  let driver = 'D1';
  for (const seg of l.segments) {
    for (let s = 0; s < seg.s; s += l.everyS, t += l.everyS) {
      let speed = 0;
      let ign = seg.kind !== 'park';
      if (seg.kind === 'drive') {
        speed = seg.brake && s > seg.s / 2 ? Math.max(0, seg.kmh - (s - seg.s / 2) * 20) : seg.kmh;
        const m = (speed / 3.6) * l.everyS;
        const rad = (seg.heading * Math.PI) / 180;
        pos = offset(pos.lat, pos.lon, Math.cos(rad) * m, Math.sin(rad) * m);
        odo += m;
        used += m / 4000;
        fuel -= m / 4000;
      }
      if (seg.kind === 'park' && seg.fuelDrop && s === l.everyS * 3) fuel -= 30;
      if (seg.kind === 'idle') used += 0.01;
      temp += (rnd() - 0.45) * 1.5;
      if (rnd() < 0.01) driver = driver === 'D1' ? 'D2' : 'D1';
      const spec: RecSpec = {
        at: t,
        ...offset(pos.lat, pos.lon, (rnd() - 0.5) * 6, (rnd() - 0.5) * 6),
        speed,
        heading: seg.kind === 'drive' ? seg.heading : 0,
        ign,
        engine: {
          rpm: ign ? (speed > 0 ? 1800 : 700) : 0,
          coolantC: 85 + rnd() * 25,
          fuelLevelL: Math.round(fuel * 10) / 10,
          fuelUsedL: Math.round(used * 100) / 100,
          odometerM: Math.round(odo),
          externalV: 11 + rnd() * 3,
          dtcs: rnd() < 0.3 ? ['P0300'] : [],
        },
        probes: { front: Math.round(temp * 10) / 10 },
        tyres: { FL: 800 - (t > 600 ? 200 : 0), FR: 810 },
        doors: { rear: rnd() < 0.2 },
        loadsKg: [9000, seg.kind === 'idle' && s >= 40 ? 22_500 : 11_000 + rnd() * 8000], // overloaded while loading
        driver,
      };
      if (rnd() < 0.02) spec.alarms = [rnd() < 0.5 ? 'panic' : 'harshAcceleration'];
      out.push(rec(spec));
    }
  }
  return out;
}

function play(list: TelemetryRecord[], settings: Record<string, unknown>) {
  const d = new TestDevice({ settings, geofences: GEOFENCES });
  d.feed(list);
  const lastSeen = Math.max(...list.map((r) => r.receivedAt));
  d.tickAt(lastSeen + 60_000); // quiet: flush the window (not yet offline)
  return { events: d.events, view: d.actor.view(), persisted: d.actor.persisted() };
}

/** Arrival order: device time plus a delay drawn uniformly in [0, window) for each record. */
function shuffleWithin(list: TelemetryRecord[], windowMs: number, seed: number): TelemetryRecord[] {
  let x = seed;
  const delay = () => ((x = (x * 48_271) % 2_147_483_647) / 2_147_483_647) * windowMs;
  return list
    .map((r) => ({ r, key: r.deviceTime + Math.floor(delay()) }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.r);
}

/** How many pairs arrive out of device-time order (to be sure the shuffles shuffle). */
function inversions(list: TelemetryRecord[]): number {
  let n = 0;
  for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) if (list[i]!.deviceTime > list[j]!.deviceTime) n++;
  return n;
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
