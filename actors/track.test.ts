import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, deviceConfig } from './device-settings.ts';
import { sampleOf } from './sample.ts';
import { DEPOT, offset, rec, type RecSpec } from './testing/record-kit.ts';
import { advanceTrack, inferActivity, initialTrack, type Track } from './track.ts';

const cfg = DEFAULT_SETTINGS;
function fold(specs: RecSpec[], settings = cfg, fences = deviceConfig(cfg, []).geofences): Track[] {
  const out: Track[] = [];
  let p = initialTrack();
  for (const spec of specs) {
    p = advanceTrack(p, sampleOf(rec(spec)), settings, fences);
    out.push(p);
  }
  return out;
}

describe('track (pure)', () => {
  it('GPS jitter while stationary adds no distance and does not move the position', () => {
    const specs: RecSpec[] = [0, 10, 20, 30, 40].map((at, i) => ({ at, ...offset(DEPOT.lat, DEPOT.lon, (i % 2) * 8, (i % 3) * 6), speed: 1 }));
    const tr = fold(specs);
    expect(tr.at(-1)!.odoM).toBe(0);
    expect(tr.at(-1)!.lat).toBe(DEPOT.lat);
    expect(tr.every((t) => !t.mov)).toBe(true);
  });

  it('integrates distance (haversine) while moving', () => {
    const specs: RecSpec[] = [0, 10, 20, 30].map((at) => ({ at, ...offset(DEPOT.lat, DEPOT.lon, 0, at * 20), speed: 72 }));
    const tr = fold(specs);
    expect(tr.at(-1)!.odoM).toBeCloseTo(600, 0);
    expect(tr.at(-1)!.mov).toBe(true);
  });

  it('drops an outlier fix (implied jump faster than maxJumpKmh)', () => {
    const far = offset(DEPOT.lat, DEPOT.lon, 5000, 0);
    const tr = fold([
      { at: 0, ...DEPOT, speed: 50 },
      { at: 10, ...far, speed: 50 },
      { at: 20, ...offset(DEPOT.lat, DEPOT.lon, 0, 140), speed: 50 },
    ]);
    expect(tr[1]!.fix).toBe(false);
    expect(tr[1]!.lat).toBe(DEPOT.lat);
    expect(tr[2]!.odoM).toBeCloseTo(140, 0);
  });

  it('ignores fixes with a poor hdop or flagged invalid', () => {
    const tr = fold([
      { at: 0, ...DEPOT, speed: 0 },
      { at: 10, ...offset(DEPOT.lat, DEPOT.lon, 500, 0), speed: 50, hdop: 25 },
      { at: 20, ...offset(DEPOT.lat, DEPOT.lon, 500, 0), speed: 50, valid: false },
    ]);
    expect(tr[2]!.odoM).toBe(0);
    expect(tr[2]!.lat).toBe(DEPOT.lat);
  });

  it('prefers the device odometer, and its delta is the step', () => {
    const tr = fold([
      { at: 0, ...DEPOT, speed: 50, engine: { odometerM: 1_000_000 } },
      { at: 10, ...offset(DEPOT.lat, DEPOT.lon, 0, 140), speed: 50, engine: { odometerM: 1_000_150 } },
      { at: 20, ...offset(DEPOT.lat, DEPOT.lon, 0, 280), speed: 50 },
    ]);
    expect(tr[1]!.odoM).toBe(1_000_150);
    expect(tr[1]!.stepM).toBe(150);
    expect(tr[2]!.odoM).toBeCloseTo(1_000_150 + 140, 0);
    expect(tr[2]!.odoDevice).toBe(true);
  });

  it('ignition from the device input, else from rpm, else inferred from motion', () => {
    const dev = fold([{ at: 0, ...DEPOT, ign: true }, { at: 10, ...DEPOT, speed: 0 }]);
    expect(dev.map((t) => [t.ign, t.ignDevice])).toEqual([[true, true], [true, true]]);
    const rpm = fold([{ at: 0, ...DEPOT, engine: { rpm: 0 } }, { at: 10, ...DEPOT, engine: { rpm: 750 } }]);
    expect(rpm.map((t) => t.ign)).toEqual([false, true]);
    // inferred: on while moving, off after tripEndStopS stationary, dated when it stopped
    const inf = fold([
      { at: 0, ...DEPOT, speed: 0 },
      { at: 10, ...offset(DEPOT.lat, DEPOT.lon, 0, 100), speed: 36 },
      { at: 20, ...offset(DEPOT.lat, DEPOT.lon, 0, 200), speed: 0 },
      { at: 200, ...offset(DEPOT.lat, DEPOT.lon, 0, 200), speed: 0 },
      { at: 320, ...offset(DEPOT.lat, DEPOT.lon, 0, 200), speed: 0 },
    ]);
    expect(inf.map((t) => t.ign)).toEqual([false, true, true, true, false]);
    expect(inf[4]!.ignT).toBe(inf[2]!.t);
    expect(inf[4]!.ignDevice).toBe(false);
  });

  it('integrates engine hours while the ignition is on, unless the device reports them', () => {
    const tr = fold([{ at: 0, ...DEPOT, ign: true }, { at: 60, ...DEPOT, ign: true }, { at: 90, ...DEPOT, ign: false }, { at: 500, ...DEPOT, ign: false }]);
    expect(tr.at(-1)!.engineS).toBe(60);
    const dev = fold([{ at: 0, ...DEPOT, ign: true, engine: { engineHoursS: 36_000 } }, { at: 60, ...DEPOT, ign: true }]);
    expect(dev.at(-1)!.engineS).toBe(36_060);
  });

  it('fuel used: device counter, else level decreases past a noise band (refuels and sloshing do not count)', () => {
    const counter = fold([{ at: 0, ...DEPOT, engine: { fuelUsedL: 1000 } }, { at: 10, ...DEPOT, engine: { fuelUsedL: 1002.5 } }]);
    expect(counter.at(-1)!.fuelUsed).toBe(1002.5);
    const levels = [300, 299.5, 300.4, 298, 297.2, 296, 350, 349.6, 348].map((fuelLevelL, i) => ({ at: i * 60, ...DEPOT, engine: { fuelLevelL } }));
    const tr = fold(levels);
    expect(tr.at(-1)!.fuelUsed).toBeCloseTo(4 + 2, 5); // 300 -> 296 (4 L), refuel to 350, 350 -> 348 (2 L)
    expect(tr.at(-1)!.fuelUnit).toBe('L');
    const pct = fold([{ at: 0, ...DEPOT, engine: { fuelLevelPct: 50 } }, { at: 60, ...DEPOT, engine: { fuelLevelPct: 45 } }], { ...cfg, tankCapacityL: 400 });
    expect(pct.at(-1)!.fuelUsed).toBe(20);
  });

  it('geofences: recomputed from the history position, unknown (null) keeps the last set', () => {
    const config = deviceConfig(cfg, [{ id: 'depot', name: 'Depot', circle: { ...DEPOT, radiusM: 200 } }]);
    const tr = fold([{ at: 0, ...DEPOT }, { at: 60, ...offset(DEPOT.lat, DEPOT.lon, 1000, 0), speed: 60 }], cfg, config.geofences);
    expect(tr.map((t) => t.fences)).toEqual([['depot'], []]);
    const unknown = advanceTrack(tr[0]!, sampleOf(rec({ at: 70, ...offset(DEPOT.lat, DEPOT.lon, 1000, 0), speed: 60 })), cfg, null);
    expect(unknown.fences).toEqual(['depot']);
  });

  it('driver and activity: card id kept until another, tachograph activity else inferred', () => {
    const tr = fold([
      { at: 0, ...DEPOT, ign: false, tachoDriver: 'D1' },
      { at: 10, ...DEPOT, ign: true },
      { at: 20, ...offset(DEPOT.lat, DEPOT.lon, 0, 150), speed: 50, ign: true },
      { at: 30, ...offset(DEPOT.lat, DEPOT.lon, 0, 150), speed: 0, ign: true, activity: 'available' },
      { at: 40, ...DEPOT, driver: 'D2', ign: false },
    ]);
    expect(tr.map((t) => t.driverId)).toEqual(['D1', 'D1', 'D1', 'D1', 'D2']);
    expect(tr.map((t) => t.activity)).toEqual(['rest', 'working', 'driving', 'available', 'rest']);
    expect(tr[3]!.activityReported).toBe(true);
    expect(inferActivity(null, false)).toBe('rest');
  });
});
