import { type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { Snapshot } from 'xstate';
import { DeviceActor } from '../../actors/device-actor.ts';
import type { DerivedEvent } from '../../actors/derived-event.ts';
import type { DeviceView } from '../../actors/device-view.ts';
import { detach, intern } from '../../actors/sample.ts';
import type { Logger } from '../log.ts';
import { activityOf, driverIdOf } from '../drivers/activity-of.ts';
import { driverSampleId, driverToken, type DriverSample } from '../drivers/driver-sample.ts';
import {
  POSITION_STRIDE,
  pack,
  partitionOf,
  positionOf,
  readInbound,
  type DeviceId,
  type InboundRecord,
  type TelemetryRecord,
  type TenantId,
} from '../model/index.ts';
import type { AckFloors } from '../nats/ack-floors.ts';
import type { PartitionNats } from '../nats/partition-nats.ts';
import { ackSubjectOf, acknowledge, type AckSubject } from '../nats/delivery-ack.ts';
import { STREAM_IN, deadLetterSubject, driverSubject, inPartitionFilter, outSubject, parsePartitionedSubject } from '../nats/subjects.ts';
import { engineConsumerLimits, engineConsumerName } from '../nats/topology.ts';
import { yieldIfDue } from '../scheduling/turn-budget.ts';
import { PartitionHearing } from './partition-hearing.ts';
import { ConsumerEndedError, openPartitionConsumer } from '../nats/partition-consumer.ts';
import { SnapshotStore } from './snapshot-store.ts';
import { earliestTick, tickDue } from './tick-due.ts';
import { DeliveryOrder } from '../nats/delivery-order.ts';

/**
 * One partition of FLEET_IN and the actors of its devices. The rules that make
 * "nothing lost, nothing counted twice" hold:
 *
 * - Records are applied in stream order (batch by batch, and in order inside
 *   a batch). At every start the partition's durable consumer is rewound to
 *   its ack floor, so messages a crashed run had taken but not acknowledged
 *   come back first, in order.
 * - A message is acknowledged only after every record in it was applied and
 *   the snapshot of every actor it touched (with the position of the last
 *   record inside) is in KV, and after every event and driver sample derived
 *   before that snapshot was acknowledged by JetStream. On replay, a record at
 *   or below its actor's snapshot position is already inside and is skipped.
 * - An actor that throws is not trusted any more: the whole partition restarts
 *   from its snapshots and replays (its last good state). A record that keeps
 *   failing goes to the dead-letter subject after a bounded number of tries;
 *   the rest of its batch is unaffected.
 * - Derived events carry deterministic ids, so a replay's re-publish is dropped
 *   by JetStream's duplicate window and by the store.
 */

/** What the runner needs of a device actor (actors/device-actor.ts); tests may wrap it. */
export type DeviceActorLike = Pick<DeviceActor, 'record' | 'tick' | 'applySettings' | 'context' | 'online' | 'view' | 'persisted' | 'stop'> & Partial<Pick<DeviceActor, 'hibernate' | 'hibernating'>>;

/** Where an actor's settings and its tenant's geofences come from (engine/registry/settings-source.ts). */
export interface ActorSettings {
  settingsOf(tenant: TenantId, device: DeviceId): Promise<Record<string, unknown>>;
  geofencesOf(tenant: TenantId): unknown[];
}
export type DeviceActorFactory = (tenant: TenantId, device: DeviceId, offlineAfterMs: number, snapshot?: Snapshot<unknown>) => DeviceActorLike;

const defaultFactory: DeviceActorFactory = (t, d, o, s) => new DeviceActor(t, d, o, s);

export interface PartitionOptions {
  partition: number;
  /** Partitions of FLEET_IN (and of FLEET_DRIVERS): a driver sample goes to partitionOf(driver). */
  totalPartitions: number;
  offlineAfterMs: number;
  /** Idle actors are written to their snapshot and dropped from memory after this long. */
  passivateAfterMs: number;
  /**
   * A live actor quiet this long keeps its context as bytes (actors/hibernation.ts)
   * until its next record or due tick: fewer objects for every full collection
   * of the shard's heap to mark. 0 or absent: never.
   */
  hibernateAfterMs?: number;
  maxAttempts: number;
  /** Messages (batches) pulled at once. */
  batch: number;
  /** How often this partition's snapshots are written and its records acknowledged: ack_wait is derived from it. */
  snapshotEveryMs?: number;
}

interface LiveActor {
  actor: DeviceActorLike;
  /** Position of the last record applied. */
  pos: number;
  /** The last sample handed to the driver lane (only changes and a periodic refresh go out). */
  driverSample?: { driverId: string; activity: string; time: number };
  dirty: boolean;
  lastActivity: number;
  /**
   * The sweep need not look at this actor before then: the earliest a tick
   * could fall due, from what the sweep saw last time. 0 after anything that
   * could bring it forward (a record, new settings).
   */
  checkAt: number;
}

/**
 * A message taken from the consumer, acknowledged once all its records are
 * handled (and snapshotted). Only what the acknowledgement needs is kept, not
 * the message: it waits here for seconds (delivery-ack.ts).
 */
interface Taken {
  seq: number;
  ack: AckSubject;
  remaining: number;
  /** Every record applied (or dead-lettered) in a run that was not interrupted. */
  handled: boolean;
}

/** Devices being woken at once in one partition (waking waits on KV reads; one device is always sequential). */
const MAX_WAKING = 64;
/**
 * How often (device time) a driver doing the same thing is re-announced to the
 * driver lane: driving-time infringements are judged at the newest sample, so
 * this is how late one can be noticed. Every record used to be a JetStream
 * message of its own (~30 % of all records carry a driver).
 */
const DRIVER_SAMPLE_REFRESH_MS = 60_000;
/**
 * A sweep checks the thread's turn budget before every tick and every this
 * many actors passed over. Checked every 100 ticks, as until 2026-12, each of
 * a shard's 64 partitions ran its first 100 ticks before anyone yielded: at
 * 100,000 actors, with ~8,000 of them due every sweep (a tick for every actor
 * every minute, as there was then), the shard's thread stalled 100-300 ms
 * every 5 s (700 ms once), and live positions waited behind it.
 */
const SCAN_SLICE = 256;
/** Check it every this many snapshots encoded or written, so a flush never stalls the partition either. */
const SNAPSHOT_SLICE = 16;
/**
 * A first delivery published longer ago than this shows the partition was
 * behind (a backlog, a restart): once it hears the present again (within this
 * of the wall clock), silence is counted from there.
 */
const HEARING_GAP_MS = 10_000;

export interface PartitionStats {
  actors: number;
  processed: number;
  skippedReplays: number;
  events: number;
  deadLetters: number;
  restarts: number;
  /** Messages taken and not yet acknowledged (handled ones wait for the next snapshot flush). */
  pendingAcks: number;
  /** Records in the partition not yet applied: undelivered (estimated from the mean batch) plus taken and not yet handled. */
  lag: number;
  /** Epoch ms of the last flush that wrote snapshots and acknowledged. */
  lastFlushAt: number;
  /** Actor snapshots written to KV: with records processed, what a record costs nats-server in snapshot writes. */
  snapshotsWritten: number;
  /** Live actors that held their context as bytes at the end of the last flush (actors/hibernation.ts). */
  hibernating: number;
  /** Messages and records taken: their ratio is the mean batch. */
  messages: number;
  records: number;
}

class ActorFailure extends Error {
  constructor(
    readonly pos: number,
    cause: unknown,
  ) {
    super(String((cause as Error)?.message ?? cause), { cause });
  }
}

export class PartitionRunner {
  private actors = new Map<string, LiveActor>();
  /**
   * Messages taken and not yet acknowledged, in delivery order. The consumer
   * acknowledges cumulatively (AckPolicy.All, nats/partition-consumer.ts): a flush
   * acknowledges the newest message of the handled prefix, one ack for all of
   * them; a message still waiting on a device being woken holds back those
   * after it until it is handled.
   */
  private taken: Taken[] = [];
  private readonly failures = new Map<number, number>();
  /** Devices being woken (and the records that wait for them), chained so one device stays in order. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Publishes (events, driver samples, dead letters) not yet acknowledged: a flush waits for them before acknowledging. */
  private readonly outstanding = new Set<Promise<void>>();
  /** Actors whose view changed since the last live push. */
  private readonly liveDirty = new Set<LiveActor>();
  /** An I/O failure inside a handled record (NATS down...): the partition resumes from its ack floor. */
  private failure: Error | undefined;
  /** Positions sent to the dead-letter subject: skipped on every replay. */
  private readonly poisoned = new Set<number>();
  private stopping = false;
  /** dropAll is forgetting this run: nothing may be written or acknowledged meanwhile. */
  private dropping = false;
  private restartRequested: ActorFailure | undefined;
  private messages: AsyncIterable<JsMsg> & { stop?: () => void; close?: () => Promise<void | Error> } | undefined;
  private loop: Promise<void> | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Records taken from the consumer and not yet handled. */
  private unhandled = 0;
  /**
   * Deliveries taken, in consumer sequence (every one checked). Its newest is
   * how the partition knows it is caught up: the consumer delivered nothing
   * past it. Not the stream sequence: a filtered consumer's delivered stream
   * sequence moves past other partitions' messages it skipped, and a quiet
   * partition never looked caught up.
   */
  private readonly order = new DeliveryOrder(() => engineConsumerName(this.opts.partition));
  /** What this run has heard: offline is judged on it (partition-hearing.ts). */
  private hearing = new PartitionHearing(HEARING_GAP_MS);
  readonly stats: PartitionStats = {
    actors: 0, processed: 0, skippedReplays: 0, events: 0, deadLetters: 0, restarts: 0, pendingAcks: 0, lag: 0, lastFlushAt: 0, snapshotsWritten: 0, hibernating: 0, messages: 0, records: 0,
  };

  private readonly nc: NatsConnection;
  private readonly js: JetStreamClient;
  private readonly jsm: JetStreamManager;
  private readonly ackFloors: AckFloors;

  constructor(
    nats: PartitionNats,
    private readonly snapshots: SnapshotStore,
    private readonly log: Logger,
    private readonly opts: PartitionOptions,
    private readonly now: () => number = Date.now,
    private readonly createActor: DeviceActorFactory = defaultFactory,
    private readonly settings?: ActorSettings,
  ) {
    ({ nc: this.nc, js: this.js, jsm: this.jsm, ackFloors: this.ackFloors } = nats);
  }

  /** An operator changed a device's settings: the live actor judges its next record by them. */
  async applyDeviceSettings(tenant: TenantId, device: DeviceId, settings: Record<string, unknown>): Promise<void> {
    const la = this.actors.get(`${tenant}.${device}`);
    if (!la || !this.settings) return;
    this.configure(la, settings);
  }

  /** A tenant's geofences changed: every live actor of the tenant in this partition gets the new list. */
  async applyTenantGeofences(tenant: TenantId): Promise<void> {
    if (!this.settings) return;
    for (const la of this.actors.values()) {
      if (la.actor.context.tenantId !== tenant) continue;
      this.configure(la, la.actor.context.config?.settings ?? {});
    }
  }

  private configure(la: LiveActor, settings: Record<string, unknown>): void {
    try {
      const events = la.actor.applySettings(settings, this.settings!.geofencesOf(la.actor.context.tenantId));
      la.dirty = true;
      la.checkAt = 0;
      this.publishEvents(events);
    } catch (err) {
      this.log.warn({ deviceId: la.actor.context.deviceId, err: String((err as Error).message ?? err) }, 'settings not applied; the actor keeps its previous ones');
    }
  }

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const messages = await openPartitionConsumer(
          { js: this.js, jsm: this.jsm, ackFloors: this.ackFloors },
          {
            stream: STREAM_IN,
            name: engineConsumerName(this.opts.partition),
            filter: inPartitionFilter(this.opts.partition),
            limits: engineConsumerLimits(this.opts.snapshotEveryMs),
            batch: this.opts.batch,
          },
          this.order,
        );
        this.messages = messages;
        for await (const m of messages) {
          if (this.stopping) break;
          await this.take(m);
          if (this.restartRequested || this.failure) break;
          // A buffered pull continues on microtasks: give the thread's other work (urgent lane, queries) its turn.
          await yieldIfDue();
        }
        if (!this.stopping && !this.interrupted()) this.failure = new ConsumerEndedError(engineConsumerName(this.opts.partition));
        await this.settle();
        if (this.failure) {
          const err = this.failure;
          this.failure = undefined;
          throw err;
        }
        if (this.restartRequested) await this.restartFromSnapshots();
      } catch (err) {
        if (this.stopping) return;
        this.log.warn({ partition: this.opts.partition, err: String((err as Error).message ?? err) }, 'partition interrupted; resuming from its ack floor');
        await this.dropAll();
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private interrupted(): boolean {
    return this.failure !== undefined || this.restartRequested !== undefined || this.dropping;
  }

  /**
   * Handles every record of a message. A record of a live device that is not
   * waiting on anything is applied at once; a device being woken (KV reads)
   * gets its records chained behind the wake-up, so one device is strictly in
   * stream order while others go on.
   */
  private take(m: JsMsg): Promise<unknown> {
    let ack: AckSubject;
    try {
      this.order.check(m);
      ack = ackSubjectOf(m);
    } catch (err) {
      // Never taken, so never acknowledged past: the rewind brings the lost ones back first.
      this.failure ??= err as Error;
      return Promise.resolve();
    }
    const inbound = readInbound(m.data);
    this.stats.messages++;
    if (!inbound.ok) {
      this.deadLetter(m, undefined, m.data, inbound.reason);
      this.taken.push({ seq: m.seq, ack, remaining: 0, handled: true });
      this.stats.pendingAcks = this.taken.length;
      return Promise.resolve();
    }
    const taken: Taken = { seq: m.seq, ack, remaining: inbound.records.length, handled: false };
    this.taken.push(taken);
    this.stats.pendingAcks = this.taken.length;
    this.stats.records += inbound.records.length;
    this.unhandled += inbound.records.length;
    for (const item of inbound.records) {
      if (this.interrupted()) break;
      this.route(m, taken, item);
    }
    const info = m.info;
    this.hearing.handled(info.timestampNanos / 1e6, this.now(), info.redelivered);
    return this.chains.size >= MAX_WAKING ? Promise.race(this.chains.values()) : Promise.resolve();
  }

  private route(m: JsMsg, taken: Taken, item: InboundRecord): void {
    const pos = positionOf(taken.seq, item.index);
    if (!item.ok) {
      this.deadLetter(m, item.index, pack(item.raw), item.reason);
      this.done(taken);
      return;
    }
    if (this.poisoned.has(pos)) {
      // Dead-lettered already; acknowledged with its message, never applied.
      this.done(taken);
      return;
    }
    const record = item.record;
    const key = `${record.tenantId}.${record.deviceId}`;
    const chain = this.chains.get(key);
    const live = this.actors.get(key);
    if (!chain && live) {
      this.apply(live, record, pos);
      this.done(taken);
      return;
    }
    const next: Promise<void> = (chain ?? this.wake(record.tenantId, record.deviceId).then(() => undefined))
      .then(() => {
        if (this.interrupted()) return;
        const la = this.actors.get(key);
        if (la) this.apply(la, record, pos);
      })
      .catch((err: unknown) => {
        this.failure ??= err as Error;
      })
      .finally(() => {
        this.done(taken);
        // The consume loop may be waiting for a message that is not coming: end it so the partition restarts now.
        if (this.interrupted()) this.messages?.stop?.();
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
  }

  private done(taken: Taken): void {
    this.unhandled--;
    if (--taken.remaining === 0 && !this.interrupted()) taken.handled = true;
  }

  /** Waits for every device being woken. */
  private async settle(): Promise<void> {
    while (this.chains.size > 0) await Promise.allSettled([...this.chains.values()]);
  }

  /** Forget everything unacknowledged; the rewind brings it back in order. */
  private async dropAll(): Promise<void> {
    // The run's failure is cleared before this is called: until the actors are gone, a flush must not
    // write them (one whose derived event was never published would be saved past its record).
    this.dropping = true;
    try {
      await this.forgetAll();
    } finally {
      this.dropping = false;
    }
  }

  private async forgetAll(): Promise<void> {
    this.messages?.stop?.();
    await this.settle();
    await this.flushing;
    await Promise.allSettled([...this.outstanding]);
    for (const a of this.actors.values()) a.actor.stop();
    this.actors.clear();
    this.liveDirty.clear();
    this.taken = [];
    this.unhandled = 0;
    // The rewind replays from the ack floor: nothing after it is heard again until it is taken again.
    this.order.reset();
    this.hearing = new PartitionHearing(HEARING_GAP_MS);
    this.stats.actors = 0;
    this.stats.pendingAcks = 0;
  }

  private async restartFromSnapshots(): Promise<void> {
    const failure = this.restartRequested!;
    this.restartRequested = undefined;
    this.stats.restarts++;
    this.log.warn({ partition: this.opts.partition, pos: failure.pos, err: failure.message }, 'actor failed; partition restarts from its last good state');
    await this.dropAll();
  }

  /** Brings a device's actor into memory: from its snapshot, or fresh; configured before anyone sees it. */
  private async wake(sliceTenant: TenantId, sliceDevice: DeviceId): Promise<LiveActor> {
    // Ids read from a payload are slices of its whole string: an actor kept for hours must not pin that (~370 B each).
    const tenant = intern(sliceTenant) as TenantId;
    const device = detach(sliceDevice) as DeviceId;
    const key = `${tenant}.${device}`;
    const live = this.actors.get(key);
    if (live) return live;
    const stored = await this.snapshots.load(tenant, device);
    let actor: DeviceActorLike;
    try {
      actor = this.createActor(tenant, device, this.opts.offlineAfterMs, stored?.snapshot);
    } catch (err) {
      this.log.error({ deviceId: device, err: String(err) }, 'snapshot did not restore; actor starts fresh');
      actor = this.createActor(tenant, device, this.opts.offlineAfterMs);
    }
    const la: LiveActor = { actor, pos: stored?.pos ?? 0, dirty: false, lastActivity: this.now(), checkAt: 0 };
    if (this.settings) this.configure(la, await this.settings.settingsOf(tenant, device));
    // Visible (to queries, ticks, settings) only once configured; one device is never woken twice at once.
    this.actors.set(key, la);
    this.stats.actors = this.actors.size;
    return la;
  }

  /** Publishes without waiting; the next flush waits for the acknowledgement before it acknowledges anything. */
  private track(p: Promise<unknown>): void {
    const q: Promise<void> = p.then(
      () => undefined,
      (err: unknown) => {
        this.failure ??= err instanceof Error ? err : new Error(String(err));
        this.messages?.stop?.();
      },
    );
    this.outstanding.add(q);
    void q.finally(() => this.outstanding.delete(q));
  }

  private publishEvents(events: DerivedEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) this.track(this.js.publish(outSubject(e.tenantId, e.type, e.deviceId), pack(e), { msgID: e.id }));
    this.stats.events += events.length;
  }

  /** Hands the driver's activity to the driver lane (FLEET_DRIVERS), partitioned by driver. */
  private publishDriverSample(record: TelemetryRecord, la: LiveActor): void {
    // The actor remembers the driver and the ignition when a record carries neither.
    const known = la.actor.context.track;
    const driverId = driverIdOf(record) ?? known.driverId ?? undefined;
    if (!driverId) return;
    const activity = activityOf(record, known.ign ?? undefined);
    if (!activity) return;
    // A sample means "from this time on the driver does this": repeating the same activity only moves
    // the driver's clock on, so it goes out on a change, for a late record, or once a minute.
    const last = la.driverSample;
    if (
      last &&
      last.driverId === driverId &&
      last.activity === activity &&
      record.deviceTime >= last.time &&
      record.deviceTime - last.time < DRIVER_SAMPLE_REFRESH_MS
    ) {
      return;
    }
    la.driverSample = { driverId, activity, time: Math.max(record.deviceTime, last?.time ?? 0) };
    const token = driverToken(driverId);
    const sample: DriverSample = {
      id: driverSampleId(record.id, driverId),
      tenantId: record.tenantId,
      driverId,
      deviceId: record.deviceId,
      time: record.deviceTime,
      activity,
    };
    this.track(
      this.js.publish(driverSubject(partitionOf(record.tenantId, token as DeviceId, this.opts.totalPartitions), record.tenantId, token), pack(sample), {
        msgID: sample.id,
      }),
    );
  }

  /**
   * Live views of the devices that changed since the last call, added to
   * `into` by tenant: a device reporting several times between two pushes is
   * sent once, with its newest state. The shard sends them (live-push.ts).
   */
  takeLiveViews(into: Map<TenantId, DeviceView[]>): void {
    for (const la of this.liveDirty) {
      const tenant = la.actor.context.tenantId;
      let views = into.get(tenant);
      if (!views) into.set(tenant, (views = []));
      views.push(la.actor.view());
    }
    this.liveDirty.clear();
  }

  private deadLetter(m: JsMsg, index: number | undefined, payload: Uint8Array, reason: string): void {
    const s = parsePartitionedSubject(m.subject);
    const h = headers();
    // One dead letter per record, even if a crash makes us decide twice.
    h.set('Nats-Msg-Id', index === undefined ? `dlq-${m.seq}` : `dlq-${m.seq}-${index}`);
    h.set('Fleet-Error', reason.slice(0, 1000));
    h.set('Fleet-Original-Subject', m.subject);
    h.set('Fleet-Original-Seq', String(m.seq));
    if (index !== undefined) h.set('Fleet-Original-Index', String(index));
    const tenant = (s?.tenant ?? m.subject.split('.')[3] ?? 'unknown') as TenantId;
    this.track(this.js.publish(deadLetterSubject(tenant, (s?.device ?? 'unknown') as DeviceId), payload, { headers: h }));
    this.stats.deadLetters++;
    this.log.error({ partition: this.opts.partition, subject: m.subject, seq: m.seq, index, reason }, 'record sent to the dead-letter subject');
  }

  private apply(la: LiveActor, record: TelemetryRecord, pos: number): void {
    if (pos <= la.pos) {
      // Already inside the snapshot this actor was restored from.
      this.stats.skippedReplays++;
      return;
    }
    let events: DerivedEvent[];
    try {
      events = la.actor.record(record);
    } catch (err) {
      const attempts = (this.failures.get(pos) ?? 0) + 1;
      this.failures.set(pos, attempts);
      if (attempts >= this.opts.maxAttempts) {
        this.failures.delete(pos);
        const index = pos % POSITION_STRIDE;
        this.poisoned.add(pos);
        this.deadLetterRecord(record, (pos - index) / POSITION_STRIDE, index, `actor failed ${attempts} times: ${String((err as Error).message ?? err)}`);
      }
      // Whatever the broken actor holds is not trusted: rebuild the partition from snapshots.
      this.restartRequested ??= new ActorFailure(pos, err);
      this.messages?.stop?.();
      return;
    }
    if (this.failures.size > 0) this.failures.delete(pos);
    this.publishEvents(events);
    this.publishDriverSample(record, la);
    la.pos = pos;
    la.dirty = true;
    la.lastActivity = this.now();
    la.checkAt = 0;
    this.liveDirty.add(la);
    this.stats.processed++;
  }

  private deadLetterRecord(record: TelemetryRecord, seq: number, index: number, reason: string): void {
    const h = headers();
    h.set('Nats-Msg-Id', `dlq-${seq}-${index}`);
    h.set('Fleet-Error', reason.slice(0, 1000));
    h.set('Fleet-Original-Seq', String(seq));
    h.set('Fleet-Original-Index', String(index));
    this.track(this.js.publish(deadLetterSubject(record.tenantId, record.deviceId), pack(record), { headers: h }));
    this.stats.deadLetters++;
    this.log.error({ partition: this.opts.partition, deviceId: record.deviceId, seq, index, reason }, 'record sent to the dead-letter subject');
  }

  /**
   * Writes the snapshots of dirty actors, then acknowledges every message
   * handled before the flush began. Each snapshot is the actor exactly at its
   * recorded position (both are read in one synchronous step); every publish
   * made before it was written (events, driver samples, dead letters) must be
   * acknowledged first: a snapshot never gets ahead of what it derived.
   *
   * Encoding and writing take turns with the thread's other work: a
   * partition's few hundred snapshots in one go (~0.3 ms each to encode and
   * publish) held a shard's thread for up to 180 ms when a partition
   * flushed, and every live position waited behind it. Records applied
   * meanwhile may be inside the later snapshots (their positions say so);
   * their messages are acknowledged by a later flush.
   */
  private async saveThenAck(): Promise<void> {
    // The handled prefix as it is now: records of later messages may be inside the snapshots too
    // (their positions say so), but those messages are acknowledged by a later flush.
    let prefix = 0;
    while (prefix < this.taken.length && this.taken[prefix]!.handled) prefix++;
    const acks = this.taken;
    const dirty: LiveActor[] = [];
    for (const la of this.actors.values()) if (la.dirty) dirty.push(la);
    const writes: { tenant: TenantId; device: DeviceId; bytes: Uint8Array; la: LiveActor; pos: number }[] = [];
    for (const la of dirty) {
      if (writes.length > 0 && writes.length % SNAPSHOT_SLICE === 0) await yieldIfDue();
      const ctx = la.actor.context;
      writes.push({ tenant: ctx.tenantId, device: ctx.deviceId, la, pos: la.pos, bytes: SnapshotStore.encode({ pos: la.pos, snapshot: la.actor.persisted() }) });
      la.dirty = false;
    }
    const giveBack = () => {
      for (const w of writes) w.la.dirty = true;
    };
    await Promise.all([...this.outstanding]);
    if (this.interrupted()) {
      giveBack();
      return;
    }
    let failed = false;
    const puts: Promise<void>[] = [];
    for (const w of writes) {
      // Handled as it is made: a write failing while the loop yields must not be an unhandled rejection.
      puts.push(this.snapshots.put(w.tenant, w.device, w.bytes).catch(() => void (failed = true)));
      if (puts.length % SNAPSHOT_SLICE === 0) await yieldIfDue();
    }
    await Promise.all(puts);
    if (failed) {
      // Keep them unacknowledged: the next flush tries again, a crash replays them.
      giveBack();
      this.log.warn({ partition: this.opts.partition }, 'snapshot write failed; acknowledgements held back');
      return;
    }
    this.stats.snapshotsWritten += writes.length;
    // dropAll waits for this flush before it forgets what was taken: the prefix is still at the front.
    if (prefix > 0 && acks === this.taken) {
      const newest = this.taken[prefix - 1]!;
      this.taken.splice(0, prefix);
      acknowledge(this.nc, newest.ack);
      this.ackFloors.record(STREAM_IN, engineConsumerName(this.opts.partition), newest.seq);
    }
    this.stats.pendingAcks = this.taken.length;
    this.stats.lastFlushAt = this.now();
  }

  /** The connection to NATS was lost: devices were refused meanwhile, and get a full silence window once heard again. */
  intakeInterrupted(): void {
    this.hearing.interrupted();
  }

  /** Consumer lag for metrics; a failure leaves the last known value. */
  async refreshLag(): Promise<void> {
    try {
      const asked = this.now();
      const hearing = this.hearing;
      const info = await this.jsm.consumers.info(STREAM_IN, engineConsumerName(this.opts.partition));
      // nats-server 2.9 sometimes reports an underflowed num_pending (~1.8e19): not a lag anyone has.
      const pending = info.num_pending > Number.MAX_SAFE_INTEGER ? 0 : info.num_pending;
      const perMessage = this.stats.messages > 0 ? this.stats.records / this.stats.messages : 1;
      this.stats.lag = Math.round(pending * perMessage) + this.unhandled;
      const allTaken = info.delivered.consumer_seq <= Math.max(this.order.newest, info.ack_floor.consumer_seq);
      if (hearing === this.hearing && pending === 0 && allTaken && this.unhandled === 0 && this.chains.size === 0) {
        hearing.caughtUp(asked, this.now());
      }
    } catch {
      // consumer being recreated; next round
    }
  }

  /** Snapshot, acknowledge, passivate idle actors, put quiet ones to sleep. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.interrupted()) return;
      await this.saveThenAck();
      const now = this.now();
      const hibernateAfterMs = this.opts.hibernateAfterMs ?? 0;
      let hibernating = 0;
      let sleptThisTurn = 0;
      for (const [key, la] of this.actors) {
        // ~15 µs each: at 100,000 devices a partition's ~1,100 quiet actors in one go would hold the thread ~20 ms.
        if (sleptThisTurn >= SNAPSHOT_SLICE) {
          sleptThisTurn = 0;
          const wait = yieldIfDue();
          if (wait) await wait;
          if (this.interrupted()) return;
          if (this.actors.get(key) !== la) continue;
        }
        if (!la.dirty && !this.chains.has(key)) {
          const quietMs = now - la.lastActivity;
          if (quietMs > this.opts.passivateAfterMs && !la.actor.online) {
            la.actor.stop();
            this.actors.delete(key);
            this.liveDirty.delete(la);
            continue;
          }
          // Only one whose next tick the sweep knows is not due yet: the sweep would wake it to find out.
          if (hibernateAfterMs > 0 && quietMs >= hibernateAfterMs && now < la.checkAt && la.actor.hibernating === false) {
            la.actor.hibernate?.();
            sleptThisTurn++;
          }
        }
        if (hibernateAfterMs > 0 && la.actor.hibernating) hibernating++;
      }
      this.stats.hibernating = hibernating;
      this.stats.actors = this.actors.size;
    });
    return this.flushing;
  }

  /**
   * The shard's clock for the live actors it can change (tick-due.ts): offline
   * after a silence, reorder windows of quiet devices flushed, date-based
   * maintenance judged. Time comes in here, never from inside the machines.
   */
  async tickAll(): Promise<void> {
    if (this.restartRequested) return;
    const now = this.now();
    const hearing = this.hearing.value;
    let scanned = 0;
    // The live map, not a copy: a sweep of 100,000 actors copied every entry every few seconds. An actor
    // woken meanwhile is visited (or next time), one passivated meanwhile is not.
    for (const [key, la] of this.actors) {
      if (++scanned % SCAN_SLICE === 0) {
        const wait = yieldIfDue();
        if (wait) await wait;
        if (this.restartRequested) return;
      }
      // Most actors are not due, and one field of theirs says so: the rest of the check reads the actor
      // and its context, several memory misses each at this many actors (13 % of a shard at 100,000).
      if (now < la.checkAt) continue;
      // Records of a device being woken are not applied yet: its silence is not known.
      if (this.chains.size > 0 && this.chains.has(key)) continue;
      const online = la.actor.online;
      const context = la.actor.context;
      // Before earliestTick nothing is due whatever is heard; at or after it, hearing may still hold a silence back.
      const at = earliestTick(la, context, online);
      if (now < at || !tickDue(la, context, online, now, hearing)) {
        la.checkAt = at;
        continue;
      }
      const wait = yieldIfDue();
      if (wait) {
        await wait;
        if (this.restartRequested) return;
        // Passivated by a flush meanwhile: a stopped actor is not ticked (it would throw, and restart the partition).
        if (this.actors.get(key) !== la) continue;
        // Records applied meanwhile: a device whose backlog is being applied is not quiet.
        if (!tickDue(la, la.actor.context, la.actor.online, now, hearing)) continue;
      }
      la.checkAt = 0;
      const wasOnline = la.actor.online;
      let events: DerivedEvent[];
      try {
        events = la.actor.tick(now, hearing);
      } catch (err) {
        this.log.warn({ deviceId: la.actor.context.deviceId, err: String(err) }, 'tick failed; the actor is rebuilt from its snapshot');
        this.restartRequested = new ActorFailure(la.pos, err);
        this.messages?.stop?.();
        return;
      }
      // A release that derives nothing is not snapshotted: a restart holds the record again and releases it the same
      // way. At 100,000 devices nearly every record is released by a tick 10 s after it, and a flush falls between a
      // record and its release for up to a third of them: as many more snapshot writes, for nothing.
      if (events.length === 0 && wasOnline === la.actor.online) continue;
      this.publishEvents(events);
      la.dirty = true;
      this.liveDirty.add(la);
    }
  }

  /** The live view of a device of this partition: from memory, or from its snapshot. */
  async view(tenant: TenantId, device: DeviceId): Promise<ReturnType<DeviceActor['view']> | undefined> {
    const live = this.actors.get(`${tenant}.${device}`);
    if (live) return live.actor.view();
    const stored = await this.snapshots.load(tenant, device);
    if (!stored) return undefined;
    const a = this.createActor(tenant, device, this.opts.offlineAfterMs, stored.snapshot);
    const v = a.view();
    a.stop();
    return v;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.messages?.stop?.();
    await Promise.race([this.loop, new Promise((r) => setTimeout(r, 2000))]);
    await this.settle();
    await this.flush();
  }
}
