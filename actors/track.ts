import type { DriverActivity } from '../engine/model/index.ts';
import type { CompiledGeofence, DeviceSettings } from './device-settings.ts';
import { haversineM, inBBox, inCircle, inPolygon } from './geo.ts';
import { exact } from './empty.ts';
import type { Sample } from './sample.ts';

/**
 * The track: what the device's ordered history says after each applied
 * record. It is a pure fold over samples in device-time order, computed once
 * per sample and handed to every concern as `p` (before) and `c` (after), so
 * concerns never disagree about whether the vehicle moved, where it was, or
 * whose shift it was.
 *
 * Holds: the jitter-filtered position and the distance step, moving, since
 * when stationary, ignition (device input, rpm, or inferred from motion), the
 * odometer (device, else integrated from positions), engine hours (device,
 * else integrated ignition-on time), cumulative fuel used, the geofences the
 * position is in, the driver and the driver activity (the seam for the EU 561
 * counters: tachograph activity when reported, otherwise inferred).
 */
export interface Track {
  /** Last applied sample ('' and 0: none yet). */
  id: string;
  t: number;
  /** Seconds since the previous applied sample (0 for the first). */
  dtS: number;
  /** Last accepted position (jitter-filtered), null before the first fix. */
  lat: number | null;
  lon: number | null;
  /** Device time of the last fix consistent with that position. */
  fixT: number;
  /** Did this sample carry a fix that was used? */
  fix: boolean;
  /** Last reported speed (km/h) and heading (deg). */
  spdKmh: number;
  hdgDeg: number | null;
  /** Distance this sample added, m. */
  stepM: number;
  mov: boolean;
  /** Device time since which stationary (0 while moving) and the sample that started it. */
  stillT: number;
  stillId: string;
  /** null until known. */
  ign: boolean | null;
  /** Where ignition comes from: the device's input (or rpm) once ever reported, else inferred from motion. */
  ignDevice: boolean;
  /** Device time of the last ignition change. */
  ignT: number;
  odoM: number;
  odoDevice: boolean;
  engineS: number;
  engineDevice: boolean;
  /** Cumulative fuel used in fuelUnit (device counter, else summed level decreases); null without fuel data. */
  fuelUsed: number | null;
  fuelUnit: 'L' | '%' | null;
  /** Last fuel level, and the reference the decrease filter measures from. */
  fuelLevel: number | null;
  fuelRef: number | null;
  /** Geofence ids the position is in; null while the geofences are unknown. */
  fences: string[] | null;
  driverId: string | null;
  /** Driver activity over (p.t, c.t]: the EU 561 seam. */
  activity: DriverActivity | null;
  /** Did this sample's activity come from the tachograph? */
  activityReported: boolean;
}

export const initialTrack = (): Track => ({
  id: '',
  t: 0,
  dtS: 0,
  lat: null,
  lon: null,
  fixT: 0,
  fix: false,
  spdKmh: 0,
  hdgDeg: null,
  stepM: 0,
  mov: false,
  stillT: 0,
  stillId: '',
  ign: null,
  ignDevice: false,
  ignT: 0,
  odoM: 0,
  odoDevice: false,
  engineS: 0,
  engineDevice: false,
  fuelUsed: null,
  fuelUnit: null,
  fuelLevel: null,
  fuelRef: null,
  fences: null,
  driverId: null,
  activity: null,
  activityReported: false,
});

/** Fuel level noise band: decreases smaller than this are not counted as consumption. */
export const FUEL_DEADBAND = { L: 1, '%': 1 } as const;

export function fencesAt(lat: number, lon: number, fences: readonly CompiledGeofence[]): string[] {
  const out: string[] = [];
  for (const g of fences) {
    if (g.circle) {
      if (inCircle(lat, lon, g.circle)) out.push(g.id);
    } else if (g.polygon && (!g.bbox || inBBox(lat, lon, g.bbox)) && inPolygon(lat, lon, g.polygon)) out.push(g.id);
  }
  return exact(out);
}

function sameIds(a: string[] | null, b: string[]): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function inferActivity(ign: boolean | null, mov: boolean): DriverActivity {
  if (ign === false || ign === null) return mov ? 'driving' : 'rest';
  return mov ? 'driving' : 'working';
}

