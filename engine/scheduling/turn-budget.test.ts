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

  it('lets callers that waited go one at a time while the budget lasts, not all at once', async () => {
    const busy = (ms: number) => {
      const t = performance.now();
      while (performance.now() - t < ms) {
        // work
      }
    };
    busy(10); // the budget is spent: every caller below waits for a turn
    const doneAtTurn: number[] = [];
    let turn = 0;
    let ticking = true;
    const tick = () => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        await yieldIfDue();
        busy(2); // parsing a request, say
        doneAtTurn.push(turn);
      }),
    );
    ticking = false;
    const perTurn = new Map<number, number>();
    for (const t of doneAtTurn) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    // 2 ms each in a 4 ms budget: two or three a turn (the one that crosses the budget finishes), never forty.
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(3);
    expect(doneAtTurn).toHaveLength(40);
  });
});

