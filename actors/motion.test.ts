import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from './device-settings.ts';
import { endTrip, idlingStarts, startTrip, stopConfirmed, tripEnds, tripStarts } from './motion.ts';
import { sampleOf } from './sample.ts';
import { DEPOT, TestDevice, driveEast, offset, rec, T0 } from './testing/record-kit.ts';
import { initialTrack, type Track } from './track.ts';

const cfg = DEFAULT_SETTINGS;
const track = (over: Partial<Track>): Track => ({ ...initialTrack(), id: 'x', t: T0, ...over });

describe('motion (pure)', () => {
  it('a trip starts when moving with the ignition on or unknown, never with it off (towing)', () => {
    expect(tripStarts(track({ mov: true, ign: true }))).toBe(true);
    expect(tripStarts(track({ mov: true, ign: null }))).toBe(true);
    expect(tripStarts(track({ mov: true, ign: false }))).toBe(false);
    expect(tripStarts(track({ mov: false, ign: true }))).toBe(false);
  });

  it('a trip ends on ignition off or a data gap', () => {
    expect(tripEnds(track({ ign: false }), cfg)).toBe(true);
    expect(tripEnds(track({ ign: true, dtS: cfg.tripGapS + 1 }), cfg)).toBe(true);
    expect(tripEnds(track({ ign: true, dtS: 30 }), cfg)).toBe(false);
  });

  it('trip summary: distance, duration, max and average speed, positions, fuel', () => {
    const c0 = track({ id: 'start', t: T0, lat: 1, lon: 2, spdKmh: 40, odoM: 5000, fuelUsed: 10, fuelUnit: 'L', mov: true, ign: true });
    const { trip } = startTrip(c0);
    const t1 = { ...trip, distM: 9000, maxKmh: 95, idleS: 42, stops: 1 };
    const c1 = track({ id: 'end', t: T0 + 600_000, lat: 3, lon: 4, odoM: 15_000, fuelUsed: 11.5, fuelUnit: 'L', ign: false, ignDevice: true, stepM: 1000 });
    const [e] = endTrip(t1, c0, c1, 'ignition');
    expect(e).toMatchObject({ type: 'trip.ended', cause: 'start', time: T0 + 600_000 });
    expect(e!.data).toMatchObject({
      durationS: 600,
      distanceKm: 10,
      maxSpeedKmh: 95,
      avgSpeedKmh: 60,
      startLat: 1,
      startLon: 2,
      endLat: 3,
      endLon: 4,
      fuelUsed: 1.5,
      fuelUnit: 'L',
      idleS: 42,
      stops: 1,
      endReason: 'ignition',
    });
  });

  it('a gap ends the trip at the record before the gap', () => {
    const { trip } = startTrip(track({ id: 's', t: T0, mov: true, ign: true }));
    const p = track({ id: 'p', t: T0 + 60_000, lat: 5, lon: 6 });
    const c = track({ id: 'c', t: T0 + 60_000 + 3_600_000, dtS: 3600, stepM: 50_000, lat: 7, lon: 8 });
    const [e] = endTrip({ ...trip, distM: 1000 }, p, c, 'gap');
    expect(e!.time).toBe(T0 + 60_000);
    expect(e!.data).toMatchObject({ distanceKm: 1, endLat: 5, endLon: 6, endReason: 'gap' });
  });

  it('stops and idling need their minimum durations', () => {
    expect(stopConfirmed(track({ mov: false, stillT: T0, t: T0 + 119_000 }), cfg)).toBe(false);
    expect(stopConfirmed(track({ mov: false, stillT: T0, t: T0 + 120_000 }), cfg)).toBe(true);
    const s = sampleOf(rec({ at: 0 }));
    const idle = track({ mov: false, stillT: T0, ign: true, ignDevice: true, ignT: T0 - 1000, t: T0 + 300_000 });
    expect(idlingStarts(idle, s, cfg)).toBe(true);
    expect(idlingStarts({ ...idle, ignDevice: false }, s, cfg)).toBe(false); // inferred ignition cannot idle
    expect(idlingStarts({ ...idle, t: T0 + 299_000 }, s, cfg)).toBe(false);
  });
});

