import type { CompiledGeofence, DeviceConfig } from './device-settings.ts';
import { exact, none } from './empty.ts';
import { durationS } from './episode.ts';
import { out, type Out } from './events.ts';
import { fenceIndex } from './overspeed.ts';
import type { Track } from './track.ts';

/**
 * Geofence membership: the track says which fences (circle or polygon) the
 * jitter-filtered position is in; this concern turns changes of that set
 * into `geofence.entered` / `geofence.exited` with the dwell time.
 */
export interface FenceVisit {
  id: string;
  /** Device time of entry. */
  t: number;
}

export interface GeofenceSlice {
  inside: FenceVisit[];
}

export const initialGeofences = (): GeofenceSlice => ({ inside: none() });

function nameOf(id: string, fences: readonly CompiledGeofence[] | null): string {
  return (fences && fenceIndex(fences).get(id)?.name) ?? id;
}

/** Did the set of fences the position is in change against what we last reported? */
export function membershipChanges(slice: GeofenceSlice, c: Track): boolean {
  const now = c.fences;
  if (now === null) return false;
  if (now.length !== slice.inside.length) return true;
  for (const v of slice.inside) if (!now.includes(v.id)) return true;
  return false;
}

export function updateMembership(slice: GeofenceSlice, c: Track, config: DeviceConfig): { slice: GeofenceSlice; out: Out[] } {
  const now = c.fences;
  if (now === null) return { slice, out: [] };
  const events: Out[] = [];
  const inside: FenceVisit[] = [];
  for (const v of slice.inside) {
    if (now.includes(v.id)) inside.push(v);
    else
      events.push(
        out('geofence.exited', c.t, `${c.id}/${v.id}`, { geofenceId: v.id, name: nameOf(v.id, config.geofences), dwellS: durationS(v.t, c.t), reason: 'left' }),
      );
  }
  for (const id of now) {
    if (slice.inside.some((v) => v.id === id)) continue;
    inside.push({ id, t: c.t });
    events.push(out('geofence.entered', c.t, `${c.id}/${id}`, { geofenceId: id, name: nameOf(id, config.geofences) }));
  }
  return { slice: { inside: exact(inside) }, out: events };
}

/** Fences deleted while the device was inside them: exited, reason `removed`, at the last applied record. */
export function pruneRemoved(
  slice: GeofenceSlice,
  before: readonly CompiledGeofence[] | null,
  after: readonly CompiledGeofence[],
  last: Track,
): { slice: GeofenceSlice; out: Out[] } {
  const keep = new Set(after.map((g) => g.id));
  const gone = slice.inside.filter((v) => !keep.has(v.id));
  if (gone.length === 0) return { slice, out: [] };
  const t = Math.max(last.t, ...gone.map((v) => v.t));
  return {
    slice: { inside: slice.inside.length > gone.length ? exact(slice.inside.filter((v) => keep.has(v.id))) : none() },
    out: gone.map((v) =>
      out('geofence.exited', t, `${v.id}@${v.t}/removed`, { geofenceId: v.id, name: nameOf(v.id, before), dwellS: durationS(v.t, t), reason: 'removed' }),
    ),
  };
}
