import { describe, expect, it } from 'vitest';
import { LogBudget } from './log-budget.ts';

describe('LogBudget', () => {
  it('allows a few lines per window, counts the rest, and reports them on the next allowed line', () => {
    let t = 0;
    const budget = new LogBudget(2, 1000, () => t);
    expect(budget.take()).toEqual({ suppressed: 0 });
    expect(budget.take()).toEqual({ suppressed: 0 });
    expect(budget.take()).toBeUndefined();
    expect(budget.take()).toBeUndefined();
    t = 999;
    expect(budget.take()).toBeUndefined();
    t = 1000;
    expect(budget.take()).toEqual({ suppressed: 3 });
    expect(budget.take()).toEqual({ suppressed: 0 });
  });
});
