/**
 * A threshold episode, shared by coolant, battery, cold chain, tyres and
 * overload: a reading goes bad, stays bad for `minS` (then it is confirmed:
 * noise does not alert), and ends when a reading is clearly good again
 * (hysteresis: between "bad" and "clear" an episode holds).
 */
export interface Episode {
  /** Sample id of the first bad reading: the cause of the episode's events. */
  id: string;
  /** Device time of the first bad reading. */
  t0: number;
  /** Device time of the last bad reading. */
  t: number;
  /** Worst value seen (max, or min when lower is worse). */
  peak: number;
  /** Confirmed (bad for at least minS). */
  on: boolean;
}

export interface Reading {
  id: string;
  t: number;
  value: number;
  bad: boolean;
  /** Clearly good again (past the hysteresis). Not bad and not clear: the episode holds. */
  clear: boolean;
}

export interface EpisodeStep {
  ep: Episode | null;
  /** The episode was confirmed by this reading. */
  confirmed: Episode | null;
  /** A confirmed episode ended with this reading. */
  ended: Episode | null;
}

export function stepEpisode(ep: Episode | null, r: Reading, minS: number, lowerIsWorse = false): EpisodeStep {
  if (!ep) {
    if (!r.bad) return { ep: null, confirmed: null, ended: null };
    const next: Episode = { id: r.id, t0: r.t, t: r.t, peak: r.value, on: minS <= 0 };
    return { ep: next, confirmed: next.on ? next : null, ended: null };
  }
  if (r.clear || (!ep.on && !r.bad)) return { ep: null, confirmed: null, ended: ep.on ? ep : null };
  const next: Episode = {
    id: ep.id,
    t0: ep.t0,
    t: r.bad ? r.t : ep.t,
    peak: lowerIsWorse ? Math.min(ep.peak, r.value) : Math.max(ep.peak, r.value),
    on: ep.on || (r.bad && r.t - ep.t0 >= minS * 1000),
  };
  return { ep: next, confirmed: next.on && !ep.on ? next : null, ended: null };
}

export const durationS = (from: number, to: number): number => Math.max(0, Math.round((to - from) / 1000));
