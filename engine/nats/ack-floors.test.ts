import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { DEFAULT_TENANT, pack, type DeviceId, type TelemetryRecord } from '../model/index.ts';
import { PartitionRunner } from '../shard/partition-runner.ts';
import { SnapshotStore } from '../shard/snapshot-store.ts';
import { startTestTopology, type TestTopology } from '../testing/nats-server.ts';
import { until } from '../testing/until.ts';
import { AckFloors } from './ack-floors.ts';
import { STREAM_IN, inSubject } from './subjects.ts';
import { engineConsumerName } from './topology.ts';

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
    const floors = new AckFloors(t.topology.ackFloors, t.jsm, log);
    for (let seq = 1; seq <= 50; seq++) floors.record(STREAM_IN, 'probe', seq);
    floors.record(STREAM_IN, 'probe', 7);
    await floors.settled();
    expect(await floors.floorOf(STREAM_IN, 'probe')).toBe(50);
    // Coalesced: far fewer writes than floors asked for.
    const history = await t.topology.ackFloors.history({ key: `${STREAM_IN}.probe` });
    let writes = 0;
    for await (const _ of history) writes++;
    expect(writes).toBe(1); // history 1: the bucket keeps the newest only
    expect((await t.jsm.streams.info('KV_fleet_ack_floors')).state.last_seq).toBeLessThan(50);
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
    await t.nats.stop();
    await t.nats.start();
    await until(async () => (await t.jsm.streams.info(STREAM_IN).then(() => true, () => false)));
    await publish(rec('dev-0'));
    await until(() => r.stats.processed === 21, 20_000);
    expect(r.stats.skippedReplays).toBe(0);
    await r.flush();
    await r.stop();

    // And a partition started after a restart begins right after its floor too.
    await t.nats.stop();
    await t.nats.start();
    await until(async () => (await t.jsm.streams.info(STREAM_IN).then(() => true, () => false)));
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

  it('ignores a floor recorded for an earlier incarnation of the stream', async () => {
    const floors = new AckFloors(t.topology.ackFloors, t.jsm, log);
    await t.jsm.streams.add({ name: 'FLOOR_PROBE', subjects: ['floor.probe.>'] });
    floors.record('FLOOR_PROBE', 'c', 1_000);
    await floors.settled();
    expect(await floors.floorOf('FLOOR_PROBE', 'c')).toBe(1_000);
    await t.jsm.streams.delete('FLOOR_PROBE');
    await new Promise((r) => setTimeout(r, 5)); // creation times differ
    await t.jsm.streams.add({ name: 'FLOOR_PROBE', subjects: ['floor.probe.>'] });
    expect(await floors.floorOf('FLOOR_PROBE', 'c')).toBe(0);
  });
});