describe('motion (machine)', () => {
  it('ignition on, a drive with a stop and idling, ignition off: one trip with its stop', () => {
    const d = new TestDevice();
    d.feed(rec({ at: 0, ...DEPOT, ign: false }), rec({ at: 10, ...DEPOT, ign: true }));
    const leg1 = driveEast(DEPOT, 20, 300, 10, 60, { ign: true });
    d.feed(leg1.records);
    // stopped with the engine running for 7 minutes
    for (let s = 330; s <= 750; s += 30) d.feed(rec({ at: s, ...leg1.end, speed: 0, ign: true }));
    const leg2 = driveEast(leg1.end, 760, 120, 10, 60, { ign: true });
    d.feed(leg2.records);
    d.feed(rec({ at: 900, ...leg2.end, ign: false }), rec({ at: 960, ...leg2.end, ign: false }));
    d.tick(2000);

    expect(d.types().filter((t) => !t.startsWith('device.'))).toEqual([
      'ignition.on',
      'trip.started',
      'stop.started',
      'idling.started',
      'stop.ended',
      'idling.ended',
      'ignition.off',
      'trip.ended',
    ]);
    const [started] = d.of('trip.started');
    expect(started!.time).toBe(T0 + 20_000);
    const [ended] = d.of('trip.ended');
    expect(ended!.id).not.toBe(started!.id);
    expect(ended!.data).toMatchObject({ durationS: 880, stops: 1, endReason: 'ignition', startLat: DEPOT.lat, startLon: DEPOT.lon });
    expect(ended!.data.distanceKm).toBeCloseTo(7, 1); // 420 s at 60 km/h
    expect(ended!.data.maxSpeedKmh).toBe(60);
    expect(d.of('stop.started')[0]!.time).toBe(T0 + 330_000);
    expect(d.of('idling.started')[0]!.time).toBe(T0 + 330_000);
    expect(d.of('idling.ended')[0]!.data.durationS).toBe(430);
    expect(d.actor.view()).toMatchObject({ ignition: false, moving: false, trip: null });
    expect(d.actor.view().odometerKm).toBeCloseTo(7, 1);
  });

  it('without an ignition input: trips from motion, ended after tripEndStopS stationary, dated when it stopped', () => {
    const d = new TestDevice();
    const leg = driveEast(DEPOT, 0, 300, 10, 50);
    d.feed(rec({ at: -10, ...DEPOT, speed: 0 }), leg.records);
    for (let s = 310; s <= 700; s += 30) d.feed(rec({ at: s, ...leg.end, speed: 0 }));
    d.tick(1000);
    const [ended] = d.of('trip.ended');
    expect(ended!.data.endReason).toBe('parked');
    expect(ended!.time).toBe(T0 + 310_000);
    expect(d.of('ignition.off')[0]!.data.source).toBe('inferred');
    expect(d.of('idling.started')).toEqual([]);
  });

  it('the view shows the open trip with its distance', () => {
    const d = new TestDevice();
    d.feed(rec({ at: 0, ...DEPOT, ign: true }), driveEast(DEPOT, 10, 120, 10, 36, { ign: true }).records);
    const v = d.actor.view();
    expect(v.trip?.startedAt).toBe(new Date(T0 + 10_000).toISOString());
    expect(v.trip!.distanceKm).toBeGreaterThan(1.0);
    expect(v.moving).toBe(true);
    expect(v.ignition).toBe(true);
  });

  it('a long data gap ends the trip before it and starts a new one', () => {
    const d = new TestDevice();
    const a = driveEast(DEPOT, 0, 60, 10, 50, { ign: true });
    const far = offset(DEPOT.lat, DEPOT.lon, 0, 30_000);
    const b = driveEast(far, 60 + 3600, 60, 10, 50, { ign: true });
    d.feed(a.records, b.records);
    d.tick(10_000);
    const ends = d.of('trip.ended');
    expect(ends[0]!.data.endReason).toBe('gap');
    expect(ends[0]!.time).toBe(T0 + 60_000);
    expect(d.of('trip.started')).toHaveLength(2);
  });
});
