/**
 * The 6-byte date-time every GT06 position carries: YY MM DD hh mm ss, binary
 * (not BCD), UTC, year counted from 2000. A device without a GPS time sends
 * garbage or zeros here, so each field is range-checked and the caller skips
 * the record instead of inventing a time.
 */

export type DateTimeResult = { ok: true; epochMs: number } | { ok: false; reason: string };

export const DATE_TIME_BYTES = 6;

export function readDateTime(b: Uint8Array, off: number): DateTimeResult {
  const yy = b[off] as number;
  const mo = b[off + 1] as number;
  const dd = b[off + 2] as number;
  const hh = b[off + 3] as number;
  const mi = b[off + 4] as number;
  const ss = b[off + 5] as number;
  if (mo < 1 || mo > 12) return { ok: false, reason: `month ${mo} out of range` };
  const year = 2000 + yy;
  // Day 0 of the next month is the last day of this one.
  const daysInMonth = new Date(Date.UTC(year, mo, 0)).getUTCDate();
  if (dd < 1 || dd > daysInMonth) return { ok: false, reason: `day ${dd} out of range for ${year}-${mo}` };
  if (hh > 23 || mi > 59 || ss > 59) return { ok: false, reason: `time ${hh}:${mi}:${ss} out of range` };
  return { ok: true, epochMs: Date.UTC(year, mo - 1, dd, hh, mi, ss) };
}

/** Encode epoch ms as the 6-byte UTC date-time (used by the time-calibration answer). */
export function writeDateTime(epochMs: number, out: Uint8Array, off: number): void {
  const d = new Date(epochMs);
  // The year field has one byte counted from 2000; clamp rather than wrap.
  out[off] = Math.min(255, Math.max(0, d.getUTCFullYear() - 2000));
  out[off + 1] = d.getUTCMonth() + 1;
  out[off + 2] = d.getUTCDate();
  out[off + 3] = d.getUTCHours();
  out[off + 4] = d.getUTCMinutes();
  out[off + 5] = d.getUTCSeconds();
}
