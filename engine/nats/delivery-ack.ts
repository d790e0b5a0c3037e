import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * A JetStream delivery is acknowledged by publishing `+ACK` on its reply
 * subject (`$JS.ACK.<stream>.<consumer>...`): that subject is all a later
 * acknowledgement needs. A partition holds every message it took until a
 * snapshot flush acknowledges it (seconds); holding the whole JsMsg kept its
 * payload, headers and parsed delivery info alive that long, ~1.2 KB a
 * message that the shard's full collections then had to mark and free
 * (~10 % of what reached its old generation at 100,000 devices).
 */
export type AckSubject = string & { readonly __ackSubject: unique symbol };

export class AckSubjectError extends Error {
  override readonly name = 'AckSubjectError';
  constructor(readonly subject: string, readonly seq: number) {
    super(
      `delivery of stream sequence ${seq} on ${subject} has no $JS.ACK reply subject: it cannot be acknowledged later. ` +
        'Either the consumer is not acknowledged explicitly, or the NATS client library no longer exposes `reply` on JetStream messages',
    );
  }
}

const ACK = new TextEncoder().encode('+ACK');

/** The subject `m` is acknowledged on; AckSubjectError if it has none (nothing could acknowledge it). */
export function ackSubjectOf(m: JsMsg): AckSubject {
  // Not in the JsMsg type, but a getter of every JetStream message of @nats-io/jetstream 3.x (JsMsgImpl.reply).
  const reply = (m as JsMsg & { readonly reply?: unknown }).reply;
  if (typeof reply !== 'string' || !reply.startsWith('$JS.ACK.')) throw new AckSubjectError(m.subject, m.seq);
  return reply as AckSubject;
}

/** What JsMsg.ack() does: one publish, no reply awaited. */
export function acknowledge(nc: Pick<NatsConnection, 'publish'>, subject: AckSubject): void {
  nc.publish(subject, ACK);
}
