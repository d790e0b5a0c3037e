import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Logger } from '../log.ts';
import { pack, unpack } from '../model/index.ts';

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
 * after a flush acknowledges; the rewind starts after the higher of this and
 * the server's. A floor lags the server's by at most one flush: the records
 * between are replayed and skipped by their actors' snapshot positions.
 *
 * A floor belongs to one incarnation of its stream (its creation time): a
 * stream deleted and made again numbers from 1, and an old floor would skip
 * its first records.
 */
export class AckFloors {
  /** Per key: the newest floor asked for while a write was in flight (written next), and whether one is in flight. */
  private readonly writes = new Map<string, { next: number; busy: boolean }>();
  private readonly created = new Map<string, string>();

  constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly log: Logger,
  ) {}

  private static key(stream: string, consumer: string): string {
    return `${stream}.${consumer}`;
  }

  private async streamCreated(stream: string): Promise<string> {
    const known = this.created.get(stream);
    if (known) return known;
    const created = (await this.jsm.streams.info(stream)).created;
    this.created.set(stream, created);
    return created;
  }

  /** The recorded floor (a stream sequence; 0: none, or one of an earlier incarnation of the stream). */
  async floorOf(stream: string, consumer: string): Promise<number> {
    // Asked at every rewind: the stream may have been made again since it was last read.
    this.created.delete(stream);
    const [created, e] = await Promise.all([this.streamCreated(stream), this.kv.get(AckFloors.key(stream, consumer))]);
    if (!e || e.operation !== 'PUT' || e.value.length === 0) return 0;
    const v = unpack(e.value) as { seq?: unknown; streamCreated?: unknown };
    if (typeof v.seq !== 'number' || v.streamCreated !== created) {
      if (typeof v.seq === 'number') this.log.warn({ stream, consumer, floor: v.seq }, 'ack floor recorded for an earlier incarnation of the stream: ignored');
      return 0;
    }
    return v.seq;
  }

  /**
   * Every message of `consumer` up to stream sequence `seq` is acknowledged
   * (and inside what its runner persisted). Not awaited by the runner: one
   * write per consumer is in flight at a time, and the newest asked for meanwhile
   * goes next. A failed write is logged; the next flush writes a newer floor.
   */
  record(stream: string, consumer: string, seq: number): void {
    const key = AckFloors.key(stream, consumer);
    let w = this.writes.get(key);
    if (!w) this.writes.set(key, (w = { next: 0, busy: false }));
    w.next = Math.max(w.next, seq);
    if (w.busy) return;
    void this.drain(stream, key, w);
  }

  private async drain(stream: string, key: string, w: { next: number; busy: boolean }): Promise<void> {
    w.busy = true;
    try {
      let written = 0;
      while (w.next > written) {
        const seq = w.next;
        try {
          await this.kv.put(key, pack({ seq, streamCreated: await this.streamCreated(stream) }));
          written = seq;
        } catch (err) {
          this.log.warn({ key, seq, err: String((err as Error).message ?? err) }, 'ack floor not recorded; the next flush records a newer one');
          return;
        }
      }
    } finally {
      w.busy = false;
    }
  }

  /** Resolves once no write is in flight (tests, and a stopping runner). */
  async settled(): Promise<void> {
    while ([...this.writes.values()].some((w) => w.busy)) await new Promise((r) => setTimeout(r, 5));
  }
}
