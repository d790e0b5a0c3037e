import { describe, expect, it } from 'vitest';
import { DecodeScheduler, type DecodeOwner } from './decode-scheduler.ts';

/** A clock that each decode advances, and turns run when the test says so. */
function harness(budgetMs = 4) {
  let t = 0;
  const turns: (() => void)[] = [];
  const scheduler = new DecodeScheduler(budgetMs, 1024, () => t, (fn) => turns.push(fn));
  const decoded: string[] = [];
  const owner = (name: string, chunks: { bytes: number; costMs: number }[]): DecodeOwner => ({
    nextChunkBytes: () => chunks[0]?.bytes,
    decodeNext: () => {
      const c = chunks.shift()!;
      t += c.costMs;
      decoded.push(`${name}:${c.bytes}`);
    },
  });
  const nextTurn = () => turns.splice(0).forEach((fn) => fn());
  return { scheduler, owner, decoded, nextTurn, advance: (ms: number) => (t += ms) };
}

describe('decode scheduler', () => {
  it('decodes inline while the poll phase is within its budget, and defers once it is spent', () => {
    const h = harness();
    expect(h.scheduler.mayDecodeNow()).toBe(true);
    h.advance(3);
    expect(h.scheduler.mayDecodeNow()).toBe(true);
    h.advance(2); // 5 ms into this poll phase
    expect(h.scheduler.mayDecodeNow()).toBe(false);
    h.nextTurn(); // the check phase ends the poll phase: a new one gets a new budget
    expect(h.scheduler.mayDecodeNow()).toBe(true);
  });

  it('an alarm-sized chunk waiting behind a storm of replay packets is decoded first, within one budget', () => {
    const h = harness();
    const replays = Array.from({ length: 200 }, (_, i) => h.owner(`replay${i}`, [{ bytes: 12_000, costMs: 0.5 }]));
    for (const r of replays) h.scheduler.enqueue(r);
    const alarm = h.owner('alarm', [{ bytes: 120, costMs: 0.05 }]);
    h.scheduler.enqueue(alarm);
    h.nextTurn();
    expect(h.decoded[0]).toBe('alarm:120');
    // One turn decodes about a budget's worth (4 ms of 0.5 ms packets), then yields the thread.
    expect(h.decoded.length).toBeGreaterThanOrEqual(8);
    expect(h.decoded.length).toBeLessThanOrEqual(10);
    for (let i = 0; i < 100 && h.scheduler.waiting > 0; i++) h.nextTurn();
    expect(h.decoded).toHaveLength(201);
  });

  it('a connection let go because its own alarm arrived goes ahead of every waiting replay, and its alarm right after', () => {
    const h = harness();
    const replays = Array.from({ length: 200 }, (_, i) => h.owner(`replay${i}`, [{ bytes: 12_000, costMs: 0.5 }]));
    for (const r of replays) h.scheduler.enqueue(r);
    h.scheduler.enqueue(h.owner('live', [{ bytes: 300, costMs: 0.05 }]));
    const device = h.owner('held', [{ bytes: 12_000, costMs: 0.5 }, { bytes: 120, costMs: 0.05 }]);
    h.scheduler.enqueue(device, true);
    h.nextTurn();
    expect(h.decoded.slice(0, 3)).toEqual(['held:12000', 'live:300', 'held:120']);
  });

  it("keeps one connection's chunks in order, whatever their sizes", () => {
    const h = harness();
    const device = h.owner('dev', [{ bytes: 9_000, costMs: 1 }, { bytes: 100, costMs: 1 }, { bytes: 9_000, costMs: 1 }]);
    const other = h.owner('other', [{ bytes: 100, costMs: 1 }]);
    h.scheduler.enqueue(device);
    h.scheduler.enqueue(other);
    for (let i = 0; i < 10 && h.scheduler.waiting > 0; i++) h.nextTurn();
    expect(h.decoded.filter((d) => d.startsWith('dev'))).toEqual(['dev:9000', 'dev:100', 'dev:9000']);
    expect(h.decoded[0]).toBe('other:100');
  });

  it('nothing is decoded inline while chunks wait (arrival order across connections is kept)', () => {
    const h = harness();
    h.scheduler.enqueue(h.owner('waiting', [{ bytes: 100, costMs: 1 }]));
    expect(h.scheduler.mayDecodeNow()).toBe(false);
  });
});
