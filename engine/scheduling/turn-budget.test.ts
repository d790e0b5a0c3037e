import { describe, expect, it } from 'vitest';
import { yieldIfDue } from './turn-budget.ts';

describe('turn budget', () => {
  it('lets a timer run while a microtask-only loop drains a long backlog', async () => {
    let timerRanAtIteration = -1;
    let i = 0;
    setTimeout(() => (timerRanAtIteration = i), 0);
    const started = performance.now();
    // ~200 ms of busy work in 1 ms slices, each followed by `await yieldIfDue()` as the consumers do.
    for (; performance.now() - started < 200; i++) {
      const t = performance.now();
      while (performance.now() - t < 1) {
        // work
      }
      await yieldIfDue();
    }
    expect(timerRanAtIteration).toBeGreaterThan(-1);
    // It ran within the first few budgets, not at the end.
    expect(timerRanAtIteration).toBeLessThan(i / 4);
  });

  it('costs nothing while the budget lasts', async () => {
    // Spend the budget, take the turn, then the next call is free.
    const t = performance.now();
    while (performance.now() - t < 10) {
      // work
    }
    const turn = yieldIfDue();
    expect(turn).toBeInstanceOf(Promise);
    await turn;
    expect(yieldIfDue()).toBeUndefined();
  });
});
