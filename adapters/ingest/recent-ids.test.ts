import { describe, expect, it } from 'vitest';
import { RecentIds } from './recent-ids.ts';

describe('recent ids', () => {
  it('remembers the last `capacity` ids and forgets the oldest first', () => {
    const r = new RecentIds(3);
    for (const id of ['a', 'b', 'c']) r.add(id);
    expect(['a', 'b', 'c'].every((id) => r.has(id))).toBe(true);
    r.add('b'); // already known: does not push anything out
    r.add('d');
    expect(r.has('a')).toBe(false);
    expect(['b', 'c', 'd'].every((id) => r.has(id))).toBe(true);
    r.add('e');
    r.add('f');
    expect(r.size).toBe(3);
    expect(['d', 'e', 'f'].every((id) => r.has(id))).toBe(true);
  });

  it('remembers nothing with no capacity', () => {
    const r = new RecentIds(0);
    r.add('a');
    expect(r.has('a')).toBe(false);
  });
});
