import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from './device-settings.ts';
import { fuelStep, initialFuel, type FuelSlice } from './fuel.ts';
import { sampleOf } from './sample.ts';
import { DEPOT, TestDevice, driveEast, rec, type RecSpec } from './testing/record-kit.ts';
import { advanceTrack, initialTrack } from './track.ts';
import type { Out } from './events.ts';

function run(specs: RecSpec[], cfg = DEFAULT_SETTINGS): Out[] {
  let f: FuelSlice = initialFuel();
  let p = initialTrack();
  const out: Out[] = [];
  for (const spec of specs) {
    const s = sampleOf(rec(spec));
    const c = advanceTrack(p, s, cfg, []);
    const r = fuelStep(f, s, p, c, cfg);
    f = r.slice;
    out.push(...r.out);
    p = c;
  }
  return out;
}

describe('fuel (pure)', () => {
  it('a sudden drop while parked is a possible theft; the same drop while driving is not', () => {
    const parked = run([300, 300, 299.5, 280].map((fuelLevelL, i) => ({ at: i * 600, ...DEPOT, ign: false, engine: { fuelLevelL } })));
    expect(parked.map((e) => [e.type, e.data.drop])).toEqual([['fuel.drop', 20]]);
    const driving = run([300, 290, 280].map((fuelLevelL, i) => ({ at: i * 600, ...DEPOT, ign: true, speed: 60, engine: { fuelLevelL } })));
    expect(driving.filter((e) => e.type === 'fuel.drop')).toEqual([]);
  });

  it('a refuel, in percent when the tank size is unknown', () => {
    const out = run([20, 19, 60].map((fuelLevelPct, i) => ({ at: i * 600, ...DEPOT, ign: false, engine: { fuelLevelPct } })));
    expect(out.map((e) => [e.type, e.data.from, e.data.to, e.data.unit])).toEqual([['fuel.refuel', 19, 60, '%']]);
  });

  it('consumption and distance per UTC day, closed by the first record of the next day', () => {
    const day = (s: number) => 16 * 3600 + s; // T0 is 08:00 UTC: 16 h later is midnight
    const out = run([
      { at: 0, ...DEPOT, ign: true, engine: { fuelUsedL: 100, odometerM: 10_000_000 } },
      { at: 3600, ...DEPOT, ign: true, engine: { fuelUsedL: 112, odometerM: 10_150_000 } },
      { at: day(60), ...DEPOT, ign: true, engine: { fuelUsedL: 113, odometerM: 10_160_000 } },
    ]);
    expect(out.map((e) => [e.type, e.cause, e.data])).toEqual([['fuel.daily', 'day:2025-01-06', { date: '2025-01-06', fuelUsed: 12, unit: 'L', distanceKm: 150 }]]);
  });
});

describe('fuel (machine)', () => {
  it('trip fuel from the level, and a theft at night', () => {
    const d = new TestDevice();
    d.feed(rec({ at: 0, ...DEPOT, ign: true, engine: { fuelLevelL: 300 } }));
    const leg = driveEast(DEPOT, 10, 600, 60, 60, { ign: true });
    leg.records.forEach((r, i) => (r.engine = { fuelLevelL: 300 - i * 0.5 }));
    d.feed(leg.records, rec({ at: 700, ...leg.end, ign: false, engine: { fuelLevelL: 294.5 } }));
    d.feed(rec({ at: 4000, ...leg.end, ign: false, engine: { fuelLevelL: 294.5 } }), rec({ at: 8000, ...leg.end, ign: false, engine: { fuelLevelL: 250 } }));
    d.tick(9000);
    // 300 -> 294.5 L; level decreases are counted past a 1 L noise band, so up to 1 L may not be counted yet
    expect(d.of('trip.ended')[0]!.data).toMatchObject({ fuelUsed: 4.5, fuelUnit: 'L' });
    expect(d.of('fuel.drop')[0]!.data).toMatchObject({ from: 294.5, to: 250, drop: 44.5, unit: 'L' });
  });
});
