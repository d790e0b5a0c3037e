import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from './device-settings.ts';
import type { EpisodeStep } from './episode.ts';
import { overloadEvents, overloadStep, type OverloadSlice } from './overload.ts';
import { sampleOf } from './sample.ts';
import { DEPOT, TestDevice, at, rec } from './testing/record-kit.ts';

const cfg = { ...DEFAULT_SETTINGS, maxWeightKg: 40_000 };

describe('overload (pure)', () => {
  it('summed axle loads over the maximum for overloadMinS; a bump does not count', () => {
    let ep: OverloadSlice = null;
    const types: string[] = [];
    for (const [s, loads] of [[0, [8000, 15000, 15000]], [5, [9000, 17000, 16000]], [10, [8000, 15000, 15000]], [20, [9000, 17000, 16000]], [60, [9000, 17500, 16000]], [90, [8000, 15000, 15000]]] as const) {
      const sample = sampleOf(rec({ at: s, loadsKg: [...loads] }));
      const st: EpisodeStep = overloadStep(ep, sample, cfg)!;
      types.push(...overloadEvents(st, sample, cfg).map((e) => `${e.type}@${(e.time - at(0)) / 1000}`));
      ep = st.ep;
    }
    expect(types).toEqual(['overload@20', 'overload.cleared@90']);
  });

  it('no maximum configured: nothing to judge', () => {
    expect(overloadStep(null, sampleOf(rec({ at: 0, loadsKg: [99_000] })), DEFAULT_SETTINGS)).toBeNull();
  });
});

describe('overload (machine)', () => {
  it('reports the weight over the maximum', () => {
    const d = new TestDevice({ settings: { maxWeightKg: 40_000, overloadMinS: 20 } });
    d.feed(rec({ at: 0, ...DEPOT, loadsKg: [9000, 17000, 16000] }), rec({ at: 30, ...DEPOT, loadsKg: [9000, 17000, 16000] }));
    d.tick(1000);
    expect(d.of('overload')[0]!.data).toMatchObject({ weightKg: 42_000, maxWeightKg: 40_000, overKg: 2000, durationS: 30 });
    expect(d.actor.view().openAlerts.map((a) => a.type)).toEqual(['overload']);
  });
});
