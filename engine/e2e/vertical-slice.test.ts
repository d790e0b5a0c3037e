import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseServer, type ClickHouseServerProcess } from '../testing/clickhouse-server.ts';
import { eventually, startPlatformProcess, type PlatformProcess } from '../testing/platform-process.ts';
import { TestWsClient, itemOf } from '../testing/ws-client.ts';

/**
 * The foundation path, as a user drives it: OsmAnd positions over HTTP into the
 * platform process (real nats-server; embedded chDB, then a real
 * clickhouse-server), then the live state over REST, the WebSocket push and
 * the rows in ClickHouse.
 */

const run = promisify(execFile);

const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
const sec = (ms: number) => String(Math.floor(ms / 1000));

describe.each(['chdb', 'clickhouse-server'] as const)('a device position in, live state, a ClickHouse row and a WebSocket push out (%s)', (storeKind) => {
let p: PlatformProcess;
let ch: ClickHouseServerProcess | undefined;

beforeAll(async () => {
  if (storeKind === 'clickhouse-server') ch = await startClickHouseServer();
  p = await startPlatformProcess(ch ? { CLICKHOUSE_URL: ch.url } : {});
});
afterAll(async () => {
  await p?.cleanup();
  await ch?.cleanup();
});

async function osmand(query: Record<string, string>): Promise<Response> {
  return fetch(`${p.osmand}/?${new URLSearchParams(query)}`);
}
async function api(pathname: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${p.http}${pathname}`, { ...init, headers: { authorization: `Bearer ${p.key}`, ...(init.headers ?? {}) } });
}
async function sql(query: string): Promise<Response> {
  return api('/v1/sql', { method: 'POST', body: JSON.stringify({ query }), headers: { 'content-type': 'application/json' } });
}
async function count(query: string): Promise<number> {
  const r = await sql(query);
  const body = (await r.json()) as { data: Record<string, unknown>[] };
  return Number(Object.values(body.data[0]!)[0]);
}

  it('accepts OsmAnd positions only once JetStream has them, in both request forms', async () => {
    const point = (i: number) => ({ id: 'truck-1', timestamp: sec(T0 + i * 10_000), lat: String(52 + i * 0.001), lon: '4.3', speed: '20', bearing: '90' });
    for (let i = 0; i < 3; i++) {
      const r = await osmand(point(i));
      expect(r.status).toBe(200);
    }
    // A phone that lost the answer sends the point again: answered as a duplicate, not published twice.
    const again = await osmand(point(2));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ accepted: 1, duplicates: 1 });
    const json = await fetch(`${p.osmand}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        device_id: 'van-2',
        location: { timestamp: new Date(T0).toISOString(), coords: { latitude: 48.85, longitude: 2.35, speed: 10, heading: 180 }, is_moving: true },
      }),
    });
    expect(json.status).toBe(200);
  });

  it('shows the live state over REST, with speed in km/h and times in ISO-8601', async () => {
    const dev = await eventually(async () => {
      const r = await api('/v1/devices/truck-1');
      if (r.status !== 200) return undefined;
      const b = (await r.json()) as { online: boolean; lastSeen: string; position: { lat: number; lon: number; speed: number; heading: number; time: string } };
      return b.position?.lat === 52.002 ? b : undefined;
    }, 20_000, 'truck-1 live state');
    expect(dev).toMatchObject({ id: 'truck-1', online: true, position: { lat: 52.002, lon: 4.3, heading: 90, time: new Date(T0 + 20_000).toISOString() } });
    expect(dev.position.speed).toBeCloseTo(20 * 1.852, 1);
    expect(Date.parse(dev.lastSeen)).toBeGreaterThan(Date.now() - 60_000);
    const van = await eventually(async () => {
      const r = await api('/v1/devices/van-2');
      const b = r.status === 200 ? ((await r.json()) as { position: { speed: number; lat: number } | null }) : undefined;
      return b?.position ? (b as { position: { speed: number; lat: number } }) : undefined;
    }, 20_000, 'van-2 live state');
    expect(van.position.lat).toBe(48.85);
    expect(van.position.speed).toBeCloseTo(36, 1);
  });

  it('never moves the live position backwards for a late record', async () => {
    expect((await osmand({ id: 'truck-1', timestamp: sec(T0 - 3600_000), lat: '51', lon: '4' })).status).toBe(200);
    await eventually(async () => ((await count("SELECT count() FROM positions WHERE device_id = 'truck-1'")) === 4 ? true : undefined), 20_000, 'late row stored');
    const dev = (await (await api('/v1/devices/truck-1')).json()) as { position: { lat: number } };
    expect(dev.position.lat).toBe(52.002);
  });

  it('answers the position history from ClickHouse, oldest first, with limit', async () => {
    const all = (await (await api('/v1/devices/truck-1/positions')).json()) as { lat: number; time: string }[];
    expect(all.map((r) => r.lat)).toEqual([51, 52, 52.001, 52.002]);
    expect(all[0]!.time).toBe(new Date(T0 - 3600_000).toISOString());
    const window = (await (await api(`/v1/devices/truck-1/positions?from=${new Date(T0).toISOString()}&to=${new Date(T0 + 10_000).toISOString()}&limit=1`)).json()) as { lat: number }[];
    expect(window).toEqual([expect.objectContaining({ lat: 52 })]);
    expect((await api('/v1/devices/truck-1/positions?limit=100001')).status).toBe(400);
    expect((await api('/v1/devices/truck-1/positions?from=yesterday')).status).toBe(400);
  });

  it('refuses requests without a valid key and answers 404 for an unknown device', async () => {
    expect((await fetch(`${p.http}/v1/devices/truck-1`)).status).toBe(401);
    expect((await fetch(`${p.http}/v1/devices/truck-1`, { headers: { authorization: 'Bearer wrong-key-0000000000' } })).status).toBe(401);
    expect((await api('/v1/devices/nobody-here')).status).toBe(404);
    expect((await api('/v1/devices/nobody-here/positions')).status).toBe(404);
    const health = await fetch(`${p.http}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', nats: { connected: true }, clickhouse: { up: true, kind: storeKind } });
  });

  it('pushes positions to WebSocket subscribers of the fleet and of one device', async () => {
    const bad = await TestWsClient.connect(`ws://127.0.0.1:${p.ports.http}/v1/live?key=nope`);
    bad.send({ type: 'subscribe', fleet: true });
    expect(await bad.waitForClose()).toBe(4401);

    const fleet = await TestWsClient.connect(`ws://127.0.0.1:${p.ports.http}/v1/live?key=${p.key}`);
    const one = await TestWsClient.connect(`ws://127.0.0.1:${p.ports.http}/v1/live`);
    one.send({ type: 'auth', key: p.key });
    await one.waitFor((m) => m['type'] === 'hello');
    fleet.send({ type: 'subscribe', fleet: true });
    one.send({ type: 'subscribe', deviceId: 'van-2' });
    await fleet.waitFor((m) => m['type'] === 'subscribed');
    await one.waitFor((m) => m['type'] === 'subscribed');

    expect((await osmand({ id: 'truck-1', timestamp: sec(T0 + 60_000), lat: '52.01', lon: '4.31', speed: '5' })).status).toBe(200);
    expect((await osmand({ id: 'van-2', timestamp: sec(T0 + 60_000), lat: '48.9', lon: '2.4', speed: '0' })).status).toBe(200);
    const truck = await fleet.waitFor((m) => itemOf(m, 'truck-1')?.position.lat === 52.01);
    expect(itemOf(truck, 'truck-1')).toMatchObject({ online: true, position: { lon: 4.31, time: new Date(T0 + 60_000).toISOString() } });
    await one.waitFor((m) => itemOf(m, 'van-2')?.position.lat === 48.9);
    expect(one.messages.some((m) => itemOf(m, 'truck-1') !== undefined)).toBe(false);
    fleet.close();
    one.close();
  });

  it('rejects malformed OsmAnd requests with 400 and a reason, and stores nothing for them', async () => {
    const bad: [string, RequestInit?][] = [
      ['/?lat=1&lon=2'],
      ['/?id=has.dot&lat=1&lon=2'],
      ['/?id=x&lat=91&lon=2'],
      ['/?id=x&lat=abc&lon=2'],
      ['/?id=x&lat=1'],
      ['/?id=x&lat=1&lon=2&timestamp=not-a-time'],
      ['/?id=x&lat=1&lon=2&timestamp=99999999999999999'],
      ['/', { method: 'POST', body: '{"device_id": "x", "location": {"coords": {"latitude": "north"}}}', headers: { 'content-type': 'application/json' } }],
      ['/', { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } }],
      ['/', { method: 'POST', body: '{"device_id": "x", "location": []}', headers: { 'content-type': 'application/json' } }],
    ];
    for (const [q, init] of bad) {
      const r = await fetch(`${p.osmand}${q}`, init);
      expect(r.status, q).toBe(400);
      expect(((await r.json()) as { error: string }).error.length).toBeGreaterThan(5);
    }
    const huge = await fetch(`${p.osmand}/`, { method: 'POST', body: 'x'.repeat(200_000), headers: { 'content-type': 'application/json' } });
    expect(huge.status).toBe(413);
    // A good record after the bad ones proves the pipeline is idle, not just slow.
    expect((await osmand({ id: 'probe-after-bad', lat: '1', lon: '2' })).status).toBe(200);
    await eventually(async () => ((await count("SELECT count() FROM records WHERE device_id = 'probe-after-bad'")) === 1 ? true : undefined));
    expect(await count("SELECT count() FROM records WHERE device_id NOT IN ('truck-1', 'van-2', 'probe-after-bad')")).toBe(0);
  });

  it('lets analysts query read-only through POST /v1/sql and npm run sql', async () => {
    const positions = await count('SELECT count() FROM positions');
    expect(positions).toBe(8);
    for (const q of ['INSERT INTO records (record_id) VALUES (1)', 'DROP TABLE records', 'SELECT 1; DROP TABLE records', 'SELECT 1 SETTINGS readonly = 0']) {
      const r = await sql(q);
      expect(r.status, q).toBe(400);
    }
    expect(await count('SELECT count() FROM positions')).toBe(positions);
    const syntax = await sql('SELEC 1');
    expect(((await syntax.json()) as { error: string }).error).toMatch(/Syntax error/);
    const tooMany = await sql('SELECT number FROM system.numbers LIMIT 1000000000');
    expect(tooMany.status).toBe(400);
    const notAdmin = await fetch(`${p.http}/v1/sql`, { method: 'POST', body: '{"query":"SELECT 1"}' });
    expect(notAdmin.status).toBe(401);

    const root = path.resolve(import.meta.dirname, '../..');
    const env = { ...process.env, FLEET_HTTP_PORT: String(p.ports.http), FLEET_DATA_DIR: p.dataDir, FLEET_ADMIN_KEY: p.key };
    const out = await run(process.execPath, ['--import', 'tsx', 'api/sql-cli.ts', 'SELECT count() AS n FROM positions'], { cwd: root, env });
    expect(out.stdout).toMatch(/^n\s*\n─+\n8\s*\n\(1 row\)/m);
    const refused = await run(process.execPath, ['--import', 'tsx', 'api/sql-cli.ts', 'DROP TABLE positions'], { cwd: root, env }).catch((e: { code: number; stderr: string }) => e);
    expect((refused as { code: number }).code).toBe(1);
    expect((refused as { stderr: string }).stderr).toMatch(/readonly/i);
  });

  it('exports Prometheus metrics', async () => {
    const m = await (await fetch(`${p.http}/metrics`)).text();
    expect(m).toMatch(/^fleet_records_processed_total\{shard="0"\} \d+/m);
    expect(m).toMatch(/^fleet_snapshots_written_total\{shard="0"\} \d+/m);
    expect(m).toMatch(/^fleet_store_records_total \d+/m);
    expect(m).toMatch(/^fleet_consumer_lag\{partition="0"\} \d+/m);
    expect(m).toMatch(/^fleet_snapshot_age_seconds\{partition="0"\} -?[\d.]+/m);
    // Each thread's heap and its longest full GC: what an on-call engineer reads when a loop stalls.
    for (const thread of ['main', 'adapters', 'urgent', 'shard-0']) {
      const heap = new RegExp(`^fleet_thread_heap_used_bytes\\{thread="${thread}"\\} (\\d+)`, 'm').exec(m);
      expect(Number(heap?.[1]), `${thread} heap`).toBeGreaterThan(1 << 20);
      expect(m).toMatch(new RegExp(`^fleet_gc_major_pause_max_seconds\\{thread="${thread}"\\} [\\d.e-]+`, 'm'));
      // Which thread is busy: the OS names them all "node". Each has started its modules at least, and none used more than the process.
      const cpu = Number(new RegExp(`^fleet_thread_cpu_seconds_total\\{thread="${thread}"\\} ([\\d.e-]+)`, 'm').exec(m)?.[1]);
      expect(cpu, `${thread} CPU`).toBeGreaterThan(0.01);
      expect(cpu, `${thread} CPU`).toBeLessThanOrEqual(Number(/^fleet_process_cpu_seconds_total ([\d.e+-]+)/m.exec(m)?.[1]));
      expect(m).toMatch(new RegExp(`^fleet_thread_gc_seconds_total\\{thread="${thread}"\\} [\\d.e-]+`, 'm'));
      // Time waiting for a CPU is reported beside it for every thread: a number, often near 0 on an idle machine.
      const wait = Number(new RegExp(`^fleet_thread_cpu_wait_seconds_total\\{thread="${thread}"\\} ([\\d.e-]+)`, 'm').exec(m)?.[1]);
      expect(wait, `${thread} CPU wait`).toBeGreaterThanOrEqual(0);
      expect(wait, `${thread} CPU wait`).toBeLessThan(process.uptime() + 60);
    }
  });
});
