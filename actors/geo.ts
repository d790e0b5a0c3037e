/**
 * Geometry on the WGS-84 sphere, small and allocation-free: great-circle
 * distance, point in circle, point in polygon, heading differences.
 * Polygons are `[lat, lon]` rings (the API's order), not closed (first point
 * is not repeated) and assumed not to cross the antimeridian.
 */

export const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** Great-circle distance in metres (haversine). */
export function haversineM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

export function inCircle(lat: number, lon: number, c: { lat: number; lon: number; radiusM: number }): boolean {
  return haversineM(lat, lon, c.lat, c.lon) <= c.radiusM;
}

/** `[minLat, minLon, maxLat, maxLon]` of a ring. */
export type BBox = [number, number, number, number];

export function bboxOf(ring: ReadonlyArray<readonly [number, number]>): BBox {
  let minLat = Infinity;
  let minLon = Infinity;
  let maxLat = -Infinity;
  let maxLon = -Infinity;
  for (const [lat, lon] of ring) {
    if (lat < minLat) minLat = lat;
    if (lat > maxLat) maxLat = lat;
    if (lon < minLon) minLon = lon;
    if (lon > maxLon) maxLon = lon;
  }
  return [minLat, minLon, maxLat, maxLon];
}

export function inBBox(lat: number, lon: number, b: BBox): boolean {
  return lat >= b[0] && lat <= b[2] && lon >= b[1] && lon <= b[3];
}

/**
 * Even-odd ray casting in the lat/lon plane: exact enough for geofences of a
 * few kilometres, which is what fleets draw. Points on an edge may fall either way.
 */
export function inPolygon(lat: number, lon: number, ring: ReadonlyArray<readonly [number, number]>): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [yi, xi] = ring[i]!;
    const [yj, xj] = ring[j]!;
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Signed smallest difference b - a between two headings, in degrees, in (-180, 180]. */
export function headingDeltaDeg(a: number, b: number): number {
  let d = (b - a) % 360;
  if (d > 180) d -= 360;
  if (d <= -180) d += 360;
  return d;
}

export const DAY_MS = 86_400_000;

/** UTC day number (days since the epoch) of an epoch-ms time. */
export function utcDay(t: number): number {
  return Math.floor(t / DAY_MS);
}

/** `YYYY-MM-DD` of a UTC day number. */
export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function iso(t: number): string {
  return new Date(t).toISOString();
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
