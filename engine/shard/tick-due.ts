import { clockDue, type ClockDue, type ClockedContext } from '../../actors/clock.ts';
import { isSilent, type Hearing } from '../../actors/connectivity.ts';

/**
 * When the shard's sweep ticks a live actor. A tick runs the whole machine
 * (tens of µs), so with 100,000 live actors it is given only when the clock
 * can change the device (actors/clock.ts), and a reorder window is released
 * no sooner than QUIET_TICK_MS after the shard applied the device's last
 * record: a backlog being applied is not a quiet device. Every actor was also
 * ticked every 60 s until 2026-12, for nothing: at 100,000 actors that was as
 * many ticks as records.
 */
export const QUIET_TICK_MS = 10_000;

/** What the rule reads of the shard's side of a live actor (epoch ms, the shard's clock). */
export interface TickClock {
  /** When its last record was applied. */
  lastActivity: number;
}

export function tickDue(c: TickClock, ctx: ClockedContext, online: boolean, now: number, hearing?: Hearing): boolean {
  return now >= dueWhateverIsHeard(c, clockDue(ctx, online)) || (online && isSilent(ctx.connectivity, now, hearing));
}

/**
 * No tick falls due before this, however the clock moves on and whatever is
 * heard, until a record, a tick or new settings change the actor. Silence can
 * only be delayed by hearing: offline needs offlineAfterMs heard since the
 * last record, and no more can have been heard than has passed. So a sweep
 * reads one number of an actor that is not due instead of the actor.
 */
export function earliestTick(c: TickClock, ctx: ClockedContext, online: boolean): number {
  const due = clockDue(ctx, online);
  return Math.min(dueWhateverIsHeard(c, due), due.silence);
}

/** The window's release and the maintenance date, which hearing does not delay. */
function dueWhateverIsHeard(c: TickClock, { release, date }: ClockDue): number {
  return release === Infinity ? date : Math.min(date, Math.max(release, c.lastActivity + QUIET_TICK_MS));
}
