import { describe, expect, it } from 'vitest';
import { DEFAULT_TENANT, type DeviceId, type TelemetryRecord } from '../model/index.ts';
import { activityOf, driverIdOf } from './activity-of.ts';

const r = (over: Partial<TelemetryRecord>): TelemetryRecord => ({
  id: 'x', tenantId: DEFAULT_TENANT, deviceId: 'd' as DeviceId, protocol: 'osmand', deviceTime: 0, receivedAt: 0, priority: 'normal', ...over,
});

describe('driver activity from a record', () => {
  it('takes the tachograph activity when reported', () => {
    expect(activityOf(r({ tachograph: { activity: 'available' }, ignition: true, position: { lat: 0, lon: 0, speedKmh: 80 } }), undefined)).toBe('available');
  });
  it('infers driving, other work and rest from motion and ignition', () => {
    expect(activityOf(r({ ignition: true, position: { lat: 0, lon: 0, speedKmh: 50 } }), undefined)).toBe('driving');
    expect(activityOf(r({ ignition: true, position: { lat: 0, lon: 0, speedKmh: 1 } }), undefined)).toBe('working');
    expect(activityOf(r({ ignition: false, position: { lat: 0, lon: 0, speedKmh: 0 } }), true)).toBe('rest');
    expect(activityOf(r({ position: { lat: 0, lon: 0, speedKmh: 60 } }), undefined)).toBe('driving');
    expect(activityOf(r({ position: { lat: 0, lon: 0, speedKmh: 0 } }), true)).toBe('working');
    expect(activityOf(r({ position: { lat: 0, lon: 0, speedKmh: 0 } }), undefined)).toBeUndefined();
    expect(activityOf(r({ ignition: true, position: { lat: 0, lon: 0, speedKmh: 90, valid: false } }), undefined)).toBe('working');
  });
  it('finds the driver in the record or its tachograph', () => {
    expect(driverIdOf(r({ driverId: 'D1' }))).toBe('D1');
    expect(driverIdOf(r({ tachograph: { driverId: 'CARD7' } }))).toBe('CARD7');
    expect(driverIdOf(r({}))).toBeUndefined();
  });
});
