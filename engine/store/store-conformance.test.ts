import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseServer, type ClickHouseServerProcess } from '../testing/clickhouse-server.ts';
import { ChdbStore } from './chdb-store.ts';
import type { RecordRow } from './rows.ts';
import { ServerStore } from './server-store.ts';
import { StoreQueryError, type TelemetryStore } from './telemetry-store.ts';

/** One suite every store runs: embedded chDB and a real clickhouse-server. */

const row = (id: string, t: number, lat = 1): RecordRow => ({
  tenant_id: 'default', device_id: 'conf-dev', record_id: id, device_time_ms: t, received_at_ms: t + 500, protocol: 'osmand', priority: 'normal',
  has_position: 1, lat, lon: 2, altitude_m: null, speed_kmh: 10, heading_deg: 90, satellites: 7, ignition: 1, driver_id: '', alarms: ['panic'], record_json: '{}',
});

describe.each(['chdb', 'clickhouse-server'] as const)('store conformance (%s)', (kind) => {
  let store: TelemetryStore;
  let ch: ClickHouseServerProcess | undefined;
  let dir: string | undefined;

  beforeAll(async () => {
    if (kind === 'chdb') {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetline-chdb-'));
      store = new ChdbStore(dir);
    } else {
      ch = await startClickHouseServer();
      store = new ServerStore(ch.url);
    }
    await store.migrate();
    await store.migrate(); // idempotent
  });
  afterAll(async () => {
    await store?.close();
    await ch?.cleanup();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores records and computes the readable time from the milliseconds', async () => {
    const t = Date.UTC(2026, 10, 25, 10, 0, 0, 250);
    await store.insertRecords([row('a', t), row('b', t + 1000)]);
    const rows = await store.select<{ record_id: string; device_time: string; alarms: string[] }>(
      `SELECT record_id, toString(device_time) AS device_time, alarms FROM ${store.database}.records WHERE device_id = 'conf-dev' ORDER BY device_time_ms`,
    );
    expect(rows.map((r) => r.record_id)).toEqual(['a', 'b']);
    expect(rows[0]!.device_time).toMatch(/^2026-11-25 10:00:00/);
    expect(rows[0]!.alarms).toEqual(['panic']);
  });

  it('keeps every byte of long and non-ASCII rows, in an insert larger than its first guess', async () => {
    const t = Date.UTC(2026, 10, 25, 12);
    const text = (i: number) => `Straße Ünterführung 🚚 ${i} ` + 'ü'.repeat(1500 + i);
    const rows = Array.from({ length: 40 }, (_, i) => ({ ...row(`utf-${i}`, t + i), driver_id: `Jürgen-${i}`, record_json: JSON.stringify({ note: text(i) }) }));
    await store.insertRecords(rows);
    const back = await store.select<{ record_id: string; driver_id: string; record_json: string }>(
      `SELECT record_id, driver_id, record_json FROM ${store.database}.records WHERE record_id LIKE 'utf-%' ORDER BY device_time_ms`,
    );
    expect(back.map((r) => r.driver_id)).toEqual(rows.map((r) => r.driver_id));
    expect(back.map((r) => (JSON.parse(r.record_json) as { note: string }).note)).toEqual(rows.map((_, i) => text(i)));
  });

  it('collapses a twice-inserted batch to one copy under FINAL', async () => {
    const t = Date.UTC(2026, 10, 25, 11);
    const batch = [row('dup-1', t), row('dup-2', t + 1)];
    await store.insertRecords(batch);
    await store.insertRecords(batch);
    const [final] = await store.select<{ n: string }>(`SELECT count() AS n FROM ${store.database}.records FINAL WHERE record_id LIKE 'dup-%'`);
    expect(Number(final!.n)).toBe(2);
  });

  it('runs analyst queries read-only, with caps, and with ClickHouse\'s own error message', async () => {
    const ok = await store.analystQuery('SELECT count() AS n FROM positions', { maxRows: 100, maxSeconds: 5 });
    expect(ok.meta).toEqual([{ name: 'n', type: 'UInt64' }]);
    expect(Number(ok.data[0]!['n'])).toBeGreaterThan(0);
    for (const q of ['DROP TABLE records', 'INSERT INTO records (record_id) VALUES (\'x\')', 'SELECT number FROM system.numbers LIMIT 1000', 'SELEC 1']) {
      await expect(store.analystQuery(q, { maxRows: 100, maxSeconds: 5 }), q).rejects.toBeInstanceOf(StoreQueryError);
    }
    // A failed query leaves nothing behind for the next one (chDB needed a guard for this).
    const after = await store.analystQuery('SELECT 42 AS answer', { maxRows: 100, maxSeconds: 5 });
    expect(after.data).toEqual([{ answer: 42 }]);
  });

  it('answers our own selects as row objects', async () => {
    expect(await store.select<{ x: number }>('SELECT 1 AS x')).toEqual([{ x: 1 }]);
    expect(await store.ping()).toBe(true);
  });
});
