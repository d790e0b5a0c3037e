import type { Consumer, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { DerivedEventSchema, type DerivedEvent } from '../../actors/derived-event.ts';
import type { Logger } from '../log.ts';
import { readInbound, unpack, type TelemetryRecord } from '../model/index.ts';
import { STORE_EVENTS_CONSUMER, STORE_RECORDS_CONSUMER } from '../nats/topology.ts';
import { STREAM_EVENTS, STREAM_IN } from '../nats/subjects.ts';
import { yieldIfDue } from '../scheduling/turn-budget.ts';
import { StoredIdFilter } from '../model/stored-id-filter.ts';
import { eventRow, recordRow } from './rows.ts';
import { sqlInt, sqlString, type TelemetryStore } from './telemetry-store.ts';

/**
 * Moves records and derived events from JetStream into ClickHouse in batches.
 * A batch is acknowledged only after its insert succeeded, so a store outage
 * leaves the backlog in JetStream (bounded by the stream, not by our memory).
 *
 * Exactly once: an id that may already be stored is looked up first and
 * skipped if it is. That is every id of a redelivered message (we crashed or
 * failed between insert and ack), every id the stored-id filter may have seen
 * (a device resending after a lost ACK, an event re-derived by a replay: the
 * filter remembers the last 12-24 million ids, stored-id-filter.ts, and is
 * loaded at start with what was stored in the last ten minutes), and every id
 * while that load has not succeeded. An id older than all that which comes
 * again is collapsed by ReplacingMergeTree (`FINAL` is exact), not by the sink.
 */

export interface SinkStats {
  recordsStored: number;
  eventsStored: number;
  duplicatesSkipped: number;
  /** Ids looked up in ClickHouse before inserting (redeliveries, maybe-duplicates, everything until the filter is loaded). */
  lookedUp: number;
  batches: number;
  lastBatchMs: number;
  failures: number;
  storeUp: boolean;
}

/** A message pulled for the store, and what it holds (undefined: unreadable). */
interface Pulled<T> {
  m: JsMsg;
  items: T[] | undefined;
}

interface Lane<T> {
  name: string;
  stream: string;
  consumer: string;
  table: 'records' | 'events';
  idColumn: string;
  timeColumn: string;
  /** The items of one message (a record batch holds many); undefined when it cannot be read at all. */
  parse(data: Uint8Array): T[] | undefined;
  idOf(v: T): string;
  timeOf(v: T): number;
  insert(store: TelemetryStore, items: T[]): Promise<void>;
}

/**
 * Ids remembered by the de-duplication filter (stored-id-filter.ts): 1.5 B each, 36 MB, ~30 minutes at
 * 13k rec/s. In a 10,000-device reconnect storm a filter of the last 2 M ids left ~200 GT06 resends stored
 * twice, 4 M about 60: a device can come back with records JetStream took minutes earlier.
 */
const STORED_RECORD_IDS = 24_000_000;
const STORED_EVENT_IDS = 2_000_000;
/** At most this many record ids are loaded at start (one query, the ids held as strings meanwhile). */
const PRELOAD_RECORD_IDS = 1_000_000;
const PRELOAD_EVENT_IDS = 125_000;
/** At start the filter learns the ids stored this recently (what a device may resend after a restart). */
const PRELOAD_WINDOW_MS = 10 * 60_000;
/** SQL text of one id lookup, under ClickHouse's max_query_size (256 KiB). */
const LOOKUP_SQL_BYTES = 200 * 1024;
const EMPTY_SET: ReadonlySet<string> = new Set();

/** Rows built in slices: a pull of ten thousand records must not hold the main thread for tens of ms. */
async function rowsOf<T, R>(items: readonly T[], row: (v: T) => R): Promise<R[]> {
  const out: R[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    out[i] = row(items[i]!);
    if ((i & 255) === 255) await yieldIfDue();
  }
  return out;
}

/** Record batches per pull: at most 100,000 records (MAX_BATCH_RECORDS each) arrive before we can look at them. */
const RECORD_BATCHES_PER_PULL = 100;
/**
 * ClickHouse makes a part of every insert and merges parts in the background.
 * At steady load a pull of 100 small batches (1-2 records each) was an insert
 * of ~150 rows, 3-4 a second, and chDB's merges and insert pipelines took
 * ~18 % of the platform's CPU (perf, steady 6,000 devices). Full pulls are
 * now gathered into one insert of up to this many items, for at most
 * GATHER_MS; a pull that comes back short (the backlog is drained) ends it.
 */
const ITEMS_PER_INSERT = 20_000;
const GATHER_MS = 1000;

const recordLane: Lane<TelemetryRecord> = {
  name: 'records',
  stream: STREAM_IN,
  consumer: STORE_RECORDS_CONSUMER,
  table: 'records',
  idColumn: 'record_id',
  timeColumn: 'device_time_ms',
  parse: (d) => {
    const inbound = readInbound(d);
    if (!inbound.ok) return undefined;
    // A record the engine dead-letters is not stored either: both read it with the same schema.
    const out: TelemetryRecord[] = [];
    for (const r of inbound.records) if (r.ok) out.push(r.record);
    return out;
  },
  idOf: (r) => r.id,
  timeOf: (r) => r.deviceTime,
  insert: async (s, items) => s.insertRecords(await rowsOf(items, recordRow)),
};

const eventLane: Lane<DerivedEvent> = {
  name: 'events',
  stream: STREAM_EVENTS,
  consumer: STORE_EVENTS_CONSUMER,
  table: 'events',
  idColumn: 'event_id',
  timeColumn: 'time_ms',
  parse: (d) => {
    try {
      const r = DerivedEventSchema.safeParse(unpack(d));
      return r.success ? [r.data] : undefined;
    } catch {
      return undefined;
    }
  },
  idOf: (e) => e.id,
  timeOf: (e) => e.time,
  insert: async (s, items) => s.insertEvents(await rowsOf(items, eventRow)),
};

export class StoreSink {
  readonly stats: SinkStats = { recordsStored: 0, eventsStored: 0, duplicatesSkipped: 0, lookedUp: 0, batches: 0, lastBatchMs: 0, failures: 0, storeUp: true };
  private stopping = false;
  private loops: Promise<void>[] = [];
  private readonly filters = { records: new StoredIdFilter(STORED_RECORD_IDS), events: new StoredIdFilter(STORED_EVENT_IDS) };
  private readonly preloaded = new Set<'records' | 'events'>();

  constructor(
    private readonly js: JetStreamClient,
    private readonly store: TelemetryStore,
    private readonly log: Logger,
    private readonly opts: { batchSize: number; maxWaitMs: number } = { batchSize: 5000, maxWaitMs: 250 },
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.loops = [this.run(recordLane), this.run(eventLane)];
  }

  /**
   * Fills the lane's filter once with the ids stored in the last
   * PRELOAD_WINDOW_MS (by receive time; events by event time), newest first,
   * up to what the filter holds: a device resending after a restart of the
   * platform sends what the previous run may have stored. False while the
   * store cannot answer (the caller then looks every id up).
   */
  private async preload<T>(lane: Lane<T>): Promise<boolean> {
    if (this.preloaded.has(lane.table)) return true;
    const since = this.now() - PRELOAD_WINDOW_MS;
    const timeColumn = lane.table === 'records' ? 'received_at_ms' : lane.timeColumn;
    const limit = lane.table === 'records' ? PRELOAD_RECORD_IDS : PRELOAD_EVENT_IDS;
    try {
      const rows = await this.store.select<{ id: string }>(
        `SELECT ${lane.idColumn} AS id FROM ${this.store.database}.${lane.table} WHERE ${timeColumn} >= ${sqlInt(since)} ` +
          `ORDER BY ${timeColumn} DESC LIMIT ${limit}`,
      );
      const filter = this.filters[lane.table];
      for (let i = rows.length - 1; i >= 0; i--) filter.add(rows[i]!.id);
      this.preloaded.add(lane.table);
      this.log.info({ lane: lane.name, ids: rows.length }, 'store de-duplication filter loaded with recently stored ids');
      return true;
    } catch (err) {
      this.log.warn({ lane: lane.name, err: String((err as Error).message ?? err) }, 'recently stored ids not loaded yet; looking every id up meanwhile');
      return false;
    }
  }

  /**
   * The ids among `candidates` that the table already holds. Queried in
   * chunks: ClickHouse refuses a query text over max_query_size (256 KiB),
   * which one IN list of ten thousand ids comes close to.
   */
  private async alreadyStored<T>(lane: Lane<T>, candidates: T[]): Promise<Set<string>> {
    const present = new Set<string>();
    for (let i = 0; i < candidates.length; ) {
      let min = Infinity;
      let max = -Infinity;
      const ids: string[] = [];
      let bytes = 0;
      for (; i < candidates.length && bytes < LOOKUP_SQL_BYTES; i++) {
        const it = candidates[i]!;
        const t = lane.timeOf(it);
        if (t < min) min = t;
        if (t > max) max = t;
        const quoted = sqlString(lane.idOf(it));
        ids.push(quoted);
        bytes += quoted.length + 1;
      }
      const rows = await this.store.select<{ id: string }>(
        `SELECT ${lane.idColumn} AS id FROM ${this.store.database}.${lane.table} ` +
          `WHERE ${lane.timeColumn} BETWEEN ${sqlInt(min)} AND ${sqlInt(max)} AND ${lane.idColumn} IN (${ids.join(',')})`,
      );
      for (const r of rows) present.add(r.id);
    }
    return present;
  }

  private async run<T>(lane: Lane<T>): Promise<void> {
    let backoff = 250;
    let consumer: Consumer | undefined;
    while (!this.stopping) {
      try {
        consumer ??= await this.js.consumers.get(lane.stream, lane.consumer);
        const pulled = await this.gather(lane, consumer);
        if (pulled.length === 0) continue;
        await this.storeBatch(lane, pulled);
        backoff = 250;
      } catch (err) {
        if (this.stopping) return;
        this.stats.failures++;
        this.stats.storeUp = false;
        this.log.warn({ lane: lane.name, err: String((err as Error).message ?? err), retryInMs: backoff }, 'store batch failed; records stay in JetStream');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 10_000);
        consumer = undefined;
      }
    }
  }

  /** Messages for one insert, read: full pulls gathered up to ITEMS_PER_INSERT items or GATHER_MS. */
  private async gather<T>(lane: Lane<T>, consumer: Consumer): Promise<Pulled<T>[]> {
    const pulled: Pulled<T>[] = [];
    const expires = Math.max(1000, this.opts.maxWaitMs);
    // A records message is a batch of up to hundreds of records: pull fewer of them. (Pulling by
    // max_bytes would be the natural bound, but nats-server 2.9 stops such pulls at 100 messages and
    // lets them run into missed heartbeats.)
    const max = lane.table === 'records' ? RECORD_BATCHES_PER_PULL : this.opts.batchSize;
    const started = this.now();
    let items = 0;
    while (true) {
      const before = pulled.length;
      const iter = await consumer.fetch({ max_messages: max, expires });
      try {
        for await (const m of iter) {
          // Decoding a pull of thousands of records must not hold the main thread (adapters, API) for long.
          await yieldIfDue();
          const read = lane.parse(m.data);
          pulled.push({ m, items: read });
          items += read?.length ?? 0;
        }
      } catch (err) {
        // A pull cut short (missed heartbeats on a starved machine, a NATS restart):
        // what it did deliver is stored now rather than after ack_wait.
        if (pulled.length === 0) throw err;
        this.log.warn({ lane: lane.name, err: String((err as Error).message ?? err), delivered: pulled.length }, 'pull cut short; storing what it delivered');
        return pulled;
      }
      const full = pulled.length - before >= max;
      if (!full || items >= ITEMS_PER_INSERT || this.now() - started >= GATHER_MS || this.stopping) return pulled;
    }
  }

  private async storeBatch<T>(lane: Lane<T>, pulled: Pulled<T>[]): Promise<void> {
    const t0 = performance.now();
    const items: T[] = [];
    const suspects: T[] = [];
    const seen = new Set<string>();
    const filter = this.filters[lane.table];
    // Until the filter knows what earlier runs stored lately, every id is a suspect.
    const lookUpAll = !(await this.preload(lane));
    for (const { m, items: vs } of pulled) {
      if (vs === undefined) {
        this.log.error({ lane: lane.name, subject: m.subject, seq: m.seq }, 'unreadable payload skipped by the store');
        continue;
      }
      // A redelivery may have been inserted by an attempt whose ack was lost: always looked up.
      const redelivered = m.info.redelivered;
      for (const v of vs) {
        const id = lane.idOf(v);
        if (seen.has(id)) continue;
        seen.add(id);
        items.push(v);
        if (lookUpAll || redelivered || filter.mightContain(id)) suspects.push(v);
      }
    }
    let toInsert: T[];
    try {
      const present = suspects.length > 0 ? await this.alreadyStored(lane, suspects) : EMPTY_SET;
      toInsert = present.size > 0 ? items.filter((it) => !present.has(lane.idOf(it))) : items;
      await lane.insert(this.store, toInsert);
    } catch (err) {
      // Hand them back now (not after ack_wait), after a pause; the next try looks their ids up again.
      for (const { m } of pulled) m.nak(1000);
      throw err;
    }
    // Duplicates too are remembered afresh: the same resend may come again, later than the filter would reach.
    for (const it of items) filter.add(lane.idOf(it));
    this.stats.lookedUp += suspects.length;
    this.stats.duplicatesSkipped += items.length - toInsert.length;
    for (const { m } of pulled) m.ack();
    this.stats.storeUp = true;
    this.stats.batches++;
    this.stats.lastBatchMs = performance.now() - t0;
    if (lane.table === 'records') this.stats.recordsStored += toInsert.length;
    else this.stats.eventsStored += toInsert.length;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.race([Promise.allSettled(this.loops), new Promise((r) => setTimeout(r, 3000))]);
  }
}
