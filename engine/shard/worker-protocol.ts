/** Every message between the supervisor (main thread) and a shard worker, in one typed union. */

export interface ShardWorkerData {
  shard: number;
  partitions: number[];
  totalPartitions: number;
  natsUrl: string;
  offlineAfterMs: number;
  logLevel: string;
  /** How often dirty actors are written to the snapshot bucket. */
  snapshotEveryMs: number;
}

export interface ShardStats {
  shard: number;
  actors: number;
  processed: number;
  events: number;
  deadLetters: number;
}

export type ToWorker = { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; shard: number }
  | { type: 'stats'; stats: ShardStats }
  | { type: 'stopped'; shard: number }
  | { type: 'fatal'; shard: number; message: string };
