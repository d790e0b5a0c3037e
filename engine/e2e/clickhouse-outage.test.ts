import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseServer, type ClickHouseServerProcess } from '../testing/clickhouse-server.ts';
import { eventually, startPlatformProcess, type PlatformProcess } from '../testing/platform-process.ts';
import { ResendingOsmandDevice } from '../testing/resending-device.ts';

/**
 * A ClickHouse server outage under load: devices keep getting ACKs (JetStream
 * holds the backlog, not our memory), /health says the store is down, and
 * once the server is back every acknowledged record is stored exactly once.
 */

const DEVICES = 16;
const OUTAGE_MS = Number(process.env['OUTAGE_MS'] ?? 20_000);
let ch: ClickHouseServerProcess;
let p: PlatformProcess;

beforeAll(async () => {
  ch = await startClickHouseServer();
  p = await startPlatformProcess({ CLICKHOUSE_URL: ch.url });
});
afterAll(async () => {
  await p?.cleanup();
  await ch?.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function num(sql: string): Promise<number> {
  const r = await fetch(`${p.http}/v1/sql`, { method: 'POST', headers: { authorization: `Bearer ${p.key}` }, body: JSON.stringify({ query: sql }) });
  if (r.status !== 200) throw new Error(`${r.status} ${await r.text()}`);
  return Number(Object.values(((await r.json()) as { data: Record<string, unknown>[] }).data[0]!)[0]);
}

describe('ClickHouse server outage', () => {
  it('keeps acknowledging devices, holds the backlog in JetStream, and stores everything exactly once when back', async () => {
    const devices = Array.from({ length: DEVICES }, (_, i) => new ResendingOsmandDevice(`ch-${i}`, () => p.osmand));
    let t = Math.floor(Date.now() / 1000) - 50_000;
    let generating = true;
    const generator = (async () => {
      while (generating) {
        t++;
        for (const d of devices) d.record(t);
        await sleep(40);
      }
    })();
    await sleep(2000);

    await ch.stop();
    const ackedAtStop = devices.reduce((n, d) => n + d.acked, 0);
    const rssAtStop = p.rssBytes();
    await sleep(3000);
    const health = await fetch(`${p.http}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ clickhouse: { up: false } });
    await sleep(OUTAGE_MS - 3000);
    const ackedDuringOutage = devices.reduce((n, d) => n + d.acked, 0) - ackedAtStop;
    const rssGrowth = p.rssBytes() - rssAtStop;

    await ch.start();
    generating = false;
    await generator;
    await Promise.all(devices.map((d) => d.drain(60_000)));
    const acked = devices.reduce((n, d) => n + d.acked, 0);
    const stored = await eventually(async () => {
      const n = await num('SELECT count() FROM records');
      return n >= acked ? n : undefined;
    }, 180_000, `all ${acked} acknowledged records stored`).catch((err: unknown) => {
      throw new Error(`${String(err)}\nplatform log:\n${p.logs().slice(-3000)}`);
    });
    const unique = await num('SELECT uniqExact(record_id) FROM records');
    const final = await num('SELECT count() FROM records FINAL');
    expect((await fetch(`${p.http}/health`)).status).toBe(200);

    console.log(
      `ClickHouse down ${OUTAGE_MS / 1000} s: ${ackedDuringOutage} records acknowledged meanwhile, platform RSS grew ${(rssGrowth / 1048576).toFixed(1)} MiB\n` +
        `records: acknowledged ${acked}, stored ${stored}, unique ids ${unique}, FINAL ${final}`,
    );
    expect(ackedDuringOutage).toBeGreaterThan(1000);
    expect(rssGrowth).toBeLessThan(150 * 1024 * 1024);
    expect(stored).toBe(acked);
    expect(unique).toBe(acked);
    expect(final).toBe(acked);
  }, 360_000);
});
