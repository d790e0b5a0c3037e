import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DerivedEventSchema } from './derived-event.ts';
import { renderEventsDoc } from './events-doc.ts';
import { EVENT_CATALOG, EVENT_TYPES, isCritical, parseEventData } from './events.ts';

describe('event catalog', () => {
  it('actors/EVENTS.md is generated from the catalog and up to date (npx tsx actors/gen-events-doc.ts)', () => {
    expect(readFileSync(new URL('./EVENTS.md', import.meta.url), 'utf8')).toBe(renderEventsDoc());
  });

  it('contains the contract types with their contract fields', () => {
    const fields = (t: keyof typeof EVENT_CATALOG) => Object.keys(EVENT_CATALOG[t].data.shape);
    for (const t of ['trip.started', 'geofence.entered', 'dtc.detected', 'alarm.panic', 'alarm.crash', 'harsh.braking', 'fuel.drop', 'device.offline'] as const)
      expect(EVENT_TYPES).toContain(t);
    expect(fields('trip.ended')).toEqual(expect.arrayContaining(['distanceKm', 'durationS', 'maxSpeedKmh', 'avgSpeedKmh', 'startLat', 'startLon', 'endLat', 'endLon']));
    expect(fields('overspeed')).toEqual(expect.arrayContaining(['maxSpeedKmh', 'limitKmh', 'durationS']));
    expect(fields('geofence.exited')).toContain('geofenceId');
    expect(fields('coldchain.excursion')).toEqual(expect.arrayContaining(['probe', 'peakC', 'durationS']));
  });

  it('critical: panic, crash, overheating, cold-chain excursions, infringements, and nothing else', () => {
    expect(EVENT_TYPES.filter(isCritical).sort()).toEqual(['alarm.crash', 'alarm.panic', 'coldchain.excursion', 'coolant.overheating', 'driver.infringement']);
  });

  it('every type is a valid event type name, and data is checked strictly', () => {
    for (const t of EVENT_TYPES) expect(DerivedEventSchema.shape.type.safeParse(t).success, t).toBe(true);
    expect(parseEventData('fuel.drop', { from: 1, to: 0, drop: 1, unit: 'L', lat: null, lon: null }).success).toBe(true);
    expect(parseEventData('fuel.drop', { from: 1, to: 0, drop: 1, unit: 'L', lat: null, lon: null, extra: 1 }).success).toBe(false);
    expect(parseEventData('no.such', {}).success).toBe(false);
  });
});
