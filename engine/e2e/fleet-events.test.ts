import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODEC_8E, encodeAvlData, encodeImei, encodeTcpPacket, sampleRecord } from '../../adapters/teltonika/test-encoder.ts';
import { eventually, startPlatformProcess, type PlatformProcess } from '../testing/platform-process.ts';
import { TestWsClient } from '../testing/ws-client.ts';

/**
 * Every event family from real protocol frames (OsmAnd over HTTP, Teltonika
 * over TCP) to the event over REST, in ClickHouse and on the WebSocket, with
 * settings and geofences set through the API on the way.
 */

let p: PlatformProcess;
let ws: TestWsClient;
const T0 = Math.floor((Date.now() - 3 * 3600_000) / 1000) * 1000;
const KN = 1 / 1.852;

beforeAll(async () => {
  p = await startPlatformProcess();
  ws = await TestWsClient.connect(`ws://127.0.0.1:${p.ports.http}/v1/live?key=${p.key}`);
  ws.send({ type: 'subscribe', fleet: true });
  await ws.waitFor((m) => m['type'] === 'subscribed');
});
afterAll(async () => {
  ws?.close();
  await p?.cleanup();
});

const auth = (extra: RequestInit = {}): RequestInit => ({ ...extra, headers: { authorization: `Bearer ${p.key}`, 'content-type': 'application/json' } });

async function osmand(id: string, tMs: number, params: Record<string, string | number | boolean>): Promise<void> {
  const q = new URLSearchParams({ id, timestamp: String(Math.floor(tMs / 1000)), ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) });
  const r = await fetch(`${p.osmand}/?${q}`);
  expect(r.status, await r.clone().text()).toBe(200);
}

type Ev = { id: string; type: string; deviceId: string; time: string; critical: boolean } & Record<string, unknown>;

/** The event over REST (from ClickHouse), then the same id in ClickHouse via SQL and on the WebSocket. */
async function expectEvent(device: string, type: string): Promise<Ev> {
  const ev = await eventually(async () => {
    const r = await fetch(`${p.http}/v1/devices/${device}/events?type=${type}`, auth());
    if (r.status !== 200) return undefined;
    const list = (await r.json()) as Ev[];
    return list[0];
  }, 30_000, `${type} of ${device}`);
  expect(ev).toMatchObject({ type, deviceId: device });
  const rows = await fetch(`${p.http}/v1/sql`, auth({ method: 'POST', body: JSON.stringify({ query: `SELECT count() AS n FROM events WHERE event_id = '${ev.id}'` }) }));
  expect(Number(((await rows.json()) as { data: { n: string }[] }).data[0]!.n)).toBe(1);
  await ws.waitFor((m) => m['type'] === 'events' && (m['items'] as Ev[]).some((e) => e.id === ev.id), 15_000);
  return ev;
}

