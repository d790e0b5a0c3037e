import type { TelemetryRecord } from '../engine/model/index.ts';

/** The device's live position: only ever moves forward in device time. */
export interface LivePosition {
  lat: number;
  lon: number;
  speedKmh: number;
  headingDeg: number;
  /** Device time, epoch ms. */
  time: number;
}

/**
 * A late record (device time older than what we show) is stored and folds into
 * history elsewhere, but never moves the live marker backwards.
 */
export function nextLivePosition(current: LivePosition | null, record: TelemetryRecord, maxFutureMs = Infinity): LivePosition | null {
  const p = record.position;
  if (!p || p.valid === false) return current;
  // a device clock far ahead of the receive time would pin the marker in the future
  if (record.deviceTime - record.receivedAt > maxFutureMs) return current;
  if (current && record.deviceTime < current.time) return current;
  return {
    lat: p.lat,
    lon: p.lon,
    speedKmh: p.speedKmh,
    headingDeg: p.headingDeg ?? current?.headingDeg ?? 0,
    time: record.deviceTime,
  };
}
