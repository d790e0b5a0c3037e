/**
 * The platform's Prometheus text, the few families the bench reads, summed
 * over their labels (shards, partitions).
 */

export interface PlatformMetrics {
  t: number;
  processed: number;
  /** Actor snapshots written to KV (fleet_snapshots_written_total). */
  snapshotsWritten: number;
  stored: number;
  eventsStored: number;
  lag: number;
  actors: number;
  /** Of those, quiet actors holding their state as bytes (fleet_actors_hibernating). */
  hibernating: number;
  wsPushed: number;
  pendingAcks: number;
  deadLetters: number;
  storeFailures: number;
  /** Largest single-partition lag. */
  maxPartitionLag: number;
  shardsUp: number;
  /** Record batches the adapters published, and the records in them (their ratio: records per JetStream message). */
  ingestBatches: number;
  ingestRecords: number;
  /** Longest event loop delay per platform thread (main, adapters, shard-N) over its last report, ms. */
  loopDelayMaxMs: Record<string, number>;
  /** Longest GC pause per platform thread over its last report, ms. */
  gcPauseMaxMs: Record<string, number>;
  /** Longest full (mark-compact) GC pause per platform thread over its last report, ms. */
  majorGcPauseMaxMs: Record<string, number>;
  /** V8 heap in use per platform thread, bytes. */
  heapUsedBytes: Record<string, number>;
  /** CPU time and GC pause time per platform thread since it started (fleet_thread_cpu_seconds_total, fleet_thread_gc_seconds_total), ms. */
  threadCpuMs: Record<string, number>;
  threadGcMs: Record<string, number>;
  /** Time per platform thread spent ready to run but waiting for a CPU (fleet_thread_cpu_wait_seconds_total), ms. */
  threadCpuWaitMs: Record<string, number>;
  /** Ordinary records per second the adapters' intake governor admits now. */
  intakeRate: number;
  /** Replay packets decoded and waiting for the intake, and connections whose replay waits as bytes meanwhile. */
  waitingReplays: number;
  replaysHeld: number;
  /** Longest JetStream acknowledgement of an ingest batch over the adapters' last report, ms. */
  publishAckMaxMs: number;
}

export function parseProm(text: string): Map<string, { labels: string; value: number }[]> {
  const out = new Map<string, { labels: string; value: number }[]>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    // nats-server 2.9 can report a consumer's num_pending as an underflowed uint64: not a count.
    if (Math.abs(Number(m[3])) > 2 ** 53) continue;
    const list = out.get(m[1]!) ?? [];
    list.push({ labels: m[2] ?? '', value: Number(m[3]) });
    out.set(m[1]!, list);
  }
  return out;
}

export function platformMetrics(text: string, t = Date.now()): PlatformMetrics {
  const p = parseProm(text);
  const sum = (name: string) => (p.get(name) ?? []).reduce((s, e) => s + (Number.isFinite(e.value) ? e.value : 0), 0);
  const max = (name: string) => (p.get(name) ?? []).reduce((s, e) => Math.max(s, e.value), 0);
  return {
    t,
    processed: sum('fleet_records_processed_total'),
    snapshotsWritten: sum('fleet_snapshots_written_total'),
    stored: sum('fleet_store_records_total'),
    eventsStored: sum('fleet_store_events_total'),
    lag: sum('fleet_consumer_lag'),
    actors: sum('fleet_actors'),
    hibernating: sum('fleet_actors_hibernating'),
    wsPushed: sum('fleet_ws_pushed_total'),
    pendingAcks: sum('fleet_pending_acks'),
    deadLetters: sum('fleet_dead_letters_total'),
    storeFailures: sum('fleet_store_failures_total'),
    maxPartitionLag: max('fleet_consumer_lag'),
    shardsUp: sum('fleet_shard_up'),
    ingestBatches: sum('fleet_ingest_batches_total'),
    ingestRecords: sum('fleet_ingest_records_total'),
    loopDelayMaxMs: perThread(p, 'fleet_eventloop_delay_max_seconds'),
    gcPauseMaxMs: perThread(p, 'fleet_gc_pause_max_seconds'),
    majorGcPauseMaxMs: perThread(p, 'fleet_gc_major_pause_max_seconds'),
    heapUsedBytes: perThread(p, 'fleet_thread_heap_used_bytes', 1),
    threadCpuMs: perThread(p, 'fleet_thread_cpu_seconds_total'),
    threadGcMs: perThread(p, 'fleet_thread_gc_seconds_total'),
    threadCpuWaitMs: perThread(p, 'fleet_thread_cpu_wait_seconds_total'),
    intakeRate: sum('fleet_ingest_admitted_rate'),
    waitingReplays: (p.get('fleet_ingest_waiting_packets') ?? []).filter((e) => e.labels.includes('lane="replay"')).reduce((n, e) => n + e.value, 0),
    replaysHeld: sum('fleet_ingest_replays_held'),
    publishAckMaxMs: Math.round(sum('fleet_ingest_publish_ack_max_seconds') * 1000),
  };
}

/** A per-thread gauge by thread, times `scale` (seconds to ms by default). */
function perThread(p: Map<string, { labels: string; value: number }[]>, name: string, scale = 1000): Record<string, number> {
  return Object.fromEntries((p.get(name) ?? []).map((e) => [/thread="([^"]+)"/.exec(e.labels)?.[1] ?? '?', Math.round(e.value * scale)]));
}

export async function scrape(httpBase: string): Promise<PlatformMetrics | undefined> {
  try {
    const res = await fetch(`${httpBase}/metrics`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return undefined;
    return platformMetrics(await res.text());
  } catch {
    return undefined;
  }
}

export interface ThreadCores {
  cores: number;
  gcCores: number;
  /** Cores' worth of time the thread was ready to run and waited for a CPU: the machine, not the thread, was the limit. Absent when the platform does not report it. */
  waitCores?: number;
}

/** CPU (and GC, and waiting for a CPU) cores per thread between two scrapes; a thread that restarted in between is left out. */
export function threadCores(from: PlatformMetrics, to: PlatformMetrics): Record<string, ThreadCores> {
  const s = (to.t - from.t) / 1000;
  const out: Record<string, ThreadCores> = {};
  if (s <= 0) return out;
  const per = (ms: number) => Math.round((Math.max(0, ms) / 1000 / s) * 1000) / 1000;
  for (const [thread, ms] of Object.entries(to.threadCpuMs ?? {})) {
    const cpu = ms - (from.threadCpuMs?.[thread] ?? NaN);
    const gc = (to.threadGcMs?.[thread] ?? 0) - (from.threadGcMs?.[thread] ?? 0);
    const waitTo = to.threadCpuWaitMs?.[thread];
    const waitFrom = from.threadCpuWaitMs?.[thread];
    if (cpu < 0) continue;
    out[thread] = { cores: per(cpu), gcCores: per(gc), ...(waitTo !== undefined && waitFrom !== undefined ? { waitCores: per(waitTo - waitFrom) } : {}) };
  }
  return out;
}
