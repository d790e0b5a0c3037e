import { AckPolicy, DeliverPolicy, type JetStreamManager } from '@nats-io/jetstream';
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
 */
export async function rewindConsumer(
  jsm: JetStreamManager,
  stream: string,
  name: string,
  filter: string,
  limits: { ackWaitMs: number; maxAckPending: number },
  /** The run's delivery check: the recreated consumer counts its deliveries from 1 again. */
  order: DeliveryOrder,
): Promise<void> {
  order.reset();
  let floor = 0;
  try {
    const info = await jsm.consumers.info(stream, name);
    floor = info.ack_floor.stream_seq;
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
  });
}
