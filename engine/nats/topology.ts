import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { AckFloors } from './ack-floors.ts';
import { BUCKET_ACK_FLOORS, BUCKET_DRIVERS, BUCKET_GEOFENCES, BUCKET_REGISTRY, BUCKET_SNAPSHOTS, STREAM_DEAD_LETTERS, STREAM_DRIVERS, STREAM_EVENTS, STREAM_IN, STREAM_URGENT } from './subjects.ts';

/**
 * Streams, consumers and KV buckets, created idempotently at every start.
 * Consumer limits are always explicit: server defaults (max_ack_pending 1,000,
 * max_deliver unlimited) silently stall a fast consumer or loop on a poison record.
 */

const NS = 1_000_000;
const DAY_NS = 24 * 3600 * 1000 * NS;

/** How long JetStream remembers message ids to drop a device's resent records. */
export const DUPLICATE_WINDOW_MS = 10 * 60 * 1000;

export const CONSUMER_LIMITS = {
  /**
   * Messages (record batches) stay unacknowledged until the snapshots of their
   * actors are written (FLEET_SNAPSHOT_EVERY_MS): engineConsumerLimits derives
   * ack_wait from that interval; this is its floor.
   */
  engine: { ackWaitMs: 30_000, maxAckPending: 20_000 },
  store: { ackWaitMs: 60_000, maxDeliver: -1, maxAckPending: 50_000 },
} as const;

/** ack_wait three snapshot intervals (at least 30 s): a message is redelivered only if its shard really stopped. */
export function engineConsumerLimits(snapshotEveryMs = 0): { ackWaitMs: number; maxAckPending: number } {
  return { ackWaitMs: Math.max(CONSUMER_LIMITS.engine.ackWaitMs, 3 * snapshotEveryMs), maxAckPending: CONSUMER_LIMITS.engine.maxAckPending };
}

export const engineConsumerName = (partition: number) => `engine-p${partition}`;
export const driversConsumerName = (partition: number) => `drivers-p${partition}`;
export const urgentConsumerName = (partition: number) => `urgent-p${partition}`;
export const STORE_RECORDS_CONSUMER = 'store-records';
export const STORE_EVENTS_CONSUMER = 'store-events';

export class TopologyError extends Error {
  override readonly name = 'TopologyError';
}

/** Creates the stream, or brings an existing one to this config; true when it was created. */
async function ensureStreamOnce(jsm: JetStreamManager, cfg: Partial<StreamConfig> & { name: string; subjects: string[] }): Promise<boolean> {
  try {
    const info = await jsm.streams.info(cfg.name);
    const { description } = info.config;
    if (cfg.description && description && description !== cfg.description) {
      throw new TopologyError(
        `stream ${cfg.name} exists with "${description}" but this platform expects "${cfg.description}"; ` +
          'the partition count is fixed when the stream is created (FLEET_PARTITIONS)',
      );
    }
    await jsm.streams.update(cfg.name, { ...info.config, ...cfg });
    return false;
  } catch (err) {
    if (err instanceof TopologyError) throw err;
    if (!/stream not found/i.test(String((err as Error).message))) throw err;
    await jsm.streams.add(cfg);
    return true;
  }
}

async function ensureConsumer(jsm: JetStreamManager, stream: string, cfg: Partial<ConsumerConfig> & { durable_name: string }): Promise<void> {
  try {
    await jsm.consumers.info(stream, cfg.durable_name);
    await jsm.consumers.update(stream, cfg.durable_name, cfg);
  } catch (err) {
    if (!/consumer not found/i.test(String((err as Error).message))) throw err;
    await jsm.consumers.add(stream, cfg);
  }
}

export interface Topology {
  registry: KV;
  snapshots: KV;
  drivers: KV;
  geofences: KV;
  ackFloors: KV;
}

export async function ensureTopology(nc: NatsConnection, jsm: JetStreamManager, partitions: number): Promise<Topology> {
  const created: string[] = [];
  const ensureStream = async (cfg: Parameters<typeof ensureStreamOnce>[1]) => {
    if (await ensureStreamOnce(jsm, cfg)) created.push(cfg.name);
  };
  await ensureStream({
    name: STREAM_IN,
    description: `Fleetline normalized device records; partitions=${partitions}`,
    subjects: ['fleet.in.>'],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: 7 * DAY_NS,
    duplicate_window: DUPLICATE_WINDOW_MS * NS,
  });
  await ensureStream({
    name: STREAM_EVENTS,
    description: 'Fleetline derived events, retained for replay by integrators',
    subjects: ['fleet.out.>'],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: 30 * DAY_NS,
    duplicate_window: DUPLICATE_WINDOW_MS * NS,
  });
  await ensureStream({
    name: STREAM_URGENT,
    description: `Fleetline urgent lane (critical records); partitions=${partitions}`,
    subjects: ['fleet.urgent.>'],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: DAY_NS,
    duplicate_window: DUPLICATE_WINDOW_MS * NS,
  });
  await ensureStream({
    name: STREAM_DRIVERS,
    description: `Fleetline driver activity samples; partitions=${partitions}`,
    subjects: ['fleet.driver.>'],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: 7 * DAY_NS,
    duplicate_window: DUPLICATE_WINDOW_MS * NS,
  });
  await ensureStream({
    name: STREAM_DEAD_LETTERS,
    description: 'Fleetline records that kept failing, with the error',
    subjects: ['fleet.dlq.>'],
    storage: StorageType.File,
    max_age: 30 * DAY_NS,
  });

  // The engine's per-partition consumers are (re)created by the shard that owns
  // the partition, rewound to their ack floor: see engine/shard/partition-runner.ts.
  await ensureConsumer(jsm, STREAM_IN, {
    durable_name: STORE_RECORDS_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: CONSUMER_LIMITS.store.ackWaitMs * NS,
    max_deliver: CONSUMER_LIMITS.store.maxDeliver,
    max_ack_pending: CONSUMER_LIMITS.store.maxAckPending,
  });
  await ensureConsumer(jsm, STREAM_EVENTS, {
    durable_name: STORE_EVENTS_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: CONSUMER_LIMITS.store.ackWaitMs * NS,
    max_deliver: CONSUMER_LIMITS.store.maxDeliver,
    max_ack_pending: CONSUMER_LIMITS.store.maxAckPending,
  });

  const kvm = new Kvm(jetstream(nc));
  const registry = await kvm.create(BUCKET_REGISTRY, { history: 1, storage: StorageType.File });
  const snapshots = await kvm.create(BUCKET_SNAPSHOTS, { history: 1, storage: StorageType.File });
  const drivers = await kvm.create(BUCKET_DRIVERS, { history: 1, storage: StorageType.File });
  const geofences = await kvm.create(BUCKET_GEOFENCES, { history: 5, storage: StorageType.File });
  const ackFloors = await kvm.create(BUCKET_ACK_FLOORS, { history: 1, storage: StorageType.File });
  // A stream made anew numbers from 1: floors of its earlier incarnation would skip its first records.
  for (const stream of created) await AckFloors.forgetStream(ackFloors, stream);
  return { registry, snapshots, drivers, geofences, ackFloors };
}
