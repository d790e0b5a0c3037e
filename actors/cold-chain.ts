import type { DeviceSettings } from './device-settings.ts';
import { exact, none } from './empty.ts';
import { durationS, stepEpisode, type Episode } from './episode.ts';
import { out, type Out } from './events.ts';
import type { Sample } from './sample.ts';

/**
 * Cold chain: each probe against the load's temperatureRangeC. A probe out of
 * range for excursionMinS is an excursion (critical), reported with its peak
 * so far; when it is back inside the range (by excursionHysteresisC) the
 * excursion's full length and peak are reported. Only probes out of range
 * hold state.
 */
export interface ProbeExcursion {
  probe: string;
  direction: 'above' | 'below';
  ep: Episode;
}

export type ColdChainSlice = ProbeExcursion[];

export const initialColdChain = (): ColdChainSlice => none();

function indexOfProbe(list: ProbeExcursion[], probe: string): number {
  for (let i = 0; i < list.length; i++) if (list[i]!.probe === probe) return i;
  return -1;
}

export function coldChainStep(slice: ColdChainSlice, s: Sample, cfg: DeviceSettings): { slice: ColdChainSlice; out: Out[] } {
  const range = cfg.temperatureRangeC;
  if (!range) return { slice: none(), out: [] };
  const probes = s.x?.probes;
  if (!probes) return { slice, out: [] };
  const h = Math.min(cfg.excursionHysteresisC, (range.max - range.min) / 2);
  const events: Out[] = [];
  const next = slice.slice();
  for (let k = 0; k + 1 < probes.length; k += 2) {
    const probe = probes[k] as string;
    const tempC = probes[k + 1] as number;
    let i = indexOfProbe(next, probe);
    let cur = i >= 0 ? next[i]! : null;
    const dirNow = tempC > range.max ? 'above' : tempC < range.min ? 'below' : null;
    if (cur && dirNow && dirNow !== cur.direction) {
      // crossed to the other side: the first excursion ends here, a new one starts
      if (cur.ep.on) events.push(recovered(cur, s));
      next.splice(i, 1);
      i = -1;
      cur = null;
    }
    const direction = cur?.direction ?? dirNow;
    if (!direction) continue;
    const bad = direction === 'above' ? tempC > range.max : tempC < range.min;
    const clear = direction === 'above' ? tempC <= range.max - h : tempC >= range.min + h;
    const st = stepEpisode(cur?.ep ?? null, { id: s.id, t: s.t, value: tempC, bad, clear }, cfg.excursionMinS, direction === 'below');
    if (st.ended) events.push(recovered({ probe, direction, ep: st.ended }, s));
    if (st.confirmed) {
      const e = st.confirmed;
      events.push(
        out('coldchain.excursion', e.t0, `${e.id}/${probe}`, {
          probe,
          direction,
          tempC,
          peakC: e.peak,
          durationS: durationS(e.t0, s.t),
          minC: range.min,
          maxC: range.max,
        }),
      );
    }
    if (st.ep) {
      const entry: ProbeExcursion = { probe, direction, ep: st.ep };
      if (i >= 0) next[i] = entry;
      else next.push(entry);
    } else if (i >= 0) next.splice(i, 1);
  }
  if (next.length === 0) return { slice: none(), out: events };
  // unchanged list: keep the old object (nothing to stage)
  if (next.length === slice.length && next.every((x, j) => x === slice[j])) return { slice, out: events };
  return { slice: next.length > slice.length ? exact(next) : next, out: events };
}

function recovered(x: ProbeExcursion, s: Sample): Out {
  return out('coldchain.recovered', s.t, `${x.ep.id}/${x.probe}`, { probe: x.probe, direction: x.direction, peakC: x.ep.peak, durationS: durationS(x.ep.t0, s.t) });
}

export const anyExcursion = (slice: ColdChainSlice): boolean => slice.some((x) => x.ep.on);
