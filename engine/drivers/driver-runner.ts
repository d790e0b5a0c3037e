import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { ActivityLog, evaluate, infringementKey, newInfringements, type ActivityLogSnapshot, type DrivingTimeCounters } from '../../actors/driving-time/index.ts';
import { derivedEventId, type DerivedEvent } from '../../actors/derived-event.ts';
import type { Logger } from '../log.ts';
import type { AckFloors } from '../nats/ack-floors.ts';
import { ackSubjectOf, acknowledge, type AckSubject } from '../nats/delivery-ack.ts';
import type { PartitionNats } from '../nats/partition-nats.ts';
import { pack, unpack, type TenantId } from '../model/index.ts';
import { STREAM_DRIVERS, driverPartitionFilter, outSubject } from '../nats/subjects.ts';
import { driversConsumerName, engineConsumerLimits } from '../nats/topology.ts';
import { yieldIfDue } from '../scheduling/turn-budget.ts';
import { ConsumerEndedError, openPartitionConsumer } from '../nats/partition-consumer.ts';
import { DeliveryOrder } from '../nats/delivery-order.ts';
import { DriverSampleSchema, driverToken, type DriverSample } from './driver-sample.ts';

/**
 * One partition of FLEET_DRIVERS: each driver's EU 561 activity log, the live
 * counters, and `driver.infringement` events. Same rules as the device
 * partitions: consumer rewound to its ack floor at start, acks only after the
 * driver's log is saved in KV (with the stream sequence), deterministic event ids.
 */

interface StoredDriver {
  seq: number;
  /** Newest sample time applied: infringements are compared with what was known then. */
  lastTime: number;
  log: ActivityLogSnapshot;
  /** The vehicle the driver was last seen in. */
  deviceId: string;
}

interface LiveDriver {
  log: ActivityLog;
  seq: number;
  lastTime: number;
  deviceId: string;
  dirty: boolean;
}

export interface DriverView extends DrivingTimeCounters {
  id: string;
  deviceId: string;
}

/** Check the thread's turn budget every this many drivers written. */
const SNAPSHOT_SLICE = 16;

export class DriverRunner {
  private drivers = new Map<string, LiveDriver>();
  /**
   * The newest sample handled and not yet acknowledged: acknowledgement is
   * cumulative, so it stands for every one before it. Its ack subject only,
   * not the message (delivery-ack.ts).
   */
  private pending: { seq: number; ack: AckSubject } | undefined;
  private stopping = false;
  private messages: { stop?: () => void } | undefined;
  private loop: Promise<void> | undefined;
  private flushing: Promise<void> = Promise.resolve();
  readonly stats = { drivers: 0, samples: 0, infringements: 0 };
  private readonly order = new DeliveryOrder(() => driversConsumerName(this.partition));

  private readonly nc: NatsConnection;
  private readonly js: JetStreamClient;
  private readonly jsm: JetStreamManager;
  private readonly ackFloors: AckFloors;

  constructor(
    nats: PartitionNats,
    private readonly kv: KV,
    private readonly log: Logger,
    private readonly partition: number,
    private readonly now: () => number = Date.now,
    /** The shard's snapshot interval: ack_wait must outlast it (engineConsumerLimits). */
    private readonly snapshotEveryMs = 0,
  ) {
    ({ nc: this.nc, js: this.js, jsm: this.jsm, ackFloors: this.ackFloors } = nats);
  }

  start(): void {
    this.loop = this.run();
  }

