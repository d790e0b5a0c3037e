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
  const next = held.slice();
  next.splice(i, 0, s);
  const maxT = Math.max(slice.maxT, s.t);
  const watermark = maxT - windowMs;
  let n = 0;
  while (n < next.length && (next[n]!.t <= watermark || next.length - n > maxHeld)) n++;
  const release = n ? next.splice(0, n) : none<Sample>();
  return { verdict: 'held', slice: { ...slice, held: next.length ? next : none(), maxT }, release };
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
