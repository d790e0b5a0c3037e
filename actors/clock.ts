import type { DeviceContext } from './device-setup.ts';
import { maintenanceDateDueAt } from './engine-health.ts';
import { quietReleaseAt } from './mailbox.ts';

/**
 * When the clock, rather than a record, next changes a device (epoch ms;
 * Infinity: never until a record or new settings). Only three things happen
 * by the clock, each handled by `DeviceActor.tick`:
 * - the records held in the reorder window are released once the device has
 *   been quiet for the window;
 * - a planned maintenance date is reached;
 * - an online device goes offline once its silence runs out, counting only
 *   time the platform was listening, so hearing can only delay this one.
 * The shard ticks an actor only then, so a new clock-driven behaviour must
 * say here when it falls due, or it never happens.
 */
export interface ClockDue {
  release: number;
  date: number;
  silence: number;
}

export type ClockedContext = Pick<DeviceContext, 'reorder' | 'connectivity' | 'config' | 'health'>;

export function clockDue(ctx: ClockedContext, online: boolean): ClockDue {
  const { lastSeen, offlineAfterMs } = ctx.connectivity;
  return {
    release: quietReleaseAt(ctx),
    date: maintenanceDateDueAt(ctx.health.maintenance, ctx.config.settings),
    silence: online && lastSeen > 0 ? lastSeen + offlineAfterMs : Infinity,
  };
}
