import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Logger } from '../log.ts';
import { pack, unpack } from '../model/index.ts';

/** One consumer's floor on its way to KV: the newest asked for, the write carrying it (one at a time), a retry waiting. */
interface FloorWrite {
  next: number;
  writing: Promise<void> | undefined;
  retry: NodeJS.Timeout | undefined;
}

/**
 * The ack floor of each partition consumer (engine, driver and urgent lanes),
 * kept by us in the KV bucket `fleet_ack_floors`, key `<stream>.<consumer>`.
 *
 * Why not nats-server's own consumer state: a file-stored consumer writes its
 * whole state (every pending delivery) to a file up to ten times a second.
 * With 192 partition consumers, each holding a snapshot interval of
 * deliveries, that was 29 % of nats-server's CPU at 100,000 devices
 * (bench: pprof of nats-server, 2026-12). These consumers are now kept in the
 * server's memory (`mem_storage`), and a nats-server restart forgets them:
 * without a floor of our own, the rewind would start the partition over from
 * the first record of the stream (7 days). Each runner records its floor
 * after it acknowledges; the rewind starts after the higher of this and the
 * server's. A floor lags the server's by at most one flush: the records
 * between are replayed and skipped by their actors' snapshot positions.
 *
 * A floor belongs to one incarnation of its stream: a stream made again
 * numbers from 1. The topology forgets a stream's floors when it creates the
 * stream (topology.ts), and a floor past the stream's last message is not
 * believed. (The stream's creation time cannot tell incarnations apart:
 * nats-server 2.9-2.11 reset it on the first config update after a restart,
 * which the topology makes at every start.)
 */
export class AckFloors {
  private readonly writes = new Map<string, FloorWrite>();
  private stopped = false;

  constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly log: Logger,
    /** How long a failed write waits before it is tried again. */
    private readonly retryAfterMs = 1000,
  ) {}

  static key(stream: string, consumer: string): string {
    return `${stream}.${consumer}`;
  }

  /** The recorded floor (a stream sequence; 0: none, or one the stream cannot have). */
  async floorOf(stream: string, consumer: string): Promise<number> {
    const key = AckFloors.key(stream, consumer);
    const [info, e] = await Promise.all([this.jsm.streams.info(stream), this.kv.get(key)]);
    if (!e || e.operation !== 'PUT' || e.value.length === 0) return 0;
    const v = unpack(e.value) as { seq?: unknown };
    if (typeof v.seq !== 'number' || !Number.isSafeInteger(v.seq) || v.seq < 0) return 0;
    if (v.seq > info.state.last_seq) {
      this.log.warn({ stream, consumer, floor: v.seq, lastSeq: info.state.last_seq }, 'ack floor past the last message of the stream (made again?): ignored');
      // What this process still meant to write is of the same past.
      const w = this.writes.get(key);
      if (w) w.next = 0;
      return 0;
    }
    return v.seq;
  }

  /**
   * Every message of `consumer` up to stream sequence `seq` is acknowledged
   * (and inside what its runner persisted). Not awaited by the runner: one
   * write per consumer is in flight at a time, the newest floor asked for
   * meanwhile goes next, and a failed write is tried again until it lands or
   * the floors are stopped.
   */
  record(stream: string, consumer: string, seq: number): void {
    const key = AckFloors.key(stream, consumer);
    let w = this.writes.get(key);
    if (!w) this.writes.set(key, (w = { next: 0, writing: undefined, retry: undefined }));
    w.next = Math.max(w.next, seq);
    if (!w.writing && !w.retry) w.writing = this.drain(key, w);
  }

  private async drain(key: string, w: FloorWrite): Promise<void> {
    let written = 0;
    try {
      while (w.next > written && !this.stopped) {
        const seq = w.next;
        await this.kv.put(key, pack({ seq }));
        written = seq;
      }
    } catch (err) {
      if (!this.stopped) {
        this.log.warn({ key, seq: w.next, retryInMs: this.retryAfterMs, err: String((err as Error).message ?? err) }, 'ack floor not recorded; trying again');
        w.retry = setTimeout(() => {
          w.retry = undefined;
          if (!w.writing && !this.stopped) w.writing = this.drain(key, w);
        }, this.retryAfterMs);
        w.retry.unref();
      }
    } finally {
      w.writing = undefined;
    }
  }

  /** Waits (at most `ms`) for the writes in flight: a stopping runner's last floor should land before its connection drains. */
  async settled(ms = 2000): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const writing = [...this.writes.values()].map((w) => w.writing).filter((p): p is Promise<void> => p !== undefined);
      if (writing.length === 0) return;
      const left = deadline - Date.now();
      if (left <= 0) return;
      await Promise.race([Promise.all(writing), new Promise((r) => setTimeout(r, left))]);
    }
  }

  /** No more writes or retries (the worker is stopping). */
  stop(): void {
    this.stopped = true;
    for (const w of this.writes.values()) if (w.retry) clearTimeout(w.retry);
  }

  /** Forgets every floor of `stream`: the topology made it anew, and its sequences start again at 1. */
  static async forgetStream(kv: KV, stream: string): Promise<void> {
    const keys: string[] = [];
    for await (const k of await kv.keys(`${stream}.>`)) keys.push(k);
    for (const k of keys) await kv.delete(k);
  }
}
