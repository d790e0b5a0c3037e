import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  DEVICE_SETTING_DEFAULTS,
  DeviceSettingsError,
  DeviceSettingsSchema,
  GeofenceSchema,
  deviceConfig,
  parseDeviceSettings,
  parseGeofences,
  persistableConfig,
  defaultConfig,
  reviveConfig,
} from './device-settings.ts';
import { DEPOT, TestDevice, driveEast, offset, rec } from './testing/record-kit.ts';

describe('device settings (pure)', () => {
  it('the contract fields are optional; tunables get their documented defaults', () => {
    const s = parseDeviceSettings({ speedLimitKmh: 80, temperatureRangeC: { min: 2, max: 8 }, maxWeightKg: 40000, maintenance: { everyKm: 15000, everyEngineHours: 250, nextDate: '2025-06-01' } });
    expect(s.speedLimitKmh).toBe(80);
    expect(s.overspeedMinS).toBe(DEVICE_SETTING_DEFAULTS.overspeedMinS);
    expect(s.reorderWindowS).toBe(10);
    expect(DeviceSettingsSchema.parse({})).toEqual(DEFAULT_SETTINGS);
  });

  it('rejects bad values with machine-readable issues', () => {
    const err = (() => {
      try {
        parseDeviceSettings({ speedLimitKmh: -5, temperatureRangeC: { min: 9, max: 2 }, maintenance: { nextDate: 'soon' } });
      } catch (e) {
        return e as DeviceSettingsError;
      }
    })();
    expect(err).toBeInstanceOf(DeviceSettingsError);
    expect(err!.issues.map((i) => i.path)).toEqual(['speedLimitKmh', 'temperatureRangeC', 'maintenance.nextDate']);
  });

  it('a geofence has exactly one of circle or polygon, and ids are unique', () => {
    expect(GeofenceSchema.safeParse({ id: 'a', name: 'A', circle: { lat: 1, lon: 1, radiusM: 10 } }).success).toBe(true);
    expect(GeofenceSchema.safeParse({ id: 'a', name: 'A', polygon: [[0, 0], [0, 1], [1, 1]] }).success).toBe(true);
    expect(GeofenceSchema.safeParse({ id: 'a', name: 'A' }).success).toBe(false);
    expect(GeofenceSchema.safeParse({ id: 'a', name: 'A', circle: { lat: 1, lon: 1, radiusM: 10 }, polygon: [[0, 0], [0, 1], [1, 1]] }).success).toBe(false);
    expect(() => parseGeofences([{ id: 'a', name: 'A', circle: { lat: 1, lon: 1, radiusM: 10 } }, { id: 'a', name: 'B', circle: { lat: 1, lon: 1, radiusM: 10 } }])).toThrow(
      DeviceSettingsError,
    );
  });

  it('equal configs are one shared object; a snapshot keeps settings, not fence geometry', () => {
    const fences = parseGeofences([{ id: 'p', name: 'P', polygon: [[0, 0], [0, 1], [1, 1]] }]);
    const a = deviceConfig(parseDeviceSettings({ speedLimitKmh: 70 }), fences);
    const b = deviceConfig(parseDeviceSettings({ speedLimitKmh: 70 }), parseGeofences([{ id: 'p', name: 'P', polygon: [[0, 0], [0, 1], [1, 1]] }]));
    expect(a).toBe(b);
    expect(a.geofences![0]!.bbox).toEqual([0, 0, 1, 1]);
    const p = persistableConfig(a);
    expect(p.geofences).toBeNull();
    // Only what differs from the defaults is written; reviving fills in the rest.
    expect(p.settings).toEqual({ speedLimitKmh: 70 });
    expect(reviveConfig(JSON.parse(JSON.stringify(p)))).toBe(deviceConfig(a.settings, null));
    const plain = persistableConfig(defaultConfig());
    expect(plain).toEqual({ settings: {}, geofences: [] });
    expect(reviveConfig(JSON.parse(JSON.stringify(plain)))).toBe(defaultConfig());
  });
});

describe('settings applied live', () => {
  it('a speed limit set mid-drive judges the records that follow (and those still in the window)', () => {
    const d = new TestDevice();
    const a = driveEast(DEPOT, 0, 120, 5, 100, { ign: true });
    d.feed(a.records);
    expect(d.of('overspeed.started')).toEqual([]);
    expect(d.settings({ speedLimitKmh: 90 })).toEqual([]);
    d.feed(driveEast(a.end, 125, 60, 5, 100, { ign: true }).records);
    d.tick(2000);
    const [o] = d.of('overspeed.started');
    expect(o!.data).toMatchObject({ limitKmh: 90 });
    expect(o!.time).toBeLessThan(d.of('trip.started')[0]!.time + 125_000);
  });

  it('a geofence added live is entered at the next record; a range change applies to the next readings', () => {
    const d = new TestDevice({ settings: { temperatureRangeC: { min: 2, max: 8 }, excursionMinS: 0 } });
    d.feed(rec({ at: 0, ...DEPOT, probes: { p: 10 } }), rec({ at: 20, ...DEPOT, probes: { p: 10 } }));
    expect(d.of('coldchain.excursion')).toHaveLength(1);
    d.settings({ temperatureRangeC: { min: 2, max: 12 }, excursionMinS: 0 }, [{ id: 'yard', name: 'Yard', circle: { ...DEPOT, radiusM: 100 } }]);
    d.feed(rec({ at: 40, ...DEPOT, probes: { p: 10 } }), rec({ at: 60, ...DEPOT, probes: { p: 10 } }), rec({ at: 80, ...offset(DEPOT.lat, DEPOT.lon, 0, 10) }));
    expect(d.of('geofence.entered').map((e) => e.data.geofenceId)).toEqual(['yard']);
    expect(d.of('coldchain.recovered')).toHaveLength(1);
    expect(d.actor.context.config.settings.temperatureRangeC).toEqual({ min: 2, max: 12 });
  });

  it('invalid settings throw and leave the actor as it was', () => {
    const d = new TestDevice({ settings: { speedLimitKmh: 50 } });
    const before = d.actor.context.config;
    expect(() => d.settings({ speedLimitKmh: 'fast' })).toThrow(DeviceSettingsError);
    expect(d.actor.context.config).toBe(before);
  });
});
