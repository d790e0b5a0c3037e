import { describe, expect, it } from 'vitest';
import { bboxOf, haversineM, headingDeltaDeg, inBBox, inCircle, inPolygon, isoDay, utcDay } from './geo.ts';

describe('geo (pure)', () => {
  it('haversine: one degree of latitude is ~111.2 km, and distance is symmetric', () => {
    expect(haversineM(50, 10, 51, 10)).toBeCloseTo(111_195, -1);
    expect(haversineM(52.52, 13.405, 48.137, 11.575)).toBeCloseTo(haversineM(48.137, 11.575, 52.52, 13.405), 6);
    expect(haversineM(52.52, 13.405, 48.137, 11.575) / 1000).toBeCloseTo(504, 0); // Berlin - Munich
    expect(haversineM(1, 2, 1, 2)).toBe(0);
  });

  it('circle membership uses great-circle distance', () => {
    const c = { lat: 52.52, lon: 13.405, radiusM: 100 };
    expect(inCircle(52.52, 13.405, c)).toBe(true);
    expect(inCircle(52.5208, 13.405, c)).toBe(true); // ~89 m north
    expect(inCircle(52.5210, 13.405, c)).toBe(false); // ~111 m north
  });

  it('polygon membership: convex, concave, outside the bbox', () => {
    const square: [number, number][] = [[0, 0], [0, 1], [1, 1], [1, 0]];
    expect(inPolygon(0.5, 0.5, square)).toBe(true);
    expect(inPolygon(1.5, 0.5, square)).toBe(false);
    // a U shape: the notch (0.5, 0.8) is outside
    const u: [number, number][] = [[0, 0], [0, 1], [1, 1], [1, 0.7], [0.3, 0.7], [0.3, 0.3], [1, 0.3], [1, 0]];
    expect(inPolygon(0.6, 0.5, u)).toBe(false);
    expect(inPolygon(0.1, 0.5, u)).toBe(true);
    expect(inPolygon(0.8, 0.1, u)).toBe(true);
    const b = bboxOf(u);
    expect(b).toEqual([0, 0, 1, 1]);
    expect(inBBox(2, 2, b)).toBe(false);
  });

  it('heading deltas wrap around north', () => {
    expect(headingDeltaDeg(350, 10)).toBe(20);
    expect(headingDeltaDeg(10, 350)).toBe(-20);
    expect(headingDeltaDeg(0, 180)).toBe(180);
    expect(headingDeltaDeg(90, 90)).toBe(0);
  });

  it('UTC days', () => {
    const t = Date.UTC(2025, 0, 6, 23, 59, 59);
    expect(isoDay(utcDay(t))).toBe('2025-01-06');
    expect(isoDay(utcDay(t + 1000))).toBe('2025-01-07');
  });
});
