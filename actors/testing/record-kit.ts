import type { DriverActivity, EngineReading, TelemetryRecord } from '../../engine/model/index.ts';
import type { DerivedEvent } from '../derived-event.ts';
import { DeviceActor } from '../device-actor.ts';
import { parseEventData } from '../events.ts';
import { EARTH_RADIUS_M } from '../geo.ts';

/**
 * Test kit for the actors: records from a few fields, positions along a
 * straight road, and an actor with an injected clock. Times are seconds from
 * T0 (a Monday, 08:00 UTC) so scripts read like a timetable.
 */

export const T0 = Date.UTC(2025, 0, 6, 8, 0, 0);
export const TENANT = 'acme';
export const DEVICE = 'truck-7';
export const at = (s: number): number => T0 + s * 1000;

export interface RecSpec {
  /** Device time, seconds from T0. */
  at: number;
  /** Receive time minus device time, seconds (default 1). */
  lagS?: number;
  id?: string;
  lat?: number;
  lon?: number;
  speed?: number;
  heading?: number;
  hdop?: number;
  valid?: boolean;
  ign?: boolean;
  moving?: boolean;
  engine?: EngineReading;
  probes?: Record<string, number>;
  tyres?: Record<string, number>;
  doors?: Record<string, boolean>;
  loadsKg?: number[];
  driver?: string;
  tachoDriver?: string;
  activity?: DriverActivity;
  alarms?: TelemetryRecord['alarms'];
  device?: string;
}

export function rec(spec: RecSpec): TelemetryRecord {
  const deviceTime = at(spec.at);
  const device = spec.device ?? DEVICE;
  const r: TelemetryRecord = {
    id: spec.id ?? `${device}-${spec.at}`,
    tenantId: TENANT as TelemetryRecord['tenantId'],
    deviceId: device as TelemetryRecord['deviceId'],
    protocol: 'simulator',
    deviceTime,
    receivedAt: deviceTime + (spec.lagS ?? 1) * 1000,
    priority: spec.alarms?.some((a) => a === 'panic' || a === 'crash') ? 'critical' : 'normal',
  };
  if (spec.lat !== undefined && spec.lon !== undefined) {
    r.position = { lat: spec.lat, lon: spec.lon, speedKmh: spec.speed ?? 0 };
    if (spec.heading !== undefined) r.position.headingDeg = spec.heading;
    if (spec.hdop !== undefined) r.position.hdop = spec.hdop;
    if (spec.valid !== undefined) r.position.valid = spec.valid;
  }
  if (spec.ign !== undefined) r.ignition = spec.ign;
  if (spec.moving !== undefined) r.moving = spec.moving;
  if (spec.engine) r.engine = spec.engine;
  if (spec.probes) r.probes = Object.entries(spec.probes).map(([probe, tempC]) => ({ probe, tempC }));
  if (spec.tyres) r.tyres = Object.entries(spec.tyres).map(([wheel, pressureKpa]) => ({ wheel, pressureKpa }));
  if (spec.doors) r.doors = Object.entries(spec.doors).map(([door, open]) => ({ door, open }));
  if (spec.loadsKg) r.axleLoadsKg = spec.loadsKg;
  if (spec.driver) r.driverId = spec.driver;
  if (spec.tachoDriver || spec.activity) r.tachograph = { driverId: spec.tachoDriver, activity: spec.activity };
  if (spec.alarms) r.alarms = spec.alarms;
  return r;
}

/** The point `north` and `east` metres from (lat, lon). */
export function offset(lat: number, lon: number, north: number, east: number): { lat: number; lon: number } {
  const dLat = (north / EARTH_RADIUS_M) * (180 / Math.PI);
  const dLon = (east / (EARTH_RADIUS_M * Math.cos((lat * Math.PI) / 180))) * (180 / Math.PI);
  return { lat: lat + dLat, lon: lon + dLon };
}

export const DEPOT = { lat: 52.52, lon: 13.405 };

/**
 * Records every `everyS` seconds from `fromS` for `durationS`, driving due
 * east from `start` at `speed` km/h (0: parked at start). Returns the records
 * and where the vehicle ends.
 */
export function driveEast(
  start: { lat: number; lon: number },
  fromS: number,
  durationS: number,
  everyS: number,
  speed: number,
  extra: Omit<RecSpec, 'at' | 'lat' | 'lon' | 'speed'> = {},
): { records: TelemetryRecord[]; end: { lat: number; lon: number } } {
  const records: TelemetryRecord[] = [];
  let end = start;
  for (let s = 0; s <= durationS; s += everyS) {
    end = offset(start.lat, start.lon, 0, (speed / 3.6) * s);
    records.push(rec({ heading: 90, ...extra, at: fromS + s, lat: end.lat, lon: end.lon, speed }));
  }
  return { records, end };
}

/** An actor with a clock you move by hand (tick), plus a log of everything it derived. */
export class TestDevice {
  readonly actor: DeviceActor;
  readonly events: DerivedEvent[] = [];

  constructor(opts: { offlineAfterS?: number; device?: string; settings?: Record<string, unknown>; geofences?: unknown[] } = {}) {
    this.actor = new DeviceActor(TENANT as never, (opts.device ?? DEVICE) as never, (opts.offlineAfterS ?? 300) * 1000);
    if (opts.settings || opts.geofences) this.settings(opts.settings ?? {}, opts.geofences ?? []);
  }

  feed(...records: (TelemetryRecord | TelemetryRecord[])[]): DerivedEvent[] {
    const out: DerivedEvent[] = [];
    for (const r of records.flat()) out.push(...this.actor.record(r));
    return this.log(out);
  }

  /** Tick at `s` seconds from T0 (wall clock). */
  tick(s: number): DerivedEvent[] {
    return this.tickAt(at(s));
  }

  /** Tick at an absolute time (epoch ms). */
  tickAt(now: number): DerivedEvent[] {
    return this.log(this.actor.tick(now));
  }

  settings(settings: Record<string, unknown>, geofences: unknown[] = []): DerivedEvent[] {
    return this.log(this.actor.applySettings(settings as never, geofences));
  }

  private log(events: DerivedEvent[]): DerivedEvent[] {
    for (const e of events) {
      const v = parseEventData(e.type, e.data);
      if (!v.success) throw new Error(`event ${e.type} does not match its schema: ${v.error}`);
    }
    this.events.push(...events);
    return events;
  }

  of(type: string): DerivedEvent[] {
    return this.events.filter((e) => e.type === type);
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }
}
