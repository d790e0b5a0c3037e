import { none } from './empty.ts';
import { compareSamples, type Sample } from './sample.ts';

/**
 * The reorder window: history-dependent concerns (trips, odometer, fuel per
 * day, episodes...) must see a device's records in device-time order even
 * when they arrive out of order (urgent lane, redeliveries, store-and-forward).
 *
 * A record is held until the device has reported something at least
 * `windowMs` newer (the watermark), or until more than `maxHeld` are held, or
 * until the device has been silent for `windowMs` (a tick flushes). Released
 * records are applied in (device time, id) order. A record older than one
 * already applied is too late: it is stored (not our concern), counted, and
 * kept out of history. See actors/README.md.
 */
export interface ReorderSlice {
  /** Held samples, sorted by (t, id). */
  held: Sample[];
  /** Newest device time admitted (0: none). */
  maxT: number;
  /** Records kept out of history because something newer had already been applied. */
  tooLate: number;
  /** How far behind the last applied record the latest too-late one was, ms. */
  tooLateByMs: number;
  /** Records with a device time implausibly ahead of their receive time. */
  future: number;
}

export const initialReorder = (): ReorderSlice => ({ held: none(), maxT: 0, tooLate: 0, tooLateByMs: 0, future: 0 });

export type Admission =
  | { verdict: 'held' | 'duplicate'; slice: ReorderSlice; release: Sample[] }
  | { verdict: 'late'; slice: ReorderSlice; release: Sample[] };

/** `last` is the last applied sample (t 0: none yet). */
export function admit(
  slice: ReorderSlice,
  last: { t: number; id: string },
  s: Sample,
  windowMs: number,
  maxHeld: number,
): Admission {
  if (last.t > 0 || last.id !== '') {
    const c = compareSamples(s, last);
    if (c === 0) return { verdict: 'duplicate', slice, release: [] };
    if (c < 0) {
      return {
        verdict: 'late',
        slice: { ...slice, tooLate: slice.tooLate + 1, tooLateByMs: last.t - s.t },
        release: [],
      };
    }
  }
  // insertion into a short sorted array (maxHeld is small)
  const held = slice.held;
  let i = held.length;
  while (i > 0 && compareSamples(held[i - 1]!, s) > 0) i--;
  if (i > 0 && held[i - 1]!.id === s.id && held[i - 1]!.t === s.t) return { verdict: 'duplicate', slice, release: [] };
  // built at its exact length (and cut with slice): splice would leave the held list room for 16 more samples
  const next = new Array<Sample>(held.length + 1);
  for (let k = 0; k < i; k++) next[k] = held[k]!;
  next[i] = s;
  for (let k = i; k < held.length; k++) next[k + 1] = held[k]!;
  const maxT = Math.max(slice.maxT, s.t);
  const watermark = maxT - windowMs;
  let n = 0;
  while (n < next.length && (next[n]!.t <= watermark || next.length - n > maxHeld)) n++;
  const release = n ? next.slice(0, n) : none<Sample>();
  const kept = n === 0 ? next : n < next.length ? next.slice(n) : none<Sample>();
  return { verdict: 'held', slice: { ...slice, held: kept, maxT }, release };
}

/** Release everything held (the device went quiet). */
export function flush(slice: ReorderSlice): { slice: ReorderSlice; release: Sample[] } {
  if (slice.held.length === 0) return { slice, release: [] };
  return { slice: { ...slice, held: none() }, release: slice.held };
}

/** A device time this far ahead of the receive time is a broken clock. */
export function isFromTheFuture(deviceTime: number, receivedAt: number, maxFutureMs: number): boolean {
  return deviceTime - receivedAt > maxFutureMs;
}
