import { describe, expect, it } from 'vitest';
import { coldChainStep, type ColdChainSlice } from './cold-chain.ts';
import { DEFAULT_SETTINGS } from './device-settings.ts';
import { sampleOf } from './sample.ts';
import { DEPOT, TestDevice, at, rec } from './testing/record-kit.ts';

const cfg = { ...DEFAULT_SETTINGS, temperatureRangeC: { min: 2, max: 8 } };
function run(readings: [number, Record<string, number>][]) {
  let slice: ColdChainSlice = [];
  const out = [];
  for (const [s, probes] of readings) {
    const r = coldChainStep(slice, sampleOf(rec({ at: s, probes })), cfg);
    slice = r.slice;
    out.push(...r.out);
  }
  return { slice, out };
}

describe('cold chain (pure)', () => {
  it('an excursion only after excursionMinS out of range, with peak and length, per probe', () => {
    const r = run([
      [0, { front: 5, rear: 5 }],
      [300, { front: 9, rear: 5 }],
      [600, { front: 11, rear: 5 }],
      [900, { front: 10, rear: 1 }],
      [1200, { front: 7.8, rear: 1.5 }],
      [1500, { front: 6, rear: 4 }],
    ]);
    expect(r.out.map((e) => [e.type, e.data.probe, e.time])).toEqual([
      ['coldchain.excursion', 'front', at(300)],
      ['coldchain.recovered', 'front', at(1500)],
    ]);
    expect(r.out[0]!.data).toMatchObject({ direction: 'above', peakC: 11, durationS: 600, minC: 2, maxC: 8 });
    expect(r.out[1]!.data).toMatchObject({ peakC: 11, durationS: 1200 });
    expect(r.slice).toEqual([]);
  });

  it('a short excursion (door opened at a delivery) does not alert', () => {
    expect(run([[0, { p: 5 }], [60, { p: 12 }], [240, { p: 6 }]]).out).toEqual([]);
  });

  it('below the range too, with the minimum as peak', () => {
    const r = run([[0, { p: 1.5 }], [600, { p: 0.5 }], [900, { p: 3 }]]);
    expect(r.out.map((e) => [e.type, e.data.direction, e.data.peakC])).toEqual([
      ['coldchain.excursion', 'below', 0.5],
      ['coldchain.recovered', 'below', 0.5],
    ]);
  });
});

describe('cold chain (machine)', () => {
  it('a critical excursion, an open alert per probe, then recovery', () => {
    const d = new TestDevice({ settings: { temperatureRangeC: { min: 2, max: 8 }, excursionMinS: 120 } });
    for (const [s, t] of [[0, 5], [60, 9], [120, 10], [180, 12], [240, 5]] as const) d.feed(rec({ at: s, ...DEPOT, probes: { p1: t } }));
    const [x] = d.of('coldchain.excursion');
    expect(x!.critical).toBe(true);
    expect(x!.data).toMatchObject({ probe: 'p1', tempC: 12, peakC: 12, durationS: 120 });
    expect(d.actor.view().openAlerts).toEqual([{ type: 'coldchain.excursion', since: new Date(at(60)).toISOString(), detail: 'p1' }]);
    d.feed(rec({ at: 300, ...DEPOT, probes: { p1: 5 } }));
    d.tick(1000);
    expect(d.of('coldchain.recovered')[0]!.data).toMatchObject({ peakC: 12, durationS: 180 });
    expect(d.actor.view().openAlerts).toEqual([]);
  });
});
