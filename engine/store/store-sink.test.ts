import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { DEFAULT_TENANT, pack, type DeviceId, type TelemetryRecord } from '../model/index.ts';
import { connectNats } from '../nats/connect.ts';
import { inSubject } from '../nats/subjects.ts';
import { ensureTopology } from '../nats/topology.ts';
import { startTestNats, type TestNats } from '../testing/nats-server.ts';
import { ChdbStore } from './chdb-store.ts';
import { StoreSink } from './store-sink.ts';

/** The sink against a real nats-server and chDB: a closed store holds the backlog in JetStream, then everything lands once. */

let nats: TestNats;
let nc: NatsConnection;
let dir: string;
let store: ChdbStore;

beforeAll(async () => {
  nats = await startTestNats();
  nc = await connectNats(nats.url, 'sink-test');
  await ensureTopology(nc, await jetstreamManager(nc), 4);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetline-sink-'));
  store = new ChdbStore(dir);
  await store.migrate();
});
afterAll(async () => {
  await nc?.drain();
  await store?.close();
  await nats?.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

const rec = (i: number): TelemetryRecord => ({
  id: `sink-${i}`, tenantId: DEFAULT_TENANT, deviceId: `dev-${i % 7}` as DeviceId, protocol: 'osmand', deviceTime: 1_764_000_000_000 + i, receivedAt: 1_764_000_000_500 + i,
  priority: 'normal', position: { lat: 1, lon: 2, speedKmh: 3 },
});

async function count(sql: string): Promise<number> {
  const [row] = await store.select<{ n: string }>(sql);
  return Number(row!.n);
}

describe('store sink', () => {
  it('holds the backlog in JetStream while chDB is closed and stores each record once when it is back', async () => {
    const js = jetstream(nc);
    const sink = new StoreSink(js, store, createLogger('sink', 'silent'), { batchSize: 500, maxWaitMs: 100 });
    sink.start();
    for (let i = 0; i < 300; i++) await js.publish(inSubject(i % 4, DEFAULT_TENANT, rec(i).deviceId), pack(rec(i)), { msgID: rec(i).id });
    await expect.poll(() => count('SELECT count() AS n FROM fleetline.records'), { timeout: 15_000 }).toBe(300);

    await store.close();
    for (let i = 300; i < 1300; i++) await js.publish(inSubject(i % 4, DEFAULT_TENANT, rec(i).deviceId), pack(rec(i)), { msgID: rec(i).id });
    await expect.poll(() => sink.stats.failures, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(sink.stats.storeUp).toBe(false);
    // The same ids published again (a device resending after the duplicate window would) must not double.
    for (let i = 0; i < 40; i++) await js.publish(inSubject(i % 4, DEFAULT_TENANT, rec(i).deviceId), pack(rec(i)), { msgID: `again-${i}` });

    await store.reopen();
    await expect.poll(() => count('SELECT count() AS n FROM fleetline.records'), { timeout: 30_000 }).toBe(1300);
    await new Promise((r) => setTimeout(r, 1000)); // the resent ids are in the backlog too: give them time to (not) land
    const total = await count('SELECT count() AS n FROM fleetline.records');
    const unique = await count('SELECT uniqExact(record_id) AS n FROM fleetline.records');
    console.log(`sink: stored ${total} rows, ${unique} unique ids, ${sink.stats.duplicatesSkipped} duplicates skipped, ${sink.stats.failures} failed batches while closed`);
    expect(sink.stats.storeUp).toBe(true);
    expect(total).toBe(1300);
    expect(unique).toBe(1300);
    expect(sink.stats.duplicatesSkipped).toBe(40);
    await sink.stop();
  }, 90_000);

  it('looks up only what may be a duplicate, and still stores each record once, across a restart', async () => {
    const js = jetstream(nc);
    const sink = new StoreSink(js, store, createLogger('sink', 'silent'), { batchSize: 500, maxWaitMs: 100 });
    sink.start();
    const before = await count('SELECT count() AS n FROM fleetline.records');
    const fresh = Array.from({ length: 500 }, (_, k) => ({ ...rec(10_000 + k), receivedAt: Date.now() }));
    for (const r of fresh) await js.publish(inSubject(0, DEFAULT_TENANT, r.deviceId), pack(r), { msgID: r.id });
    await expect.poll(() => count('SELECT count() AS n FROM fleetline.records'), { timeout: 15_000 }).toBe(before + 500);
    // New records were not looked up one by one.
    expect(sink.stats.lookedUp).toBeLessThan(50);
    // A device resends 100 of them in new messages: the filter flags them, the lookup confirms, none doubles.
    for (const r of fresh.slice(0, 100)) await js.publish(inSubject(1, DEFAULT_TENANT, r.deviceId), pack(r), { msgID: `resend-${r.id}` });
    await expect.poll(() => sink.stats.duplicatesSkipped, { timeout: 15_000 }).toBe(100);
    expect(sink.stats.lookedUp).toBeGreaterThanOrEqual(100);
    expect(await count('SELECT count() AS n FROM fleetline.records')).toBe(before + 500);
    await sink.stop();

    // A new run (the platform restarted) knows from ClickHouse what the last one stored: resends are still caught.
    const next = new StoreSink(js, store, createLogger('sink', 'silent'), { batchSize: 500, maxWaitMs: 100 });
    next.start();
    for (const r of fresh.slice(400)) await js.publish(inSubject(2, DEFAULT_TENANT, r.deviceId), pack(r), { msgID: `after-restart-${r.id}` });
    await expect.poll(() => next.stats.duplicatesSkipped, { timeout: 15_000 }).toBe(100);
    expect(await count('SELECT count() AS n FROM fleetline.records')).toBe(before + 500);
    await next.stop();
  }, 60_000);

  it('gathers a backlog of small batches into few inserts (ClickHouse makes a part of each)', async () => {
    const js = jetstream(nc);
    const before = await count('SELECT count() AS n FROM fleetline.records');
    // 450 one-record messages waiting: 100 per pull, so five pulls.
    for (let i = 0; i < 450; i++) {
      const r = { ...rec(20_000 + i), receivedAt: Date.now() };
      await js.publish(inSubject(i % 4, DEFAULT_TENANT, r.deviceId), pack(r), { msgID: r.id });
    }
    const sink = new StoreSink(js, store, createLogger('sink', 'silent'), { batchSize: 500, maxWaitMs: 100 });
    sink.start();
    await expect.poll(() => count('SELECT count() AS n FROM fleetline.records'), { timeout: 15_000 }).toBe(before + 450);
    // Pull by pull, that was five inserts.
    expect(sink.stats.batches).toBeLessThanOrEqual(2);
    await sink.stop();
  }, 60_000);
});
