import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from './device-settings.ts';
import { sampleOf } from './sample.ts';
import { DEPOT, TestDevice, rec } from './testing/record-kit.ts';
import { tyreStep, type TyreSlice } from './tyres.ts';

function run(readings: [number, Record<string, number>][], cfg = DEFAULT_SETTINGS) {
  let slice: TyreSlice = [];
  const out = [];
  for (const [s, tyres] of readings) {
    const r = tyreStep(slice, sampleOf(rec({ at: s, tyres })), cfg);
    slice = r.slice;
    out.push(...r.out);
  }
  return { slice, out };
}

describe('tyres (pure)', () => {
  it('pressure loss against the learned nominal pressure, then normal again', () => {
    // a slow puncture over hours (no fast leak)
    const r = run([[0, { FL: 820, FR: 815 }], [3600, { FL: 700, FR: 815 }], [7200, { FL: 640, FR: 815 }], [10800, { FL: 830, FR: 815 }]]);
    expect(r.out.map((e) => [e.type, e.data.wheel])).toEqual([['tyre.pressure.low', 'FL'], ['tyre.pressure.normal', 'FL']]);
    expect(r.out[0]!.data).toMatchObject({ pressureKpa: 640, thresholdKpa: 656 });
  });

  it('an absolute threshold overrides the learned one', () => {
    const r = run([[0, { FL: 240 }], [3600, { FL: 230 }]], { ...DEFAULT_SETTINGS, tyreMinKpa: 235 });
    expect(r.out.map((e) => e.type)).toEqual(['tyre.pressure.low']);
  });

  it('a fast leak is reported once while pressure keeps falling', () => {
    const r = run([[0, { RL: 830 }], [60, { RL: 800 }], [120, { RL: 770 }], [180, { RL: 765 }], [240, { RL: 765 }]]);
    expect(r.out.map((e) => e.type)).toEqual(['tyre.leak']);
    expect(r.out[0]!.data).toMatchObject({ wheel: 'RL', dropKpa: 30, kpaPerMin: 30 });
    expect(r.slice[0]!.leaking).toBe(false);
  });
});

describe('tyres (machine)', () => {
  it('low pressure opens an alert per wheel', () => {
    const d = new TestDevice({ settings: { tyreMinKpa: 700 } });
    d.feed(rec({ at: 0, ...DEPOT, tyres: { FL: 820 } }), rec({ at: 3600, ...DEPOT, tyres: { FL: 690 } }), rec({ at: 7200, ...DEPOT, tyres: { FL: 690 } }));
    expect(d.of('tyre.pressure.low')).toHaveLength(1);
    expect(d.actor.view().openAlerts.map((a) => [a.type, a.detail])).toEqual([['tyre.pressure.low', 'FL']]);
    expect(d.actor.matches({ tyres: 'alert' })).toBe(true);
  });
});
