import { isSilent, type Hearing } from '../../actors/connectivity.ts';
import type { DeviceContext } from '../../actors/device-setup.ts';
import { maintenanceDateDueAt } from '../../actors/engine-health.ts';
import { quietReleaseAt } from '../../actors/mailbox.ts';

/**
 * When the shard's sweep ticks a live actor. A tick runs the whole machine
 * (tens of µs), so with 100,000 live actors it is given only to those it can
 * change. Three things in a device happen by the clock rather than by a
 * record:
 * - records held in its reorder window are released once the device has been
 *   quiet for the window, and not sooner than QUIET_TICK_MS after the shard
 *   applied its last record (a backlog being applied is not a quiet device);
 * - an online device goes offline once its silence runs out;
 * - a planned maintenance date is reached.
 * Every actor was also ticked every 60 s until 2026-12, for nothing: at
 * 100,000 actors that was as many ticks as records.
 */
export const QUIET_TICK_MS = 10_000;

/** What the rule reads of the shard's side of a live actor (epoch ms, the shard's clock). */
export interface TickClock {
  /** When its last record was applied. */
  lastActivity: number;
}

/** The parts of a device's context the rule reads. */
export type ClockedContext = Pick<DeviceContext, 'reorder' | 'connectivity' | 'config' | 'health'>;

export function tickDue(c: TickClock, ctx: ClockedContext, online: boolean, now: number, hearing?: Hearing): boolean {
  return now >= dueWhateverIsHeard(c, ctx) || (online && isSilent(ctx.connectivity, now, hearing));
}

/**
 * No tick falls due before this, however the clock moves on and whatever is
 * heard, until a record, a tick or new settings change the actor. Silence can
 * only be delayed by hearing: offline needs offlineAfterMs heard since the
 * last record, and no more can have been heard than has passed. So a sweep
 * reads one number of an actor that is not due instead of the actor.
 */
export function earliestTick(c: TickClock, ctx: ClockedContext, online: boolean): number {
  const at = dueWhateverIsHeard(c, ctx);
  const { lastSeen, offlineAfterMs } = ctx.connectivity;
  return online && lastSeen > 0 ? Math.min(at, lastSeen + offlineAfterMs) : at;
}

/** The window's release and the maintenance date, which hearing does not delay. */
function dueWhateverIsHeard(c: TickClock, ctx: ClockedContext): number {
  const release = quietReleaseAt(ctx);
  const date = maintenanceDateDueAt(ctx.health.maintenance, ctx.config.settings);
  return release === Infinity ? date : Math.min(date, Math.max(release, c.lastActivity + QUIET_TICK_MS));
}
