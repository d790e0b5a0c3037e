import { isSilent, type ConnectivitySlice, type Hearing } from '../../actors/connectivity.ts';

/**
 * When the shard's sweep ticks a live actor. A tick runs the whole machine
 * (tens of µs), so with 100,000 live actors it is given only to those it can
 * change: a device quiet for QUIET_TICK_MS since its last record (its reorder
 * window is flushed), one whose silence may have run out, and every actor at
 * least every SLOW_TICK_MS (durations, dates).
 */
export const QUIET_TICK_MS = 10_000;
export const SLOW_TICK_MS = 60_000;

/** What the rule reads of a live actor (epoch ms, the shard's clock). */
export interface TickClock {
  lastTick: number;
  /** When its last record was applied. */
  lastActivity: number;
}

export function tickDue(c: TickClock, online: boolean, connectivity: ConnectivitySlice, now: number, hearing?: Hearing): boolean {
  if (c.lastTick < c.lastActivity && now - c.lastActivity >= QUIET_TICK_MS) return true;
  if (now - c.lastTick >= SLOW_TICK_MS) return true;
  return online && isSilent(connectivity, now, hearing);
}

/**
 * No tick falls due before this, however the clock moves on and whatever is
 * heard, until a record, a tick or new settings change the actor. Silence can
 * only be delayed by hearing: offline needs offlineAfterMs heard since the
 * last record, and no more can have been heard than has passed. So a sweep
 * reads one number of an actor that is not due instead of the actor.
 */
export function earliestTick(c: TickClock, online: boolean, connectivity: ConnectivitySlice): number {
  let at = c.lastTick + SLOW_TICK_MS;
  if (c.lastTick < c.lastActivity) at = Math.min(at, c.lastActivity + QUIET_TICK_MS);
  if (online && connectivity.lastSeen > 0) at = Math.min(at, connectivity.lastSeen + connectivity.offlineAfterMs);
  return at;
}
