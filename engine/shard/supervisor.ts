import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.ts';
import { partitionsOfShard } from '../model/partition.ts';
import { UrgentLane, type UrgentLaneStatus } from './urgent-lane.ts';
import type { FromWorker, ShardStats, ShardWorkerData, ToWorker } from './worker-protocol.ts';

/**
 * Runs one worker thread per shard and restarts a crashed one (with a growing
 * delay so a shard that dies at start-up does not spin the CPU). Its partitions
 * resume from JetStream: nothing unacknowledged was lost with the thread.
 */

const WORKER_URL = new URL('./worker-entry.mjs', import.meta.url);
const MAX_RESTART_DELAY_MS = 10_000;

export interface ShardStatus {
  shard: number;
  state: 'starting' | 'running' | 'restarting' | 'stopped';
  restarts: number;
  stats: ShardStats | undefined;
}

export class ShardSupervisor {
  private readonly workers = new Map<number, Worker>();
  private readonly status = new Map<number, ShardStatus>();
  private stopping = false;
  /** The urgent lane of every partition this node owns, in a thread of its own (urgent-worker.ts). */
  private urgent: UrgentLane | undefined;

  constructor(
    private readonly opts: {
      shards: number;
      partitions: number;
      natsUrl: string;
      offlineAfterMs: number;
      logLevel: string;
      log: Logger;
      snapshotEveryMs: number;
      passivateAfterMs: number;
      /** 0 or absent: actors never hibernate. */
      hibernateAfterMs?: number;
      maxAttempts: number;
      /** FLEET_SHARD_NICE; 0 by default. */
      shardNice?: number;
    },
  ) {}

  async start(): Promise<void> {
    const ready: Promise<void>[] = [];
    for (let s = 0; s < this.opts.shards; s++) ready.push(this.spawn(s));
    if (this.opts.shards > 0) {
      const partitions = Array.from({ length: this.opts.shards }, (_, s) => partitionsOfShard(s, this.opts.shards, this.opts.partitions)).flat();
      this.urgent = new UrgentLane({ natsUrl: this.opts.natsUrl, partitions, logLevel: this.opts.logLevel }, this.opts.log);
      ready.push(this.urgent.start());
    }
    await Promise.all(ready);
  }

  urgentLane(): UrgentLaneStatus | undefined {
    return this.urgent?.status;
  }

  private spawn(shard: number): Promise<void> {
    const prev = this.status.get(shard);
    this.status.set(shard, { shard, state: 'starting', restarts: prev?.restarts ?? 0, stats: prev?.stats });
    const wd: ShardWorkerData = {
      shard,
      partitions: partitionsOfShard(shard, this.opts.shards, this.opts.partitions),
      totalPartitions: this.opts.partitions,
      natsUrl: this.opts.natsUrl,
      offlineAfterMs: this.opts.offlineAfterMs,
      logLevel: this.opts.logLevel,
      snapshotEveryMs: this.opts.snapshotEveryMs,
      passivateAfterMs: this.opts.passivateAfterMs,
      hibernateAfterMs: this.opts.hibernateAfterMs ?? 0,
      maxAttempts: this.opts.maxAttempts,
      nice: this.opts.shardNice ?? 0,
    };
    // The worker is TypeScript: load it through tsx whatever runner started us.
    const worker = new Worker(WORKER_URL, { workerData: wd });
    this.workers.set(shard, worker);
    return new Promise<void>((resolve, reject) => {
      let isReady = false;
      worker.on('message', (m: FromWorker) => {
        const st = this.status.get(shard)!;
        if (m.type === 'ready') {
          st.state = 'running';
          isReady = true;
          resolve();
        } else if (m.type === 'stats') st.stats = m.stats;
        else if (m.type === 'fatal') this.opts.log.error({ shard, message: m.message }, 'shard reported a fatal error');
      });
      worker.on('error', (err) => {
        this.opts.log.error({ shard, err: err.message, stack: err.stack }, 'shard worker crashed');
      });
      worker.on('exit', (code) => {
        this.workers.delete(shard);
        const st = this.status.get(shard)!;
        if (this.stopping) {
          st.state = 'stopped';
          return;
        }
        st.state = 'restarting';
        st.restarts++;
        const delay = Math.min(MAX_RESTART_DELAY_MS, 250 * 2 ** Math.min(st.restarts, 6));
        this.opts.log.warn({ shard, code, restarts: st.restarts, delayMs: delay }, 'restarting shard worker');
        if (!isReady) reject(new Error(`shard ${shard} exited with code ${code} before it was ready`));
        setTimeout(() => {
          if (!this.stopping) this.spawn(shard).catch(() => undefined);
        }, delay);
      });
    });
  }

  /** Terminate a worker as a crash would (operators, drills); it is restarted like any crashed shard. */
  async crash(shard: number): Promise<boolean> {
    const w = this.workers.get(shard);
    if (!w) return false;
    await w.terminate();
    return true;
  }

  shards(): ShardStatus[] {
    return [...this.status.values()].sort((a, b) => a.shard - b.shard);
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    await Promise.all([
      this.urgent?.stop(),
      ...[...this.workers.values()].map(
        (w) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(() => void w.terminate().then(() => resolve()), timeoutMs);
            w.on('message', (m: FromWorker) => {
              if (m.type === 'stopped') {
                clearTimeout(t);
                void w.terminate().then(() => resolve());
              }
            });
            w.postMessage({ type: 'stop' } satisfies ToWorker);
          }),
      ),
    ]);
  }
}