/** Fold one sample (in device-time order) into the track. */
export function advanceTrack(p: Track, s: Sample, cfg: DeviceSettings, geofences: readonly CompiledGeofence[] | null): Track {
  const first = p.t === 0 && p.id === '';
  const dtS = first ? 0 : Math.max(0, (s.t - p.t) / 1000);

  // position: outliers and jitter do not move the history position
  let lat = p.lat;
  let lon = p.lon;
  let fixT = p.fixT;
  let fix = false;
  let stepM = 0;
  let spdKmh = p.spdKmh;
  let hdgDeg = p.hdgDeg;
  let mov = p.mov;
  const usable = s.lat !== undefined && s.lon !== undefined && (s.x?.hdop === undefined || s.x?.hdop <= cfg.maxHdop);
  if (usable) {
    const movingNow = (s.spdKmh ?? 0) >= cfg.movingKmh;
    if (lat === null || lon === null) {
      lat = s.lat!;
      lon = s.lon!;
      fixT = s.t;
      fix = true;
    } else {
      const d = haversineM(lat, lon, s.lat!, s.lon!);
      const sinceFixS = Math.max((s.t - fixT) / 1000, 1);
      if (d > cfg.jitterM && (d / sinceFixS) * 3.6 > cfg.maxJumpKmh) {
        // outlier: ignore this fix entirely
      } else {
        fix = true;
        fixT = s.t;
        if (movingNow || d >= cfg.jitterM) {
          stepM = d;
          lat = s.lat!;
          lon = s.lon!;
        }
      }
    }
    if (fix) {
      spdKmh = s.spdKmh ?? 0;
      if (s.hdgDeg !== undefined) hdgDeg = s.hdgDeg;
      mov = movingNow;
    }
  } else if (s.x?.mov !== undefined) {
    mov = s.x?.mov;
  }

  const stillT = mov ? 0 : p.mov || first || p.stillT === 0 ? s.t : p.stillT;
  const stillId = mov ? '' : stillT === p.stillT && !first ? p.stillId : s.id;

  // odometer: the device's when reported (and its delta is the step), else integrated
  let odoM = p.odoM + stepM;
  let odoDevice = p.odoDevice;
  if (s.x?.odoM !== undefined) {
    if (p.odoDevice) {
      const delta = s.x?.odoM - p.odoM;
      if (delta >= 0 && delta <= Math.max(dtS, 1) * (cfg.maxJumpKmh / 3.6)) stepM = delta;
    }
    odoM = s.x?.odoM;
    odoDevice = true;
  }

  // ignition
  let ign = p.ign;
  let ignDevice = p.ignDevice;
  if (s.ign !== undefined) {
    ign = s.ign;
    ignDevice = true;
  } else if (s.x?.rpm !== undefined) {
    ign = s.x?.rpm > 0;
    ignDevice = true;
  } else if (!ignDevice) {
    if (mov) ign = true;
    else if (ign === null) ign = false;
    else if (ign && stillT > 0 && s.t - stillT >= cfg.tripEndStopS * 1000) ign = false;
  }
  const ignT = ign !== p.ign ? (ign === false && !ignDevice && stillT > 0 ? stillT : s.t) : p.ignT;

  // engine hours
  let engineS = p.engineS;
  let engineDevice = p.engineDevice;
  if (s.x?.engineHoursS !== undefined) {
    engineS = s.x?.engineHoursS;
    engineDevice = true;
  } else if (p.ign && ign && dtS <= cfg.tripGapS) {
    engineS += dtS;
  }

  // fuel: a device counter when there is one, else level decreases past a noise band
  let { fuelUsed, fuelUnit, fuelLevel, fuelRef } = p;
  const level = s.x?.fuelL ?? (s.x?.fuelPct !== undefined ? (cfg.tankCapacityL ? (s.x?.fuelPct / 100) * cfg.tankCapacityL : s.x?.fuelPct) : undefined);
  if (level !== undefined) {
    const unit = s.x?.fuelL !== undefined || cfg.tankCapacityL ? 'L' : '%';
    if (fuelUnit !== null && fuelUnit !== unit) {
      fuelRef = null;
    }
    fuelUnit = unit;
    fuelLevel = level;
    if (s.x?.fuelUsedL === undefined) {
      const band = FUEL_DEADBAND[unit];
      const refuel = unit === 'L' ? cfg.fuelDropL : cfg.fuelDropPct;
      if (fuelRef === null) fuelRef = level;
      else if (level < fuelRef - band) {
        fuelUsed = (fuelUsed ?? 0) + (fuelRef - level);
        fuelRef = level;
      } else if (level >= fuelRef + refuel) fuelRef = level;
      fuelUsed ??= 0;
    }
  }
  if (s.x?.fuelUsedL !== undefined) {
    fuelUsed = s.x?.fuelUsedL;
    fuelUnit = 'L';
  }

  // geofences: recomputed only when the history position moved or the fences changed
  let fences = p.fences;
  if (geofences === null) {
    // unknown: keep what we had
  } else if (lat !== null && lon !== null && (stepM > 0 || fix || fences === null)) {
    const now = fencesAt(lat, lon, geofences);
    fences = sameIds(fences, now) ? fences : now;
  }

  const driverId = s.x?.driverId ?? p.driverId;
  const activity = s.x?.activity ?? inferActivity(ign, mov);

  return {
    id: s.id,
    t: s.t,
    dtS,
    lat,
    lon,
    fixT,
    fix,
    spdKmh,
    hdgDeg,
    stepM,
    mov,
    stillT,
    stillId,
    ign,
    ignDevice,
    ignT,
    odoM,
    odoDevice,
    engineS,
    engineDevice,
    fuelUsed,
    fuelUnit,
    fuelLevel,
    fuelRef,
    fences,
    driverId,
    activity,
    activityReported: s.x?.activity !== undefined,
  };
}
