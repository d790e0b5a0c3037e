import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceActor } from '../../actors/device-actor.ts';
import { createLogger } from '../log.ts';
import { DEFAULT_TENANT, pack, type DeviceId, type TelemetryRecord } from '../model/index.ts';
import { STREAM_DEAD_LETTERS, STREAM_DRIVERS, STREAM_IN, inBatchSubject, inSubject } from '../nats/subjects.ts';
import { encodeBatch } from '../../adapters/ingest/batch-encoding.ts';
import { engineConsumerName } from '../nats/topology.ts';
import { startTestTopology, type TestTopology } from '../testing/nats-server.ts';
import { until } from '../testing/until.ts';
import { PartitionRunner, type DeviceActorFactory } from './partition-runner.ts';
import { SnapshotStore } from './snapshot-store.ts';

/** The partition runner against a real nats-server: poison records, snapshots with sequences, replay after restart. */

let t: TestTopology;
let js: JetStreamClient;
let jsm: JetStreamManager;
let snapshots: SnapshotStore;
const log = createLogger('test', 'silent');

beforeAll(async () => {
  t = await startTestTopology(1);
  ({ js, jsm } = t);
  snapshots = new SnapshotStore(t.topology.snapshots);
});
afterAll(() => t?.close());

let seq = 0;
function rec(device: string, lat: number, poison = false): TelemetryRecord {
  seq++;
  return {
    id: `r-${device}-${seq}`, tenantId: DEFAULT_TENANT, deviceId: device as DeviceId, protocol: 'osmand',
    deviceTime: 1_764_000_000_000 + seq * 1000, receivedAt: Date.now(), priority: 'normal',
    position: { lat, lon: 5, speedKmh: 10 }, ...(poison ? { attributes: { poison: true } } : {}),
  };
}
const publish = (r: TelemetryRecord) => js.publish(inSubject(0, r.tenantId, r.deviceId), pack(r), { msgID: r.id });
/** A batch as the adapters publish it (adapters/ingest/record-publisher.ts), entries may be anything. */
const publishBatch = (entries: unknown[]) =>
  js.publish(inBatchSubject(0, DEFAULT_TENANT), encodeBatch(`b-${++seq}`, entries.map((e) => pack(e))), { msgID: `b-${seq}` });

type Hooked = 'record' | 'tick' | 'persisted' | 'hibernate';

/** Real actors that run `first` before each call of `method`: a bug in a concern, a big state. */
function actorsWith<M extends Hooked>(method: M, first: (...args: Parameters<DeviceActor[M]>) => void): DeviceActorFactory {
  return (t, d, o, s) => {
    const a = new DeviceActor(t, d, o, s);
    const original = (a[method] as (...args: Parameters<DeviceActor[M]>) => unknown).bind(a);
    Object.assign(a, {
      [method]: (...args: Parameters<DeviceActor[M]>) => {
        first(...args);
        return original(...args);
      },
    });
    return a;
  };
}

/** A real actor that throws on records marked as poison, as a bug in a concern would. */
const throwingOnPoison = actorsWith('record', (r) => {
  if (r.attributes?.['poison']) throw new Error('concern blew up');
});

/** Holds the thread a millisecond, as an actor with a lot of state would in its busiest calls. */
function busyForAMillisecond(): void {
  const end = performance.now() + 1;
  while (performance.now() < end) {
    // spin
  }
}

const runner = () =>
  new PartitionRunner(t, snapshots, log, { partition: 0, totalPartitions: 1, offlineAfterMs: 60_000, passivateAfterMs: 3_600_000, maxAttempts: 3, batch: 64 }, Date.now, throwingOnPoison);

/** A runner on a clock the test moves, whose devices are offline after 1 s of silence. */
function clockedRunner(): { r: PartitionRunner; clock: { ms: number } } {
  const clock = { ms: Date.now() };
  const opts = { partition: 0, totalPartitions: 1, offlineAfterMs: 1000, passivateAfterMs: 3_600_000, maxAttempts: 3, batch: 64 };
  return { r: new PartitionRunner(t, snapshots, log, opts, () => clock.ms), clock };
}

