import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNats, type TestNats } from '../testing/nats-server.ts';
import { eventually, startPlatformProcess, type PlatformProcess } from '../testing/platform-process.ts';
import { TeltonikaTestDevice } from '../testing/teltonika-device.ts';

/**
 * Store-and-forward across a NATS outage, through the real Teltonika TCP port:
 * while JetStream cannot take records the device gets no ACK and keeps them;
 * when NATS is back it resends, and every record is in ClickHouse exactly once.
 */

let nats: TestNats;
let p: PlatformProcess;

beforeAll(async () => {
  nats = await startTestNats();
  p = await startPlatformProcess({ NATS_URL: nats.url });
});
afterAll(async () => {
  await p?.cleanup();
  await nats?.cleanup();
});

async function num(sql: string): Promise<number> {
  const r = await fetch(`${p.http}/v1/sql`, { method: 'POST', headers: { authorization: `Bearer ${p.key}` }, body: JSON.stringify({ query: sql }) });
  if (r.status !== 200) throw new Error(`${r.status} ${await r.text()}`);
  return Number(Object.values(((await r.json()) as { data: Record<string, unknown>[] }).data[0]!)[0]);
}

describe('Teltonika store-and-forward across a NATS outage', () => {
  it('withholds the ACK while JetStream is down and stores every record exactly once after the resend', async () => {
    const devices = ['356307042441013', '356307042441021', '356307042441039'].map((imei) => new TeltonikaTestDevice(imei, '127.0.0.1', () => p.ports.teltonika));
    const t0 = Date.UTC(2026, 10, 25, 6, 0, 0);
    let i = 0;
    const addRecords = (n: number) => {
      for (let k = 0; k < n; k++, i++) for (const d of devices) d.record(t0 + i * 1000, i);
    };

    addRecords(20);
    for (const d of devices) while (d.buffered.length) expect(await d.sendBatch()).toBe(true);
    const ackedBefore = devices.reduce((n, d) => n + d.acked, 0);

    await nats.stop();
    addRecords(30);
    const duringOutage = await Promise.all(devices.map((d) => d.sendBatch(10, 12_000)));
    expect(duringOutage).toEqual([false, false, false]);
    expect(devices.every((d) => d.buffered.length === 30)).toBe(true);

    await nats.start();
    for (const d of devices) {
      await eventually(async () => {
        while (d.buffered.length) if (!(await d.sendBatch())) return undefined;
        return true;
      }, 60_000, `device ${d.imei} flushed its buffer`);
    }
    const acked = devices.reduce((n, d) => n + d.acked, 0);
    expect(acked).toBe(ackedBefore + 90);

    const stored = await eventually(async () => {
      const n = await num("SELECT count() FROM records WHERE protocol = 'teltonika'");
      return n >= acked ? n : undefined;
    }, 60_000, 'all acknowledged Teltonika records stored');
    const unique = await num("SELECT uniqExact(record_id) FROM records WHERE protocol = 'teltonika'");
    const perDevice = await num("SELECT uniqExact(device_id) FROM records WHERE protocol = 'teltonika'");
    console.log(`Teltonika: ${acked} acknowledged (${devices.reduce((n, d) => n + d.unanswered, 0)} packets unanswered during the outage), stored ${stored}, unique ${unique}`);
    expect(stored).toBe(acked);
    expect(unique).toBe(acked);
    expect(perDevice).toBe(3);
    // What the person on call sees: the connections the outage cost, by reason. The adapters' thread
    // reports its counters once a second, so the last reconnections may show a report later.
    const connections = (metrics: string) => Number(/^fleet_device_connections_total\{protocol="teltonika"\} (\d+)/m.exec(metrics)?.[1]);
    const metrics = await eventually(async () => {
      const text = await (await fetch(`${p.http}/metrics`)).text();
      return connections(text) >= 6 ? text : undefined;
    }, 5_000, 'the three reconnections counted in /metrics');
    const closedFailed = Number(/^fleet_device_connections_closed_total\{protocol="teltonika",reason="publish-failed"\} (\d+)/m.exec(metrics)?.[1]);
    expect(closedFailed, 'connections closed because JetStream did not acknowledge').toBeGreaterThanOrEqual(3);
    expect(connections(metrics)).toBeGreaterThanOrEqual(6);
    for (const d of devices) d.close();
  }, 180_000);
});
