import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { admit, flush, initialReorder, isFromTheFuture, type ReorderSlice } from './reorder.ts';
import type { Sample } from './sample.ts';

const s = (t: number, id = `r${t}`): Sample => ({ id, t: t * 1000, lat: undefined, lon: undefined, spdKmh: undefined, hdgDeg: undefined, ign: undefined, x: undefined });
const W = 10_000;

function run(times: number[], windowMs = W, max = 4) {
  let slice: ReorderSlice = initialReorder();
  let last = { t: 0, id: '' };
  const applied: number[] = [];
  const verdicts: string[] = [];
  for (const t of times) {
    const a = admit(slice, last, s(t), windowMs, max);
    verdicts.push(a.verdict);
    slice = a.slice;
    for (const x of a.release) {
      applied.push(x.t / 1000);
      last = x;
    }
  }
  const f = flush(slice);
  for (const x of f.release) applied.push(x.t / 1000);
  return { applied, verdicts, slice: f.slice, tooLate: slice.tooLate };
}

describe('reorder window (pure)', () => {
  it('holds records until the watermark (newest minus the window) passes them', () => {
    let slice = initialReorder();
    const a = admit(slice, { t: 0, id: '' }, s(100), W, 4);
    expect(a.release).toEqual([]);
    slice = a.slice;
    const b = admit(slice, { t: 0, id: '' }, s(105), W, 4);
    expect(b.release).toEqual([]);
    const c = admit(b.slice, { t: 0, id: '' }, s(110), W, 4);
    expect(c.release.map((x) => x.t)).toEqual([100_000]);
    expect(c.slice.held.map((x) => x.t)).toEqual([105_000, 110_000]);
  });

  it('puts a late record back in order', () => {
    expect(run([100, 110, 105, 120, 115, 130]).applied).toEqual([100, 105, 110, 115, 120, 130]);
  });

  it('a record older than one already applied is too late: counted, not applied', () => {
    const r = run([100, 110, 120, 130, 105]);
    expect(r.applied).toEqual([100, 110, 120, 130]);
    expect(r.verdicts.at(-1)).toBe('late');
    expect(r.tooLate).toBe(1);
  });

  it('duplicates (same id and time) are dropped, held or applied', () => {
    expect(run([100, 100, 110, 120, 100]).applied).toEqual([100, 110, 120]);
  });

  it('ties in device time are ordered by id, whatever the arrival', () => {
    let slice = initialReorder();
    for (const id of ['b', 'c', 'a']) slice = admit(slice, { t: 0, id: '' }, s(100, id), W, 4).slice;
    expect(flush(slice).release.map((x) => x.id)).toEqual(['a', 'b', 'c']);
  });

  it('never holds more than the cap', () => {
    const r = run([1, 2, 3, 4, 5, 6], 60_000, 3);
    expect(r.applied).toEqual([1, 2, 3, 4, 5, 6]);
    let slice = initialReorder();
    for (const t of [1, 2, 3, 4, 5]) slice = admit(slice, { t: 0, id: '' }, s(t), 60_000, 3).slice;
    expect(slice.held).toHaveLength(3);
  });

  it('an early record (urgent lane) waits while an in-order backlog older than the window drains', () => {
    // the alarm at 1000 s overtakes the normal lane still delivering 500..990
    const normal = Array.from({ length: 50 }, (_, i) => 500 + i * 10);
    expect(run([1000, ...normal, 1010, 1020]).applied).toEqual([...normal, 1000, 1010, 1020]);
  });

  it('property: any arrival order in which no record arrives after one W newer gives device-time order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 60 }),
        fc.infiniteStream(fc.integer({ min: 0, max: 9_999 })),
        (times, delays) => {
          const sorted = [...times].sort((a, b) => a - b);
          const it = delays[Symbol.iterator]();
          const arrival = sorted
            .map((t) => ({ t, key: t * 1000 + it.next().value }))
            .sort((a, b) => a.key - b.key)
            .map((x) => x.t);
          const r = run(arrival, W, 1000);
          expect(r.applied).toEqual(sorted);
          expect(r.tooLate).toBe(0);
        },
      ),
    );
  });

  it('flags device clocks far in the future', () => {
    expect(isFromTheFuture(1_000_000 + 601_000, 1_000_000, 600_000)).toBe(true);
    expect(isFromTheFuture(1_000_000 + 5_000, 1_000_000, 600_000)).toBe(false);
  });
});
