import { type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { Snapshot } from 'xstate';
import { DeviceActor } from '../../actors/device-actor.ts';
import type { DerivedEvent } from '../../actors/derived-event.ts';
import type { Logger } from '../log.ts';
import { activityOf, driverIdOf } from '../drivers/activity-of.ts';
import { driverSampleId, driverToken, type DriverSample } from '../drivers/driver-sample.ts';
import { TelemetryRecordSchema, pack, partitionOf, unpack, type DeviceId, type TelemetryRecord, type TenantId } from '../model/index.ts';
import { STREAM_IN, deadLetterSubject, driverSubject, inPartitionFilter, liveSubject, outSubject, parsePartitionedSubject } from '../nats/subjects.ts';
import { CONSUMER_LIMITS, engineConsumerName } from '../nats/topology.ts';
import { rewindConsumer } from './rewind-consumer.ts';
import type { SnapshotStore } from './snapshot-store.ts';

/**
 * One partition of FLEET_IN and the actors of its devices. The rules that make
 * "nothing lost, nothing counted twice" hold:
 *
 * - Records are applied in stream order. At every start the partition's durable
 *   consumer is rewound to its ack floor, so records a crashed run had taken
 *   but not acknowledged come back first, in order.
 * - A record is acknowledged only after the snapshot of its actor (with the
 *   record's stream sequence) is in KV. On replay, a record at or below its
 *   actor's snapshot sequence is already inside and is skipped.
 * - An actor that throws is not trusted any more: the whole partition restarts
 *   from its snapshots and replays (its last good state). A record that keeps
 *   failing goes to the dead-letter subject after a bounded number of tries.
 * - Derived events carry deterministic ids, so a replay's re-publish is dropped
 *   by JetStream's duplicate window and by the store.
 */

/** What the runner needs of a device actor (actors/device-actor.ts); tests may wrap it. */
export type DeviceActorLike = Pick<DeviceActor, 'record' | 'tick' | 'applySettings' | 'context' | 'online' | 'view' | 'persisted' | 'stop'>;

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
  maxAttempts: number;
  batch: number;
}

interface LiveActor {
  actor: DeviceActorLike;
  /** Stream sequence of the last record applied. */
  seq: number;
  dirty: boolean;
  lastActivity: number;
  lastTick: number;
}

/**
 * A tick runs the whole machine (tens of µs), so with 100,000 live actors it is
 * given only to those it can change: a device quiet for QUIET_TICK_MS since its
 * last record (its reorder window is flushed), one whose silence may have run
 * out, and every actor at least every SLOW_TICK_MS (durations, dates).
 */
const QUIET_TICK_MS = 10_000;
/** Records handled at once in one partition (different devices; one device is always sequential). */
const MAX_IN_FLIGHT = 64;
const SLOW_TICK_MS = 60_000;
/** Yield to the consumers every this many actors, so a sweep never stalls the partition. */
const TICK_SLICE = 500;

export interface PartitionStats {
  actors: number;
  processed: number;
  skippedReplays: number;
  events: number;
  deadLetters: number;
  restarts: number;
  pendingAcks: number;
  /** Records in the partition not yet delivered to this runner (consumer num_pending). */
  lag: number;
  /** Epoch ms of the last flush that wrote snapshots and acknowledged. */
  lastFlushAt: number;
}

class ActorFailure extends Error {
  constructor(
    readonly seq: number,
    cause: unknown,
  ) {
    super(String((cause as Error)?.message ?? cause), { cause });
  }
}

