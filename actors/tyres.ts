import type { DeviceSettings } from './device-settings.ts';
import { exact, none } from './empty.ts';
import { durationS, stepEpisode, type Episode } from './episode.ts';
import { out, type Out } from './events.ts';
import { round } from './geo.ts';
import type { Sample } from './sample.ts';

/**
 * Tyres (TPMS): a wheel is low under tyreMinKpa when set, otherwise
 * tyreLowPct under its learned nominal pressure (the highest seen; set
 * tyreMinKpa when a wheel may be first seen already flat). A fast leak is
 * pressure falling at least tyreLeakKpaPerMin between two readings at most
 * LEAK_MAX_GAP_S apart.
 */
export interface WheelState {
  wheel: string;
  kpa: number;
  /** Device time of the last reading. */
  t: number;
  nominalKpa: number;
  low: Episode | null;
  leaking: boolean;
}

export type TyreSlice = WheelState[];

export const initialTyres = (): TyreSlice => none();

export const LEAK_MIN_DROP_KPA = 10;
export const LEAK_MAX_GAP_S = 900;
/** A low wheel is normal again this far (fraction) over the threshold. */
export const TYRE_HYSTERESIS = 0.05;

export function thresholdKpa(w: { nominalKpa: number }, cfg: DeviceSettings): number {
  return cfg.tyreMinKpa ?? w.nominalKpa * (1 - cfg.tyreLowPct / 100);
}

export function tyreStep(slice: TyreSlice, s: Sample, cfg: DeviceSettings): { slice: TyreSlice; out: Out[] } {
  if (!s.x?.tyres) return { slice, out: [] };
  const events: Out[] = [];
  const next = slice.slice();
  const list = s.x?.tyres;
  for (let k = 0; list && k + 1 < list.length; k += 2) {
    const wheel = list[k] as string;
    const kpa = list[k + 1] as number;
    const i = next.findIndex((w) => w.wheel === wheel);
    const prev = i >= 0 ? next[i]! : null;
    const nominalKpa = Math.max(prev?.nominalKpa ?? 0, kpa);
    const thr = thresholdKpa({ nominalKpa }, cfg);
    const st = stepEpisode(prev?.low ?? null, { id: s.id, t: s.t, value: kpa, bad: kpa < thr, clear: kpa >= thr * (1 + TYRE_HYSTERESIS) }, 0, true);
    if (st.confirmed) events.push(out('tyre.pressure.low', s.t, `${st.confirmed.id}/${wheel}`, { wheel, pressureKpa: kpa, thresholdKpa: round(thr) }));
    if (st.ended)
      events.push(out('tyre.pressure.normal', s.t, `${st.ended.id}/${wheel}`, { wheel, pressureKpa: kpa, minKpa: st.ended.peak, durationS: durationS(st.ended.t0, s.t) }));
    let leaking = prev?.leaking ?? false;
    if (prev) {
      const dtMin = (s.t - prev.t) / 60_000;
      const drop = prev.kpa - kpa;
      if (dtMin > 0 && dtMin * 60 <= LEAK_MAX_GAP_S && drop >= LEAK_MIN_DROP_KPA && drop / dtMin >= cfg.tyreLeakKpaPerMin) {
        if (!leaking) events.push(out('tyre.leak', s.t, `${s.id}/${wheel}`, { wheel, pressureKpa: kpa, dropKpa: round(drop), kpaPerMin: round(drop / dtMin) }));
        leaking = true;
      } else if (drop <= 0) leaking = false;
    }
    const w: WheelState = { wheel, kpa, t: s.t, nominalKpa, low: st.ep, leaking };
    if (i >= 0) next[i] = w;
    else next.push(w);
  }
  return { slice: next.length > slice.length ? exact(next) : next, out: events };
}

export const anyTyreAlert = (slice: TyreSlice): boolean => slice.some((w) => w.leaking || (w.low?.on ?? false));
