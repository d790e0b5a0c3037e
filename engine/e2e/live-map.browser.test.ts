import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../../api/live-map/browser.ts';
import { startPlatformProcess, type PlatformProcess } from '../testing/platform-process.ts';

/** Debian's Chromium loads the live map from the running platform and sees a device appear and move. */

let p: PlatformProcess;
let browser: Browser;

beforeAll(async () => {
  [p, browser] = await Promise.all([startPlatformProcess(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await p?.cleanup();
});

describe('live map', () => {
  it('shows a marker for a device that just sent a position, and moves it, with no outside request', async () => {
    const page = await browser.newPage();
    const hosts = new Set<string>();
    page.on('request', (r) => hosts.add(new URL(r.url()).host));
    await page.goto(`${p.http}/?key=${p.key}`);
    await page.waitForFunction(() => (window as unknown as { fleetMap?: unknown }).fleetMap !== undefined);

    const send = (lat: number, lon: number) =>
      fetch(`${p.osmand}/?${new URLSearchParams({ id: 'map-truck', lat: String(lat), lon: String(lon), speed: '30', timestamp: String(Math.floor(Date.now() / 1000)) })}`);
    expect((await send(50.1, 8.6)).status).toBe(200);

    type FleetMap = { markerIds(): string[]; markerLatLng(id: string): [number, number] | null };
    await page.waitForFunction(() => (window as unknown as { fleetMap: FleetMap }).fleetMap.markerIds().includes('map-truck'), undefined, { timeout: 20_000 });
    expect(await page.evaluate(() => (window as unknown as { fleetMap: FleetMap }).fleetMap.markerLatLng('map-truck'))).toEqual([50.1, 8.6]);

    await new Promise((r) => setTimeout(r, 1100)); // next device second, so it is not the same record
    expect((await send(50.2, 8.7)).status).toBe(200);
    await page.waitForFunction(() => (window as unknown as { fleetMap: FleetMap }).fleetMap.markerLatLng('map-truck')?.[0] === 50.2, undefined, { timeout: 20_000 });

    expect([...hosts]).toEqual([`127.0.0.1:${p.ports.http}`]);
    await page.screenshot({ path: `${p.dataDir}/map.png` });
  });
});
