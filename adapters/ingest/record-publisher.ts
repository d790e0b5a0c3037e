import { randomBytes } from 'node:crypto';
import type { JetStreamClient } from '@nats-io/jetstream';
import { MAX_BATCH_RECORDS, RECORD_SCHEMA_FINGERPRINT, pack, partitionOf, wasChecked, type TelemetryRecord, type TenantId } from '../../engine/model/index.ts';
import { alarmEventsOf } from '../../actors/alarms.ts';
import { inBatchSubject, outSubject, urgentSubject } from '../../engine/nats/subjects.ts';
import { ENVELOPE_OVERHEAD, encodeBatch } from './batch-encoding.ts';
import { RecentIdFilter } from '../../engine/model/recent-id-filter.ts';

export class PublishError extends Error {
  override readonly name = 'PublishError';
  constructor(
    readonly deviceId: string,
    readonly failed: number,
    readonly total: number,
    cause: unknown,
  ) {
    super(`JetStream did not acknowledge ${failed} of ${total} records of device ${deviceId}: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

export interface PublishOutcome {
  /** Records JetStream stored now. */
  stored: number;
  /** Records this adapter had JetStream acknowledge recently (a device resend): answered without publishing again. */
  duplicates: number;
}

export interface PublisherOptions {
  partitions: number;
  /**
   * Least time between the starts of two batches of one partition. Under load
   * it is what makes batches grow (records wait for the partition's next
   * batch); a record reaching an idle partition goes out at once.
   */
  lingerMs: number;
  maxRecords: number;
  /** Kept well under NATS's max_payload (1 MiB by default). */
  maxBytes: number;
  timeoutMs: number;
  /**
   * Ids remembered to answer a device's resend without publishing (or pacing)
   * it again: between this many / 2 and this many, 16 B each. A storm's
   * resends come a device ACK timeout (~30 s) after the first send, so this
   * must cover that long at the adapter's highest rate.
   */
  recentIds: number;
}

export const DEFAULT_PUBLISHER: Omit<PublisherOptions, 'partitions'> = {
  lingerMs: 10,
  maxRecords: 500,
  maxBytes: 512 * 1024,
  timeoutMs: 5000,
  recentIds: 2_000_000,
};

export interface PublisherStats {
  batches: number;
  records: number;
  duplicates: number;
  failedBatches: number;
  /** Records taken but not yet acknowledged by JetStream. */
  pendingRecords: number;
  /** Alarm events published from here the moment their record was decoded (the urgent lane publishes them too). */
  alarmEvents: number;
  /** Those JetStream did not acknowledge: the urgent lane's copy is the one that counts then. */
  alarmEventsFailed: number;
  /**
   * Longest wait for JetStream's answer to a batch since the last report
   * (takeStats): devices wait that long for their ACK on top of the adapters'
   * own time, so a spike here is nats-server's (or the connection's), not the intake's.
   */
  ackMaxMs: number;
}

/** One publish() call: resolved when every batch holding its records is acknowledged. */
interface Waiter {
  deviceId: string;
  total: number;
  duplicates: number;
  /** Batches (and urgent copies) still outstanding. */
  remaining: number;
  failed: boolean;
  resolve: (o: PublishOutcome) => void;
  reject: (e: Error) => void;
}

interface Batch {
  payloads: Buffer[];
  ids: string[];
  bytes: number;
  waiters: Set<Waiter>;
  /** Every record inside was checked by the schema here (normalize.ts): readers need not check it again. */
  checked: boolean;
}

/** The records of one partition and tenant on their way to JetStream, in order. */
interface Lane {
  subject: string;
  open: Batch | undefined;
  sealed: Batch[];
  inFlight: number;
  lastStart: number;
  timer: NodeJS.Timeout | undefined;
}

const MAX_EARLY_URGENT = 10_000;
const EARLY_URGENT_KEEP_MS = 60_000;

const emptyBatch = (): Batch => ({ payloads: [], ids: [], bytes: ENVELOPE_OVERHEAD, waiters: new Set(), checked: true });

/**
 * Batch ids: a random prefix drawn once per process and a counter. Unique
 * across processes and restarts (72 random bits), and no random draw per
 * batch: that was 3.5 % of the adapters' thread at steady load.
 */
const BATCH_ID_PREFIX = randomBytes(9).toString('base64url');
let batchCounter = 0;
const nextBatchId = () => `${BATCH_ID_PREFIX}${(++batchCounter).toString(36)}`;

/**
 * Publishes records and resolves only when JetStream acknowledged every one:
 * the adapter answers the device after this, never before.
 *
 * Records of one partition and tenant share a batch (one JetStream message,
 * engine/model/record-batch.ts). A lane keeps one batch in flight (two when
 * full ones are waiting), so per-device order in the stream is the order the
 * adapter took the records. Critical records also go alone to the urgent
 * lane, so their alarms overtake any backlog.
 */
export class RecordPublisher {
  private readonly opts: PublisherOptions;
  private readonly lanes = new Map<string, Lane>();
  private readonly ready = new Set<Lane>();
  private flushScheduled = false;
  private readonly recent: RecentIdFilter;
  /** Urgent copies sent ahead (urgentNow), by record id. */
  private readonly early = new Map<string, Promise<unknown>>();
  readonly stats: PublisherStats = { batches: 0, records: 0, duplicates: 0, failedBatches: 0, pendingRecords: 0, alarmEvents: 0, alarmEventsFailed: 0, ackMaxMs: 0 };

  /** Critical records' urgent copies go out here: on a connection of their own, they do not queue behind batches in one TCP stream. */
  private readonly urgentJs: JetStreamClient;

  constructor(
    private readonly js: JetStreamClient,
    options: number | (Partial<PublisherOptions> & { partitions: number; urgentJs?: JetStreamClient }),
    private readonly now: () => number = Date.now,
  ) {
    this.urgentJs = (typeof options === 'object' && options.urgentJs) || js;
    const { urgentJs: _urgent, ...rest } = typeof options === 'number' ? { partitions: options, urgentJs: undefined } : options;
    this.opts = { ...DEFAULT_PUBLISHER, ...rest };
    this.opts.maxRecords = Math.min(this.opts.maxRecords, MAX_BATCH_RECORDS);
    this.recent = new RecentIdFilter(this.opts.recentIds);
  }

  /**
   * True (and counted as a duplicate) when JetStream already acknowledged this
   * record id here: the device resent it because its ACK came late or was
   * lost, and it is answered without being paced, validated or published again.
   * The ids are 64-bit fingerprints: a collision (about one in 10^6 over ten
   * million records at full memory) would answer a new record as a resend.
   */
  resent(id: string): boolean {
    if (!this.recent.mightContain(id)) return false;
    // Remembered afresh: a device that keeps resending a window whose answer keeps coming late (GT06
    // answers only heartbeats) must not outlast the filter and get its old records published again.
    this.recent.add(id);
    this.stats.duplicates++;
    return true;
  }

  publish(records: readonly TelemetryRecord[]): Promise<PublishOutcome> {
    if (records.length === 0) return Promise.resolve({ stored: 0, duplicates: 0 });
    return new Promise<PublishOutcome>((resolve, reject) => {
      const w: Waiter = { deviceId: records[0]!.deviceId, total: records.length, duplicates: 0, remaining: 0, failed: false, resolve, reject };
      // Counted as one until every record is placed, so an early completion cannot resolve it.
      w.remaining = 1;
      for (const r of records) {
        if (this.recent.mightContain(r.id)) {
          w.duplicates++;
          continue;
        }
        const payload = pack(r);
        const lane = this.laneOf(r.tenantId, partitionOf(r.tenantId, r.deviceId, this.opts.partitions));
        this.add(lane, r.id, payload, w, wasChecked(r));
        if (r.priority === 'critical') this.publishUrgent(r, payload, w);
      }
      this.settle(w);
    });
  }

  private laneOf(tenant: TenantId, partition: number): Lane {
    const key = `${partition}.${tenant}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { subject: inBatchSubject(partition, tenant), open: undefined, sealed: [], inFlight: 0, lastStart: 0, timer: undefined };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private add(lane: Lane, id: string, payload: Buffer, w: Waiter, checked: boolean): void {
    let b = lane.open;
    if (b && (b.payloads.length >= this.opts.maxRecords || b.bytes + payload.length > this.opts.maxBytes)) {
      lane.sealed.push(b);
      b = undefined;
    }
    if (!b) b = lane.open = emptyBatch();
    b.payloads.push(payload);
    b.ids.push(id);
    if (!checked) b.checked = false;
    b.bytes += payload.length;
    if (!b.waiters.has(w)) {
      b.waiters.add(w);
      w.remaining++;
    }
    this.stats.pendingRecords++;
    this.schedule(lane);
  }

  /** Flushes ready lanes once the current I/O phase is over: everything that arrived together travels together. */
  private schedule(lane: Lane): void {
    this.ready.add(lane);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const lanes = [...this.ready];
      this.ready.clear();
      for (const l of lanes) this.pump(l);
    });
  }

