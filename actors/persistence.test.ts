import { describe, expect, it } from 'vitest';
import { pack, unpack } from '../engine/model/wire.ts';
import { DeviceActor } from './device-actor.ts';
import { DEPOT, DEVICE, TENANT, TestDevice, at, driveEast, offset, rec } from './testing/record-kit.ts';

const SETTINGS = {
  speedLimitKmh: 50,
  temperatureRangeC: { min: 2, max: 8 },
  maxWeightKg: 30_000,
  excursionMinS: 60,
  overloadMinS: 10,
  tyreMinKpa: 700,
  maintenance: { everyKm: 100, nextDate: '2030-01-01' },
};
const GEOFENCES = [{ id: 'yard', name: 'Yard', polygon: [[52.5, 13.3], [52.5, 13.6], [52.6, 13.6], [52.6, 13.3]] as [number, number][], speedLimitKmh: 30 }];

/** A device with every concern in a non-initial state, and records still held in the reorder window. */
function busyDevice(): TestDevice {
  const d = new TestDevice({ settings: SETTINGS, geofences: GEOFENCES });
  d.feed(rec({ at: 0, ...DEPOT, ign: true, driver: 'D1', engine: { rpm: 800, coolantC: 90, externalV: 11.0, dtcs: ['P0300'], fuelLevelL: 300, odometerM: 9_000_000 } }));
  // store-and-forward backlog in progress
  const leg = driveEast(DEPOT, 10, 300, 10, 60, {
    ign: true,
    lagS: 600,
    engine: { rpm: 1800, coolantC: 110, externalV: 11.0, dtcs: ['P0300', 'P0420'], fuelLevelL: 295, odometerM: 9_001_000 },
    probes: { front: 12 },
    tyres: { FL: 650, FR: 820 },
    doors: { rear: true },
    loadsKg: [12_000, 20_000],
    alarms: ['harshBraking'],
  });
  d.feed(leg.records);
  d.feed(rec({ at: 320, ...offset(leg.end.lat, leg.end.lon, 0, 30), speed: 2, ign: true, lagS: 600 }));
  return d;
}

describe('snapshot round trip', () => {
  it('persisted -> msgpack -> restore -> persisted gives an equal snapshot, every concern non-initial', () => {
    const d = busyDevice();
    const ctx = d.actor.context;
    // the state really is busy
    expect(ctx.motion.trip).not.toBeNull();
    expect(ctx.overspeed).not.toBeNull();
    expect(ctx.geofences.inside.length).toBe(1);
    expect(ctx.health.dtcs.length).toBe(2);
    expect(ctx.health.coolant?.on).toBe(true);
    expect(ctx.health.battery?.on).toBe(true);
    expect(ctx.coldChain[0]?.ep.on).toBe(true);
    expect(ctx.tyres.length).toBe(2);
    expect(ctx.doors).toEqual(['rear']);
    expect(ctx.overload?.on).toBe(true);
    expect(ctx.fuel.day).toBeGreaterThan(0);
    expect(ctx.behaviour.braking).toBeGreaterThan(0);
    expect(ctx.track.driverId).toBe('D1');
    expect(ctx.reorder.held.length).toBeGreaterThan(0);
    expect(ctx.connectivity.backlog).not.toBeNull();
    expect(d.actor.state).toMatchObject({ overspeed: 'alerting', health: { coolant: 'overheating', battery: 'low' }, connectivity: { backlog: 'catchingUp' } });

    const persisted = d.actor.persisted();
    // Made from the shape's cached persisted form: the same as XState makes it.
    expect(persisted).toEqual(d.actor.persistedByXState());
    const bytes = pack(persisted);
    const restored = new DeviceActor(TENANT as never, DEVICE as never, 300_000, unpack(bytes) as never);
    expect(restored.persisted()).toEqual(persisted);
    expect(restored.state).toEqual(d.actor.state);
    expect(restored.view()).toEqual(d.actor.view());
    expect(pack(restored.persisted()).length).toBe(bytes.length);
  });

  it('persisted() is what XState would persist, in every state a busy life passes through', () => {
    // persisted() reuses each shape's persisted form; XState's getPersistedSnapshot is the reference.
    const d = new TestDevice({ settings: SETTINGS, geofences: GEOFENCES });
    const leg = driveEast(DEPOT, 10, 300, 10, 60, { ign: true, engine: { rpm: 1800, coolantC: 110, externalV: 11.0, dtcs: ['P0300'] }, probes: { front: 12 }, doors: { rear: true }, alarms: ['harshBraking'] });
    const states = new Set<string>();
    for (const r of [rec({ at: 0, ...DEPOT, ign: false }), rec({ at: 5, ...DEPOT, ign: true, driver: 'D1' }), ...leg.records, rec({ at: 400, ...leg.end, ign: false })]) {
      d.feed(r);
      d.actor.tick(at(900));
      states.add(JSON.stringify(d.actor.state));
      expect(d.actor.persisted()).toEqual(d.actor.persistedByXState());
    }
    expect(states.size).toBeGreaterThan(3);
  });

  it('a restored actor carries on exactly like the original (geofences re-applied by the shard)', () => {
    const a = busyDevice();
    const b = new DeviceActor(TENANT as never, DEVICE as never, 300_000, unpack(pack(a.actor.persisted())) as never);
    b.applySettings(SETTINGS, GEOFENCES);
    a.actor.applySettings(SETTINGS, GEOFENCES);
    const more = [...driveEast(DEPOT, 400, 120, 10, 20, { ign: true }).records, rec({ at: 600, ...DEPOT, ign: false, engine: { coolantC: 80, externalV: 12.8, dtcs: [] } })];
    const ea = more.flatMap((r) => a.actor.record(r)).concat(a.actor.tick(at(2000)));
    const eb = more.flatMap((r) => b.record(r)).concat(b.tick(at(2000)));
    expect(eb).toEqual(ea);
    expect(eb.map((e) => e.type)).toContain('trip.ended');
    expect(b.view()).toEqual(a.actor.view());
  });

  it('without settings re-applied, fence geometry is unknown: membership is held, not exited', () => {
    const a = busyDevice();
    const b = new DeviceActor(TENANT as never, DEVICE as never, 300_000, unpack(pack(a.actor.persisted())) as never);
    const events = driveEast(DEPOT, 400, 60, 10, 20, { ign: true }).records.flatMap((r) => b.record(r));
    expect(events.filter((e) => e.type.startsWith('geofence.'))).toEqual([]);
    expect(b.context.geofences.inside.map((v) => v.id)).toEqual(['yard']);
  });

  it('a broken snapshot is refused with a typed error (the shard then starts the actor fresh)', () => {
    expect(() => new DeviceActor(TENANT as never, DEVICE as never, 300_000, { status: 'active' } as never)).toThrow(/snapshot has no context/);
  });
});
