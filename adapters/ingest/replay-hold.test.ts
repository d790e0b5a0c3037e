import { describe, expect, it } from 'vitest';
import { LIVE_WITHIN_MS } from './intake.ts';
import { ReplayHold, isHoldableReplay, type HeldReplay } from './replay-hold.ts';

const NOW = 1_700_000_000_000;
const peek = (oldest: number, newest = oldest, critical = false) => ({ records: 3, critical, oldestDeviceTime: oldest, newestDeviceTime: newest });

/** A connection that counts how often it was let go; `holding` false plays one that ended or went early. */
class Conn implements HeldReplay {
  released = 0;
  constructor(
    readonly name: string,
    private readonly order: string[],
    public holding = true,
  ) {}
  releaseHeld(): boolean {
    if (!this.holding) return false;
    this.holding = false;
    this.released++;
    this.order.push(this.name);
    return true;
  }
}

describe('isHoldableReplay', () => {
  it('holds a replay of ordinary records and nothing else', () => {
    expect(isHoldableReplay(peek(NOW - LIVE_WITHIN_MS - 1, NOW), NOW)).toBe(true);
    expect(isHoldableReplay(peek(NOW, NOW + LIVE_WITHIN_MS + 1), NOW)).toBe(true); // a clock far ahead: not live either
    expect(isHoldableReplay(peek(NOW - LIVE_WITHIN_MS, NOW), NOW)).toBe(false); // live
    expect(isHoldableReplay(peek(NOW - 3_600_000, NOW, true), NOW)).toBe(false); // may carry an alarm
    expect(isHoldableReplay({ ...peek(NOW - 3_600_000), records: 0 }, NOW)).toBe(false);
    expect(isHoldableReplay(undefined, NOW)).toBe(false);
  });
});

describe('ReplayHold', () => {
  it('holds only while the backlog is full or others wait, and lets go oldest first as room appears', () => {
    let backlog = 0;
    const order: string[] = [];
    const hold = new ReplayHold(() => backlog, 2, 60_000);
    try {
      expect(hold.busy).toBe(false);
      backlog = 2;
      expect(hold.busy).toBe(true);
      const [a, b, c] = ['a', 'b', 'c'].map((n) => new Conn(n, order));
      hold.hold(a!);
      hold.hold(b!);
      hold.hold(c!);
      backlog = 0;
      // Others still wait: a newcomer queues behind them even with room in the backlog.
      expect(hold.busy).toBe(true);
      expect(hold.stats).toEqual({ heldNow: 3, heldTotal: 3 });
      backlog = 1;
      hold.release();
      expect(order).toEqual(['a']);
      backlog = 0;
      hold.release();
      expect(order).toEqual(['a', 'b', 'c']);
      expect(hold.stats.heldNow).toBe(0);
      expect(hold.busy).toBe(false);
    } finally {
      hold.close();
    }
  });

  it('does not count a connection that had nothing left to let go (ended, or let go by its own alarm)', () => {
    const order: string[] = [];
    const hold = new ReplayHold(() => 0, 1, 60_000);
    const gone = new Conn('gone', order, false);
    const next = new Conn('next', order);
    hold.hold(gone);
    hold.hold(next);
    hold.release();
    expect(order).toEqual(['next']);
    hold.close();
  });

  it('lets go by itself as the backlog drains, and lets everything go on close', async () => {
    let backlog = 5;
    const order: string[] = [];
    const hold = new ReplayHold(() => backlog, 5, 5);
    // A connection let go joins the backlog (its replay is decoded and waits for the intake).
    const joining = (name: string): HeldReplay => {
      const c = new Conn(name, order);
      return { releaseHeld: () => c.releaseHeld() && ++backlog > 0 };
    };
    const first = joining('first');
    const second = joining('second');
    hold.hold(first);
    hold.hold(second);
    await new Promise((r) => setTimeout(r, 30));
    expect(order).toEqual([]);
    backlog = 4;
    await new Promise((r) => setTimeout(r, 30));
    expect(order).toEqual(['first']);
    hold.close();
    expect(order).toEqual(['first', 'second']);
  });
});
