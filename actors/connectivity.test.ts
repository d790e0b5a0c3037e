import { describe, expect, it } from 'vitest';
import { backlogStep, caughtUp, initialConnectivity, isSilent, positionGoesStale, seen } from './connectivity.ts';
import { DEFAULT_SETTINGS } from './device-settings.ts';
import { DEPOT, TestDevice, at, driveEast, rec } from './testing/record-kit.ts';

describe('connectivity (pure)', () => {
  it('last seen follows receive time; live ignition follows device time', () => {
    let c = initialConnectivity(300_000);
    c = seen(c, rec({ at: 100, ign: true }));
    c = seen(c, rec({ at: 50, lagS: 200, ign: false })); // received later, but older
    expect(c.lastSeen).toBe(at(250));
    expect(c.ignition).toBe(true);
    expect(isSilent(c, at(250) + 299_999)).toBe(false);
    expect(isSilent(c, at(250) + 300_000)).toBe(true);
  });

  it('silence counts only time in which the platform heard its devices', () => {
    const c = seen(initialConnectivity(300_000), rec({ at: 100 }));
    const late = at(100) + 600_000;
    // Behind: records received up to 100 s + 4 min are applied, the rest wait in the stream.
    expect(isSilent(c, late, { upTo: at(100) + 240_000, since: 0 })).toBe(false);
    expect(isSilent(c, late, { upTo: late, since: 0 })).toBe(true);
    // Intake was down until 100 s + 8 min: the device gets a full window from then.
    expect(isSilent(c, late, { upTo: late, since: at(100) + 480_000 })).toBe(false);
    expect(isSilent(c, at(100) + 780_000, { upTo: at(100) + 780_000, since: at(100) + 480_000 })).toBe(true);
  });

  it('a backlog counts late records, their worst lag, and how many missed history', () => {
    let c = initialConnectivity(300_000);
    c = backlogStep(c, rec({ at: 0, lagS: 3600 }), 2);
    c = backlogStep(c, rec({ at: 10, lagS: 3590 }), 3);
    const [e] = caughtUp(c.backlog!, rec({ at: 3600 }), 5);
    expect(e!.data).toEqual({ records: 2, maxLagS: 3600, oldestTime: new Date(at(0)).toISOString(), tooLate: 3 });
  });

  it('a position is stale when newer records keep coming without a fix', () => {
    const p = { lat: 1, lon: 2, speedKmh: 0, headingDeg: 0, time: at(0) };
    expect(positionGoesStale(p, rec({ at: 299 }), DEFAULT_SETTINGS)).toBe(false);
    expect(positionGoesStale(p, rec({ at: 300 }), DEFAULT_SETTINGS)).toBe(true);
    expect(positionGoesStale(p, rec({ at: 300, ...DEPOT }), DEFAULT_SETTINGS)).toBe(false);
  });
});

describe('connectivity (machine)', () => {
  it('online, offline after the silence (injected clock), online again', () => {
    const d = new TestDevice({ offlineAfterS: 120 });
    d.feed(rec({ at: 0, ...DEPOT }));
    expect(d.actor.online).toBe(true);
    expect(d.tick(100)).toEqual([]);
    const [off] = d.tick(121);
    expect(off).toMatchObject({ type: 'device.offline', time: at(0), data: { silentForS: 120 } });
    expect(d.actor.online).toBe(false);
    expect(d.actor.checkSilence(at(500))).toEqual([]);
    const [on] = d.feed(rec({ at: 600, ...DEPOT }));
    expect(on).toMatchObject({ type: 'device.online', data: { offlineForS: 600 } });
  });

  it('not offline while the shard has not heard the records that would keep it online', () => {
    const d = new TestDevice({ offlineAfterS: 120 });
    d.feed(rec({ at: 0, ...DEPOT }));
    expect(d.actor.tick(at(500), { upTo: at(60), since: 0 })).toEqual([]);
    expect(d.actor.online).toBe(true);
    const [off] = d.actor.tick(at(500), { upTo: at(500), since: 0 });
    expect(off).toMatchObject({ type: 'device.offline', time: at(0) });
  });

  it('store-and-forward: catching up, the backlog in the view, caught up', () => {
    const d = new TestDevice();
    d.feed(rec({ at: 0, ...DEPOT }));
    // an hour offline, then the buffer arrives in one go (received at 3800 s)
    const buffered = driveEast(DEPOT, 10, 3600, 60, 30).records.map((r) => ({ ...r, receivedAt: at(3800) }));
    const [first] = d.feed(buffered[0]!);
    expect(first).toMatchObject({ type: 'device.catchingup', data: { lagS: 3790 } });
    d.feed(buffered.slice(1));
    expect(d.actor.view().backlog).toEqual({ records: buffered.length, maxLagS: 3790 });
    const [done] = d.feed(rec({ at: 3800, ...DEPOT, lagS: 1 }));
    expect(done).toMatchObject({ type: 'device.caughtup', data: { records: buffered.length, maxLagS: 3790, tooLate: 0 } });
    expect(d.actor.view().backlog).toBeNull();
  });

  it('stale position: records without a fix for stalePositionS', () => {
    const d = new TestDevice();
    d.feed(rec({ at: 0, ...DEPOT }), rec({ at: 100, ign: true }));
    const [stale] = d.feed(rec({ at: 400, ign: true }));
    expect(stale).toMatchObject({ type: 'position.stale', data: { ageS: 400 } });
    expect(d.actor.view().positionStale).toBe(true);
    d.feed(rec({ at: 410, ...DEPOT }));
    expect(d.actor.view().positionStale).toBe(false);
  });

  it('a late record never moves the live position backwards', () => {
    const d = new TestDevice();
    d.feed(rec({ at: 100, lat: 10, lon: 10 }));
    d.feed(rec({ at: 50, lat: 20, lon: 20 }));
    expect(d.actor.view().position).toMatchObject({ lat: 10, lon: 10, time: new Date(at(100)).toISOString() });
  });

  it('a device clock far in the future moves nothing and is counted', () => {
    const d = new TestDevice();
    d.feed(rec({ at: 0, ...DEPOT }));
    d.feed({ ...rec({ at: 86_400 * 365, lat: 1, lon: 1 }), receivedAt: at(10) });
    expect(d.actor.view().position).toMatchObject({ lat: DEPOT.lat });
    expect(d.actor.context.reorder.future).toBe(1);
  });
});
