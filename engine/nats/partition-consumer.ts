import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { AckFloors } from './ack-floors.ts';
import type { DeliveryOrder } from './delivery-order.ts';

/**
 * (Re)creates a partition's durable consumer starting right after its ack
 * floor. JetStream redelivers a dead run's unacknowledged messages only after
 * ack_wait, and after newer ones; rewinding gives them back first and in
 * order, which per-device (and per-driver) order depends on. Only the shard
 * that owns the partition does this.
 *
 * Acknowledgement is cumulative (AckPolicy.All): these consumers are read in
 * order and acknowledged in order, so one ack per flush stands for every
 * message before it, where explicit acks cost nats-server (and the shard) one
 * message each. Being recreated at every start, a consumer made by an older
 * version with explicit acks changes policy here too.
 *
 * The consumer lives in nats-server's memory (`mem_storage`): its state is
 * not written to disk on every delivery, and a server restart forgets it. The
 * floor it starts from is the higher of the server's (if the consumer is
 * still there) and the one the runner recorded in KV (ack-floors.ts).
 */
async function rewindConsumer(
  jsm: JetStreamManager,
  stream: string,
  name: string,
  filter: string,
  limits: { ackWaitMs: number; maxAckPending: number },
  /** The run's delivery check: the recreated consumer counts its deliveries from 1 again. */
  order: DeliveryOrder,
  floors: AckFloors,
): Promise<void> {
  order.reset();
  let floor = await floors.floorOf(stream, name);
  try {
    const info = await jsm.consumers.info(stream, name);
    floor = Math.max(floor, info.ack_floor.stream_seq);
    await jsm.consumers.delete(stream, name);
  } catch (err) {
    if (!/consumer not found/i.test(String((err as Error).message))) throw err;
  }
  await jsm.consumers.add(stream, {
    durable_name: name,
    filter_subject: filter,
    ack_policy: AckPolicy.All,
    ...(floor > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: floor + 1 } : { deliver_policy: DeliverPolicy.All }),
    ack_wait: limits.ackWaitMs * 1_000_000,
    // Poison handling is ours (dead-letter subject after N attempts), so the server never gives up on its own.
    max_deliver: -1,
    max_ack_pending: limits.maxAckPending,
    mem_storage: true,
  });
}

/** One partition's consumer, as its runner (records, driver samples, alarms) reads it. */
export interface PartitionConsumer {
  stream: string;
  name: string;
  filter: string;
  limits: { ackWaitMs: number; maxAckPending: number };
  /** Messages pulled at a time. */
  batch: number;
}

/**
 * Rewinds a partition's consumer to its ack floor and starts reading it. A
 * consumer that is gone (a nats-server restart forgets these) ends the
 * deliveries at once, instead of the client waiting for someone to create it
 * again; the runner then throws ConsumerEndedError and rewinds.
 */
export async function openPartitionConsumer(
  nats: { js: JetStreamClient; jsm: JetStreamManager; ackFloors: AckFloors },
  c: PartitionConsumer,
  /** The run's delivery check, reset for the recreated consumer. */
  order: DeliveryOrder,
): Promise<ConsumerMessages> {
  await rewindConsumer(nats.jsm, c.stream, c.name, c.filter, c.limits, order, nats.ackFloors);
  const consumer = await nats.js.consumers.get(c.stream, c.name);
  return consumer.consume({ max_messages: c.batch, abort_on_missing_resource: true });
}

/** A partition's deliveries ended while its runner was not stopping: the consumer was deleted, or forgotten by a nats-server restart. */
export class ConsumerEndedError extends Error {
  override readonly name = 'ConsumerEndedError';
  constructor(readonly consumer: string) {
    super(`consumer ${consumer} stopped delivering (deleted, or forgotten by a nats-server restart); the partition resumes from its ack floor`);
  }
}
