import { describe, expect, it } from 'vitest';
import type { TimelinePoint } from './result.ts';
import { fleetSettled, stormClearedAt, stormDraining } from './settle.ts';

const point = (p: Partial<TimelinePoint>): TimelinePoint => ({
  t: 0, ackedPerS: 1700, processedPerS: 1700, storedPerS: 1700, generatedPerS: 1720, lag: 300, actors: 19_990, backlog: 0,
  p99AckMs: 100, p99WsMs: 150, p99CriticalMs: 20, platformRssBytes: 0, ...p,
});
const seconds = (n: number, p: Partial<TimelinePoint>) => Array.from({ length: n }, (_, i) => point({ t: i, ...p }));

describe('fleet settled', () => {
  it('is settled when every device has an actor, is acknowledged as fast as it records, and lag is small', () => {
    expect(fleetSettled(seconds(10, {}), 20_000)).toEqual({ settled: true, why: '' });
  });

  it('waits for the power-on wave: devices without an actor, acknowledgements behind, lag growing', () => {
    expect(fleetSettled(seconds(10, { actors: 12_000 }), 20_000).why).toContain('12000 of 20000 devices');
    expect(fleetSettled(seconds(10, { ackedPerS: 900 }), 20_000).why).toContain('acked 900 of 1720');
    expect(fleetSettled(seconds(10, { lag: 60_000 }), 20_000).why).toContain('consumer lag 60000');
    // Acknowledged as fast as recorded, but only after seconds: the power-on backlog is still draining.
    const draining = [...seconds(9, {}), point({ p99AckMs: 3400 })];
    expect(fleetSettled(draining, 20_000).why).toContain('p99 device->ACK 3400 ms');
  });

  it('waits for the devices that started in a dead zone to send their history, whose replays are not acknowledged yet', () => {
    // Fast ACKs and small lag, but 300 devices still hold history the intake paces: not settled.
    expect(fleetSettled(seconds(10, { devicesBehind: 300, actors: 99_900 }), 100_000)).toEqual({ settled: false, why: '300 devices behind' });
    // A few devices just out of a dead zone are the steady state of a fleet: one in a thousand, at least ten.
    expect(fleetSettled(seconds(10, { devicesBehind: 100, actors: 99_900 }), 100_000).settled).toBe(true);
    expect(fleetSettled(seconds(10, { devicesBehind: 10, actors: 2_000 }), 2_000).settled).toBe(true);
    expect(fleetSettled(seconds(10, { devicesBehind: 11, actors: 2_000 }), 2_000).settled).toBe(false);
    // The worst of the last seconds counts: one quiet second does not settle a fleet still sending history.
    expect(fleetSettled([...seconds(9, { devicesBehind: 300, actors: 99_900 }), point({ devicesBehind: 0, actors: 99_900 })], 100_000).settled).toBe(false);
  });

  it('judges the mean of the last seconds, not one, and needs a few of them', () => {
    const slowSecond = [...seconds(9, {}), point({ ackedPerS: 1000 })];
    expect(fleetSettled(slowSecond, 20_000).settled).toBe(true);
    expect(fleetSettled(seconds(3, {}), 20_000)).toEqual({ settled: false, why: 'starting' });
  });
});

describe('storm draining', () => {
  const storm = { stormDevices: 10_000 };

  it('drains while more than 1 % of the storm\'s devices are behind, or the engine lags', () => {
    expect(stormDraining({ devicesBehind: 9_000 }, 0, storm)).toBe(true);
    expect(stormDraining({ devicesBehind: 101 }, 0, storm)).toBe(true);
    expect(stormDraining({ devicesBehind: 100 }, 0, storm)).toBe(false);
    expect(stormDraining({ devicesBehind: 0 }, 1_001, storm)).toBe(true);
    expect(stormDraining({ devicesBehind: 0 }, 1_000, storm)).toBe(false);
  });

  it('a small storm still needs more than ten devices behind: one coming out of a dead zone is not a storm', () => {
    expect(stormDraining({ devicesBehind: 10 }, 0, { stormDevices: 200 })).toBe(false);
    expect(stormDraining({ devicesBehind: 11 }, 0, { stormDevices: 200 })).toBe(true);
  });
});

describe('storm cleared', () => {
  // One second each: t, devices behind, consumer lag. The storm at t=10, the final drain from t=60.
  const at = (rows: [number, number, number][]) => rows.map(([t, devicesBehind, lag]) => ({ t, devicesBehind, lag }));
  const o = { stormAt: 10, finalDrainAt: 60, stormDevices: 10_000 };

  it('is the first second after the last one still draining', () => {
    const s = at([[5, 0, 0], [20, 9_000, 5_000], [30, 500, 0], [40, 80, 2_000], [50, 80, 0], [55, 20, 0]]);
    expect(stormClearedAt(s, o)?.t).toBe(50);
  });

  it("is not undone by the lag of the bench's own final drain", () => {
    const s = at([[20, 9_000, 5_000], [50, 80, 0], [55, 20, 0], [61, 0, 4_464], [62, 0, 0]]);
    expect(stormClearedAt(s, o)?.t).toBe(50);
  });

  it('is never when the storm was still draining as the final drain began', () => {
    const s = at([[20, 9_000, 5_000], [50, 400, 0], [61, 0, 0]]);
    expect(stormClearedAt(s, o)).toBeUndefined();
  });
});
