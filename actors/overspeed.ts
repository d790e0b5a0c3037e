import type { CompiledGeofence, DeviceConfig } from './device-settings.ts';
import { durationS } from './episode.ts';
import { out, type Out } from './events.ts';
import { round } from './geo.ts';
import type { Track } from './track.ts';

/**
 * Overspeed against the applicable limit: the lowest of the device's
 * speedLimitKmh and the speedLimitKmh of every geofence the position is in.
 * An episode is confirmed (`overspeed.started`) after overspeedMinS over the
 * limit, so a single noisy fix never alerts; `overspeed` summarises it when
 * it ends. Records without a fix neither extend nor end an episode.
 */
export interface OverspeedSlice {
  id: string;
  t0: number;
  /** Last record over the limit. */
  t: number;
  maxKmh: number;
  sumKmh: number;
  n: number;
  limitKmh: number;
  fenceId: string | null;
  lat0: number | null;
  lon0: number | null;
  driverId: string | null;
}

const fenceIndexes = new WeakMap<readonly CompiledGeofence[], Map<string, CompiledGeofence>>();

/** id -> geofence for a config's fences (cached per fence list, which configs share). */
export function fenceIndex(fences: readonly CompiledGeofence[]): Map<string, CompiledGeofence> {
  let m = fenceIndexes.get(fences);
  if (!m) {
    m = new Map(fences.map((g) => [g.id, g]));
    fenceIndexes.set(fences, m);
  }
  return m;
}

export function limitAt(c: Track, config: DeviceConfig): { limitKmh: number; fenceId: string | null } | null {
  let limitKmh = config.settings.speedLimitKmh ?? Infinity;
  let fenceId: string | null = null;
  if (c.fences && c.fences.length && config.geofences) {
    const idx = fenceIndex(config.geofences);
    for (const id of c.fences) {
      const l = idx.get(id)?.speedLimitKmh;
      if (l !== undefined && l < limitKmh) {
        limitKmh = l;
        fenceId = id;
      }
    }
  }
  return limitKmh === Infinity ? null : { limitKmh, fenceId };
}

export function isOver(c: Track, config: DeviceConfig): boolean {
  if (!c.fix) return false;
  const l = limitAt(c, config);
  return l !== null && c.spdKmh > l.limitKmh + config.settings.overspeedToleranceKmh;
}

/** Ends an episode: a fix at or under the limit, or a data gap. */
export function isBackUnder(c: Track, config: DeviceConfig): boolean {
  return c.dtS > config.settings.tripGapS || (c.fix && !isOver(c, config));
}

export function confirms(ep: OverspeedSlice, c: Track, config: DeviceConfig): boolean {
  return isOver(c, config) && c.t - ep.t0 >= config.settings.overspeedMinS * 1000;
}

export function beginOverspeed(c: Track, config: DeviceConfig): OverspeedSlice {
  const l = limitAt(c, config)!;
  return {
    id: c.id,
    t0: c.t,
    t: c.t,
    maxKmh: c.spdKmh,
    sumKmh: c.spdKmh,
    n: 1,
    limitKmh: l.limitKmh,
    fenceId: l.fenceId,
    lat0: c.lat,
    lon0: c.lon,
    driverId: c.driverId,
  };
}

export function extendOverspeed(ep: OverspeedSlice, c: Track, config: DeviceConfig): OverspeedSlice {
  if (!isOver(c, config)) return ep;
  return { ...ep, t: c.t, maxKmh: Math.max(ep.maxKmh, c.spdKmh), sumKmh: ep.sumKmh + c.spdKmh, n: ep.n + 1 };
}

export function overspeedStarted(ep: OverspeedSlice, c: Track): Out[] {
  return [out('overspeed.started', ep.t0, ep.id, { speedKmh: round(c.spdKmh), limitKmh: ep.limitKmh, geofenceId: ep.fenceId, lat: ep.lat0, lon: ep.lon0 })];
}

export function overspeedEnded(ep: OverspeedSlice): Out[] {
  return [
    out('overspeed', ep.t0, ep.id, {
      maxSpeedKmh: round(ep.maxKmh),
      avgSpeedKmh: round(ep.sumKmh / ep.n),
      limitKmh: ep.limitKmh,
      durationS: durationS(ep.t0, ep.t),
      geofenceId: ep.fenceId,
      startLat: ep.lat0,
      startLon: ep.lon0,
      driverId: ep.driverId,
    }),
  ];
}
