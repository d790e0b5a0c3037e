import { parseArgs } from 'node:util';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { DEFAULT_TENANT, pack, partitionOf, type DeviceId, type TelemetryRecord } from '../engine/model/index.ts';
import { connectNats } from '../engine/nats/connect.ts';
import { BUCKET_REGISTRY, inSubject } from '../engine/nats/subjects.ts';
import { startPlatformProcess } from '../engine/testing/platform-process.ts';

/**
 * `npx tsx bench/recovery.ts [--registered 1000000] [--live 100000]`
 *
 * Registers `registered` devices in the registry, makes `live` of them live
 * (one record each, straight into FLEET_IN), then measures:
 * - RSS of the platform with that many registered and live devices;
 * - time from `kill -9` to the platform answering again, and to every live
 *   device having processed a new record (actors restored from their snapshots).
 */

const { values } = parseArgs({ options: { registered: { type: 'string', default: '1000000' }, live: { type: 'string', default: '100000' }, partitions: { type: 'string', default: '64' } } });
const REGISTERED = Number(values.registered);
const LIVE = Number(values.live);
const PARTITIONS = Number(values.partitions);
const log = (s: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

const p = await startPlatformProcess({ FLEET_PARTITIONS: String(PARTITIONS), FLEET_SNAPSHOT_EVERY_MS: '2000', FLEET_LOG_LEVEL: 'error' });
const nc = await connectNats(`nats://127.0.0.1:${p.ports.nats}`, 'bench-recovery');
const js = jetstream(nc);

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${p.http}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').pop());
  return sum;
}

async function untilProcessed(target: number, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if ((await metric('fleet_records_processed_total{')) >= target) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ${target} processed after ${timeoutMs} ms`);
}

async function publishRound(round: number): Promise<void> {
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < LIVE; i++) {
    const id = `rec-${String(i).padStart(7, '0')}` as DeviceId;
    const r: TelemetryRecord = {
      id: `${id}-${round}`, tenantId: DEFAULT_TENANT, deviceId: id, protocol: 'simulator', deviceTime: 1_764_000_000_000 + round * 60_000 + i,
      receivedAt: Date.now(), priority: 'normal', position: { lat: 48 + (i % 1000) / 1000, lon: 11 + Math.floor(i / 1000) / 1000, speedKmh: 40, headingDeg: 90 }, ignition: true,
    };
    inFlight.push(js.publish(inSubject(partitionOf(DEFAULT_TENANT, id, PARTITIONS), DEFAULT_TENANT, id), pack(r), { msgID: r.id }));
    if (inFlight.length >= 2000) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
}

try {
  const rssEmpty = p.rssBytes();
  log(`platform up; RSS ${(rssEmpty / 1048576).toFixed(0)} MiB; registering ${REGISTERED} devices`);
  const registry = await new Kvm(js).open(BUCKET_REGISTRY);
  const t0 = Date.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < REGISTERED; i++) {
    const id = `rec-${String(i).padStart(7, '0')}`;
    pending.push(registry.put(`${DEFAULT_TENANT}.${id}`, JSON.stringify({ tenantId: DEFAULT_TENANT, deviceId: id, registeredAt: new Date().toISOString(), settings: {} })));
    if (pending.length >= 2000) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  log(`registered ${REGISTERED} in ${((Date.now() - t0) / 1000).toFixed(1)} s; making ${LIVE} live`);

  const t1 = Date.now();
  await publishRound(1);
  const firstMs = await untilProcessed(LIVE, 600_000);
  log(`${LIVE} actors live after ${((Date.now() - t1) / 1000).toFixed(1)} s (processing ${(firstMs / 1000).toFixed(1)} s after the last publish)`);
  await new Promise((r) => setTimeout(r, 5000)); // let the snapshots and acks land
  const actors = await metric('fleet_actors{');
  const rssLive = p.rssBytes();
  log(`RSS with ${REGISTERED} registered and ${actors} live actors: ${(rssLive / 1048576).toFixed(0)} MiB (+${((rssLive - rssEmpty) / LIVE).toFixed(0)} bytes per live device over the empty platform)`);

  const tSteady = Date.now();
  await publishRound(3);
  const steadyMs = await untilProcessed(2 * LIVE, 600_000);
  log(`a second record for each of the ${LIVE} live actors: ${((Date.now() - tSteady) / 1000).toFixed(1)} s (${Math.round(LIVE / ((Date.now() - tSteady) / 1000))} records/s, ${(steadyMs / 1000).toFixed(1)} s after the last publish)`);

  await p.kill9();
  const tKill = Date.now();
  await p.restart();
  const tUp = Date.now();
  log(`kill -9 → answering again: ${((tUp - tKill) / 1000).toFixed(1)} s`);
  await publishRound(2);
  const restoreMs = await untilProcessed(LIVE, 600_000);
  const tAll = Date.now();
  log(`kill -9 → all ${LIVE} devices restored from snapshots and processing: ${((tAll - tKill) / 1000).toFixed(1)} s (restore+process after the publish: ${(restoreMs / 1000).toFixed(1)} s)`);
  process.stdout.write(
    JSON.stringify({ registered: REGISTERED, live: LIVE, rssEmptyBytes: rssEmpty, rssLiveBytes: rssLive, killToAnsweringMs: tUp - tKill, killToAllLiveMs: tAll - tKill }) + '\n',
  );
} finally {
  await nc.drain().catch(() => undefined);
  await p.cleanup();
}