describe('partition runner', () => {
  it('sends a poison record to the dead-letter subject and the device goes on', async () => {
    const r = runner();
    r.start();
    await publish(rec('dev-a', 1));
    await publish(rec('dev-a', 2, true));
    await publish(rec('dev-a', 3));
    await publish(rec('dev-b', 10));
    await js.publish(inSubject(0, DEFAULT_TENANT, 'dev-c' as DeviceId), new Uint8Array([0xc1, 0xff, 0x00]), { msgID: 'garbage' });

    await until(async () => (await r.view(DEFAULT_TENANT, 'dev-a' as DeviceId))?.position?.lat === 3);
    await until(() => r.stats.deadLetters >= 2);
    await r.flush();
    const dlq = await jsm.streams.info(STREAM_DEAD_LETTERS);
    expect(dlq.state.messages).toBe(2);
    const first = await jsm.streams.getMessage(STREAM_DEAD_LETTERS, { seq: dlq.state.first_seq });
    const second = await jsm.streams.getMessage(STREAM_DEAD_LETTERS, { seq: dlq.state.first_seq + 1 });
    const errors = [first, second].map((m) => m!.header.get('Fleet-Error'));
    expect(errors.some((e) => /concern blew up/.test(e))).toBe(true);
    expect(errors.some((e) => /not msgpack|not a telemetry record/.test(e))).toBe(true);
    expect(r.stats.restarts).toBeGreaterThanOrEqual(3);
    expect((await r.view(DEFAULT_TENANT, 'dev-b' as DeviceId))?.position?.lat).toBe(10);

    // A flush acknowledges what was handled when it began: dev-b may have been still waking at the one above.
    await until(async () => {
      await r.flush();
      return (await jsm.consumers.info(STREAM_IN, engineConsumerName(0))).num_ack_pending === 0;
    });
    await r.stop();
  });

  it('restores actors from snapshots after a restart and skips what they already hold', async () => {
    const before = (await snapshots.load(DEFAULT_TENANT, 'dev-a' as DeviceId))!;
    expect(before.pos).toBeGreaterThan(0);
    expect(before.snapshot).toBeTruthy();

    const r = runner();
    r.start();
    await publish(rec('dev-a', 4));
    await until(async () => (await r.view(DEFAULT_TENANT, 'dev-a' as DeviceId))?.position?.lat === 4);
    const view = await r.view(DEFAULT_TENANT, 'dev-a' as DeviceId);
    // 3 good records before, one now: the restored actor counts on from its snapshot.
    expect(view?.records).toBe(3);
    await r.stop();
  });

  it('tells the driver lane about a change at once and about the same activity once a minute', async () => {
    const before = (await jsm.streams.info(STREAM_DRIVERS)).state.messages;
    const r = runner();
    r.start();
    const t0 = 1_764_100_000_000;
    const at = (s: number, activity: 'driving' | 'rest') => ({
      ...rec('trucker', 1),
      deviceTime: t0 + s * 1000,
      tachograph: { driverId: 'card-42', activity },
    });
    // 5 minutes of driving reported every 10 s, then a rest.
    const records = [...Array.from({ length: 30 }, (_, k) => at(k * 10, 'driving')), at(300, 'rest')];
    await publishBatch(records);
    await until(async () => (await r.view(DEFAULT_TENANT, 'trucker' as DeviceId))?.records === records.length);
    await r.flush();
    // Driving at 0, 60, 120, 180, 240 s, then the rest: 6 samples instead of 31.
    await until(async () => (await jsm.streams.info(STREAM_DRIVERS)).state.messages - before === 6);
    await r.stop();
  });

  it("takes turns with the thread's other work while it writes a partition's snapshots, and every one is written", async () => {
    // Actors whose state takes a millisecond to persist: forty of them used to hold the thread for 40 ms in one go.
    let encoded = 0;
    const slowToPersist = actorsWith('persisted', () => {
      busyForAMillisecond(); // a big actor's state
      encoded++;
    });
    const opts = { partition: 0, totalPartitions: 1, offlineAfterMs: 60_000, passivateAfterMs: 3_600_000, maxAttempts: 3, batch: 64 };
    const r = new PartitionRunner(t, snapshots, log, opts, Date.now, slowToPersist);
    r.start();
    const devices = Array.from({ length: 40 }, (_, i) => `slow-${i}`);
    await publishBatch(devices.map((d) => rec(d, 7)));
    await until(async () => (await r.view(DEFAULT_TENANT, devices.at(-1) as DeviceId))?.position?.lat === 7);
    await until(async () => (await Promise.all(devices.map((d) => r.view(DEFAULT_TENANT, d as DeviceId)))).every((v) => v?.position?.lat === 7));
    encoded = 0;
    const writtenBefore = r.stats.snapshotsWritten;
    let encodedWhenOthersRan = -1;
    setImmediate(() => (encodedWhenOthersRan = encoded));
    await r.flush();
    expect(encoded).toBe(40);
    expect(r.stats.snapshotsWritten - writtenBefore).toBe(40);
    // The thread's other work ran after a turn's worth (4 ms), not after all forty.
    expect(encodedWhenOthersRan).toBeGreaterThan(0);
    expect(encodedWhenOthersRan).toBeLessThan(20);
    for (const d of devices) expect((await snapshots.load(DEFAULT_TENANT, d as DeviceId))?.snapshot).toBeTruthy();
    // Nothing changed since: nothing is written, and the count says so.
    await r.flush();
    expect(r.stats.snapshotsWritten - writtenBefore).toBe(40);
    await r.stop();
  });

  it('applies a batch in order, dead-letters only its bad entries, and replays it exactly after a restart', async () => {
    const dlqBefore = (await jsm.streams.info(STREAM_DEAD_LETTERS)).state.messages;
    const r = runner();
    r.start();
    await publishBatch([rec('dev-d', 1), rec('dev-e', 20), { id: 'broken', deviceId: 'dev-d' }, rec('dev-d', 2), rec('dev-e', 21, true), rec('dev-d', 3)]);
    await until(async () => (await r.view(DEFAULT_TENANT, 'dev-d' as DeviceId))?.position?.lat === 3);
    await until(async () => (await jsm.streams.info(STREAM_DEAD_LETTERS)).state.messages === dlqBefore + 2);
    await until(async () => {
      await r.flush();
      return (await jsm.consumers.info(STREAM_IN, engineConsumerName(0))).num_ack_pending === 0;
    });
    // dev-e's poison record was dead-lettered; its good record before it stays applied.
    expect((await r.view(DEFAULT_TENANT, 'dev-e' as DeviceId))?.position?.lat).toBe(20);
    expect((await r.view(DEFAULT_TENANT, 'dev-d' as DeviceId))?.records).toBe(3);
    const last = await jsm.streams.getMessage(STREAM_DEAD_LETTERS, { seq: (await jsm.streams.info(STREAM_DEAD_LETTERS)).state.last_seq });
    expect(last?.header.get('Fleet-Original-Index')).toMatch(/^[0-9]+$/);
    await r.stop();

    // A new runner replays nothing twice: every record of the batch is inside a snapshot.
    const again = runner();
    again.start();
    await publishBatch([rec('dev-d', 4)]);
    await until(async () => (await again.view(DEFAULT_TENANT, 'dev-d' as DeviceId))?.position?.lat === 4);
    expect((await again.view(DEFAULT_TENANT, 'dev-d' as DeviceId))?.records).toBe(4);
    await again.stop();
  });

  it('acknowledges with one cumulative ack, never past a message whose device is still being woken', async () => {
    // A snapshot store whose read of one device waits until the test lets it go.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    class SlowForOne extends SnapshotStore {
      override async load(tenant: Parameters<SnapshotStore['load']>[0], device: DeviceId) {
        if (device === 'sleepy') await gate;
        return super.load(tenant, device);
      }
    }
    const r = new PartitionRunner(t, new SlowForOne(t.topology.snapshots), log, { partition: 0, totalPartitions: 1, offlineAfterMs: 60_000, passivateAfterMs: 3_600_000, maxAttempts: 3, batch: 64 });
    r.start();
    const first = await publish(rec('early', 1));
    await publish(rec('sleepy', 2));
    await publish(rec('later-1', 3));
    const last = await publish(rec('later-2', 4));
    await until(async () => (await r.view(DEFAULT_TENANT, 'later-2' as DeviceId))?.position?.lat === 4);
    await r.flush();
    // 'later-*' are applied, but the message before them is not: only 'early' is acknowledged.
    await until(async () => (await jsm.consumers.info(STREAM_IN, engineConsumerName(0))).ack_floor.stream_seq === first.seq);
    const held = await jsm.consumers.info(STREAM_IN, engineConsumerName(0));
    expect(held.config.ack_policy).toBe('all');
    expect(held.num_ack_pending).toBe(3);
    expect(r.stats.pendingAcks).toBe(3);

    release();
    await until(async () => (await r.view(DEFAULT_TENANT, 'sleepy' as DeviceId))?.position?.lat === 2);
    await r.flush();
    await until(async () => (await jsm.consumers.info(STREAM_IN, engineConsumerName(0))).ack_floor.stream_seq === last.seq);
    expect((await jsm.consumers.info(STREAM_IN, engineConsumerName(0))).num_ack_pending).toBe(0);
    expect(r.stats.pendingAcks).toBe(0);
    await r.stop();
  });

  it('calls a device offline only for a silence it heard: not before the partition knows it has taken everything', async () => {
    const { r, clock } = clockedRunner();
    r.start();
    await publish(rec('quiet', 1));
    await until(async () => (await r.view(DEFAULT_TENANT, 'quiet' as DeviceId))?.position?.lat === 1);
    // The wall clock says 5 s of silence, but nothing tells the partition it is not behind.
    clock.ms += 5000;
    await r.tickAll();
    expect((await r.view(DEFAULT_TENANT, 'quiet' as DeviceId))?.online).toBe(true);
    // The consumer is caught up: the silence was real.
    await r.refreshLag();
    await r.tickAll();
    expect((await r.view(DEFAULT_TENANT, 'quiet' as DeviceId))?.online).toBe(false);
    // Swept while offline, with nothing the clock could change: the sweep skips it from now on...
    await r.tickAll();
    // ...unless a record brings it back: then its silence counts again from that record.
    await publish({ ...rec('quiet', 2), receivedAt: clock.ms });
    await until(async () => (await r.view(DEFAULT_TENANT, 'quiet' as DeviceId))?.online === true);
    clock.ms += 5000;
    await r.refreshLag();
    await r.tickAll();
    expect((await r.view(DEFAULT_TENANT, 'quiet' as DeviceId))?.online).toBe(false);
    await r.stop();
  });

  it('gives the thread its turn during a sweep of many due actors, not only every hundred ticks', async () => {
    // Each tick busy for a millisecond: forty due actors are 40 ms of work, ten turn budgets.
    let ticks = 0;
    const slowToTick = actorsWith('tick', () => {
      busyForAMillisecond();
      ticks++;
    });
    const clock = { ms: Date.now() };
    const opts = { partition: 0, totalPartitions: 1, offlineAfterMs: 3_600_000, passivateAfterMs: 3_600_000, maxAttempts: 3, batch: 64 };
    const r = new PartitionRunner(t, snapshots, log, opts, () => clock.ms, slowToTick);
    r.start();
    for (let i = 0; i < 40; i++) await publish(rec(`sweep-${i}`, 1));
    await until(async () => (await r.view(DEFAULT_TENANT, 'sweep-39' as DeviceId))?.position?.lat === 1);
    await r.tickAll(); // anything due of earlier tests' devices replayed on this partition
    clock.ms += 61_000; // every one due: its record released from the reorder window
    ticks = 0;
    const sweep = r.tickAll();
    let ticksWhenOthersRan = -1;
    setImmediate(() => (ticksWhenOthersRan = ticks));
    await sweep;
    expect(ticks).toBeGreaterThanOrEqual(40);
    // Other work of the thread ran in the middle of the sweep.
    expect(ticksWhenOthersRan).toBeGreaterThan(0);
    expect(ticksWhenOthersRan).toBeLessThan(ticks);
    await r.stop();
  });

  it('puts the actor of a quiet device to sleep at a flush, leaves it asleep through sweeps, and wakes it where it was for its next record', async () => {
    const made = new Map<string, DeviceActor>();
    const keeping: DeviceActorFactory = (tn, d, o, s) => {
      const a = new DeviceActor(tn, d, o, s);
      made.set(d, a);
      return a;
    };
    const clock = { ms: Date.now() };
    const opts = { partition: 0, totalPartitions: 1, offlineAfterMs: 3_600_000, passivateAfterMs: 3_600_000, hibernateAfterMs: 20_000, maxAttempts: 3, batch: 64 };
    const r = new PartitionRunner(t, snapshots, log, opts, () => clock.ms, keeping);
    r.start();
    for (let i = 1; i <= 3; i++) await publish({ ...rec('dozing', i), receivedAt: clock.ms });
    await until(async () => (await r.view(DEFAULT_TENANT, 'dozing' as DeviceId))?.position?.lat === 3);
    const dozing = made.get('dozing')!;
    // Quiet for 15 s only: it stays awake.
    clock.ms += 15_000;
    await r.tickAll(); // its held records released
    await r.tickAll(); // its next tick known
    await r.flush();
    expect(dozing.hibernating).toBe(false);
    clock.ms += 10_000;
    await r.flush();
    expect(dozing.hibernating).toBe(true);
    expect(r.stats.hibernating).toBeGreaterThanOrEqual(1);
    // The sweep reads what it needs without waking it.
    await r.tickAll();
    expect(dozing.hibernating).toBe(true);
    await publish({ ...rec('dozing', 4), receivedAt: clock.ms });
    await until(() => !dozing.hibernating);
    await until(async () => (await r.view(DEFAULT_TENANT, 'dozing' as DeviceId))?.records === 4);
    await r.stop();
    // What it wrote after waking holds all four records.
    const stored = await snapshots.load(DEFAULT_TENANT, 'dozing' as DeviceId);
    expect(new DeviceActor(DEFAULT_TENANT, 'dozing' as DeviceId, 60_000, stored!.snapshot).view().records).toBe(4);
  });

  it('gives the thread its turn while a flush puts many quiet actors to sleep', async () => {
    let slept = 0;
    const slowToSleep = actorsWith('hibernate', () => {
      busyForAMillisecond();
      slept++;
    });
    const clock = { ms: Date.now() };
    const opts = { partition: 0, totalPartitions: 1, offlineAfterMs: 3_600_000, passivateAfterMs: 3_600_000, hibernateAfterMs: 20_000, maxAttempts: 3, batch: 64 };
    const r = new PartitionRunner(t, snapshots, log, opts, () => clock.ms, slowToSleep);
    r.start();
    const devices = Array.from({ length: 60 }, (_, i) => `drowsy-${i}`);
    await publishBatch(devices.map((d) => ({ ...rec(d, 8), receivedAt: clock.ms })));
    await until(async () => (await Promise.all(devices.map((d) => r.view(DEFAULT_TENANT, d as DeviceId)))).every((v) => v?.position?.lat === 8));
    clock.ms += 30_000;
    await r.tickAll(); // held records released
    await r.tickAll(); // next ticks known
    slept = 0;
    // What the thread's other work saw of the count, each time it had a turn during the flush.
    const seen: number[] = [];
    let flushed = false;
    const watch = () => {
      seen.push(slept);
      if (!flushed) setImmediate(watch);
    };
    setImmediate(watch);
    await r.flush();
    flushed = true;
    expect(slept).toBeGreaterThanOrEqual(60);
    expect(r.stats.hibernating).toBeGreaterThanOrEqual(60);
    expect(seen.some((n) => n > 0 && n < slept)).toBe(true);
    await r.stop();
  });

  it('hears the silence of a quiet partition while other partitions go on writing to the stream', async () => {
    const { r, clock } = clockedRunner();
    r.start();
    await publish(rec('hushed', 1));
    await until(async () => (await r.view(DEFAULT_TENANT, 'hushed' as DeviceId))?.position?.lat === 1);
    await until(async () => {
      await r.flush();
      return (await jsm.consumers.info(STREAM_IN, engineConsumerName(0))).num_ack_pending === 0;
    });
    // Another partition's record, last in the stream: the filtered consumer skips past it.
    const other = rec('elsewhere', 7);
    const ack = await js.publish(inSubject(1, other.tenantId, other.deviceId), pack(other), { msgID: other.id });
    // The server skips it on the consumer's next pull (about 15 s on nats-server 2.9): its delivered stream sequence passes ours.
    await until(async () => (await jsm.consumers.info(STREAM_IN, engineConsumerName(0))).delivered.stream_seq >= ack.seq, 60_000);
    clock.ms += 5000;
    await r.refreshLag();
    await r.tickAll();
    expect((await r.view(DEFAULT_TENANT, 'hushed' as DeviceId))?.online).toBe(false);
    await r.stop();
  });
});
