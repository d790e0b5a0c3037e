import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, deviceConfig } from './device-settings.ts';
import { beginOverspeed, confirms, isBackUnder, isOver, limitAt, overspeedEnded } from './overspeed.ts';
import { DEPOT, TestDevice, driveEast, offset, rec, T0 } from './testing/record-kit.ts';
import { initialTrack, type Track } from './track.ts';

const school = { id: 'school', name: 'School', circle: { ...DEPOT, radiusM: 500 }, speedLimitKmh: 30 };
const config = deviceConfig({ ...DEFAULT_SETTINGS, speedLimitKmh: 90 }, [school, { id: 'yard', name: 'Yard', circle: { ...DEPOT, radiusM: 800 } }]);
const track = (over: Partial<Track>): Track => ({ ...initialTrack(), id: 'x', t: T0, fix: true, fences: [], ...over });

describe('overspeed (pure)', () => {
  it('the applicable limit is the lowest of the device limit and the fences it is in', () => {
    expect(limitAt(track({}), config)).toEqual({ limitKmh: 90, fenceId: null });
    expect(limitAt(track({ fences: ['yard', 'school'] }), config)).toEqual({ limitKmh: 30, fenceId: 'school' });
    expect(limitAt(track({}), deviceConfig(DEFAULT_SETTINGS, []))).toBeNull();
  });

  it('over, back under, and records without a fix are neutral', () => {
    expect(isOver(track({ spdKmh: 91 }), config)).toBe(true);
    expect(isOver(track({ spdKmh: 90 }), config)).toBe(false);
    expect(isOver(track({ spdKmh: 120, fix: false }), config)).toBe(false);
    expect(isBackUnder(track({ spdKmh: 120, fix: false }), config)).toBe(false);
    expect(isBackUnder(track({ spdKmh: 80 }), config)).toBe(true);
    expect(isBackUnder(track({ spdKmh: 120, dtS: 4000 }), config)).toBe(true);
  });

  it('confirmation needs overspeedMinS; the summary has max, average and duration', () => {
    const ep = beginOverspeed(track({ id: 'a', spdKmh: 100 }), config);
    expect(confirms(ep, track({ t: T0 + 9_000, spdKmh: 100 }), config)).toBe(false);
    expect(confirms(ep, track({ t: T0 + 10_000, spdKmh: 100 }), config)).toBe(true);
    const [e] = overspeedEnded({ ...ep, t: T0 + 45_000, maxKmh: 112, sumKmh: 100 + 112 + 103, n: 3 });
    expect(e).toMatchObject({ type: 'overspeed', cause: 'a', time: T0 });
    expect(e!.data).toMatchObject({ maxSpeedKmh: 112, avgSpeedKmh: 105, limitKmh: 90, durationS: 45, geofenceId: null });
  });
});

describe('overspeed (machine)', () => {
  it('one noisy fix over the limit does not alert', () => {
    const d = new TestDevice({ settings: { speedLimitKmh: 90 } });
    const a = driveEast(DEPOT, 0, 60, 10, 80, { ign: true });
    d.feed(a.records.slice(0, 3), rec({ at: 30, ...offset(DEPOT.lat, DEPOT.lon, 0, 700), speed: 140, ign: true }), a.records.slice(4));
    d.tick(1000);
    expect(d.of('overspeed.started')).toEqual([]);
    expect(d.of('overspeed')).toEqual([]);
  });

  it('a sustained overspeed alerts once confirmed and is summarised when it ends', () => {
    const d = new TestDevice({ settings: { speedLimitKmh: 90 } });
    const fast = driveEast(DEPOT, 0, 40, 5, 110, { ign: true });
    const slow = driveEast(fast.end, 45, 60, 5, 70, { ign: true });
    d.feed(fast.records, slow.records);
    d.tick(1000);
    const [started] = d.of('overspeed.started');
    expect(started!.time).toBe(T0);
    const [o] = d.of('overspeed');
    expect(o!.time).toBe(T0);
    expect(o!.id).not.toBe(started!.id);
    expect(o!.data).toMatchObject({ maxSpeedKmh: 110, limitKmh: 90, durationS: 40, geofenceId: null });
    expect(d.actor.view().openAlerts).toEqual([]);
  });

  it('a geofence limit applies inside the fence only', () => {
    const d = new TestDevice({ settings: { speedLimitKmh: 90 }, geofences: [school] });
    // 50 km/h through the 30 km/h school zone (500 m radius around the depot), then on
    const leg = driveEast(offset(DEPOT.lat, DEPOT.lon, 0, -600), 0, 100, 5, 50, { ign: true });
    d.feed(leg.records);
    d.tick(1000);
    const [o] = d.of('overspeed');
    expect(o!.data).toMatchObject({ limitKmh: 30, geofenceId: 'school', maxSpeedKmh: 50 });
    expect(o!.data.durationS as number).toBeGreaterThanOrEqual(65);
  });

  it('while it lasts the view has an open overspeed alert', () => {
    const d = new TestDevice({ settings: { speedLimitKmh: 90 } });
    d.feed(driveEast(DEPOT, 0, 60, 5, 120, { ign: true }).records);
    expect(d.actor.view().openAlerts).toEqual([{ type: 'overspeed', since: new Date(T0).toISOString() }]);
    expect(d.actor.view()).toMatchObject({ online: true, positionStale: false });
  });
});
