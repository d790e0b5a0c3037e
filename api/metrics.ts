import { Counter, Gauge, Registry } from 'prom-client';
import type { ShardStatus } from '../engine/shard/supervisor.ts';
import type { UrgentLaneStatus } from '../engine/shard/urgent-lane.ts';
import type { ShardStats } from '../engine/shard/worker-protocol.ts';
import type { SinkStats } from '../engine/store/store-sink.ts';
import type { PublisherStats } from '../adapters/ingest/record-publisher.ts';
import type { AdapterStats } from '../adapters/thread/protocol.ts';
import type { TcpListenerStats } from '../adapters/tcp/listener-stats.ts';
import { latestLoopDelay, type LoopDelay } from '../engine/scheduling/loop-delay.ts';
import type { LiveHubStats } from './live-hub.ts';

/** Prometheus `/metrics`: values are read from the live stats objects at scrape time. */
export function createMetrics(src: {
  shards: () => ShardStatus[];
  urgent?: () => UrgentLaneStatus | undefined;
  sink: () => SinkStats | undefined;
  hub: () => LiveHubStats;
  /** The adapters' thread (listeners, JetStream publisher), when this process runs the adapters role. */
  adapters?: () => AdapterStats | undefined;
}): { contentType: string; render(): Promise<string> } {
  const registry = new Registry();
  processMetrics(registry);
  const shardGauge = (name: string, help: string, pick: (s: ShardStatus) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['shard'],
      registers: [registry],
      collect() {
        for (const s of src.shards()) this.set({ shard: String(s.shard) }, pick(s));
      },
    });
  // Counters read from the workers' running totals (a worker restart resets them, as Prometheus expects of counters).
  const shardCounter = (name: string, help: string, pick: (s: ShardStatus) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['shard'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of src.shards()) this.inc({ shard: String(s.shard) }, pick(s));
      },
    });
  shardGauge('fleet_actors', 'Device actors in memory per shard', (s) => s.stats?.actors ?? 0);
  shardGauge('fleet_actors_hibernating', 'Of those, quiet actors holding their state as bytes (FLEET_HIBERNATE_AFTER_S), as of each partition\'s last flush', (s) => s.stats?.hibernating ?? 0);
  shardCounter('fleet_records_processed_total', 'Records processed by actors per shard (rate() gives records/s)', (s) => s.stats?.processed ?? 0);
  shardCounter('fleet_events_derived_total', 'Derived events published per shard', (s) => s.stats?.events ?? 0);
  shardCounter('fleet_snapshots_written_total', 'Actor snapshots written to the KV bucket per shard (per record processed: what state costs nats-server)', (s) => s.stats?.snapshotsWritten ?? 0);
  shardCounter('fleet_dead_letters_total', 'Records sent to the dead-letter subject per shard', (s) => s.stats?.deadLetters ?? 0);
  shardCounter('fleet_replays_skipped_total', 'Replayed records already inside a snapshot', (s) => s.stats?.skippedReplays ?? 0);
  shardCounter('fleet_shard_restarts_total', 'Shard worker restarts', (s) => s.restarts);
  new Counter({
    name: 'fleet_actor_inputs_total',
    help: 'Actor inputs by how they were stepped: stayed/hopped on the fast path, or through XState (moved, unlearned, slow, guardThrew, unexpected)',
    labelNames: ['shard', 'route'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of src.shards()) for (const [route, n] of Object.entries(s.stats?.actorInputs ?? {})) this.inc({ shard: String(s.shard), route }, n);
    },
  });
  new Counter({
    name: 'fleet_urgent_alarms_total',
    help: 'Alarm events the urgent lane published ahead of the records backlog',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(src.urgent?.()?.alarms ?? 0);
    },
  });
  shardGauge('fleet_actor_shapes', 'Distinct machine states interned per shard', (s) => s.stats?.actorShapes ?? 0);
  shardGauge('fleet_shard_up', '1 when the shard worker is running', (s) => (s.state === 'running' ? 1 : 0));
  shardGauge('fleet_pending_acks', 'Records processed, waiting for their snapshot before the ack', (s) => s.stats?.pendingAcks ?? 0);
  const partitionGauge = (name: string, help: string, pick: (p: ShardStats['partitions'][number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['partition'],
      registers: [registry],
      collect() {
        for (const s of src.shards()) for (const p of s.stats?.partitions ?? []) this.set({ partition: String(p.partition) }, pick(p));
      },
    });
  partitionGauge('fleet_consumer_lag', 'Records of the partition not yet applied by its actors (undelivered plus delivered-but-unapplied)', (p) => p.lag);
  partitionGauge('fleet_snapshot_age_seconds', 'Seconds since the partition last wrote its snapshots', (p) => (p.lastFlushAt ? (Date.now() - p.lastFlushAt) / 1000 : -1));
  const sinkGauge = (name: string, help: string, pick: (s: SinkStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const s = src.sink();
        if (s) this.set(pick(s));
      },
    });
  const sinkCounter = (name: string, help: string, pick: (s: SinkStats) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const s = src.sink();
        this.reset();
        if (s) this.inc(pick(s));
      },
    });
  sinkCounter('fleet_store_records_total', 'Records stored in ClickHouse', (s) => s.recordsStored);
  sinkCounter('fleet_store_events_total', 'Derived events stored in ClickHouse', (s) => s.eventsStored);
  sinkCounter('fleet_store_duplicates_skipped_total', 'Rows found already stored and skipped', (s) => s.duplicatesSkipped);
  sinkGauge('fleet_store_batch_seconds', 'Duration of the last ClickHouse batch', (s) => s.lastBatchMs / 1000);
  sinkCounter('fleet_store_failures_total', 'Failed ClickHouse batches', (s) => s.failures);
  sinkGauge('fleet_store_up', '1 when the last ClickHouse batch succeeded', (s) => (s.storeUp ? 1 : 0));
  const ingestMetric = (kind: 'counter' | 'gauge', name: string, help: string, pick: (s: PublisherStats) => number) => {
    const collect = function (this: Counter | Gauge) {
      const s = src.adapters?.()?.ingest;
      if (!s) return;
      if (this instanceof Counter) {
        this.reset();
        this.inc(pick(s));
      } else this.set(pick(s));
    };
    return kind === 'counter' ? new Counter({ name, help, registers: [registry], collect }) : new Gauge({ name, help, registers: [registry], collect });
  };
  ingestMetric('counter', 'fleet_ingest_batches_total', 'Record batches the adapters had JetStream acknowledge', (s) => s.batches);
  ingestMetric('counter', 'fleet_ingest_records_total', 'Records in those batches (÷ batches = mean batch)', (s) => s.records);
  ingestMetric('counter', 'fleet_ingest_duplicates_total', 'Device resends answered without publishing again', (s) => s.duplicates);
  ingestMetric('counter', 'fleet_ingest_failed_batches_total', 'Batches JetStream did not acknowledge (their devices were not answered)', (s) => s.failedBatches);
  ingestMetric('counter', 'fleet_ingest_alarm_events_total', 'Alarm events the adapters published as their record was decoded (ahead of the urgent lane, same ids)', (s) => s.alarmEvents);
  ingestMetric('counter', 'fleet_ingest_alarm_events_failed_total', 'Of those, not acknowledged by JetStream (the urgent lane publishes them anyway)', (s) => s.alarmEventsFailed);
  new Gauge({
    name: 'fleet_ingest_admitted_rate',
    help: 'Ordinary records per second the adapters admit now (paced by their event loop delay; alarms are never paced)',
    registers: [registry],
    collect() {
      const a = src.adapters?.()?.intake;
      if (a) this.set(a.rate);
    },
  });
  new Counter({
    name: 'fleet_ingest_throttled_total',
    help: 'Replay packets that waited for the intake pace (their devices waited for the ACK)',
    registers: [registry],
    collect() {
      const a = src.adapters?.()?.intake;
      this.reset();
      if (a) this.inc(a.throttled);
    },
  });
  new Counter({
    name: 'fleet_ingest_abandoned_total',
    help: 'Device packets whose device gave up waiting (connection closed, request aborted) before their intake turn: dropped from the queue, the device sends them again',
    registers: [registry],
    collect() {
      const a = src.adapters?.()?.intake;
      this.reset();
      if (a) this.inc(a.abandoned);
    },
  });
  new Gauge({
    name: 'fleet_ingest_waiting_packets',
    help: 'Device packets waiting for the intake pace, by lane (live packets are never paced: always 0); replays held as bytes (fleet_ingest_replays_held) included',
    labelNames: ['lane'],
    registers: [registry],
    collect() {
      const a = src.adapters?.()?.intake;
      if (!a) return;
      this.set({ lane: 'live' }, 0);
      this.set({ lane: 'replay' }, a.waitingReplays);
    },
  });
  new Gauge({
    name: 'fleet_ingest_replays_held',
    help: 'Replays waiting in the intake queue as undecoded bytes, decoded when their turn comes (a reconnect storm)',
    registers: [registry],
    collect() {
      const a = src.adapters?.()?.intake;
      if (a) this.set(a.heldNow);
    },
  });
  new Counter({
    name: 'fleet_ingest_replays_held_total',
    help: 'Replays that waited as undecoded bytes',
    registers: [registry],
    collect() {
      const a = src.adapters?.()?.intake;
      this.reset();
      if (a) this.inc(a.heldTotal);
    },
  });
  // Device connections per TCP listener, and what ended them: a spike of `replaced` is a reconnect storm, of `idle-timeout` a coverage hole.
  const tcpListeners = (): [string, TcpListenerStats][] => {
    const l = src.adapters?.()?.listeners;
    return l ? [['teltonika', l.teltonika], ['gt06', l.gt06]] : [];
  };
  const tcpCounter = (name: string, help: string, labels: string[], pick: (s: TcpListenerStats) => [Record<string, string>, number][]) =>
    new Counter({
      name,
      help,
      labelNames: ['protocol', ...labels],
      registers: [registry],
      collect() {
        this.reset();
        for (const [protocol, stats] of tcpListeners()) for (const [labels, v] of pick(stats)) this.inc({ protocol, ...labels }, v);
      },
    });
  tcpCounter('fleet_device_connections_total', 'Device TCP connections accepted', [], (s) => [[{}, s.connectionsAccepted]]);
  tcpCounter('fleet_device_connections_refused_total', 'Device TCP connections refused at accept, by reason', ['reason'], (s) =>
    Object.entries(s.connectionsRefused).map(([reason, v]) => [{ reason }, v]),
  );
  tcpCounter('fleet_device_connections_closed_total', 'Device TCP connections ended, by reason (replaced: the device reconnected)', ['reason'], (s) =>
    Object.entries(s.connectionsClosed).map(([reason, v]) => [{ reason }, v]),
  );
  tcpCounter('fleet_device_protocol_errors_total', 'Device packets ignored or closed on, by error code', ['code'], (s) =>
    Object.entries(s.protocolErrors).map(([code, v]) => [{ code }, v ?? 0]),
  );
  tcpCounter('fleet_device_records_rejected_total', 'Records that failed validation (acknowledged to the device, never published)', [], (s) => [[{}, s.recordsDropped]]);
  tcpCounter('fleet_device_records_resent_total', 'Records devices sent again after JetStream acknowledged them (answered, not published twice)', [], (s) => [[{}, s.recordsResent]]);
  ingestMetric('gauge', 'fleet_ingest_pending_records', 'Records taken from devices, not yet acknowledged by JetStream', (s) => s.pendingRecords);
  ingestMetric('gauge', 'fleet_ingest_publish_ack_max_seconds', "Longest wait for JetStream's acknowledgement of a record batch over the adapters' last one-second report", (s) => s.ackMaxMs / 1000);
  // Per thread, each over its last one-second report; `pick` gives the value in the metric's unit.
  const eachThread = (visit: (thread: string, d: LoopDelay) => void) => {
    visit('main', latestLoopDelay());
    const a = src.adapters?.()?.loopDelay;
    if (a) visit('adapters', a);
    const u = src.urgent?.()?.loopDelay;
    if (u) visit('urgent', u);
    for (const s of src.shards()) if (s.stats?.loopDelay) visit(`shard-${s.shard}`, s.stats.loopDelay);
  };
  // Gauges are each thread's level over its last report; counters its running total (a restarted thread starts again
  // from 0, which rate() reads as a counter reset).
  const threadMetric = (kind: 'counter' | 'gauge', name: string, help: string, pick: (d: LoopDelay) => number) => {
    const collect = function (this: Counter | Gauge) {
      this.reset();
      eachThread((thread, d) => (this instanceof Counter ? this.inc({ thread }, pick(d)) : this.set({ thread }, pick(d))));
    };
    const config = { name, help, labelNames: ['thread'], registers: [registry], collect };
    return kind === 'counter' ? new Counter(config) : new Gauge(config);
  };
  threadMetric('gauge', 'fleet_eventloop_delay_p99_seconds', 'p99 event loop delay per thread (what every latency waits on)', (d) => d.p99Ms / 1000);
  threadMetric('gauge', 'fleet_eventloop_delay_max_seconds', 'Longest event loop delay per thread', (d) => d.maxMs / 1000);
  threadMetric('gauge', 'fleet_gc_pause_max_seconds', 'Longest garbage-collection pause per thread', (d) => d.gcMaxMs / 1000);
  threadMetric('gauge', 'fleet_gc_major_pause_max_seconds', 'Longest full (mark-compact) garbage-collection pause per thread', (d) => d.majorGcMaxMs / 1000);
  threadMetric('gauge', 'fleet_thread_heap_used_bytes', 'V8 heap in use per thread', (d) => d.heapUsedBytes);
  threadMetric('counter', 'fleet_thread_cpu_seconds_total', 'CPU time per thread (rate() near 1: that thread is saturated, whatever the process total says)', (d) => d.cpuSeconds);
  threadMetric(
    'counter',
    'fleet_thread_cpu_wait_seconds_total',
    'Time per thread spent ready to run but waiting for a CPU (rate() above a few percent: the machine has more runnable threads than cores, and every latency on that thread grows by it)',
    (d) => d.cpuWaitSeconds,
  );
  threadMetric('counter', 'fleet_thread_gc_seconds_total', 'Time per thread in garbage-collection pauses', (d) => d.gcSeconds);
  new Gauge({ name: 'fleet_ws_clients', help: 'Connected WebSocket clients', registers: [registry], collect() { this.set(src.hub().clients); } });
  new Counter({ name: 'fleet_ws_pushed_total', help: 'Device updates pushed to WebSocket clients', registers: [registry], collect() { this.reset(); this.inc(src.hub().pushed); } });
  new Counter({ name: 'fleet_ws_duplicate_events_total', help: 'Derived events not pushed again (same event id from the urgent and the bulk lane, or a redelivery)', registers: [registry], collect() { this.reset(); this.inc(src.hub().duplicateEvents); } });
  return { contentType: registry.contentType, render: () => registry.metrics() };
}

/**
 * The process's own health, without prom-client's default collectors: those
 * list every open file descriptor and libuv handle at each scrape, which with
 * tens of thousands of device sockets cost more than everything else on
 * /metrics (~3% of the main thread at one scrape a second, bench profile).
 */
function processMetrics(registry: Registry): void {
  new Counter({
    name: 'fleet_process_cpu_seconds_total',
    help: 'CPU time of the process (every thread), user and system',
    registers: [registry],
    collect() {
      const u = process.cpuUsage();
      this.reset();
      this.inc((u.user + u.system) / 1e6);
    },
  });
  new Gauge({ name: 'fleet_process_resident_memory_bytes', help: 'Resident set size', registers: [registry], collect() { this.set(process.memoryUsage.rss()); } });
  new Gauge({ name: 'fleet_process_heap_used_bytes', help: 'V8 heap in use on the main thread', registers: [registry], collect() { this.set(process.memoryUsage().heapUsed); } });
}
