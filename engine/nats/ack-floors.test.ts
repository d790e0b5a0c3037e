import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { DEFAULT_TENANT, pack, type DeviceId, type TelemetryRecord } from '../model/index.ts';
import { PartitionRunner } from '../shard/partition-runner.ts';
import { SnapshotStore } from '../shard/snapshot-store.ts';
import { restartLikeThePlatform, startTestTopology, type TestTopology } from '../testing/nats-server.ts';
import { until } from '../testing/until.ts';
import { AckFloors } from './ack-floors.ts';
import { STREAM_IN, STREAM_URGENT, inSubject } from './subjects.ts';
import { engineConsumerName, ensureTopology } from './topology.ts';

/**
 * The partition consumers live in nats-server's memory; their ack floors are
 * ours, in KV. A server restart forgets the consumers: what a partition had
 * acknowledged before it must not be delivered again.
 */

let t: TestTopology;
const log = createLogger('test', 'silent');
beforeAll(async () => {
  t = await startTestTopology(1);
});
afterAll(() => t?.close());

let n = 0;
function rec(device: string): TelemetryRecord {
  n++;
  return {
    id: `f-${device}-${n}`, tenantId: DEFAULT_TENANT, deviceId: device as DeviceId, protocol: 'osmand',
    deviceTime: 1_764_000_000_000 + n * 1000, receivedAt: Date.now(), priority: 'normal', position: { lat: n, lon: 5, speedKmh: 10 },
  };
}
const publish = (r: TelemetryRecord) => t.js.publish(inSubject(0, r.tenantId, r.deviceId), pack(r), { msgID: r.id });
const runner = () =>
  new PartitionRunner(t, new SnapshotStore(t.topology.snapshots), log, { partition: 0, totalPartitions: 1, offlineAfterMs: 60_000, passivateAfterMs: 3_600_000, maxAttempts: 3, batch: 64 });

describe('ack floors of the partition consumers', () => {
  it('records the newest floor asked for, one write at a time', async () => {
    await t.jsm.streams.add({ name: 'FLOOR_PROBE', subjects: ['floor.probe.>'] });
    for (let i = 0; i < 60; i++) await t.js.publish('floor.probe.x', 'x');
    const floors = new AckFloors(t.topology.ackFloors, t.jsm, log);
    for (let seq = 1; seq <= 50; seq++) floors.record('FLOOR_PROBE', 'probe', seq);
    floors.record('FLOOR_PROBE', 'probe', 7);
    await floors.settled();
    expect(await floors.floorOf('FLOOR_PROBE', 'probe')).toBe(50);
    // Coalesced: far fewer writes than floors asked for (every write is a message of the bucket's stream).
    expect((await t.jsm.streams.info('KV_fleet_ack_floors')).state.last_seq).toBeLessThan(50);
    await t.jsm.streams.delete('FLOOR_PROBE');
  });

  it('keeps the consumer in memory, and after a nats-server restart resumes after what was acknowledged', async () => {
    const r = runner();
    r.start();
    for (let i = 0; i < 20; i++) await publish(rec(`dev-${i % 4}`));
    await until(() => r.stats.processed === 20);
    await r.flush();
    expect((await t.jsm.consumers.info(STREAM_IN, engineConsumerName(0))).config.mem_storage).toBe(true);
    await until(async () => {
      const info = await t.jsm.consumers.info(STREAM_IN, engineConsumerName(0));
      return info.num_ack_pending === 0 && (await t.ackFloors.floorOf(STREAM_IN, engineConsumerName(0))) === info.ack_floor.stream_seq;
    });

    // The server forgets the consumer under a running partition: it notices, rewinds from our floor, and goes on.
    await restartLikeThePlatform(t, 1);
    await publish(rec('dev-0'));
    await until(() => r.stats.processed === 21, 20_000);
    expect(r.stats.skippedReplays).toBe(0);
    await r.flush();
    await r.stop();

    // And a partition started after a restart begins right after its floor too, restart after restart
    // (nats-server changes a stream's creation time on the topology's update after a restart: not what a floor goes by).
    await restartLikeThePlatform(t, 1);
    await restartLikeThePlatform(t, 1);
    await expect(t.jsm.consumers.info(STREAM_IN, engineConsumerName(0))).rejects.toThrow(/consumer not found/i);
    const again = runner();
    again.start();
    await publish(rec('dev-0'));
    await until(() => again.stats.processed === 1);
    // Nothing before the floor came back: no replay to skip, and the consumer began right after it.
    expect(again.stats.skippedReplays).toBe(0);
    expect(again.stats.records).toBe(1);
    await again.stop();
  });

  it('forgets the floors of a stream the topology makes anew, and believes none past the last message', async () => {
    const floors = new AckFloors(t.topology.ackFloors, t.jsm, log);
    const last = (await t.jsm.streams.info(STREAM_URGENT)).state.last_seq;
    floors.record(STREAM_URGENT, 'urgent-p0', last + 1_000);
    await floors.settled();
    expect(await floors.floorOf(STREAM_URGENT, 'urgent-p0')).toBe(0);

    await t.jsm.streams.delete(STREAM_URGENT);
    await t.topology.ackFloors.put(`${STREAM_URGENT}.urgent-p0`, pack({ seq: 3 }));
    await ensureTopology(t.nc, t.jsm, 1);
    expect(await t.topology.ackFloors.get(`${STREAM_URGENT}.urgent-p0`).then((e) => e?.operation)).not.toBe('PUT');
    // A stream that was there already keeps its floors.
    await t.topology.ackFloors.put(`${STREAM_URGENT}.urgent-p0`, pack({ seq: 0 }));
    await ensureTopology(t.nc, t.jsm, 1);
    expect(await t.topology.ackFloors.get(`${STREAM_URGENT}.urgent-p0`).then((e) => e?.operation)).toBe('PUT');
  });

  it('tries a failed write again until it lands', async () => {
    let failures = 2;
    const flaky = new Proxy(t.topology.ackFloors, {
      get(target, prop) {
        if (prop === 'put') {
          return (k: string, v: Uint8Array) => (failures-- > 0 ? Promise.reject(new Error('nats down')) : target.put(k, v));
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const floors = new AckFloors(flaky, t.jsm, log, 20);
    floors.record(STREAM_IN, 'flaky', 5);
    await until(async () => (await floors.floorOf(STREAM_IN, 'flaky')) === 5, 5_000, 20);
    expect(failures).toBeLessThan(0);
    floors.stop();
  });
});
