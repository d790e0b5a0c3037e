import { describe, expect, it } from 'vitest';
import { alarmEvents } from './alarms.ts';
import { derivedEventId } from './derived-event.ts';
import { DEPOT, DEVICE, TENANT, TestDevice, at, driveEast, rec } from './testing/record-kit.ts';

describe('alarms (pure)', () => {
  it('panic and crash map to their events with the position; harsh and overspeed alarms are not standalone', () => {
    const r = rec({ at: 0, ...DEPOT, speed: 40, driver: 'D1', alarms: ['panic', 'crash', 'harshBraking', 'overspeed', 'powerCut'] });
    const out = alarmEvents(r);
    expect(out.map((e) => e.type)).toEqual(['alarm.panic', 'alarm.crash', 'alarm.powercut']);
    expect(out[0]).toMatchObject({ time: at(0), cause: r.id, data: { lat: DEPOT.lat, lon: DEPOT.lon, speedKmh: 40, driverId: 'D1', receivedAt: new Date(r.receivedAt).toISOString() } });
  });
});

describe('alarms (machine)', () => {
  it('a panic is derived on arrival, critical, ahead of what the reorder window still holds', () => {
    const d = new TestDevice();
    d.feed(driveEast(DEPOT, 0, 30, 10, 50, { ign: true }).records);
    const r = rec({ at: 35, ...DEPOT, alarms: ['panic'] });
    const out = d.feed(r);
    expect(out[0]).toEqual({
      id: derivedEventId(TENANT, DEVICE, 'alarm.panic', r.id),
      type: 'alarm.panic',
      tenantId: TENANT,
      deviceId: DEVICE,
      time: at(35),
      critical: true,
      data: { lat: DEPOT.lat, lon: DEPOT.lon, speedKmh: 0, driverId: null, receivedAt: new Date(r.receivedAt).toISOString() },
    });
    // the same record redelivered gives the same id
    expect(new TestDevice().feed(r)[0]!.id).toBe(out[0]!.id);
  });

  it('a crash alarm far behind the window (urgent lane, backlog) is still reported', () => {
    const d = new TestDevice();
    d.feed(driveEast(DEPOT, 1000, 60, 10, 50).records);
    const out = d.feed(rec({ at: 10, ...DEPOT, alarms: ['crash'] }));
    expect(out.map((e) => [e.type, e.critical])).toEqual([['alarm.crash', true]]);
  });
});
