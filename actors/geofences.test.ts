import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, deviceConfig } from './device-settings.ts';
import { membershipChanges, pruneRemoved, updateMembership } from './geofences.ts';
import { DEPOT, TestDevice, driveEast, offset, rec, T0 } from './testing/record-kit.ts';
import { initialTrack, type Track } from './track.ts';

const depot = { id: 'depot', name: 'Depot', circle: { ...DEPOT, radiusM: 300 } };
const box = offset(DEPOT.lat, DEPOT.lon, 0, 2000);
const square = {
  id: 'customer',
  name: 'Customer',
  polygon: [
    [box.lat - 0.003, box.lon - 0.004],
    [box.lat - 0.003, box.lon + 0.004],
    [box.lat + 0.003, box.lon + 0.004],
    [box.lat + 0.003, box.lon - 0.004],
  ] as [number, number][],
};
const config = deviceConfig(DEFAULT_SETTINGS, [depot, square]);
const track = (over: Partial<Track>): Track => ({ ...initialTrack(), id: 'x', t: T0, ...over });

describe('geofences (pure)', () => {
  it('enter and exit from membership changes, with the dwell time', () => {
    let slice = { inside: [] as { id: string; t: number }[] };
    const a = updateMembership(slice, track({ id: 'r1', fences: ['depot'] }), config);
    expect(a.out.map((e) => [e.type, e.data])).toEqual([['geofence.entered', { geofenceId: 'depot', name: 'Depot' }]]);
    slice = a.slice;
    expect(membershipChanges(slice, track({ fences: ['depot'] }))).toBe(false);
    expect(membershipChanges(slice, track({ fences: null }))).toBe(false);
    const b = updateMembership(slice, track({ id: 'r2', t: T0 + 90_000, fences: [] }), config);
    expect(b.out[0]).toMatchObject({ type: 'geofence.exited', cause: 'r2/depot', data: { dwellS: 90, reason: 'left' } });
  });

  it('a deleted fence the device is in is exited with reason removed', () => {
    const r = pruneRemoved({ inside: [{ id: 'depot', t: T0 }] }, config.geofences, [square], track({ t: T0 + 60_000 }));
    expect(r.slice.inside).toEqual([]);
    expect(r.out[0]!.data).toMatchObject({ geofenceId: 'depot', name: 'Depot', reason: 'removed', dwellS: 60 });
  });
});

describe('geofences (machine)', () => {
  it('circle and polygon: leave the depot, enter and leave the customer', () => {
    const d = new TestDevice({ geofences: [depot, square] });
    d.feed(rec({ at: 0, ...DEPOT, ign: true }), driveEast(DEPOT, 10, 400, 10, 36, { ign: true }).records);
    d.tick(2000);
    const fence = d.events.filter((e) => e.type.startsWith('geofence.')).map((e) => [e.type, e.data.geofenceId]);
    expect(fence).toEqual([
      ['geofence.entered', 'depot'],
      ['geofence.exited', 'depot'],
      ['geofence.entered', 'customer'],
      ['geofence.exited', 'customer'],
    ]);
    const exitCustomer = d.of('geofence.exited')[1]!;
    expect(exitCustomer.data.dwellS as number).toBeGreaterThanOrEqual(50);
    expect(exitCustomer.data.dwellS as number).toBeLessThan(70);
  });

  it('the view lists the fences it is in; deleting one emits an exit from applySettings', () => {
    const d = new TestDevice({ geofences: [depot, square] });
    d.feed(rec({ at: 0, ...DEPOT, ign: false }), rec({ at: 10, ...DEPOT, ign: false }), rec({ at: 30, ...DEPOT, ign: false }));
    expect(d.actor.view().geofences).toEqual([{ id: 'depot', since: new Date(T0).toISOString() }]);
    const events = d.settings({}, [square]);
    expect(events.map((e) => [e.type, e.data.reason])).toEqual([['geofence.exited', 'removed']]);
    expect(d.actor.view().geofences).toEqual([]);
  });
});
