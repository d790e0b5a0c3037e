import fc from 'fast-check';
import type { TelemetryRecord } from '../../engine/model/index.ts';
import { DEPOT, offset, rec, type RecSpec } from './record-kit.ts';

/**
 * Random device lives for property tests (ordering.test.ts, fast-path.test.ts):
 * segments of parking, idling and driving with every sensor, deterministic
 * in a seed, so every concern has something to do.
 */

export const GEOFENCES = [
  { id: 'depot', name: 'Depot', circle: { ...DEPOT, radiusM: 250 }, doorsAllowed: true },
  { id: 'town', name: 'Town', circle: { ...offset(DEPOT.lat, DEPOT.lon, 0, 1500), radiusM: 700 }, speedLimitKmh: 40 },
];
export const SETTINGS = {
  speedLimitKmh: 80,
  temperatureRangeC: { min: 2, max: 8 },
  maxWeightKg: 30_000,
  excursionMinS: 30,
  idlingMinS: 60,
  minStopS: 30,
  overloadMinS: 10,
  maintenance: { everyKm: 2, everyEngineHours: 0.5 },
};

export type Segment =
  | { kind: 'park'; s: number; fuelDrop: boolean }
  | { kind: 'idle'; s: number }
  | { kind: 'drive'; s: number; kmh: number; heading: number; brake: boolean };

export const segment: fc.Arbitrary<Segment> = fc.oneof(
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

export const life = fc.record({
  segments: fc.array(segment, { minLength: 2, maxLength: 8 }),
  everyS: fc.constantFrom(5, 6, 7),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
});

/** Expand segments into records with every sensor: deterministic in the seed. */
export type Life = typeof life extends fc.Arbitrary<infer T> ? T : never;

export function records(l: Life): TelemetryRecord[] {
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

/** Arrival order: device time plus a delay drawn uniformly in [0, window) for each record. */
export function shuffleWithin(list: TelemetryRecord[], windowMs: number, seed: number): TelemetryRecord[] {
  let x = seed;
  const delay = () => ((x = (x * 48_271) % 2_147_483_647) / 2_147_483_647) * windowMs;
  return list
    .map((r) => ({ r, key: r.deviceTime + Math.floor(delay()) }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.r);
}

/** How many pairs arrive out of device-time order (to be sure the shuffles shuffle). */
export function inversions(list: TelemetryRecord[]): number {
  let n = 0;
  for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) if (list[i]!.deviceTime > list[j]!.deviceTime) n++;
  return n;
}
