import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { alarmEventsOf } from '../../actors/alarms.ts';
import type { Logger } from '../log.ts';
import type { AckFloors } from '../nats/ack-floors.ts';
import { TelemetryRecordSchema, pack, unpack } from '../model/index.ts';
import { STREAM_URGENT, outSubject, urgentPartitionFilter } from '../nats/subjects.ts';
import { CONSUMER_LIMITS, urgentConsumerName } from '../nats/topology.ts';
import { ConsumerEndedError, openPartitionConsumer } from '../nats/partition-consumer.ts';
import { DeliveryOrder } from '../nats/delivery-order.ts';

/**
 * The urgent lane of one partition: critical records (panic, crash) arrive
 * here as well as in FLEET_IN, and their alarm events are published at once,
 * however long the bulk backlog is. The events are built by the same pure
 * function and id as the device actor's, so when the bulk lane reaches the
 * record its copy is dropped as a duplicate: priority without double counting.
 * The adapters publish the same events as they decode the record (one trip
 * through nats-server sooner); this lane is what makes them durable when the
 * adapters could not (a crash, a refused publish).
 */
export class UrgentRunner {
  private stopping = false;
  private messages: { stop?: () => void } | undefined;
  private loop: Promise<void> | undefined;
  readonly stats = { alarms: 0 };
  private readonly order = new DeliveryOrder(() => urgentConsumerName(this.partition));

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly ackFloors: AckFloors,
    private readonly log: Logger,
    private readonly partition: number,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const messages = await openPartitionConsumer(
          { js: this.js, jsm: this.jsm, ackFloors: this.ackFloors },
          { stream: STREAM_URGENT, name: urgentConsumerName(this.partition), filter: urgentPartitionFilter(this.partition), limits: CONSUMER_LIMITS.engine, batch: 64 },
          this.order,
        );
        this.messages = messages;
        for await (const m of messages) {
          if (this.stopping) break;
          // Acknowledged cumulatively: a lost delivery ends the run before anything after it is acked.
          this.order.check(m);
          let parsed;
          try {
            parsed = TelemetryRecordSchema.safeParse(unpack(m.data));
          } catch {
            parsed = undefined;
          }
          if (parsed?.success) {
            const r = parsed.data;
            const events = alarmEventsOf(r);
            await Promise.all(events.map((e) => this.js.publish(outSubject(e.tenantId, e.type, e.deviceId), pack(e), { msgID: e.id })));
            this.stats.alarms += events.length;
          } else {
            this.log.error({ subject: m.subject, seq: m.seq }, 'unreadable urgent record; the bulk lane will dead-letter it');
          }
          m.ack();
          this.ackFloors.record(STREAM_URGENT, urgentConsumerName(this.partition), m.seq);
        }
        if (!this.stopping) throw new ConsumerEndedError(urgentConsumerName(this.partition));
      } catch (err) {
        if (this.stopping) return;
        this.log.warn({ partition: this.partition, err: String((err as Error).message ?? err) }, 'urgent lane interrupted; resuming');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.messages?.stop?.();
    await Promise.race([this.loop, new Promise((r) => setTimeout(r, 2000))]);
  }
}
