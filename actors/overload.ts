import type { DeviceSettings } from './device-settings.ts';
import { durationS, stepEpisode, type Episode, type EpisodeStep } from './episode.ts';
import { out, type Out } from './events.ts';
import type { Sample } from './sample.ts';

/**
 * Overload: the summed axle loads over maxWeightKg for overloadMinS (axle
 * sensors spike on bumps), cleared OVERLOAD_CLEAR_FRACTION under the maximum.
 */
export type OverloadSlice = Episode | null;

export const OVERLOAD_CLEAR_FRACTION = 0.98;

export function overloadStep(ep: OverloadSlice, s: Sample, cfg: DeviceSettings): EpisodeStep | null {
  const max = cfg.maxWeightKg;
  if (max === undefined) return ep ? { ep: null, confirmed: null, ended: null } : null;
  if (s.x?.loadKg === undefined) return null;
  return stepEpisode(ep, { id: s.id, t: s.t, value: s.x?.loadKg, bad: s.x?.loadKg > max, clear: s.x?.loadKg <= max * OVERLOAD_CLEAR_FRACTION }, cfg.overloadMinS);
}

export function overloadEvents(st: EpisodeStep, s: Sample, cfg: DeviceSettings): Out[] {
  const events: Out[] = [];
  if (st.ended) events.push(out('overload.cleared', s.t, st.ended.id, { peakKg: st.ended.peak, durationS: durationS(st.ended.t0, s.t) }));
  if (st.confirmed) {
    const max = cfg.maxWeightKg!;
    events.push(
      out('overload', st.confirmed.t0, st.confirmed.id, { weightKg: s.x?.loadKg!, maxWeightKg: max, overKg: s.x?.loadKg! - max, durationS: durationS(st.confirmed.t0, s.t) }),
    );
  }
  return events;
}
