import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, startPlatformProcess, type PlatformProcess } from '../testing/platform-process.ts';

/** SIGTERM drains consumers, writes final snapshots, acks, and exits 0 in bounded time, taking its nats-server along. */

let p: PlatformProcess | undefined;
afterAll(async () => {
  await p?.cleanup();
});

describe('graceful stop', () => {
  it('exits 0 within 20 s on SIGTERM, stops the managed nats-server, and comes back with the same live state', async () => {
    p = await startPlatformProcess();
    const q = new URLSearchParams({ id: 'stopper', lat: '10.5', lon: '20.5', timestamp: String(Math.floor(Date.now() / 1000)) });
    expect((await fetch(`${p.osmand}/?${q}`)).status).toBe(200);
    const auth = { headers: { authorization: `Bearer ${p.key}` } };
    await eventually(async () => ((await fetch(`${p!.http}/v1/devices/stopper`, auth)).status === 200 ? true : undefined));
    const natsPid = Number(fs.readFileSync(path.join(p.dataDir, 'nats', 'nats-server.pid'), 'utf8'));

    const t0 = Date.now();
    const code = await p.stop();
    const stopMs = Date.now() - t0;
    console.log(`SIGTERM to exit: ${stopMs} ms`);
    expect(code).toBe(0);
    expect(stopMs).toBeLessThan(20_000);
    expect(fs.existsSync(`/proc/${natsPid}`) && !fs.readFileSync(`/proc/${natsPid}/stat`, 'utf8').split(' ')[2]?.startsWith('Z')).toBe(false);

    await p.restart();
    const dev = (await (await fetch(`${p.http}/v1/devices/stopper`, auth)).json()) as { position: { lat: number } };
    expect(dev.position.lat).toBe(10.5);
  }, 120_000);
});
