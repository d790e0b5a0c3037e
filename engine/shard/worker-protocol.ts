import type { LoopDelay } from '../scheduling/loop-delay.ts';
/** Every message between the supervisor (main thread) and a shard worker, in one typed union. */

export interface ShardWorkerData {
  shard: number;
  partitions: number[];
  totalPartitions: number;
  natsUrl: string;
  offlineAfterMs: number;
  logLevel: string;
  /** How often dirty actors are written to the snapshot bucket (and their records acknowledged). */
  snapshotEveryMs: number;
  /** Idle actors are passivated to their snapshot after this long. */
  passivateAfterMs: number;
  /** A quiet live actor keeps its context as bytes after this long; 0: never. */
  hibernateAfterMs: number;
  /** Attempts before a record that makes its actor fail goes to the dead-letter subject. */
  maxAttempts: number;
  /** Nice value the shard's thread runs at (FLEET_SHARD_NICE). */
  nice: number;
}

export interface ShardStats {
  shard: number;
  actors: number;
  processed: number;
  events: number;
  /** Actor snapshots written to KV since the thread started. */
  snapshotsWritten: number;
  /** Of `actors`, those holding their context as bytes (as of each partition's last flush). */
  hibernating: number;
  deadLetters: number;
  skippedReplays: number;
  restarts: number;
  pendingAcks: number;
  /** How the shard's actor inputs were stepped (actors/fast-path.ts): counts per route since the thread started. */
  actorInputs: Record<string, number>;
  /** Distinct machine states interned in the shard's thread. */
  actorShapes: number;
  /** Event loop delay of the shard's thread since its previous report. */
  loopDelay: LoopDelay;
  partitions: { partition: number; lag: number; lastFlushAt: number; actors: number }[];
}

export type ToWorker = { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; shard: number }
  | { type: 'stats'; stats: ShardStats }
  | { type: 'stopped'; shard: number }
  | { type: 'fatal'; shard: number; message: string };
