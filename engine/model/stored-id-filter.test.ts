import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StoredIdFilter } from './stored-id-filter.ts';

describe('stored id filter', () => {
  it('never says "not stored" for an id it was given among the last capacity/2', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 3000 }), (ids) => {
        const f = new StoredIdFilter(2000);
        ids.forEach((id) => f.add(id));
        for (const id of ids.slice(-1000)) expect(f.mightContain(id)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('says "maybe" for about one new id in a hundred when full, and forgets two generations back', () => {
    const f = new StoredIdFilter(200_000);
    for (let i = 0; i < 300_000; i++) f.add(`351756051523999-${i}`);
    // The last capacity/2 ids are always held (the generation before holds ~100,000 more).
    for (let i = 200_000; i < 300_000; i += 7) expect(f.mightContain(`351756051523999-${i}`)).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 100_000; i++) if (f.mightContain(`862011020000000-${i}`)) falsePositives++;
    console.log(`stored id filter: ${falsePositives} of 100,000 new ids answered "maybe", ${(f.bytes / 200_000).toFixed(2)} B per id held`);
    expect(falsePositives).toBeGreaterThan(0); // it is a Bloom filter: 0 would mean it answers "no" too often
    expect(falsePositives).toBeLessThan(2_000);
    let forgotten = 0;
    for (let i = 0; i < 100_000; i++) if (!f.mightContain(`351756051523999-${i}`)) forgotten++;
    expect(forgotten).toBeGreaterThan(95_000);
    expect(f.bytes).toBeLessThan(200_000 * 2);
  });

  it('an id added again is remembered afresh, past the generation that would have dropped it', () => {
    const f = new StoredIdFilter(4, 512);
    for (const id of ['a', 'b', 'c']) f.add(id); // c starts a new generation: a, b are now the older one
    f.add('a'); // stored again (a resend): set in the current generation
    f.add('d');
    f.add('e'); // another new generation: the one holding only b is dropped
    expect(f.mightContain('a')).toBe(true);
    expect(f.mightContain('b')).toBe(false);
  });
});
