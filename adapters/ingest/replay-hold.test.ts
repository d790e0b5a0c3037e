import { describe, expect, it, vi } from 'vitest';
import { IntakeGovernor } from './intake-governor.ts';
import { LIVE_WITHIN_MS } from './intake.ts';
import { ReplayHold, isHoldableReplay } from './replay-hold.ts';

const NOW = 1_700_000_000_000;
const peek = (oldest: number, newest = oldest, critical = false) => ({ records: 3, critical, oldestDeviceTime: oldest, newestDeviceTime: newest });

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
  it('holds only while at least `room` replays wait for the governor', () => {
    let waiting = 0;
    const hold = new ReplayHold(() => waiting, () => Promise.resolve(), 2);
    expect(hold.busy).toBe(false);
    waiting = 1;
    expect(hold.busy).toBe(false);
    waiting = 2;
    expect(hold.busy).toBe(true);
  });

  it('queues a held replay for the governor with its peeked record count and tells the connection when it is admitted', async () => {
    const asked: number[] = [];
    let admit!: () => void;
    const hold = new ReplayHold(() => 0, (n) => {
      asked.push(n);
      return new Promise<void>((r) => (admit = r));
    });
    const admitted: number[] = [];
    hold.hold({ admitted: (n) => admitted.push(n), gone: () => false }, 50);
    expect(asked).toEqual([50]);
    expect(hold.stats).toEqual({ heldNow: 1, heldTotal: 1 });
    await Promise.resolve();
    expect(admitted).toEqual([]);
    admit();
    await new Promise((r) => setTimeout(r, 0));
    expect(admitted).toEqual([50]);
    expect(hold.stats).toEqual({ heldNow: 0, heldTotal: 1 });
  });

  it('keeps arrival order with decoded replays in the one governor queue: an OsmAnd request cannot overtake a held Teltonika packet', async () => {
    const governor = new IntakeGovernor(500);
    try {
      const hold = new ReplayHold(() => governor.stats.waitingReplays, (n) => governor.admit(n, false), 1);
      const order: string[] = [];
      await governor.admit(5); // the burst allowance is spent: what follows queues
      const decoded = (name: string) => void governor.admit(5, false).then(() => order.push(name));
      decoded('osmand-1');
      await new Promise((r) => setImmediate(r));
      expect(hold.busy).toBe(true);
      hold.hold({ admitted: () => order.push('teltonika-held'), gone: () => false }, 5);
      await new Promise((r) => setImmediate(r));
      decoded('osmand-2');
      await vi.waitFor(() => expect(order).toHaveLength(3), { timeout: 5000 });
      expect(order).toEqual(['osmand-1', 'teltonika-held', 'osmand-2']);
    } finally {
      governor.close();
    }
  });
});
