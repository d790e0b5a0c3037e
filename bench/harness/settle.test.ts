import { describe, expect, it } from 'vitest';
import type { TimelinePoint } from './result.ts';
import { fleetSettled, stormDraining } from './settle.ts';

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

  it('judges the mean of the last seconds, not one, and needs a few of them', () => {
    const slowSecond = [...seconds(9, {}), point({ ackedPerS: 1000 })];
    expect(fleetSettled(slowSecond, 20_000).settled).toBe(true);
    expect(fleetSettled(seconds(3, {}), 20_000)).toEqual({ settled: false, why: 'starting' });
  });
});

describe('storm draining', () => {
  const fleet = { stormDevices: 10_000, recordedPerS: 1_200 };

  it('drains while devices hold more than a trickle of records for the platform, or the engine lags', () => {
    expect(stormDraining({ backlog: 250_000, backlogUnconfirmed: 0 }, 0, fleet)).toBe(true);
    expect(stormDraining({ backlog: 50, backlogUnconfirmed: 0 }, 5_000, fleet)).toBe(true);
    expect(stormDraining({ backlog: 50, backlogUnconfirmed: 0 }, 200, fleet)).toBe(false);
  });

  it('a trickle is five seconds of what the fleet records, or 1 % of the storm, whichever is more', () => {
    expect(stormDraining({ backlog: 5_900, backlogUnconfirmed: 0 }, 0, fleet)).toBe(false);
    expect(stormDraining({ backlog: 6_100, backlogUnconfirmed: 0 }, 0, fleet)).toBe(true);
    expect(stormDraining({ backlog: 90, backlogUnconfirmed: 0 }, 0, { stormDevices: 10_000, recordedPerS: 0 })).toBe(false);
    expect(stormDraining({ backlog: 110, backlogUnconfirmed: 0 }, 0, { stormDevices: 10_000, recordedPerS: 0 })).toBe(true);
  });

  it('does not count GT06 locations that only wait for their device\'s next heartbeat', () => {
    // After the storm: 40,000 records on devices, 39,500 of them GT06 locations sent and awaiting a heartbeat.
    expect(stormDraining({ backlog: 40_000, backlogUnconfirmed: 39_500 }, 0, fleet)).toBe(false);
    expect(stormDraining({ backlog: 40_000, backlogUnconfirmed: 30_000 }, 0, fleet)).toBe(true);
    // A simulator that does not report them (an older one on another host) is judged on its whole backlog.
    expect(stormDraining({ backlog: 40_000 }, 0, fleet)).toBe(true);
  });
});
