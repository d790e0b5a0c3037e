import { describe, expect, it } from 'vitest';
import { stepEpisode, type Episode } from './episode.ts';

const r = (t: number, value: number, bad: boolean, clear = !bad) => ({ id: `r${t}`, t: t * 1000, value, bad, clear });

describe('threshold episodes (pure)', () => {
  it('confirms only after minS of bad readings, then ends on a clear reading with its peak', () => {
    let ep: Episode | null = null;
    let st = stepEpisode(ep, r(0, 9, true), 60);
    expect(st.confirmed).toBeNull();
    ep = st.ep;
    st = stepEpisode(ep, r(30, 12, true), 60);
    expect(st.confirmed).toBeNull();
    ep = st.ep;
    st = stepEpisode(ep, r(60, 10, true), 60);
    expect(st.confirmed).toMatchObject({ id: 'r0', t0: 0, t: 60_000, peak: 12, on: true });
    ep = st.ep;
    st = stepEpisode(ep, r(90, 5, false), 60);
    expect(st.ended).toMatchObject({ id: 'r0', peak: 12 });
    expect(st.ep).toBeNull();
  });

  it('a short blip never confirms and leaves nothing behind', () => {
    const a = stepEpisode(null, r(0, 9, true), 60);
    const b = stepEpisode(a.ep, r(10, 5, false), 60);
    expect(b).toEqual({ ep: null, confirmed: null, ended: null });
  });

  it('hysteresis: between bad and clear a confirmed episode holds', () => {
    const a = stepEpisode(null, r(0, 9, true), 0);
    expect(a.confirmed).not.toBeNull();
    const b = stepEpisode(a.ep, r(10, 8, false, false), 0);
    expect(b.ep?.on).toBe(true);
    expect(b.ended).toBeNull();
  });

  it('lower is worse: the peak is the minimum', () => {
    const a = stepEpisode(null, r(0, 11, true), 0, true);
    const b = stepEpisode(a.ep, r(10, 10.5, true), 0, true);
    expect(b.ep?.peak).toBe(10.5);
  });
});
