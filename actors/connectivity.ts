import type { TelemetryRecord } from '../engine/model/index.ts';
import type { DeviceSettings } from './device-settings.ts';
import { out, type Out } from './events.ts';
import { iso } from './geo.ts';
import type { LivePosition } from './live-position.ts';
import { recordId } from './sample.ts';

/**
 * Connectivity concern, on arrival (not reordered): online while records
 * arrive, offline after a silence (receive-time based: a device replaying old
 * buffered records is alive now); the offline backlog (records received long
 * after their device time while a device catches up after store-and-forward);
 * a stale position (records keep coming without a valid fix); and the live
 * ignition (newest record that reports it), for the view.
 */
export interface BacklogSlice {
  /** Records that arrived late in this backlog. */
  records: number;
  maxLagMs: number;
  /** Oldest device time seen in it. */
  oldestT: number;
  /** tooLate counter (reorder) when the backlog began, to report how many of its records missed history. */
  tooLate0: number;
}

export interface ConnectivitySlice {
  /** Receive time (epoch ms) of the last record. */
  lastSeen: number;
  /** Id of the last record received, the cause of a later `device.offline`. */
  lastRecordId: string;
  offlineAfterMs: number;
  /** Live ignition: the newest record (device time) that reported it. */
  ignition: boolean | null;
  ignitionT: number;
  /** Open backlog, null when records arrive on time. */
  backlog: BacklogSlice | null;
}

export const initialConnectivity = (offlineAfterMs: number): ConnectivitySlice => ({
  lastSeen: 0,
  lastRecordId: '',
  offlineAfterMs,
  ignition: null,
  ignitionT: 0,
  backlog: null,
});

/**
 * What the shard has heard of its devices: every record received before
 * `upTo` has been applied, and intake has run without a gap since `since`.
 * Silence is judged on this, not on the wall clock alone: records still
 * waiting in a backlog, or refused while NATS or the engine was down, are
 * the platform's silence, not the device's.
 */
export interface Hearing {
  upTo: number;
  since: number;
}

/** Offline: the device said nothing for offlineAfterMs of time in which the platform was listening. */
export function isSilent(slice: ConnectivitySlice, now: number, hearing?: Hearing): boolean {
  if (slice.lastSeen <= 0) return false;
  const heardTo = hearing ? Math.min(now, hearing.upTo) : now;
  const from = hearing ? Math.max(slice.lastSeen, hearing.since) : slice.lastSeen;
  return heardTo - from >= slice.offlineAfterMs;
}

export function seen(slice: ConnectivitySlice, record: TelemetryRecord): ConnectivitySlice {
  let next = slice;
  if (record.receivedAt >= slice.lastSeen) next = { ...next, lastSeen: record.receivedAt, lastRecordId: recordId(record.id) };
  if (record.ignition !== undefined && record.deviceTime >= slice.ignitionT) next = { ...next, ignition: record.ignition, ignitionT: record.deviceTime };
  return next;
}

export const lagMs = (r: TelemetryRecord): number => r.receivedAt - r.deviceTime;
export const isLagging = (r: TelemetryRecord, cfg: DeviceSettings): boolean => lagMs(r) >= cfg.catchUpLagS * 1000;

export function backlogStep(slice: ConnectivitySlice, r: TelemetryRecord, tooLate: number): ConnectivitySlice {
  const b = slice.backlog;
  const lag = lagMs(r);
  return {
    ...slice,
    backlog: b
      ? { records: b.records + 1, maxLagMs: Math.max(b.maxLagMs, lag), oldestT: Math.min(b.oldestT, r.deviceTime), tooLate0: b.tooLate0 }
      : { records: 1, maxLagMs: lag, oldestT: r.deviceTime, tooLate0: tooLate },
  };
}

export function catchingUp(r: TelemetryRecord): Out[] {
  return [out('device.catchingup', r.deviceTime, r.id, { lagS: Math.round(lagMs(r) / 1000) })];
}

export function caughtUp(b: BacklogSlice, r: TelemetryRecord, tooLate: number): Out[] {
  return [
    out('device.caughtup', r.deviceTime, r.id, {
      records: b.records,
      maxLagS: Math.round(b.maxLagMs / 1000),
      oldestTime: iso(b.oldestT),
      tooLate: tooLate - b.tooLate0,
    }),
  ];
}

export function online(slice: ConnectivitySlice, r: TelemetryRecord): Out[] {
  return [out('device.online', r.deviceTime, r.id, { offlineForS: Math.max(0, Math.round((r.receivedAt - slice.lastSeen) / 1000)) })];
}

export function offline(slice: ConnectivitySlice, position: LivePosition | null): Out[] {
  return [
    out('device.offline', position?.time ?? slice.lastSeen, slice.lastRecordId, {
      lastSeen: iso(slice.lastSeen),
      silentForS: Math.round(slice.offlineAfterMs / 1000),
    }),
  ];
}

/** A newer record without a valid fix, stalePositionS after the last one. */
export function positionGoesStale(position: LivePosition | null, r: TelemetryRecord, cfg: DeviceSettings): boolean {
  const fix = r.position && r.position.valid !== false;
  return !fix && position !== null && r.deviceTime - position.time >= cfg.stalePositionS * 1000;
}

export function positionFresh(position: LivePosition | null, r: TelemetryRecord): boolean {
  return !!r.position && r.position.valid !== false && (position === null || r.deviceTime >= position.time);
}

export function stale(position: LivePosition, r: TelemetryRecord): Out[] {
  return [out('position.stale', r.deviceTime, r.id, { lastFixTime: iso(position.time), ageS: Math.round((r.deviceTime - position.time) / 1000) })];
}