  private pump(lane: Lane): void {
    const now = this.now();
    while (true) {
      const full = lane.sealed.length > 0;
      if (!full && !lane.open) return;
      if (lane.inFlight >= (full ? 2 : 1)) return;
      if (!full) {
        const wait = lane.lastStart + this.opts.lingerMs - now;
        if (wait > 0) {
          lane.timer ??= setTimeout(() => {
            lane.timer = undefined;
            this.pump(lane);
          }, wait);
          return;
        }
      }
      const batch = full ? lane.sealed.shift()! : lane.open!;
      if (!full) lane.open = undefined;
      lane.lastStart = now;
      this.send(lane, batch);
    }
  }

  /** The counters for a report; the longest acknowledgement starts over. */
  takeStats(): PublisherStats {
    const s = { ...this.stats };
    this.stats.ackMaxMs = 0;
    return s;
  }

  private send(lane: Lane, batch: Batch): void {
    lane.inFlight++;
    const batchId = nextBatchId();
    const sentAt = this.now();
    // The batch id as message id: a transport-level retry of this very message is dropped by JetStream.
    this.js
      .publish(lane.subject, encodeBatch(batchId, batch.payloads, batch.checked ? RECORD_SCHEMA_FINGERPRINT : undefined), { msgID: batchId, timeout: this.opts.timeoutMs })
      .then(
        () => {
          this.answeredAfter(sentAt);
          this.stats.batches++;
          this.stats.records += batch.ids.length;
          for (const id of batch.ids) this.recent.add(id);
          for (const w of batch.waiters) this.settle(w);
        },
        (err: unknown) => {
          this.answeredAfter(sentAt);
          this.stats.failedBatches++;
          for (const w of batch.waiters) this.fail(w, err);
        },
      )
      .finally(() => {
        this.stats.pendingRecords -= batch.ids.length;
        lane.inFlight--;
        this.pump(lane);
      });
  }

