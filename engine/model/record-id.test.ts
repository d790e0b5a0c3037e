import { describe, expect, it } from 'vitest';
import type { DeviceId } from './ids.ts';
import type { DecodedRecord } from './telemetry-record.ts';
import { recordIdOf } from './record-id.ts';

/**
 * Record ids are part of what is stored: a device resending after an upgrade of
 * the platform must produce the id the previous version stored. These values
 * were computed by the first implementation and must never change.
 */
const GOLDEN: [string, DecodedRecord, string][] = [
  [
    'acme',
    { deviceId: '356307042441013' as DeviceId, protocol: 'teltonika', deviceTime: 1_700_000_000_000, position: { lat: 52.1, lon: 4.3, speedKmh: 40, headingDeg: 90 }, attributes: { ignition: true, io239: 1 } },
    'jiTrr6U_XIvE2NFYv5csNE',
  ],
  ['acme', { deviceId: 'truck-1' as DeviceId, protocol: 'osmand', deviceTime: 1_700_000_005_000, seq: 7, position: { lat: -33.9, lon: 151.2, speedKmh: 0 } }, 'pdtQ7wxwORuV9c0kyShCZn'],
  ['fleet-ü', { deviceId: 'gt06-0868120' as DeviceId, protocol: 'gt06', deviceTime: 0, alarms: ['panic'], priority: 'critical' }, 'Uj7OfQYH_gSfX2ZuFMmGj6'],
];

describe('record id', () => {
  it.each(GOLDEN)('is stable across versions (%s)', (tenant, rec, id) => {
    expect(recordIdOf(tenant, rec)).toBe(id);
  });

  it('ignores the receive time and changes with the content', () => {
    const [tenant, rec, id] = GOLDEN[0]!;
    expect(recordIdOf(tenant, { ...rec, receivedAt: 123 } as DecodedRecord & { receivedAt: number })).toBe(id);
    expect(recordIdOf(tenant, { ...rec, position: { ...rec.position!, speedKmh: 41 } })).not.toBe(id);
    expect(recordIdOf('other', rec)).not.toBe(id);
  });
});
