/**
 * Cooperative time slicing for loops that drain a backlog. A pull consumer
 * hands over up to hundreds of buffered messages whose `for await` continues
 * on microtasks, never giving the event loop a turn: while a reconnect storm
 * drains, the urgent lane, answers to queries and timers of the same thread
 * would wait for the whole buffer (seconds). Loops call `yieldIfDue()` between
 * messages; once BUDGET_MS of work has run since the thread last got a turn,
 * it waits for one (setImmediate: after pending I/O callbacks).
 *
 * One budget per thread, shared by every loop on it, so twenty partitions
 * draining at once still give the event loop a turn every few milliseconds.
 *
 * Callers that had to wait are let go one at a time, in the order they came,
 * and only while the new turn's budget lasts: each is released on the
 * microtask after the previous one's work, so that work counts. Released all
 * at once, as they were until 2026-12, four thousand phones' replay requests
 * parsed back to back when a storm began and held the adapters' thread for
 * 400-600 ms, alarms included.
 */
const BUDGET_MS = 4;

let turnStartedAt = performance.now();
let turnScheduled = false;
/** Callers waiting for a turn, oldest first, from `head` on. */
let waiting: ((() => void) | undefined)[] = [];
let head = 0;

export function yieldIfDue(): Promise<void> | undefined {
  if (performance.now() - turnStartedAt < BUDGET_MS) return undefined;
  return new Promise<void>((resolve) => {
    waiting.push(resolve);
    scheduleTurn();
  });
}

function scheduleTurn(): void {
  if (turnScheduled) return;
  turnScheduled = true;
  setImmediate(startTurn);
}

function startTurn(): void {
  turnScheduled = false;
  turnStartedAt = performance.now();
  releaseNext();
}

function releaseNext(): void {
  if (head === waiting.length) {
    waiting = [];
    head = 0;
    return;
  }
  if (performance.now() - turnStartedAt >= BUDGET_MS) {
    scheduleTurn();
    return;
  }
  const resolve = waiting[head]!;
  waiting[head++] = undefined;
  if (head > 1024 && head * 2 > waiting.length) {
    waiting = waiting.slice(head);
    head = 0;
  }
  resolve();
  // Queued after the continuation resolve() just queued: it runs once that caller's work is done.
  queueMicrotask(releaseNext);
}
