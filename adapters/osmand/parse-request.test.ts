import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseOsmandRequest } from './parse-request.ts';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe('OsmAnd query form', () => {
  it('maps the documented parameters, speed from knots to km/h', () => {
    const r = parseOsmandRequest(q({ id: '123456', timestamp: '1764072000', lat: '52.1', lon: '4.3', speed: '10', bearing: '270', altitude: '5', accuracy: '8', hdop: '0.9', batt: '87' }), '', '', NOW);
    expect(r).toEqual({
      ok: true,
      records: [{
        deviceId: '123456', protocol: 'osmand', deviceTime: 1764072000_000,
        position: { lat: 52.1, lon: 4.3, speedKmh: 18.52, headingDeg: 270, altitudeM: 5, accuracyM: 8, hdop: 0.9 },
        attributes: { batteryPct: 87 },
      }],
    });
  });

  it('keeps unknown parameters as attributes and maps driver, ignition and alarms', () => {
    const r = parseOsmandRequest(q({ id: 'd1', lat: '1', lon: '2', driverUniqueId: 'DRV42', ignition: 'true', alarm: 'sos', trailer: '41.5', note: 'hello' }), '', '', NOW);
    expect(r.ok && r.records[0]).toMatchObject({ driverId: 'DRV42', ignition: true, alarms: ['panic'], attributes: { trailer: 41.5, note: 'hello' }, deviceTime: NOW });
  });

  it('accepts ISO-8601 and millisecond timestamps and the location=lat,lon form', () => {
    const iso = parseOsmandRequest(q({ id: 'a', location: '10.5,20.25', timestamp: '2026-11-25 10:00:00' }), '', '', NOW);
    expect(iso.ok && iso.records[0]).toMatchObject({ deviceTime: Date.UTC(2026, 10, 25, 10), position: { lat: 10.5, lon: 20.25 } });
    const ms = parseOsmandRequest(q({ id: 'a', lat: '1', lon: '1', timestamp: '1764072000123' }), '', '', NOW);
    expect(ms.ok && ms.records[0]!.deviceTime).toBe(1764072000123);
  });

  it('accepts a record without a position (a status report)', () => {
    const r = parseOsmandRequest(q({ id: 'a', batt: '50' }), '', '', NOW);
    expect(r.ok && r.records[0]!.position).toBeUndefined();
  });

  it.each([
    [{ lat: '1', lon: '2' }, /id is required/],
    [{ id: 'a b', lat: '1', lon: '2' }, /id/],
    [{ id: 'a', lat: 'x', lon: '2' }, /lat must be a number/],
    [{ id: 'a', lat: '1' }, /together/],
    [{ id: 'a', lat: '1', lon: '2', timestamp: 'yesterday' }, /not a time/],
    [{ id: 'a', lat: '1', lon: '2', timestamp: '4102444800' }, /outside/],
  ])('refuses %j with a reason', (params, reason) => {
    const r = parseOsmandRequest(q(params as Record<string, string>), '', '', NOW);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(reason);
  });
});

describe('OsmAnd JSON form', () => {
  it('maps the background-geolocation body, speed from m/s to km/h', () => {
    const body = JSON.stringify({
      device_id: 'phone-7',
      location: { timestamp: '2026-11-25T11:59:00Z', coords: { latitude: 48.1, longitude: 11.5, speed: 10, heading: 90, altitude: 520, accuracy: 5 }, is_moving: true, battery: { level: 0.42, is_charging: false }, event: 'motionchange' },
    });
    const r = parseOsmandRequest('', 'application/json', body, NOW);
    expect(r).toEqual({
      ok: true,
      records: [{
        deviceId: 'phone-7', protocol: 'osmand', deviceTime: Date.UTC(2026, 10, 25, 11, 59),
        position: { lat: 48.1, lon: 11.5, speedKmh: 36, headingDeg: 90, altitudeM: 520, accuracyM: 5 },
        moving: true, attributes: { batteryPct: 42, charging: false, event: 'motionchange' },
      }],
    });
  });

  it('takes a batch of locations and ignores -1 speed and heading', () => {
    const loc = (t: string) => ({ timestamp: t, coords: { latitude: 1, longitude: 2, speed: -1, heading: -1 } });
    const r = parseOsmandRequest('', 'application/json', JSON.stringify({ device_id: 'p', location: [loc('2026-11-25T10:00:00Z'), loc('2026-11-25T10:00:05Z')] }), NOW);
    expect(r.ok && r.records.map((x) => [x.deviceTime, x.position?.speedKmh, x.position?.headingDeg])).toEqual([
      [Date.UTC(2026, 10, 25, 10), 0, undefined],
      [Date.UTC(2026, 10, 25, 10, 0, 5), 0, undefined],
    ]);
  });

  it('refuses bodies that do not match, naming the field', () => {
    const r = parseOsmandRequest('', 'application/json', '{"device_id":"p","location":{"coords":{"latitude":"n"}}}', NOW);
    expect(!r.ok && r.reason).toMatch(/location/);
  });
});

describe('OsmAnd parsing never throws', () => {
  it('on arbitrary query strings and bodies', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.constantFrom('', 'application/json', 'application/x-www-form-urlencoded'), fc.string({ maxLength: 300 }), (query, ct, body) => {
        const r = parseOsmandRequest(query, ct, body, NOW);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });

  it('on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = parseOsmandRequest('', 'application/json', JSON.stringify(v), NOW);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('OsmAnd sensor parameters (Traccar attribute keys)', () => {
  it('maps fuel, rpm, coolant, power, DTCs and temperature probes into the model', () => {
    const r = parseOsmandRequest(q({ id: 'a', lat: '1', lon: '2', fuel: '41.5', rpm: '1800', coolantTemp: '92', power: '13.8', dtcs: 'P0300,P0171', temp1: '4.5', temp2: '-18', odometer: '120000' }), '', '', NOW);
    expect(r.ok && r.records[0]).toMatchObject({
      engine: { fuelLevelL: 41.5, rpm: 1800, coolantC: 92, externalV: 13.8, dtcs: ['P0300', 'P0171'], odometerM: 120000 },
      probes: [{ probe: 'temp1', tempC: 4.5 }, { probe: 'temp2', tempC: -18 }],
    });
  });
  it('refuses a sensor value that is not a number', () => {
    const r = parseOsmandRequest(q({ id: 'a', temp1: 'warm' }), '', '', NOW);
    expect(!r.ok && r.reason).toMatch(/temp1 must be a number/);
  });
});