describe('fleet events end to end', () => {
  it('trip.started and trip.ended from an ignition cycle, with distance, duration and speeds', async () => {
    await osmand('ev-trip', T0, { lat: 48, lon: 11, speed: 0, ignition: true });
    for (let i = 1; i <= 30; i++) await osmand('ev-trip', T0 + i * 10_000, { lat: 48 + i * 0.0015, lon: 11, speed: 60 * KN, ignition: true, bearing: 0 });
    for (let i = 31; i <= 45; i++) await osmand('ev-trip', T0 + i * 10_000, { lat: 48 + 30 * 0.0015, lon: 11, speed: 0, ignition: false });
    await expectEvent('ev-trip', 'trip.started');
    const ended = await expectEvent('ev-trip', 'trip.ended');
    expect(ended['distanceKm'] as number).toBeGreaterThan(4.5);
    expect(ended['distanceKm'] as number).toBeLessThan(5.5);
    expect(ended['durationS'] as number).toBeGreaterThanOrEqual(290);
    expect(ended['maxSpeedKmh'] as number).toBeCloseTo(60, 0);
    const view = (await (await fetch(`${p.http}/v1/devices/ev-trip`, auth())).json()) as Record<string, unknown>;
    expect(view).toMatchObject({ ignition: false, moving: false, trip: null });
    expect(view['odometerKm'] as number).toBeGreaterThan(4.5);
    expect(Array.isArray(view['openAlerts'])).toBe(true);
  });

  it('overspeed against the limit set with PATCH /v1/devices/{id}', async () => {
    const patch = await fetch(`${p.http}/v1/devices/ev-speed`, auth({ method: 'PATCH', body: JSON.stringify({ speedLimitKmh: 80 }) }));
    expect(patch.status).toBe(200);
    expect((await fetch(`${p.http}/v1/devices/ev-speed`, auth({ method: 'PATCH', body: JSON.stringify({ speedLimitKmh: -5 }) }))).status).toBe(400);
    const t = T0 + 3600_000;
    for (let i = 0; i <= 12; i++) await osmand('ev-speed', t + i * 5000, { lat: 50 + i * 0.0014, lon: 8, speed: 100 * KN, ignition: true });
    for (let i = 13; i <= 30; i++) await osmand('ev-speed', t + i * 5000, { lat: 50 + i * 0.0008, lon: 8, speed: 60 * KN, ignition: true });
    const ev = await expectEvent('ev-speed', 'overspeed');
    expect(ev).toMatchObject({ limitKmh: 80 });
    expect(ev['maxSpeedKmh'] as number).toBeCloseTo(100, 0);
    expect(ev['durationS'] as number).toBeGreaterThanOrEqual(10);
  });

  it('geofence.entered and geofence.exited for a circle set with PUT /v1/geofences/{id}', async () => {
    const put = await fetch(`${p.http}/v1/geofences/depot-1`, auth({ method: 'PUT', body: JSON.stringify({ name: 'Depot', circle: { lat: 10, lon: 10, radiusM: 500 } }) }));
    expect(put.status).toBe(201);
    expect((await fetch(`${p.http}/v1/geofences/bad`, auth({ method: 'PUT', body: JSON.stringify({ name: 'x' }) }))).status).toBe(400);
    await new Promise((r) => setTimeout(r, 1000)); // the shards follow the geofence bucket
    const t = T0 + 2 * 3600_000;
    const path = [10.02, 10.015, 10.01, 10.005, 10.001, 10.0, 10.0005, 10.001, 10.005, 10.01, 10.015, 10.02, 10.025, 10.03, 10.035, 10.04, 10.045, 10.05];
    for (const [i, lat] of path.entries()) await osmand('ev-fence', t + i * 10_000, { lat, lon: 10, speed: 30 * KN, ignition: true });
    const entered = await expectEvent('ev-fence', 'geofence.entered');
    const exited = await expectEvent('ev-fence', 'geofence.exited');
    expect(entered['geofenceId']).toBe('depot-1');
    expect(exited['geofenceId']).toBe('depot-1');
    expect(Date.parse(exited.time)).toBeGreaterThan(Date.parse(entered.time));
    expect((await fetch(`${p.http}/v1/geofences/depot-1`, auth({ method: 'DELETE' }))).status).toBe(204);
    expect((await fetch(`${p.http}/v1/geofences/depot-1`, auth({ method: 'DELETE' }))).status).toBe(404);
  });

  it('coldchain.excursion after the configured duration, with probe, peak and length', async () => {
    expect((await fetch(`${p.http}/v1/devices/ev-cold`, auth({ method: 'PATCH', body: JSON.stringify({ temperatureRangeC: { min: 2, max: 8 } }) }))).status).toBe(200);
    const t = T0 + 2.5 * 3600_000;
    const temps = [5, 5, 5, ...Array(13).fill(12), 5, 5, 5, 5, 5, 5, 5, 5, 5, 5];
    for (const [i, c] of temps.entries()) await osmand('ev-cold', t + i * 60_000, { lat: 45, lon: 9, speed: 0, temp1: c === 12 && i === 8 ? 12.5 : c });
    const ev = await expectEvent('ev-cold', 'coldchain.excursion');
    expect(ev).toMatchObject({ probe: 'temp1', peakC: 12.5, critical: true });
    expect(ev['durationS'] as number).toBeGreaterThanOrEqual(600);
  });

  it('dtc.detected, alarm.panic and fuel.drop from OsmAnd sensor keys', async () => {
    const t = T0 + 2.7 * 3600_000;
    for (let i = 0; i < 12; i++) await osmand('ev-dtc', t + i * 10_000, { lat: 44, lon: 9, speed: 0, ignition: true, ...(i >= 2 ? { dtcs: 'P0300' } : {}) });
    expect((await expectEvent('ev-dtc', 'dtc.detected'))).toMatchObject({ code: 'P0300' });

    await osmand('ev-panic', t, { lat: 44, lon: 9, alarm: 'sos' });
    expect(await expectEvent('ev-panic', 'alarm.panic')).toMatchObject({ critical: true });

    for (let i = 0; i < 20; i++) await osmand('ev-fuel', t + i * 60_000, { lat: 44, lon: 9, speed: 0, ignition: false, fuel: i < 6 ? 80 : 45 });
    const drop = await expectEvent('ev-fuel', 'fuel.drop');
    expect(JSON.stringify(drop)).toMatch(/35/);
  });

  it('alarm.crash and harsh.braking from Teltonika IO elements over TCP', async () => {
    const s = net.connect({ host: '127.0.0.1', port: p.ports.teltonika });
    let inbox = Buffer.alloc(0);
    s.on('data', (d) => (inbox = Buffer.concat([inbox, d])));
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.write(encodeImei('356307042441047'));
    const t = T0 + 2.8 * 3600_000;
    const rec = (i: number, io: { id: number; width: 1; value: bigint }[]) =>
      sampleRecord({ timestampMs: BigInt(t + i * 1000), latE7: 520000000 + i * 100, lonE7: 43000000, speedKmh: 40, satellites: 9, io });
    const records = [
      ...Array.from({ length: 3 }, (_, i) => rec(i, [{ id: 239, width: 1, value: 1n }])),
      rec(3, [{ id: 239, width: 1, value: 1n }, { id: 253, width: 1, value: 2n }]),
      rec(4, [{ id: 239, width: 1, value: 1n }, { id: 247, width: 1, value: 1n }]),
      ...Array.from({ length: 10 }, (_, i) => rec(5 + i, [{ id: 239, width: 1, value: 1n }])),
    ];
    s.write(encodeTcpPacket(encodeAvlData(CODEC_8E, records)));
    await eventually(async () => (inbox.length >= 5 ? true : undefined), 10_000, 'Teltonika ACK');
    expect(inbox.readUInt32BE(1)).toBe(records.length);
    s.destroy();
    expect(await expectEvent('356307042441047', 'alarm.crash')).toMatchObject({ critical: true });
    await expectEvent('356307042441047', 'harsh.braking');
  });
});
