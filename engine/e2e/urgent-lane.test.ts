import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANT, pack, type DeviceId, type TelemetryRecord } from '../model/index.ts';
import { connectNats } from '../nats/connect.ts';
import { inSubject } from '../nats/subjects.ts';
import { eventually, startPlatformProcess, type PlatformProcess } from '../testing/platform-process.ts';
import { TestWsClient } from '../testing/ws-client.ts';

/**
 * A panic arrives while the same partition drains a backlog: its event goes
 * out through the urgent lane before the backlog is done, and is stored once
 * (the bulk lane's copy, reached later, carries the same id).
 */

const BACKLOG = 30_000;
let p: PlatformProcess;

beforeAll(async () => {
  p = await startPlatformProcess({ FLEET_SHARDS: '1', FLEET_PARTITIONS: '1' });
});
afterAll(async () => {
  await p?.cleanup();
});

async function processed(): Promise<number> {
  const text = await (await fetch(`${p.http}/metrics`)).text();
  return [...text.matchAll(/^fleet_records_processed_total\{shard="\d+"\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

describe('urgent lane', () => {
  it('publishes a panic ahead of a backlog of bulk records, and stores it once', async () => {
    const ws = await TestWsClient.connect(`ws://127.0.0.1:${p.ports.http}/v1/live?key=${p.key}`);
    ws.send({ type: 'subscribe', deviceId: 'panic-1' });
    await ws.waitFor((m) => m['type'] === 'subscribed');

    const nc = await connectNats(`nats://127.0.0.1:${p.ports.nats}`, 'urgent-test');
    const js = jetstream(nc);
    const t0 = Date.now() - 3600_000;
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < BACKLOG; i++) {
      const r: TelemetryRecord = {
        id: `bulk-${i}`, tenantId: DEFAULT_TENANT, deviceId: `bulk-${i % 50}` as DeviceId, protocol: 'simulator', deviceTime: t0 + i * 100,
        receivedAt: Date.now(), priority: 'normal', position: { lat: 48, lon: 11 + i * 1e-5, speedKmh: 50 }, ignition: true,
      };
      pending.push(js.publish(inSubject(0, DEFAULT_TENANT, r.deviceId), pack(r), { msgID: r.id }));
      if (pending.length >= 1000) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    await nc.drain();

    const sent = Date.now();
    const r = await fetch(`${p.osmand}/?${new URLSearchParams({ id: 'panic-1', lat: '48.1', lon: '11.1', alarm: 'sos', timestamp: String(Math.floor(sent / 1000)) })}`);
    expect(r.status).toBe(200);
    await ws.waitFor((m) => m['type'] === 'events' && (m['items'] as { type: string }[]).some((e) => e.type === 'alarm.panic'), 30_000);
    const latencyMs = Date.now() - sent;
    const doneAtPanic = await processed();
    console.log(`alarm.panic on the WebSocket ${latencyMs} ms after the device sent it; bulk records processed by then: ${doneAtPanic} of ${BACKLOG}`);
    expect(doneAtPanic).toBeLessThan(BACKLOG);

    await eventually(async () => ((await processed()) >= BACKLOG + 1 ? true : undefined), 180_000, 'backlog drained');
    const count = await eventually(async () => {
      const q = await fetch(`${p.http}/v1/devices/panic-1/events?type=alarm.panic`, { headers: { authorization: `Bearer ${p.key}` } });
      const list = (await q.json()) as unknown[];
      return list.length > 0 ? list.length : undefined;
    });
    await new Promise((res) => setTimeout(res, 2000));
    const sql = await fetch(`${p.http}/v1/sql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.key}` },
      body: JSON.stringify({ query: "SELECT count() AS n FROM events WHERE device_id = 'panic-1' AND type = 'alarm.panic'" }),
    });
    expect(count).toBe(1);
    expect(Number(((await sql.json()) as { data: { n: string }[] }).data[0]!.n)).toBe(1);
    // The operator's live view shows the alarm once too: the bulk lane's copy reaches NATS subscribers
    // (JetStream's duplicate window only keeps it out of the stream).
    const panicsOnWs = ws.messages
      .filter((m) => m['type'] === 'events')
      .flatMap((m) => m['items'] as { type: string }[])
      .filter((e) => e.type === 'alarm.panic');
    expect(panicsOnWs).toHaveLength(1);
    ws.close();
  }, 300_000);
});
