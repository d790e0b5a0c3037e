import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startPlatformProcess, type PlatformProcess } from '../testing/platform-process.ts';
import { TestWsClient } from '../testing/ws-client.ts';
import { weekStartS } from '../../actors/driving-time/time.ts';

/**
 * EU 561 through the platform: OsmAnd records with a driver id, the driver's
 * live counters over REST and `driver.infringement` events, across a change of
 * vehicle (the driver's log lives by driver, not by device).
 */

let p: PlatformProcess;
beforeAll(async () => {
  p = await startPlatformProcess();
});
afterAll(async () => {
  await p?.cleanup();
});

const auth = () => ({ headers: { authorization: `Bearer ${p.key}` } });

async function drive(device: string, driver: string, fromMs: number, minutes: number): Promise<void> {
  for (let m = 0; m <= minutes; m++) {
    const q = new URLSearchParams({
      id: device, driverUniqueId: driver, ignition: 'true', speed: '40', lat: String(50 + m * 0.001), lon: '8',
      timestamp: String(Math.floor((fromMs + m * 60_000) / 1000)),
    });
    const r = await fetch(`${p.osmand}/?${q}`);
    expect(r.status).toBe(200);
  }
}

interface Counters {
  id: string;
  activity: string;
  continuousDrivingLeftS: number;
  breakOwedS: number;
  dailyDrivingLeftS: number;
  weeklyDrivingLeftS: number;
  fortnightDrivingLeftS: number;
  nextRestDueBy: string | null;
}

describe('driving time under EU 561/2006', () => {
  it('counts a driver across two vehicles and reports the continuous-driving infringement', async () => {
    const ws = await TestWsClient.connect(`ws://127.0.0.1:${p.ports.http}/v1/live?key=${p.key}`);
    ws.send({ type: 'subscribe', deviceId: 'van-b' });
    await ws.waitFor((m) => m['type'] === 'subscribed');
    const start = Math.floor((Date.now() - 271 * 60_000) / 1000) * 1000;
    await drive('van-a', 'DRV-1', start, 120);
    await drive('van-b', 'DRV-1', start + 121 * 60_000, 150);

    const events = await eventually(async () => {
      const r = await fetch(`${p.http}/v1/devices/van-b/events?type=driver.infringement`, auth());
      if (r.status !== 200) return undefined;
      const list = (await r.json()) as { type: string; driverId: string; rule: string; overByS: number; time: string }[];
      return list.length > 0 ? list : undefined;
    }, 30_000, 'driver.infringement event');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'driver.infringement', driverId: 'DRV-1', rule: 'continuous-driving' });
    expect(events[0]!.overByS).toBe(60);
    expect(Date.parse(events[0]!.time)).toBe(start + 270 * 60_000);
    const pushed = await ws.waitFor((m) => m['type'] === 'events' && (m['items'] as { type: string }[]).some((e) => e.type === 'driver.infringement'));
    expect((pushed['items'] as { type: string; rule: string; critical: boolean }[]).find((e) => e.type === 'driver.infringement')).toMatchObject({
      rule: 'continuous-driving',
      critical: true,
    });
    ws.close();

    const c = (await (await fetch(`${p.http}/v1/drivers/DRV-1`, auth())).json()) as Counters;
    expect(c).toMatchObject({ id: 'DRV-1', activity: 'driving', continuousDrivingLeftS: 0, breakOwedS: 45 * 60 });
    // 10 h is allowed twice a week, so with both extensions unused the day has 10 h minus what was driven.
    expect(Math.abs(c.dailyDrivingLeftS - (10 * 3600 - 271 * 60))).toBeLessThanOrEqual(60);
  }, 120_000);

  it('gives live counters mid-shift and 404 for an unknown driver', async () => {
    const startedMs = Date.now() - 120 * 60_000;
    await drive('van-c', 'DRV 2', startedMs, 120);
    const c = await eventually(async () => {
      const r = await fetch(`${p.http}/v1/drivers/${encodeURIComponent('DRV 2')}`, auth());
      return r.status === 200 ? ((await r.json()) as Counters) : undefined;
    }, 20_000, 'DRV 2 counters');
    expect(c.activity).toBe('driving');
    expect(Math.abs(c.continuousDrivingLeftS - 2.5 * 3600)).toBeLessThanOrEqual(120);
    // A week runs from Monday 00:00 UTC: run early on a Monday, part of the two hours belongs to last week.
    const nowS = Date.now() / 1000;
    const drivenThisWeekS = Math.min(nowS, startedMs / 1000 + 2 * 3600) - Math.max(startedMs / 1000, weekStartS(nowS));
    expect(c.weeklyDrivingLeftS).toBeLessThanOrEqual(56 * 3600 - drivenThisWeekS + 120);
    expect(c.fortnightDrivingLeftS).toBeLessThanOrEqual(90 * 3600 - 2 * 3600 + 120);
    expect(Date.parse(c.nextRestDueBy!)).toBeGreaterThan(Date.now());
    expect((await fetch(`${p.http}/v1/drivers/nobody`, auth())).status).toBe(404);
    expect((await fetch(`${p.http}/v1/drivers/DRV-1`)).status).toBe(401);
  }, 60_000);
});