  private answeredAfter(sentAt: number): void {
    this.stats.ackMaxMs = Math.max(this.stats.ackMaxMs, this.now() - sentAt);
  }

  private publishUrgent(r: TelemetryRecord, payload: Buffer, w: Waiter): void {
    w.remaining++;
    (this.early.get(r.id) ?? this.sendUrgent(r, payload)).then(
      () => this.settle(w),
      (err: unknown) => this.fail(w, err),
    );
  }

  private sendUrgent(r: TelemetryRecord, payload: Buffer): Promise<unknown> {
    this.publishAlarmEvents(r);
    const partition = partitionOf(r.tenantId, r.deviceId, this.opts.partitions);
    return this.urgentJs.publish(urgentSubject(partition, r.tenantId, r.deviceId), payload, { msgID: `u-${r.id}`, timeout: this.opts.timeoutMs });
  }

  /**
   * A critical record's alarm events, published with its urgent copy in the
   * turn its frame was decoded: the operator's screen and integrators get
   * them after one pass through nats-server instead of two (the copy stored
   * and delivered to the urgent lane's thread, then the event it publishes),
   * and without waiting for that thread's turn. The urgent
   * lane still publishes the same events, same ids, from the durable copy: if
   * this process dies before these are stored, or JetStream refuses them,
   * those count; otherwise JetStream's duplicate window drops them and the
   * live hub shows each id once. The device is answered as before, once its
   * records are stored, never on the strength of these.
   */
  private publishAlarmEvents(r: TelemetryRecord): void {
    for (const e of alarmEventsOf(r)) {
      this.urgentJs.publish(outSubject(e.tenantId, e.type, e.deviceId), pack(e), { msgID: e.id, timeout: this.opts.timeoutMs }).then(
        () => this.stats.alarmEvents++,
        () => this.stats.alarmEventsFailed++,
      );
    }
  }

  /**
   * A critical record's urgent copy, sent the moment its frame is decoded,
   * ahead of whatever the device's connection still has to do before it
   * (earlier frames, their publishes, pacing). The record still goes through
   * publish() in its turn, which waits for this same send instead of sending
   * again, and answers the device only then.
   */
  urgentNow(r: TelemetryRecord): void {
    if (r.priority !== 'critical' || this.early.has(r.id) || this.early.size >= MAX_EARLY_URGENT) return;
    const sent = this.sendUrgent(r, pack(r));
    this.early.set(r.id, sent);
    // Kept until publish() took it or a while passed (a device that never gets to publish it).
    const forget = () => setTimeout(() => this.early.delete(r.id), EARLY_URGENT_KEEP_MS).unref();
    sent.then(forget, forget);
  }

  private settle(w: Waiter): void {
    if (--w.remaining > 0 || w.failed) return;
    this.stats.duplicates += w.duplicates;
    w.resolve({ stored: w.total - w.duplicates, duplicates: w.duplicates });
  }

  private fail(w: Waiter, err: unknown): void {
    if (w.failed) return;
    w.failed = true;
    w.reject(new PublishError(w.deviceId, w.total - w.duplicates, w.total, err));
  }

  /** Lanes and timers are released; records still waiting fail (their devices resend). */
  close(): void {
    for (const lane of this.lanes.values()) {
      if (lane.timer) clearTimeout(lane.timer);
      const waiting = [...lane.sealed, ...(lane.open ? [lane.open] : [])];
      lane.sealed = [];
      lane.open = undefined;
      for (const b of waiting) for (const w of b.waiters) this.fail(w, new Error('publisher closed'));
    }
  }
}
