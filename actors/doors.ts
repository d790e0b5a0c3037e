import type { DeviceConfig } from './device-settings.ts';
import { exact, none } from './empty.ts';
import { out, type Out } from './events.ts';
import { round } from './geo.ts';
import { fenceIndex } from './overspeed.ts';
import type { Sample } from './sample.ts';
import type { Track } from './track.ts';

/**
 * Doors: an opening (closed -> open) while moving is `door.opened.moving`;
 * otherwise, when geofences say where doors may open, an opening outside every
 * fence with doorsAllowed=true, or inside one with doorsAllowed=false, is
 * `door.opened.outside`. The slice is the list of doors currently open.
 */
export type DoorSlice = string[];

export const initialDoors = (): DoorSlice => none();

/** The doorsAllowed=false fence the position is in, or 'outside' when allowed fences exist and it is in none; null if fine or unknown. */
export function doorRuleBreach(c: Track, config: DeviceConfig): { geofenceId: string | null } | null {
  const fences = config.geofences;
  if (!fences || c.fences === null || c.lat === null) return null;
  const idx = fenceIndex(fences);
  for (const id of c.fences) if (idx.get(id)?.doorsAllowed === false) return { geofenceId: id };
  const anyAllowed = fences.some((g) => g.doorsAllowed === true);
  if (anyAllowed && !c.fences.some((id) => idx.get(id)?.doorsAllowed === true)) return { geofenceId: null };
  return null;
}

export function doorStep(open: DoorSlice, s: Sample, c: Track, config: DeviceConfig): { slice: DoorSlice; out: Out[] } {
  if (!s.x?.doors) return { slice: open, out: [] };
  const events: Out[] = [];
  let next = open;
  const list = s.x.doors;
  for (let k = 0; k + 1 < list.length; k += 2) {
    const door = list[k] as string;
    const isOpen = list[k + 1] === 1;
    const was = next.includes(door);
    if (isOpen && !was) {
      next = next.concat(door);
      if (c.mov) events.push(out('door.opened.moving', s.t, `${s.id}/${door}`, { door, speedKmh: round(c.spdKmh), lat: c.lat, lon: c.lon }));
      else {
        const breach = doorRuleBreach(c, config);
        if (breach) events.push(out('door.opened.outside', s.t, `${s.id}/${door}`, { door, geofenceId: breach.geofenceId, lat: c.lat, lon: c.lon }));
      }
    } else if (!isOpen && was) {
      next = exact(next.filter((d) => d !== door));
    }
  }
  return { slice: next, out: events };
}
