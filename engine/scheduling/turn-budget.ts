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
 */
const BUDGET_MS = 4;

let turnStartedAt = performance.now();
let scheduled: Promise<void> | undefined;

export function yieldIfDue(): Promise<void> | undefined {
  if (performance.now() - turnStartedAt < BUDGET_MS) return undefined;
  scheduled ??= new Promise<void>((resolve) =>
    setImmediate(() => {
      scheduled = undefined;
      turnStartedAt = performance.now();
      resolve();
    }),
  );
  return scheduled;
}
