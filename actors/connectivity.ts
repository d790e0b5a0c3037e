import type { TelemetryRecord } from '../engine/model/index.ts';

/**
 * Connectivity concern: online while records arrive, offline after a silence
 * (receive-time based: a device replaying old buffered records is alive now).
 * Pure helpers; the device machine wires them into its `connectivity` region.
 */
export interface ConnectivitySlice {
  /** Receive time (epoch ms) of the last record. */
  lastSeen: number;
  /** Id of the last record received, the cause of a later `device.offline`. */
  lastRecordId: string;
  offlineAfterMs: number;
}

export function isSilent(slice: ConnectivitySlice, now: number): boolean {
  return slice.lastSeen > 0 && now - slice.lastSeen >= slice.offlineAfterMs;
}

export function seen(slice: ConnectivitySlice, record: TelemetryRecord): ConnectivitySlice {
  if (record.receivedAt < slice.lastSeen) return slice;
  return { ...slice, lastSeen: record.receivedAt, lastRecordId: record.id };
}