  private key(tenant: string, driverId: string): string {
    return `${tenant}.${driverToken(driverId)}`;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const messages = await openPartitionConsumer(
          { js: this.js, jsm: this.jsm, ackFloors: this.ackFloors },
          { stream: STREAM_DRIVERS, name: driversConsumerName(this.partition), filter: driverPartitionFilter(this.partition), limits: engineConsumerLimits(this.snapshotEveryMs), batch: 256 },
          this.order,
        );
        this.messages = messages;
        for await (const m of messages) {
          if (this.stopping) break;
          await this.handle(m);
          await yieldIfDue();
        }
        if (!this.stopping) throw new ConsumerEndedError(driversConsumerName(this.partition));
      } catch (err) {
        if (this.stopping) return;
        this.log.warn({ partition: this.partition, err: String((err as Error).message ?? err) }, 'driver partition interrupted; resuming from its ack floor');
        await this.flushing;
        this.drivers.clear();
        this.pending = undefined;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async load(tenant: string, driverId: string): Promise<LiveDriver> {
    const key = this.key(tenant, driverId);
    const live = this.drivers.get(key);
    if (live) return live;
    const e = await this.kv.get(key);
    let d: LiveDriver;
    if (e && e.operation === 'PUT' && e.value.length > 0) {
      const stored = unpack(e.value) as StoredDriver;
      d = { log: ActivityLog.fromSnapshot(stored.log), seq: stored.seq, lastTime: stored.lastTime ?? 0, deviceId: stored.deviceId, dirty: false };
    } else {
      d = { log: new ActivityLog({ driverId }), seq: 0, lastTime: 0, deviceId: '', dirty: false };
    }
    this.drivers.set(key, d);
    this.stats.drivers = this.drivers.size;
    return d;
  }

  private async handle(m: JsMsg): Promise<void> {
    // A lost delivery ends the run (delivery-order.ts): nothing after it is acknowledged.
    this.order.check(m);
    const handled = { seq: m.seq, ack: ackSubjectOf(m) };
    let sample: DriverSample;
    try {
      const r = DriverSampleSchema.safeParse(unpack(m.data));
      if (!r.success) throw new Error(r.error.issues[0]?.message);
      sample = r.data;
    } catch (err) {
      this.log.error({ subject: m.subject, seq: m.seq, err: String(err) }, 'unreadable driver sample skipped');
      this.pending = handled;
      return;
    }
    const d = await this.load(sample.tenantId, sample.driverId);
    if (m.seq <= d.seq) {
      this.pending = handled;
      return;
    }
    // New = present now, absent at the newest time known before this sample. Both
    // are functions of the stream alone, so a replay finds the same ones (same ids).
    const before = d.lastTime > 0 ? evaluate(d.log, d.lastTime).infringements : [];
    d.log.add(sample.time, sample.activity);
    d.lastTime = Math.max(d.lastTime, sample.time);
    const after = evaluate(d.log, d.lastTime).infringements;
    const fresh = newInfringements(before, after);
    if (fresh.length > 0) {
      const events: DerivedEvent[] = fresh.map((i) => ({
        id: derivedEventId(sample.tenantId, driverToken(sample.driverId), 'driver.infringement', infringementKey(i)),
        type: 'driver.infringement',
        tenantId: sample.tenantId,
        deviceId: sample.deviceId,
        time: i.time,
        critical: true,
        data: { driverId: sample.driverId, rule: i.rule, overByS: i.overByS, article: i.article, detail: i.detail, ongoing: i.ongoing },
      }));
      await Promise.all(events.map((e) => this.js.publish(outSubject(e.tenantId, e.type, e.deviceId), pack(e), { msgID: e.id })));
      this.stats.infringements += events.length;
    }
    d.seq = m.seq;
    d.deviceId = sample.deviceId;
    d.dirty = true;
    this.pending = handled;
    this.stats.samples++;
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const newest = this.pending;
      this.pending = undefined;
      const dirty = [...this.drivers].filter(([, d]) => d.dirty);
      let failed = false;
      const puts: Promise<void>[] = [];
      for (const [key, d] of dirty) {
        // Taking turns with the partition's other work: a few hundred drivers in one go held the shard's thread.
        if (puts.length > 0 && puts.length % SNAPSHOT_SLICE === 0) await yieldIfDue();
        // Clean from the moment it is encoded: a sample taken while the write is in flight makes it dirty again
        // (it used to be cleared when the write landed, and that sample was then acknowledged unwritten).
        d.dirty = false;
        const bytes = pack({ seq: d.seq, lastTime: d.lastTime, log: d.log.toSnapshot(), deviceId: d.deviceId } satisfies StoredDriver);
        puts.push(
          this.kv.put(key, bytes).then(
            () => undefined,
            () => {
              failed = true;
              d.dirty = true;
            },
          ),
        );
      }
      await Promise.all(puts);
      if (failed) {
        // A sample handled meanwhile is newer and stands for this one too.
        this.pending ??= newest;
        return;
      }
      // Cumulative (nats/partition-consumer.ts): the newest acknowledges every sample before it.
      if (newest) {
        acknowledge(this.nc, newest.ack);
        this.ackFloors.record(STREAM_DRIVERS, driversConsumerName(this.partition), newest.seq);
      }
    });
    return this.flushing;
  }

  async view(tenant: TenantId, driverId: string): Promise<DriverView | undefined> {
    const key = this.key(tenant, driverId);
    let d = this.drivers.get(key);
    if (!d) {
      const e = await this.kv.get(key);
      if (!e || e.operation !== 'PUT' || e.value.length === 0) return undefined;
      d = await this.load(tenant, driverId);
    }
    return { id: driverId, deviceId: d.deviceId, ...evaluate(d.log, this.now()).counters };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.messages?.stop?.();
    await Promise.race([this.loop, new Promise((r) => setTimeout(r, 2000))]);
    await this.flush();
  }
}

