import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, deviceConfig } from './device-settings.ts';
import { doorRuleBreach, doorStep } from './doors.ts';
import { sampleOf } from './sample.ts';
import { DEPOT, TestDevice, driveEast, offset, rec, T0 } from './testing/record-kit.ts';
import { initialTrack, type Track } from './track.ts';

const dock = { id: 'dock', name: 'Dock', circle: { ...DEPOT, radiusM: 100 }, doorsAllowed: true };
const config = deviceConfig(DEFAULT_SETTINGS, [dock, { id: 'lay-by', name: 'Lay-by', circle: { lat: 1, lon: 1, radiusM: 50 }, doorsAllowed: false }]);
const track = (over: Partial<Track>): Track => ({ ...initialTrack(), id: 'x', t: T0, lat: 1, lon: 1, fences: [], ...over });

describe('doors (pure)', () => {
  it('breaches: outside every allowed fence, or inside a forbidden one; unknown fences never breach', () => {
    expect(doorRuleBreach(track({ fences: ['dock'] }), config)).toBeNull();
    expect(doorRuleBreach(track({ fences: [] }), config)).toEqual({ geofenceId: null });
    expect(doorRuleBreach(track({ fences: ['lay-by'] }), config)).toEqual({ geofenceId: 'lay-by' });
    expect(doorRuleBreach(track({ fences: null }), config)).toBeNull();
    expect(doorRuleBreach(track({ fences: [] }), deviceConfig(DEFAULT_SETTINGS, []))).toBeNull();
  });

  it('only an opening (closed -> open) counts; moving wins over the fence rule', () => {
    const s = sampleOf(rec({ at: 0, doors: { rear: true } }));
    const moving = doorStep([], s, track({ mov: true, spdKmh: 30 }), config);
    expect(moving.out.map((e) => e.type)).toEqual(['door.opened.moving']);
    expect(doorStep(moving.slice, s, track({ mov: true }), config).out).toEqual([]);
    const closed = doorStep(moving.slice, sampleOf(rec({ at: 10, doors: { rear: false } })), track({}), config);
    expect(closed.slice).toEqual([]);
  });
});

describe('doors (machine)', () => {
  it('opened while driving, at the dock (fine) and outside it', () => {
    const d = new TestDevice({ geofences: [dock] });
    const leg = driveEast(offset(DEPOT.lat, DEPOT.lon, 0, -300), 0, 60, 10, 30, { ign: true });
    d.feed(leg.records);
    d.feed(rec({ at: 70, ...DEPOT, speed: 0, ign: true, doors: { rear: false } }));
    d.feed(rec({ at: 80, ...DEPOT, speed: 0, ign: true, doors: { rear: true } }), rec({ at: 90, ...DEPOT, speed: 0, doors: { rear: false } }));
    const away = offset(DEPOT.lat, DEPOT.lon, 0, 2000);
    d.feed(rec({ at: 300, ...away, speed: 20, ign: true, doors: { side: true } }));
    d.feed(rec({ at: 310, ...away, speed: 0, ign: true, doors: { side: false } }), rec({ at: 320, ...away, speed: 0, ign: true, doors: { side: true } }));
    d.tick(1000);
    expect(d.events.filter((e) => e.type.startsWith('door.')).map((e) => [e.type, e.data.door])).toEqual([
      ['door.opened.moving', 'side'],
      ['door.opened.outside', 'side'],
    ]);
  });
});
