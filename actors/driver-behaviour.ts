import type { DeviceConfig, DeviceSettings } from './device-settings.ts';
import { out, type EventType, type Out } from './events.ts';
import { headingDeltaDeg, iso, round } from './geo.ts';
import { isOver } from './overspeed.ts';
import { HARSH_ACCELERATION, HARSH_BRAKING, HARSH_CORNERING, type Sample } from './sample.ts';
import type { Track } from './track.ts';

/**
 * Driver behaviour: harsh braking, acceleration and cornering, from the
 * device's alarms or computed from speed and heading between records at most
 * harshMaxGapS apart (1 Hz data), and a per-driver score over the driver's
 * session in this vehicle (from the first record naming them to the next
 * driver). Scores across vehicles are summed downstream from `driver.score`.
 */
export interface BehaviourSlice {
  /** Session: driver (null: unidentified), start time and start sample id ('' before the first sample). */
  driverId: string | null;
  t0: number;
  id: string;
  distM: number;
  braking: number;
  acceleration: number;
  cornering: number;
  overspeedS: number;
  /** Device time of the last event of each kind (cool-down). */
  lastBrakingT: number;
  lastAccelerationT: number;
  lastCorneringT: number;
}

export const initialBehaviour = (): BehaviourSlice => ({
  driverId: null,
  t0: 0,
  id: '',
  distM: 0,
  braking: 0,
  acceleration: 0,
  cornering: 0,
  overspeedS: 0,
  lastBrakingT: 0,
  lastAccelerationT: 0,
  lastCorneringT: 0,
});

/** One manoeuvre spans several 1 Hz records: the same kind is not reported again within this. */
export const HARSH_COOLDOWN_S = 5;

/**
 * Score 0-100: weighted events per 100 km (braking 3, acceleration 2,
 * cornering 2, one per 30 s over the limit), over at least 10 km so a short
 * session is not ruined by one event; score = 100·e^(-rate/20).
 * Zero events: 100; 3 points per 100 km: 86; 20 per 100 km: 37.
 */
export function driverScore(b: Pick<BehaviourSlice, 'distM' | 'braking' | 'acceleration' | 'cornering' | 'overspeedS'>): number {
  const weighted = 3 * b.braking + 2 * b.acceleration + 2 * b.cornering + b.overspeedS / 30;
  const per100 = (weighted / Math.max(b.distM / 1000, 10)) * 100;
  return Math.round(100 * Math.exp(-per100 / 20));
}

/** Longitudinal and lateral acceleration (m/s²) between two close records; null when not computable. */
export function accelerations(p: Track, c: Track, cfg: DeviceSettings): { longMs2: number; latMs2: number | null } | null {
  if (p.id === '' || !p.fix || !c.fix || c.dtS <= 0 || c.dtS > cfg.harshMaxGapS) return null;
  const longMs2 = (c.spdKmh - p.spdKmh) / 3.6 / c.dtS;
  let latMs2: number | null = null;
  const vKmh = (c.spdKmh + p.spdKmh) / 2;
  if (p.hdgDeg !== null && c.hdgDeg !== null && vKmh >= cfg.harshCorneringMinKmh) {
    const omega = (Math.abs(headingDeltaDeg(p.hdgDeg, c.hdgDeg)) * Math.PI) / 180 / c.dtS;
    latMs2 = (vKmh / 3.6) * omega;
  }
  return { longMs2, latMs2 };
}

type Kind = 'braking' | 'acceleration' | 'cornering';
const LAST: Record<Kind, 'lastBrakingT' | 'lastAccelerationT' | 'lastCorneringT'> = {
  braking: 'lastBrakingT',
  acceleration: 'lastAccelerationT',
  cornering: 'lastCorneringT',
};

export function behaviourStep(b: BehaviourSlice, s: Sample, p: Track, c: Track, config: DeviceConfig): { slice: BehaviourSlice; out: Out[] } {
  const cfg = config.settings;
  const events: Out[] = [];
  let next = b;

  // session: a new driver closes the previous one
  if (next.id === '') next = { ...initialBehaviour(), driverId: c.driverId, t0: c.t, id: c.id };
  else if (c.driverId !== null && c.driverId !== next.driverId) {
    events.push(
      out('driver.score', c.t, `${next.id}/score`, {
        driverId: next.driverId,
        score: driverScore(next),
        distanceKm: round(next.distM / 1000, 3),
        braking: next.braking,
        acceleration: next.acceleration,
        cornering: next.cornering,
        overspeedS: Math.round(next.overspeedS),
        fromTime: iso(next.t0),
        toTime: iso(c.t),
      }),
    );
    next = { ...initialBehaviour(), driverId: c.driverId, t0: c.t, id: c.id };
  } else {
    next = { ...next, distM: next.distM + c.stepM, overspeedS: next.overspeedS + (isOver(c, config) && isOver(p, config) ? c.dtS : 0) };
  }

  // harsh manoeuvres
  const a = accelerations(p, c, cfg);
  const found: { kind: Kind; source: 'device' | 'computed'; accelMs2: number | null }[] = [];
  const dev = s.x?.harsh ?? 0;
  if (dev & HARSH_BRAKING) found.push({ kind: 'braking', source: 'device', accelMs2: null });
  else if (a && a.longMs2 <= -cfg.harshBrakingMs2) found.push({ kind: 'braking', source: 'computed', accelMs2: round(a.longMs2, 2) });
  if (dev & HARSH_ACCELERATION) found.push({ kind: 'acceleration', source: 'device', accelMs2: null });
  else if (a && a.longMs2 >= cfg.harshAccelerationMs2) found.push({ kind: 'acceleration', source: 'computed', accelMs2: round(a.longMs2, 2) });
  if (dev & HARSH_CORNERING) found.push({ kind: 'cornering', source: 'device', accelMs2: null });
  else if (a?.latMs2 != null && a.latMs2 >= cfg.harshCorneringMs2) found.push({ kind: 'cornering', source: 'computed', accelMs2: round(a.latMs2, 2) });

  for (const f of found) {
    const last = next[LAST[f.kind]];
    if (last > 0 && s.t - last < HARSH_COOLDOWN_S * 1000) continue;
    events.push(
      out(`harsh.${f.kind}` as Extract<EventType, `harsh.${string}`>, s.t, s.id, {
        source: f.source,
        accelMs2: f.accelMs2,
        speedKmh: c.fix ? round(c.spdKmh) : null,
        lat: c.lat,
        lon: c.lon,
        driverId: c.driverId,
      }),
    );
    next = { ...next, [f.kind]: next[f.kind] + 1, [LAST[f.kind]]: s.t };
  }
  return { slice: next, out: events };
}