export class PartitionRunner {
  private actors = new Map<string, LiveActor>();
  private pending: JsMsg[] = [];
  private readonly failures = new Map<number, number>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  /** An I/O failure inside a handled record (NATS down...): the partition resumes from its ack floor. */
  private failure: Error | undefined;
  /** Stream sequences sent to the dead-letter subject: skipped on every replay. */
  private readonly poisoned = new Set<number>();
  private stopping = false;
  private restartRequested: ActorFailure | undefined;
  private messages: AsyncIterable<JsMsg> & { stop?: () => void; close?: () => Promise<void | Error> } | undefined;
  private loop: Promise<void> | undefined;
  private flushing: Promise<void> = Promise.resolve();
  readonly stats: PartitionStats = { actors: 0, processed: 0, skippedReplays: 0, events: 0, deadLetters: 0, restarts: 0, pendingAcks: 0, lag: 0, lastFlushAt: 0 };

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly snapshots: SnapshotStore,
    private readonly log: Logger,
    private readonly opts: PartitionOptions,
    private readonly now: () => number = Date.now,
    private readonly createActor: DeviceActorFactory = defaultFactory,
    private readonly settings?: ActorSettings,
  ) {}

  /** An operator changed a device's settings: the live actor judges its next record by them. */
  async applyDeviceSettings(tenant: TenantId, device: DeviceId, settings: Record<string, unknown>): Promise<void> {
    const la = this.actors.get(`${tenant}.${device}`);
    if (!la || !this.settings) return;
    await this.configure(la, settings);
  }

  /** A tenant's geofences changed: every live actor of the tenant in this partition gets the new list. */
  async applyTenantGeofences(tenant: TenantId): Promise<void> {
    if (!this.settings) return;
    for (const la of this.actors.values()) {
      if (la.actor.context.tenantId !== tenant) continue;
      await this.configure(la, la.actor.context.config?.settings ?? {});
    }
  }

  private async configure(la: LiveActor, settings: Record<string, unknown>): Promise<void> {
    try {
      const events = la.actor.applySettings(settings, this.settings!.geofencesOf(la.actor.context.tenantId));
      la.dirty = true;
      await this.publishEvents(events);
    } catch (err) {
      this.log.warn({ deviceId: la.actor.context.deviceId, err: String((err as Error).message ?? err) }, 'settings not applied; the actor keeps its previous ones');
    }
  }

  start(): void {
    this.loop = this.run();
  }

  private rewind(): Promise<void> {
    return rewindConsumer(this.jsm, STREAM_IN, engineConsumerName(this.opts.partition), inPartitionFilter(this.opts.partition), CONSUMER_LIMITS.engine);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.rewind();
        const consumer = await this.js.consumers.get(STREAM_IN, engineConsumerName(this.opts.partition));
        const messages = await consumer.consume({ max_messages: this.opts.batch });
        this.messages = messages;
        for await (const m of messages) {
          if (this.stopping) break;
          await this.dispatch(m);
          if (this.restartRequested || this.failure) break;
        }
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

  /**
   * Records of different devices are handled concurrently (waking an actor
   * waits on KV reads), records of one device strictly in stream order: each
   * device has a promise chain. Acks stay batched at flush, so ordering across
   * devices does not matter to them; the ack floor and the per-actor sequence
   * make replays exact.
   */
  private dispatch(m: JsMsg): Promise<unknown> {
    const s = parsePartitionedSubject(m.subject);
    const key = s ? `${s.tenant}.${s.device}` : m.subject;
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next: Promise<void> = prev
      .then(() => (this.failure || this.restartRequested ? undefined : this.handle(m)))
      .catch((err: unknown) => {
        this.failure ??= err as Error;
      })
      .finally(() => {
        // The consume loop may be waiting for a message that is not coming: end it so the partition restarts now.
        if (this.failure || this.restartRequested) this.messages?.stop?.();
        this.inFlight.delete(next);
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
    this.inFlight.add(next);
    return this.inFlight.size >= MAX_IN_FLIGHT ? Promise.race(this.inFlight) : Promise.resolve();
  }

  /** Waits for every record being handled. */
  private async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Forget everything unacknowledged; the rewind brings it back in order. */
  private async dropAll(): Promise<void> {
    this.messages?.stop?.();
    await this.settle();
    await this.flushing;
    for (const a of this.actors.values()) a.actor.stop();
    this.actors.clear();
    this.pending = [];
    this.stats.actors = 0;
    this.stats.pendingAcks = 0;
  }

  private async restartFromSnapshots(): Promise<void> {
    const failure = this.restartRequested!;
    this.restartRequested = undefined;
    this.stats.restarts++;
    this.log.warn({ partition: this.opts.partition, seq: failure.seq, err: failure.message }, 'actor failed; partition restarts from its last good state');
    await this.dropAll();
  }

  private async actorFor(tenant: TenantId, device: DeviceId): Promise<LiveActor> {
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
    const la: LiveActor = { actor, seq: stored?.seq ?? 0, dirty: false, lastActivity: this.now(), lastTick: 0 };
    if (this.settings) await this.configure(la, await this.settings.settingsOf(tenant, device));
    // Visible (to queries, ticks, settings) only once configured; one device is never woken twice at once.
    this.actors.set(key, la);
    this.stats.actors = this.actors.size;
    return la;
  }

  private async publishEvents(events: DerivedEvent[]): Promise<void> {
    if (events.length === 0) return;
    await Promise.all(events.map((e) => this.js.publish(outSubject(e.tenantId, e.type, e.deviceId), pack(e), { msgID: e.id })));
    this.stats.events += events.length;
  }

  /** Hands the driver's activity to the driver lane (FLEET_DRIVERS), partitioned by driver. */
  private async publishDriverSample(record: TelemetryRecord, la: LiveActor): Promise<void> {
    // The actor remembers the driver and the ignition when a record carries neither.
    const known = la.actor.context.track;
    const driverId = driverIdOf(record) ?? known.driverId ?? undefined;
    if (!driverId) return;
    const activity = activityOf(record, known.ign ?? undefined);
    if (!activity) return;
    const token = driverToken(driverId);
    const sample: DriverSample = {
      id: driverSampleId(record.id, driverId),
      tenantId: record.tenantId,
      driverId,
      deviceId: record.deviceId,
      time: record.deviceTime,
      activity,
    };
    await this.js.publish(driverSubject(partitionOf(record.tenantId, token as DeviceId, this.opts.totalPartitions), record.tenantId, token), pack(sample), {
      msgID: sample.id,
    });
  }

  private pushLive(la: LiveActor): void {
    const ctx = la.actor.context;
    this.nc.publish(liveSubject(ctx.tenantId, this.opts.partition, ctx.deviceId), pack(la.actor.view()));
  }

  private async deadLetter(m: JsMsg, reason: string): Promise<void> {
    const s = parsePartitionedSubject(m.subject);
    const h = headers();
    // One dead letter per stream record, even if a crash makes us decide twice.
    h.set('Nats-Msg-Id', `dlq-${m.seq}`);
    h.set('Fleet-Error', reason.slice(0, 1000));
    h.set('Fleet-Original-Subject', m.subject);
    h.set('Fleet-Original-Seq', String(m.seq));
    await this.js.publish(deadLetterSubject((s?.tenant ?? 'unknown') as TenantId, (s?.device ?? 'unknown') as DeviceId), m.data, { headers: h });
    this.stats.deadLetters++;
    this.log.error({ partition: this.opts.partition, subject: m.subject, seq: m.seq, reason }, 'record sent to the dead-letter subject');
  }

  private decode(m: JsMsg): TelemetryRecord | string {
    let raw: unknown;
    try {
      raw = unpack(m.data);
    } catch {
      return 'payload is not msgpack';
    }
    const r = TelemetryRecordSchema.safeParse(raw);
    return r.success ? r.data : `payload is not a telemetry record: ${r.error.issues[0]?.message ?? 'invalid'}`;
  }

  private async handle(m: JsMsg): Promise<void> {
    const record = this.decode(m);
    if (typeof record === 'string') {
      await this.deadLetter(m, record);
      this.pending.push(m);
      return;
    }
    if (this.poisoned.has(m.seq)) {
      // Dead-lettered already; acknowledged with the next flush, never applied.
      this.pending.push(m);
      return;
    }
    const la = await this.actorFor(record.tenantId, record.deviceId);
    if (m.seq <= la.seq) {
      // Already inside the snapshot this actor was restored from.
      this.stats.skippedReplays++;
      this.pending.push(m);
      return;
    }
    let events: DerivedEvent[];
    try {
      events = la.actor.record(record);
    } catch (err) {
      const attempts = (this.failures.get(m.seq) ?? 0) + 1;
      this.failures.set(m.seq, attempts);
      if (attempts >= this.opts.maxAttempts) {
        this.failures.delete(m.seq);
        await this.deadLetter(m, `actor failed ${attempts} times: ${String((err as Error).message ?? err)}`);
        this.poisoned.add(m.seq);
      }
      // Whatever the broken actor holds is not trusted: rebuild the partition from snapshots.
      this.restartRequested = new ActorFailure(m.seq, err);
      return;
    }
    this.failures.delete(m.seq);
    await Promise.all([this.publishEvents(events), this.publishDriverSample(record, la)]);
    la.seq = m.seq;
    la.dirty = true;
    la.lastActivity = this.now();
    this.pushLive(la);
    this.pending.push(m);
    this.stats.processed++;
    this.stats.pendingAcks = this.pending.length;
  }

  /** Writes the snapshots of dirty actors, then acknowledges every record taken before the write began. */
  private async saveThenAck(entries: [string, LiveActor][]): Promise<void> {
    const acks = this.pending;
    this.pending = [];
    const results = await Promise.allSettled(
      entries.map(async ([, la]) => {
        const ctx = la.actor.context;
        await this.snapshots.save(ctx.tenantId, ctx.deviceId, { seq: la.seq, snapshot: la.actor.persisted() });
        la.dirty = false;
      }),
    );
    if (results.some((r) => r.status === 'rejected')) {
      // Keep them unacknowledged: the next flush tries again, a crash replays them.
      this.pending = acks.concat(this.pending);
      this.log.warn({ partition: this.opts.partition }, 'snapshot write failed; acknowledgements held back');
      return;
    }
    for (const m of acks) m.ack();
    this.stats.pendingAcks = this.pending.length;
    this.stats.lastFlushAt = this.now();
  }

  /** Consumer lag for metrics; a failure leaves the last known value. */
  async refreshLag(): Promise<void> {
    try {
      const info = await this.jsm.consumers.info(STREAM_IN, engineConsumerName(this.opts.partition));
      // nats-server 2.9 sometimes reports an underflowed num_pending (~1.8e19): not a lag anyone has.
      const pending = info.num_pending > Number.MAX_SAFE_INTEGER ? 0 : info.num_pending;
      this.stats.lag = pending + info.num_ack_pending;
    } catch {
      // consumer being recreated; next round
    }
  }

  /** Snapshot, acknowledge, passivate idle actors, and let silent devices go offline. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.restartRequested) return;
      const dirty = [...this.actors].filter(([, la]) => la.dirty);
      await this.saveThenAck(dirty);
      const now = this.now();
      for (const [key, la] of this.actors) {
        if (!la.dirty && now - la.lastActivity > this.opts.passivateAfterMs && !la.actor.online) {
          la.actor.stop();
          this.actors.delete(key);
        }
      }
      this.stats.actors = this.actors.size;
    });
    return this.flushing;
  }

  /**
   * The shard's clock for every live actor: offline after a silence, reorder
   * windows of quiet devices flushed, duration-based alerts and date-based
   * maintenance judged. Time comes in here, never from inside the machines.
   */
  async tickAll(): Promise<void> {
    if (this.restartRequested) return;
    const now = this.now();
    let n = 0;
    for (const la of [...this.actors.values()]) {
      const quietSinceRecord = now - la.lastActivity >= QUIET_TICK_MS && la.lastTick < la.lastActivity;
      const c = la.actor.context.connectivity;
      const silenceRanOut = la.actor.online && now - c.lastSeen >= c.offlineAfterMs;
      if (!quietSinceRecord && !silenceRanOut && now - la.lastTick < SLOW_TICK_MS) continue;
      if (++n % TICK_SLICE === 0) await new Promise((r) => setImmediate(r));
      if (this.restartRequested) return;
      la.lastTick = now;
      const wasOnline = la.actor.online;
      let events: DerivedEvent[];
      try {
        events = la.actor.tick(now);
      } catch (err) {
        this.log.warn({ deviceId: la.actor.context.deviceId, err: String(err) }, 'tick failed; the actor is rebuilt from its snapshot');
        this.restartRequested = new ActorFailure(la.seq, err);
        this.messages?.stop?.();
        return;
      }
      if (events.length === 0 && wasOnline === la.actor.online) continue;
      await this.publishEvents(events);
      la.dirty = true;
      this.pushLive(la);
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
