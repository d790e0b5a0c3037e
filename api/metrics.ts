import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ShardStatus } from '../engine/shard/supervisor.ts';
import type { SinkStats } from '../engine/store/store-sink.ts';
import type { LiveHubStats } from './live-hub.ts';

/** Prometheus `/metrics`: values are read from the live stats objects at scrape time. */
export function createMetrics(src: {
  shards: () => ShardStatus[];
  sink: () => SinkStats | undefined;
  hub: () => LiveHubStats;
}): { contentType: string; render(): Promise<string> } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'fleet_process_' });
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
  shardGauge('fleet_actors', 'Device actors in memory per shard', (s) => s.stats?.actors ?? 0);
  shardGauge('fleet_records_processed_total', 'Records processed by actors per shard', (s) => s.stats?.processed ?? 0);
  shardGauge('fleet_events_derived_total', 'Derived events published per shard', (s) => s.stats?.events ?? 0);
  shardGauge('fleet_dead_letters_total', 'Records sent to the dead-letter subject per shard', (s) => s.stats?.deadLetters ?? 0);
  shardGauge('fleet_shard_restarts_total', 'Shard worker restarts', (s) => s.restarts);
  shardGauge('fleet_shard_up', '1 when the shard worker is running', (s) => (s.state === 'running' ? 1 : 0));
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
  sinkGauge('fleet_store_records_total', 'Records stored in ClickHouse', (s) => s.recordsStored);
  sinkGauge('fleet_store_events_total', 'Derived events stored in ClickHouse', (s) => s.eventsStored);
  sinkGauge('fleet_store_duplicates_skipped_total', 'Redelivered rows found already stored', (s) => s.duplicatesSkipped);
  sinkGauge('fleet_store_batch_seconds', 'Duration of the last ClickHouse batch', (s) => s.lastBatchMs / 1000);
  sinkGauge('fleet_store_failures_total', 'Failed ClickHouse batches', (s) => s.failures);
  sinkGauge('fleet_store_up', '1 when the last ClickHouse batch succeeded', (s) => (s.storeUp ? 1 : 0));
  new Gauge({ name: 'fleet_ws_clients', help: 'Connected WebSocket clients', registers: [registry], collect() { this.set(src.hub().clients); } });
  new Gauge({ name: 'fleet_ws_pushed_total', help: 'Device updates pushed to WebSocket clients', registers: [registry], collect() { this.set(src.hub().pushed); } });
  return { contentType: registry.contentType, render: () => registry.metrics() };
}
