import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from './device-settings.ts';
import { accelerations, driverScore } from './driver-behaviour.ts';
import { DEPOT, TestDevice, driveEast, offset, rec, T0 } from './testing/record-kit.ts';
import { initialTrack, type Track } from './track.ts';

const track = (over: Partial<Track>): Track => ({ ...initialTrack(), id: 'x', t: T0, fix: true, ...over });

describe('driver behaviour (pure)', () => {
  it('longitudinal acceleration from speed, lateral from speed and heading change, only between close records', () => {
    const p = track({ spdKmh: 72, hdgDeg: 0 });
    expect(accelerations(p, track({ t: T0 + 1000, dtS: 1, spdKmh: 54, hdgDeg: 0 }), DEFAULT_SETTINGS)!.longMs2).toBeCloseTo(-5, 5);
    const lat = accelerations(p, track({ t: T0 + 1000, dtS: 1, spdKmh: 72, hdgDeg: 15 }), DEFAULT_SETTINGS)!.latMs2!;
    expect(lat).toBeCloseTo(20 * ((15 * Math.PI) / 180), 5);
    expect(accelerations(p, track({ t: T0 + 10_000, dtS: 10, spdKmh: 0 }), DEFAULT_SETTINGS)).toBeNull();
  });

  it('score: 100 without events, lower with more events per 100 km', () => {
    const base = { distM: 100_000, braking: 0, acceleration: 0, cornering: 0, overspeedS: 0 };
    expect(driverScore(base)).toBe(100);
    expect(driverScore({ ...base, braking: 1 })).toBe(86);
    expect(driverScore({ ...base, braking: 4, acceleration: 4 })).toBeLessThan(driverScore({ ...base, braking: 1 }));
    expect(driverScore({ ...base, distM: 1000, braking: 1 })).toBe(driverScore({ ...base, distM: 10_000, braking: 1 }));
  });
});

describe('driver behaviour (machine)', () => {
  it('harsh braking computed from 1 Hz speeds, once per manoeuvre; device alarms pass through', () => {
    const d = new TestDevice();
    const speeds = [72, 72, 54, 36, 20, 20, 20, 20];
    speeds.forEach((speed, i) => d.feed(rec({ at: i, ...offset(DEPOT.lat, DEPOT.lon, 0, i * 15), speed, heading: 90, ign: true, driver: 'D1' })));
    d.feed(rec({ at: 20, ...offset(DEPOT.lat, DEPOT.lon, 0, 300), speed: 20, heading: 90, ign: true, alarms: ['harshCornering'] }));
    d.tick(100);
    const braking = d.of('harsh.braking');
    expect(braking).toHaveLength(1);
    expect(braking[0]!.data).toMatchObject({ source: 'computed', accelMs2: -5, driverId: 'D1' });
    expect(d.of('harsh.cornering')[0]!.data).toMatchObject({ source: 'device', accelMs2: null });
  });

  it('a new driver card closes the previous driver\'s session with its score', () => {
    const d = new TestDevice();
    d.feed(rec({ at: 0, ...DEPOT, ign: true, driver: 'ALICE' }), driveEast(DEPOT, 10, 600, 10, 60, { ign: true }).records);
    d.feed(rec({ at: 700, ...DEPOT, ign: true, tachoDriver: 'BOB' }), rec({ at: 720, ...DEPOT, ign: true }));
    d.tick(2000);
    expect(d.of('driver.changed').map((e) => e.data)).toEqual([{ from: null, to: 'ALICE' }, { from: 'ALICE', to: 'BOB' }]);
    const [score] = d.of('driver.score');
    expect(score!.data).toMatchObject({ driverId: 'ALICE', score: 100, braking: 0 });
    expect(score!.data.distanceKm as number).toBeCloseTo(10, 0);
    expect(d.actor.view().driverId).toBe('BOB');
  });
});
