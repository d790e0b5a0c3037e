import { describe, expect, it } from 'vitest';
import { isHoldableReplay } from '../ingest/replay-hold.ts';
import { parseJsonForm } from './parse-request.ts';
import { peekJsonBatch } from './replay-peek.ts';

const NOW = Date.UTC(2026, 11, 7, 8, 0, 0);
const batch = (times: (string | number)[]) =>
  Buffer.from(JSON.stringify({ device_id: 'phone-1', location: times.map((timestamp) => ({ timestamp, coords: { latitude: 52.1, longitude: 5.1, speed: 3 } })) }));

describe('OsmAnd JSON batch peek', () => {
  it('counts the locations and reads the first and last times, as parsing would', () => {
    const times = Array.from({ length: 40 }, (_, i) => new Date(NOW - 3600_000 + i * 5000).toISOString());
    const body = batch(times);
    const peek = peekJsonBatch('application/json', body, NOW)!;
    const parsed = parseJsonForm(body.toString(), NOW);
    expect(parsed.ok && parsed.records.length).toBe(40);
    expect(peek).toEqual({ records: 40, critical: false, oldestDeviceTime: Date.parse(times[0]!), newestDeviceTime: Date.parse(times[39]!) });
    expect(isHoldableReplay(peek, NOW)).toBe(true);
  });

  it('reads epoch seconds and milliseconds, and a live batch is not a replay', () => {
    const live = peekJsonBatch('', batch([NOW / 1000 - 20, NOW - 5000]), NOW)!;
    expect(live).toMatchObject({ records: 2, oldestDeviceTime: NOW - 20_000, newestDeviceTime: NOW - 5000 });
    expect(isHoldableReplay(live, NOW)).toBe(false);
  });

  it('does not vouch for what it cannot read: a form body, no times, a bad time, no locations', () => {
    expect(peekJsonBatch('application/x-www-form-urlencoded', Buffer.from('id=phone-1&lat=52&lon=5&alarm=sos'), NOW)).toBeUndefined();
    expect(peekJsonBatch('application/json', Buffer.from('{"device_id":"p","location":{"coords":{"latitude":1,"longitude":2}}}'), NOW)).toBeUndefined();
    expect(peekJsonBatch('application/json', batch(['yesterday']), NOW)).toBeUndefined();
    expect(peekJsonBatch('application/json', Buffer.from('{"device_id":"p","location":[]}'), NOW)).toBeUndefined();
    expect(peekJsonBatch('application/json', Buffer.from('{"timestamp":'), NOW)).toBeUndefined();
  });

  it('never throws on bytes that are not JSON at all', () => {
    for (let i = 0; i < 2000; i++) {
      const junk = Buffer.from(Array.from({ length: 1 + (i % 300) }, (_, k) => (i * 31 + k * 7) % 256));
      junk.write('"coords""timestamp":', i % Math.max(1, junk.length - 20));
      expect(() => peekJsonBatch('application/json', junk, NOW)).not.toThrow();
    }
  });
});
