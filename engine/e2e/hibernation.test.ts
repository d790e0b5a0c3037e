import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startPlatformProcess, type PlatformProcess } from '../testing/platform-process.ts';

/**
 * FLEET_HIBERNATE_AFTER_S end to end: the platform's shards put the actors of
 * quiet devices to sleep (actors/hibernation.ts), say so in
 * `fleet_actors_hibernating`, and a sleeping device's next position is
 * applied to the state it had.
 */

let p: PlatformProcess;
beforeAll(async () => {
  p = await startPlatformProcess({ FLEET_HIBERNATE_AFTER_S: '1', FLEET_SNAPSHOT_EVERY_MS: '500' });
});
afterAll(() => p?.cleanup());

const sec = (ms: number) => String(Math.floor(ms / 1000));
const osmand = (query: Record<string, string>) => fetch(`${p.osmand}/?${new URLSearchParams(query)}`);
const api = (pathname: string) => fetch(`${p.http}${pathname}`, { headers: { authorization: `Bearer ${p.key}` } });

async function hibernating(): Promise<number> {
  const m = await (await fetch(`${p.http}/metrics`)).text();
  return [...m.matchAll(/^fleet_actors_hibernating\{shard="\d+"\} (\d+)/gm)].reduce((sum, x) => sum + Number(x[1]), 0);
}

describe('hibernating actors on the platform', () => {
  it('puts quiet devices to sleep, and applies the next position of a sleeping one to the state it had', async () => {
    const t0 = Date.now() - 60_000;
    const devices = ['nap-1', 'nap-2', 'nap-3'];
    for (const id of devices) expect((await osmand({ id, timestamp: sec(t0), lat: '52.1', lon: '4.3', speed: '40', bearing: '90' })).status).toBe(200);
    await eventually(async () => ((await hibernating()) >= devices.length ? true : undefined), 40_000, 'the quiet devices hibernating');

    expect((await osmand({ id: 'nap-1', timestamp: sec(t0 + 10_000), lat: '52.2', lon: '4.4', speed: '45', bearing: '90' })).status).toBe(200);
    const state = await eventually(async () => {
      const d = (await (await api('/v1/devices/nap-1')).json()) as { position?: { lat: number }; trip: { startedAt: string } | null; moving: boolean };
      return d.position?.lat === 52.2 ? d : undefined;
    });
    // The trip began with the first position: the second was applied to the state the device slept with (a fresh
    // actor, as nap-2 shows with its one position, has no trip yet).
    expect(state.trip?.startedAt).toBe(new Date(Math.floor(t0 / 1000) * 1000).toISOString());
    expect(state.moving).toBe(true);
    const other = (await (await api('/v1/devices/nap-2')).json()) as { position: { lat: number }; trip: unknown };
    expect(other).toMatchObject({ position: { lat: 52.1 }, trip: null });
  });
});
