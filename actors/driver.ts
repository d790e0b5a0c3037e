import { out, type Out } from './events.ts';
import type { Track } from './track.ts';

/**
 * The driver: id from record.driverId or the tachograph's card (a record
 * without one keeps the current driver), and the driver activity per record
 * (tachograph when reported, else inferred: moving = driving, stationary with
 * the ignition on = working, ignition off = rest). Both live on the track
 * (`context.track.driverId`, `context.track.activity`); every ordered sample
 * an input carries (`orderedOf(event)`: `p` before, `c` after) has them, in
 * device-time order. That is the seam the EU 561 counters
 * (actors/driving-time/) plug into: a region reacting to ordered samples
 * feeds the driver's ActivityLog `log.add(c.t, c.activity)` ("from c.t on the
 * driver does c.activity"), keyed by `c.driverId`; `c.activityReported` says
 * whether it came from a tachograph or was inferred.
 */
export const driverChanges = (p: Track, c: Track): boolean => c.driverId !== null && c.driverId !== p.driverId;

export function driverChanged(p: Track, c: Track): Out[] {
  return [out('driver.changed', c.t, c.id, { from: p.driverId, to: c.driverId! })];
}
