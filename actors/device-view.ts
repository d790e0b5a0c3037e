import type { DeviceContext } from './device-setup.ts';
import { iso, round } from './geo.ts';

/**
 * The device as the API, the WebSocket and the live map show it. Field names
 * are a public contract (GET /v1/devices/{id}).
 *
 * Live fields (position, ignition, moving) follow the newest record; derived
 * fields (trip, openAlerts, driverId, odometerKm...) follow the ordered
 * history, which trails the newest record by at most the reorder window.
 */
export interface OpenAlert {
  type: string;
  /** ISO-8601 device time at which the condition began. */
  since: string;
  /** Which probe, wheel... when the alert is per part. */
  detail?: string;
}

export interface DeviceView {
  id: string;
  tenantId: string;
  online: boolean;
  lastSeen: string | null;
  position: { lat: number; lon: number; speed: number; heading: number; time: string } | null;
  records: number;
  ignition: boolean | null;
  moving: boolean;
  trip: { startedAt: string; distanceKm: number } | null;
  openAlerts: OpenAlert[];
  driverId: string | null;
  odometerKm: number | null;
  engineHours: number | null;
  activity: string | null;
  positionStale: boolean;
  geofences: { id: string; since: string }[];
  dtcs: string[];
  /** Present while the device catches up on a store-and-forward backlog. */
  backlog: { records: number; maxLagS: number } | null;
  /** Records kept out of history because they arrived after newer ones were applied (see actors/README.md). */
  tooLateRecords: number;
}

/** What the view needs from the machine's state value (the regions' states), beside the context. */
export interface ViewStates {
  online: boolean;
  positionStale: boolean;
  /** The overspeed region is alerting (confirmed), not merely over. */
  overspeeding: boolean;
}

export function openAlertsOf(ctx: DeviceContext, overspeeding: boolean): OpenAlert[] {
  const alerts: OpenAlert[] = [];
  if (ctx.overspeed && overspeeding) alerts.push({ type: 'overspeed', since: iso(ctx.overspeed.t0) });
  if (ctx.motion.idle) alerts.push({ type: 'idling', since: iso(ctx.motion.idle.t0) });
  if (ctx.health.coolant?.on) alerts.push({ type: 'coolant.overheating', since: iso(ctx.health.coolant.t0) });
  if (ctx.health.battery?.on) alerts.push({ type: 'battery.low', since: iso(ctx.health.battery.t0) });
  for (const x of ctx.coldChain) if (x.ep.on) alerts.push({ type: 'coldchain.excursion', since: iso(x.ep.t0), detail: x.probe });
  for (const w of ctx.tyres) {
    if (w.low?.on) alerts.push({ type: 'tyre.pressure.low', since: iso(w.low.t0), detail: w.wheel });
    if (w.leaking) alerts.push({ type: 'tyre.leak', since: iso(w.t), detail: w.wheel });
  }
  if (ctx.overload?.on) alerts.push({ type: 'overload', since: iso(ctx.overload.t0) });
  return alerts;
}

export function deviceViewOf(ctx: DeviceContext, { online, positionStale, overspeeding }: ViewStates): DeviceView {
  const p = ctx.position;
  const tr = ctx.track;
  const cfg = ctx.config.settings;
  const trip = ctx.motion.trip;
  const c = ctx.connectivity;
  const livePosition = p !== null && p.time >= tr.t;
  return {
    id: ctx.deviceId,
    tenantId: ctx.tenantId,
    online,
    lastSeen: c.lastSeen > 0 ? iso(c.lastSeen) : null,
    position: p ? { lat: p.lat, lon: p.lon, speed: round(p.speedKmh), heading: p.headingDeg, time: iso(p.time) } : null,
    records: ctx.records,
    ignition: c.ignition ?? tr.ign,
    moving: livePosition ? p.speedKmh >= cfg.movingKmh : tr.mov,
    trip: trip ? { startedAt: iso(trip.t0), distanceKm: round(trip.distM / 1000, 3) } : null,
    openAlerts: openAlertsOf(ctx, overspeeding),
    driverId: tr.driverId,
    odometerKm: tr.odoDevice || tr.lat !== null ? round(tr.odoM / 1000, 3) : null,
    engineHours: tr.engineDevice || tr.engineS > 0 ? round(tr.engineS / 3600, 2) : null,
    activity: tr.activity,
    positionStale,
    geofences: ctx.geofences.inside.map((v) => ({ id: v.id, since: iso(v.t) })),
    dtcs: ctx.health.dtcs.map((d) => d.code),
    backlog: c.backlog ? { records: c.backlog.records, maxLagS: Math.round(c.backlog.maxLagMs / 1000) } : null,
    tooLateRecords: ctx.reorder.tooLate,
  };
}

