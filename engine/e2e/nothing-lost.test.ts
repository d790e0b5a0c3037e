import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startPlatformProcess, type PlatformProcess } from '../testing/platform-process.ts';
import { ResendingOsmandDevice } from '../testing/resending-device.ts';

/**
 * "Nothing lost" counted, not assumed: devices with store-and-forward send
 * under steady load while the platform is killed with -9 (three times), a shard
 * worker crashes, and nats-server is killed. Afterwards every record a device
 * got an ACK for is in ClickHouse exactly once, and every derived event too.
 */

const DEVICES = 24;
const OFFLINE_AFTER_S = 12;
let p: PlatformProcess;

beforeAll(async () => {
  p = await startPlatformProcess({ FLEET_OFFLINE_AFTER_S: String(OFFLINE_AFTER_S), FLEET_SNAPSHOT_EVERY_MS: '500' });
});
afterAll(async () => {
  await p?.cleanup();
});

async function query<T>(sql: string): Promise<T[]> {
  const r = await fetch(`${p.http}/v1/sql`, { method: 'POST', headers: { authorization: `Bearer ${p.key}` }, body: JSON.stringify({ query: sql }) });
  if (r.status !== 200) throw new Error(`${r.status} ${await r.text()}`);
  return ((await r.json()) as { data: T[] }).data;
}
const num = async (sql: string) => Number(Object.values((await query<Record<string, unknown>>(sql))[0]!)[0]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('nothing lost, nothing counted twice', () => {
  it('survives kill -9, a shard crash and a nats-server kill under load', async () => {
    const devices = Array.from({ length: DEVICES }, (_, i) => new ResendingOsmandDevice(`nl-${i}`, () => p.osmand));
    let t = Math.floor(Date.now() / 1000) - 100_000;
    let generating = true;
    const generator = (async () => {
      while (generating) {
        t++;
        for (const d of devices) d.record(t);
        await sleep(60);
      }
    })();

    const drills: string[] = [];
    await sleep(2500);
    for (let i = 0; i < 3; i++) {
      await p.kill9();
      drills.push('kill -9');
      await sleep(500);
      await p.restart();
      await sleep(2500);
    }
    const crash = await fetch(`${p.http}/v1/admin/shards/0/restart`, { method: 'POST', headers: { authorization: `Bearer ${p.key}` } });
    expect(crash.status).toBe(202);
    drills.push('shard 0 crash');
    await sleep(2500);
    const natsPid = Number(fs.readFileSync(path.join(p.dataDir, 'nats', 'nats-server.pid'), 'utf8'));
    process.kill(natsPid, 'SIGKILL');
    drills.push('nats-server kill -9');
    await sleep(4000);

    generating = false;
    await generator;
    await Promise.all(devices.map((d) => d.drain(90_000)));
    const acked = devices.reduce((n, d) => n + d.acked, 0);
    const resends = devices.reduce((n, d) => n + d.failures, 0);

    const stored = await eventually(async () => {
      const n = await num('SELECT count() FROM records');
      return n >= acked ? n : undefined;
    }, 90_000, `all ${acked} acknowledged records in ClickHouse`);
    const unique = await num('SELECT uniqExact(record_id) FROM records');
    const final = await num('SELECT count() FROM records FINAL');
    const perDevice = await query<{ d: string; n: string }>('SELECT device_id AS d, count() AS n FROM records GROUP BY d ORDER BY d');

    // Every device now goes silent: exactly one device.offline each, once. The
    // drills silence the platform, not the devices: a device whose records
    // wait in a backlog, or were refused while the engine or NATS was down,
    // is not offline (a loaded machine used to flap every device offline and
    // back online here).
    const offline = await eventually(async () => {
      const n = await num("SELECT count() FROM events WHERE type = 'device.offline'");
      return n >= DEVICES ? n : undefined;
    }, (OFFLINE_AFTER_S + 30) * 1000, 'device.offline for every device');
    await sleep(3000);
    const events = await num('SELECT count() FROM events');
    const uniqueEvents = await num('SELECT uniqExact(event_id) FROM events');
    const offlineAfterWait = await num("SELECT count() FROM events WHERE type = 'device.offline'");
    const byType = await query<{ type: string; n: string }>('SELECT type, count() AS n FROM events GROUP BY type ORDER BY type');

    console.log(
      `drills: ${drills.join(', ')}\n` +
        `records: acknowledged ${acked} (after ${resends} failed sends retried), stored ${stored}, unique ids ${unique}, FINAL ${final}\n` +
        `events: stored ${events}, unique ids ${uniqueEvents}, device.offline ${offlineAfterWait} for ${DEVICES} devices; ` +
        byType.map((r) => `${r.type} ${r.n}`).join(', '),
    );
    expect(drills).toHaveLength(5);
    expect(stored).toBe(acked);
    expect(unique).toBe(acked);
    expect(final).toBe(acked);
    expect(Object.fromEntries(perDevice.map((r) => [r.d, Number(r.n)]))).toEqual(Object.fromEntries(devices.map((d) => [d.id, d.acked])));
    expect(offline).toBe(DEVICES);
    expect(offlineAfterWait).toBe(DEVICES);
    expect(events).toBe(uniqueEvents);

    const listed = (await (await fetch(`${p.http}/v1/devices/nl-0/events?type=device.offline`, { headers: { authorization: `Bearer ${p.key}` } })).json()) as {
      id: string; type: string; deviceId: string; time: string;
    }[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ type: 'device.offline', deviceId: 'nl-0' });
    expect(Date.parse(listed[0]!.time)).toBeGreaterThan(0);
  }, 300_000);
});
