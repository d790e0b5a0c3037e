import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AckFloors } from './ack-floors.ts';

/**
 * What a partition's runner (records, driver samples) reaches NATS through:
 * the connection its acknowledgements are published on (delivery-ack.ts), its
 * JetStream client and manager, and where its ack floor is kept.
 */
export interface PartitionNats {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Recorded after each flush: a nats-server restart forgets the consumer (ack-floors.ts). */
  ackFloors: AckFloors;
}
