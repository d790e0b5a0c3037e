import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentIdFilter } from './recent-id-filter.ts';

describe('recent id filter', () => {
  it('never says "not stored" for an id it was given among the last capacity/2', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 3000 }), (ids) => {
        const f = new RecentIdFilter(2000);
        ids.forEach((id) => f.add(id));
        for (const id of ids.slice(-1000)) expect(f.mightContain(id)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('forgets old generations and rarely mistakes a new id for a stored one', () => {
    const f = new RecentIdFilter(100_000);
    for (let i = 0; i < 200_000; i++) f.add(`rec-${i}`);
    expect(f.mightContain('rec-0')).toBe(false);
    expect(f.mightContain('rec-199999')).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 100_000; i++) if (f.mightContain(`other-${i}`)) falsePositives++;
    expect(falsePositives).toBeLessThan(5);
  });

  it('an id added again is remembered afresh, past the generation that would have dropped it', () => {
    const f = new RecentIdFilter(4);
    for (const id of ['a', 'b', 'c']) f.add(id); // c starts a new generation: a, b are now the older one
    f.add('a'); // seen again (a resend): copied into the current generation
    f.add('d');
    f.add('e'); // another new generation: the one holding only b is dropped
    expect(f.mightContain('a')).toBe(true);
    expect(f.mightContain('b')).toBe(false);
  });
});
