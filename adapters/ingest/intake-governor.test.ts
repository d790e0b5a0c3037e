import { afterEach, describe, expect, it, vi } from 'vitest';
import { busyOutsideStall, IntakeGovernor } from './intake-governor.ts';

let g: IntakeGovernor | undefined;
afterEach(() => g?.close());

const busy = (ms: number) => {
  const t = performance.now();
  while (performance.now() - t < ms) {
    // a blocked event loop
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('intake governor', () => {
  it('lets records through at once while the loop is responsive', async () => {
    g = new IntakeGovernor(10_000);
    const t = performance.now();
    for (let i = 0; i < 5; i++) await g.admit(10);
    expect(performance.now() - t).toBeLessThan(50);
    expect(g.stats.throttled).toBe(0);
  });

  it('cuts the pace when the loop is held up, and raises it again when it recovers', async () => {
    g = new IntakeGovernor(10_000);
    for (let i = 0; i < 8; i++) {
      await g.admit(20);
      busy(60);
      await sleep(5);
    }
    await sleep(250);
    const cut = g.stats.rate;
    expect(cut).toBeLessThan(10_000 * 0.67);
    await sleep(1200);
    // The thread idles: the pace comes back by half each adjustment, not by a tenth.
    expect(g.stats.rate).toBeGreaterThan(cut * 3);
  });

  it('cuts only for stalls longer than the one it lets pass (FLEET_INTAKE_STALL_MS)', async () => {
    const rateAfter30msStalls = async (stallMs: number) => {
      g = new IntakeGovernor(10_000, undefined, stallMs);
      for (let i = 0; i < 10; i++) {
        await g.admit(20);
        busy(30);
        await sleep(2);
      }
      const rate = g.stats.rate;
      g.close();
      return rate;
    };
    expect(await rateAfter30msStalls(10)).toBeLessThan(10_000 * 0.67);
    expect(await rateAfter30msStalls(100)).toBeGreaterThanOrEqual(10_000);
  });

  it('leaves the pace alone for a lone stall in a thread that is mostly idle (a garbage collection)', async () => {
    g = new IntakeGovernor(10_000);
    for (let i = 0; i < 6; i++) {
      await g.admit(5);
      busy(60);
      await sleep(240);
    }
    expect(g.stats.rate).toBeGreaterThanOrEqual(10_000);
  });

  it('leaves the pace alone for a long lone stall that fills most of an adjustment window', async () => {
    // A 150 ms collection in a 200 ms window: the window looks 75 % busy, but the rest of it was idle.
    g = new IntakeGovernor(10_000);
    for (let i = 0; i < 6; i++) {
      await g.admit(5);
      busy(150);
      await sleep(250);
    }
    expect(g.stats.rate).toBeGreaterThanOrEqual(10_000);
  });

  it('judges how busy the thread was outside its longest stall', () => {
    // 200 ms window: a 120 ms stall and 10 ms of other work is an idle thread; 120 + 70 is a busy one.
    expect(busyOutsideStall({ active: 130, idle: 70 }, 120)).toBeCloseTo(10 / 80);
    expect(busyOutsideStall({ active: 190, idle: 10 }, 120)).toBeCloseTo(70 / 80);
    // Without a stall it is the plain utilisation.
    expect(busyOutsideStall({ active: 150, idle: 50 }, 0)).toBeCloseTo(0.75);
    // A window that was nearly all one stall tells nothing.
    expect(busyOutsideStall({ active: 195, idle: 5 }, 190)).toBe(0);
    // A delay longer than the busy time (the thread was descheduled) never makes the share negative.
    expect(busyOutsideStall({ active: 20, idle: 180 }, 60)).toBe(0);
  });

  it('makes a packet beyond the pace wait, and lets it through in time', async () => {
    g = new IntakeGovernor(1_000);
    const t = performance.now();
    await g.admit(10); // the first tenth of a burst
    await g.admit(40); // beyond the burst allowance: waits for tokens
    expect(g.stats.throttled).toBe(1);
    expect(performance.now() - t).toBeGreaterThan(5);
  });

  it('never makes a live packet wait, and makes the replays wait for what it spent', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
    try {
      g = new IntakeGovernor(1_000, () => performance.now()); // 10 records per burst, one more every millisecond
      await g.admit(10); // spends the burst allowance: what follows waits
      const order: string[] = [];
      const replay = g.admit(10, false).then(() => order.push('replay'));
      // Far beyond the pace, and behind a waiting replay: a live packet still goes in its turn.
      const live = g.admit(200, true).then(() => order.push('live'));
      await vi.advanceTimersByTimeAsync(1);
      expect(order).toEqual(['live']);
      expect(g.stats.waitingReplays).toBe(1);
      // The live records were spent from the allowance: the replay waits for them (200 ms at 1,000/s), not 10 ms.
      await vi.advanceTimersByTimeAsync(150);
      expect(order).toEqual(['live']);
      await vi.advanceTimersByTimeAsync(100);
      expect(order).toEqual(['live', 'replay']);
      expect(g.stats.throttled).toBe(1);
      await Promise.all([replay, live]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not spend a turn on a packet whose device gave up waiting: the next one goes in its place', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
    try {
      g = new IntakeGovernor(1_000, () => performance.now()); // 10 records per burst, one more every millisecond
      await g.admit(10);
      const order: string[] = [];
      const abandoned = g.admit(10, false, () => true).then(() => order.push('gone device'));
      const next = g.admit(10, false).then(() => order.push('next'));
      // One burst's worth of time: exactly one packet of 10 can be served.
      await vi.advanceTimersByTimeAsync(10);
      expect(order).toEqual(['gone device', 'next']);
      expect(g.stats.abandoned).toBe(1);
      await Promise.all([abandoned, next]);
    } finally {
      vi.useRealTimers();
    }
  });
});
