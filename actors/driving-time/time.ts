import { DAY_S, WEEK_S } from './limits.ts';

/**
 * Time helpers. The API takes and returns epoch milliseconds (UTC); inside,
 * everything is whole seconds (the tachograph works in minutes, so a second
 * is plenty and keeps every counter an integer).
 */

/** Largest accepted time: samples are stored as uint32 seconds (year 2106). */
export const MAX_TIME_MS = 0xffff_ffff * 1000;

export function msToS(ms: number): number {
  return Math.floor(ms / 1000);
}

export function sToMs(s: number): number {
  return s * 1000;
}

/** Monday 00:00 UTC of the week holding `s` (art. 4(i): a week runs Monday 00:00 to Sunday 24:00). */
export function weekStartS(s: number): number {
  const day = Math.floor(s / DAY_S);
  // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays.
  const sinceMonday = (((day + 3) % 7) + 7) % 7;
  return (day - sinceMonday) * DAY_S;
}

export function nextWeekStartS(s: number): number {
  return weekStartS(s) + WEEK_S;
}

const dayPrefix = new Map<number, string>();
const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * ISO-8601 of a time in seconds ("2024-01-01T06:00:00.000Z"), or null when it
 * is not a finite time. Same output as Date#toISOString, about 5x faster: the
 * date part is cached per day (counters format ~8 times per evaluation).
 */
export function isoFromS(s: number): string | null {
  if (!Number.isFinite(s)) return null;
  const day = Math.floor(s / DAY_S);
  let prefix = dayPrefix.get(day);
  if (prefix === undefined) {
    const iso = new Date(day * DAY_S * 1000).toISOString();
    if (iso.length !== 24) return new Date(s * 1000).toISOString(); // years outside 0000-9999
    if (dayPrefix.size >= 256) dayPrefix.clear();
    prefix = iso.slice(0, 11);
    dayPrefix.set(day, prefix);
  }
  const r = s - day * DAY_S;
  return `${prefix}${pad2(Math.floor(r / 3600))}:${pad2(Math.floor((r % 3600) / 60))}:${pad2(r % 60)}.000Z`;
}

/** "4h31m", "45m", "1h0m5s": for infringement details. */
export function formatDuration(totalS: number): string {
  const s = Math.max(0, Math.round(totalS));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const hm = h > 0 ? `${h}h${m}m` : `${m}m`;
  return rest > 0 ? `${hm}${rest}s` : hm;
}
