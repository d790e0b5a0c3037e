import type { DerivedEvent } from '../../actors/derived-event.ts';
import type { TelemetryRecord } from '../model/index.ts';

/** Record and event -> the row shapes of schema.ts (JSONEachRow). */

export interface RecordRow {
  tenant_id: string;
  device_id: string;
  record_id: string;
  device_time_ms: number;
  received_at_ms: number;
  protocol: string;
  priority: string;
  has_position: number;
  lat: number;
  lon: number;
  altitude_m: number | null;
  speed_kmh: number;
  heading_deg: number | null;
  satellites: number | null;
  ignition: number | null;
  driver_id: string;
  alarms: string[];
  record_json: string;
}

export function recordRow(r: TelemetryRecord): RecordRow {
  const p = r.position;
  return {
    tenant_id: r.tenantId,
    device_id: r.deviceId,
    record_id: r.id,
    device_time_ms: r.deviceTime,
    received_at_ms: r.receivedAt,
    protocol: r.protocol,
    priority: r.priority,
    has_position: p ? 1 : 0,
    lat: p?.lat ?? 0,
    lon: p?.lon ?? 0,
    altitude_m: p?.altitudeM ?? null,
    speed_kmh: p?.speedKmh ?? 0,
    heading_deg: p?.headingDeg ?? null,
    satellites: p?.satellites ?? null,
    ignition: r.ignition === undefined ? null : r.ignition ? 1 : 0,
    driver_id: r.driverId ?? r.tachograph?.driverId ?? '',
    alarms: r.alarms ?? [],
    record_json: JSON.stringify(r),
  };
}

export interface EventRow {
  tenant_id: string;
  device_id: string;
  event_id: string;
  type: string;
  time_ms: number;
  critical: number;
  data_json: string;
}

export function eventRow(e: DerivedEvent): EventRow {
  return {
    tenant_id: e.tenantId,
    device_id: e.deviceId,
    event_id: e.id,
    type: e.type,
    time_ms: e.time,
    critical: e.critical ? 1 : 0,
    data_json: JSON.stringify(e.data),
  };
}
