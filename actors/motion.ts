import type { DeviceSettings } from './device-settings.ts';
import { durationS } from './episode.ts';
import { out, type Out } from './events.ts';
import { iso, round } from './geo.ts';
import type { Sample } from './sample.ts';
import type { Track } from './track.ts';

/**
 * Motion: ignition edges, trips (start, end, distance, duration, max and
 * average speed, start and end position, fuel), stops inside a trip, and
 * idling with the engine running. Pure: every function takes the track
 * before (`p`) and after (`c`) a sample.
 */
export interface TripSlice {
  /** Start sample id: the cause of trip.started and trip.ended. */
  id: string;
  t0: number;
  lat0: number | null;
  lon0: number | null;
  odo0M: number;
  distM: number;
  maxKmh: number;
  fuel0: number | null;
  idleS: number;
  stops: number;
  driverId: string | null;
  /** Current stop (0: none) and its cause. */
  stopT: number;
  stopId: string;
}

export interface IdleSlice {
  id: string;
  t0: number;
}

export interface MotionSlice {
  trip: TripSlice | null;
  idle: IdleSlice | null;
}

export const initialMotion = (): MotionSlice => ({ trip: null, idle: null });

export type TripEndReason = 'ignition' | 'parked' | 'gap';

// ---- predicates (the region's guards) ----

export const ignitionTurnsOn = (p: Track, c: Track): boolean => c.ign === true && p.ign !== true;
export const ignitionTurnsOff = (p: Track, c: Track): boolean => c.ign === false && p.ign === true;
export const isGap = (c: Track, cfg: DeviceSettings): boolean => c.dtS > cfg.tripGapS;
export const tripStarts = (c: Track): boolean => c.mov && c.ign !== false;
export const tripEnds = (c: Track, cfg: DeviceSettings): boolean => c.ign === false || isGap(c, cfg);
export const tripRestartsAfterGap = (c: Track, cfg: DeviceSettings): boolean => isGap(c, cfg) && tripStarts(c);
export const stopConfirmed = (c: Track, cfg: DeviceSettings): boolean =>
  !c.mov && c.stillT > 0 && c.t - c.stillT >= cfg.minStopS * 1000;

export function idleFrom(c: Track): number {
  return Math.max(c.stillT, c.ignT);
}
export const idlingStarts = (c: Track, s: Sample, cfg: DeviceSettings): boolean =>
  c.ignDevice && c.ign === true && !c.mov && s.x?.rpm !== 0 && c.stillT > 0 && c.t - idleFrom(c) >= cfg.idlingMinS * 1000;
export const idlingEnds = (c: Track, s: Sample): boolean => c.mov || c.ign !== true || s.x?.rpm === 0;

export function endReason(c: Track, cfg: DeviceSettings): TripEndReason {
  if (isGap(c, cfg)) return 'gap';
  return c.ignDevice ? 'ignition' : 'parked';
}

// ---- steps ----

export function ignitionEvent(p: Track, c: Track): Out[] {
  if (ignitionTurnsOn(p, c)) return [out('ignition.on', c.ignT, c.id, { source: c.ignDevice ? 'device' : 'inferred', lat: c.lat, lon: c.lon })];
  if (ignitionTurnsOff(p, c)) return [out('ignition.off', c.ignT, c.id, { source: c.ignDevice ? 'device' : 'inferred', lat: c.lat, lon: c.lon })];
  return [];
}

export function startTrip(c: Track): { trip: TripSlice; out: Out[] } {
  const trip: TripSlice = {
    id: c.id,
    t0: c.t,
    lat0: c.lat,
    lon0: c.lon,
    odo0M: c.odoM,
    distM: 0,
    maxKmh: c.spdKmh,
    fuel0: c.fuelUsed,
    idleS: 0,
    stops: 0,
    driverId: c.driverId,
    stopT: 0,
    stopId: '',
  };
  return {
    trip,
    out: [out('trip.started', c.t, c.id, { startTime: iso(c.t), startLat: c.lat, startLon: c.lon, startOdometerKm: round(c.odoM / 1000, 3), driverId: c.driverId })],
  };
}

export function extendTrip(trip: TripSlice, p: Track, c: Track): TripSlice {
  const idle = p.ign === true && c.ign === true && !p.mov && !c.mov ? c.dtS : 0;
  return {
    ...trip,
    distM: trip.distM + c.stepM,
    maxKmh: c.fix ? Math.max(trip.maxKmh, c.spdKmh) : trip.maxKmh,
    idleS: trip.idleS + idle,
    driverId: c.driverId ?? trip.driverId,
  };
}

/** End a trip. A gap ends it at the record before the gap; inferred ignition ends it where it stopped. */
export function endTrip(trip: TripSlice, p: Track, c: Track, reason: TripEndReason): Out[] {
  const at = reason === 'gap' ? p : c;
  const t = reason === 'gap' ? p.t : reason === 'parked' && c.stillT > 0 ? c.stillT : c.t;
  const final = reason === 'gap' ? trip : extendTrip(trip, p, c);
  const dur = durationS(final.t0, t);
  const distanceKm = final.distM / 1000;
  const fuelUsed = at.fuelUsed !== null && final.fuel0 !== null ? round(Math.max(0, at.fuelUsed - final.fuel0), 2) : null;
  return [
    out('trip.ended', t, trip.id, {
      startTime: iso(final.t0),
      endTime: iso(t),
      durationS: dur,
      distanceKm: round(distanceKm, 3),
      maxSpeedKmh: round(final.maxKmh, 1),
      avgSpeedKmh: dur > 0 ? round(distanceKm / (dur / 3600), 1) : 0,
      startLat: final.lat0,
      startLon: final.lon0,
      endLat: at.lat,
      endLon: at.lon,
      startOdometerKm: round(final.odo0M / 1000, 3),
      endOdometerKm: round(at.odoM / 1000, 3),
      fuelUsed,
      fuelUnit: fuelUsed === null ? null : at.fuelUnit,
      idleS: Math.round(final.idleS),
      stops: final.stops,
      driverId: final.driverId,
      endReason: reason,
    }),
  ];
}

export function startStop(trip: TripSlice, c: Track): { trip: TripSlice; out: Out[] } {
  return {
    trip: { ...trip, stopT: c.stillT, stopId: c.stillId, stops: trip.stops + 1 },
    out: [out('stop.started', c.stillT, c.stillId, { lat: c.lat, lon: c.lon })],
  };
}

export function endStop(trip: TripSlice, c: Track): { trip: TripSlice; out: Out[] } {
  if (trip.stopT === 0) return { trip, out: [] };
  return {
    trip: { ...trip, stopT: 0, stopId: '' },
    out: [out('stop.ended', c.t, trip.stopId, { durationS: durationS(trip.stopT, c.t), lat: c.lat, lon: c.lon })],
  };
}

export function startIdling(c: Track): { idle: IdleSlice; out: Out[] } {
  const t0 = idleFrom(c);
  return { idle: { id: c.id, t0 }, out: [out('idling.started', t0, c.id, { lat: c.lat, lon: c.lon })] };
}

export function endIdling(idle: IdleSlice, c: Track): Out[] {
  return [out('idling.ended', c.t, idle.id, { durationS: durationS(idle.t0, c.t) })];
}
