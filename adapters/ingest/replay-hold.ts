import type { ChunkPeek } from '../tcp/protocol-session.ts';
import { LIVE_WITHIN_MS } from './intake.ts';

/**
 * Where device replays wait while the intake is backed up: as the bytes they
 * came in, not decoded. In a reconnect storm ten thousand devices each send a
 * packet from their buffer and wait for its answer; decoded, a 50-record
 * packet of 5 KB on the wire is some 40 KB of heap, so the adapters' thread
 * held a gigabyte of records that would only be taken in seconds later, and
 * every full collection of that heap stalled the thread (and the alarms it
 * reads) for 60-90 ms. Decoding later costs nothing more: it is the same work.
 *
 * A held replay takes its place in the intake governor's queue at once, with
 * the record count its session peeked, like any decoded packet: replays keep
 * their arrival order whichever protocol brought them (an OsmAnd request
 * cannot overtake a Teltonika packet that waited longer), and once its turn
 * comes the chunk is decoded and taken in without queueing again.
 *
 * Only replays are held (ChunkPeek: at least one record older or newer than
 * the live window, none that may be critical, whole frames), and only while
 * at least `room` replay packets already wait for the governor, so the
 * intake never runs dry. Live packets and alarms are decoded at once as
 * before, and a held connection is let go the moment anything else arrives
 * on it, so an alarm a device sends behind its own replay is not held with it.
 */

/** Replay packets allowed to wait for the intake governor decoded; past that, they wait as bytes. */
export const DEFAULT_REPLAY_HOLD_PACKETS = 256;

/** A connection holding a replay as bytes. */
export interface HeldReplay {
  /** The governor admitted `records` of what it holds: decode it, and take them in without waiting again. */
  admitted(records: number): void;
  /** The device went away: its turn is not spent on it. */
  gone(): boolean;
}

export interface ReplayHoldStats {
  /** Held replays waiting for their turn (one let go early by its own alarm counts until its turn comes). */
  heldNow: number;
  /** Replays that have had to wait as bytes. */
  heldTotal: number;
}

/** True when a chunk so peeked may wait as bytes: a replay of ordinary records. */
export function isHoldableReplay(peek: ChunkPeek | undefined, receivedAt: number): boolean {
  if (peek === undefined || peek.critical || peek.records === 0) return false;
  return peek.oldestDeviceTime < receivedAt - LIVE_WITHIN_MS || peek.newestDeviceTime > receivedAt + LIVE_WITHIN_MS;
}

export class ReplayHold {
  private readonly counts: ReplayHoldStats = { heldNow: 0, heldTotal: 0 };

  constructor(
    /** Replay packets waiting for the governor now (IntakeGovernor.stats.waitingReplays). */
    private readonly waitingReplays: () => number,
    /** The governor's admission of replayed records (IntakeGovernor.admit with live = false). */
    private readonly admitReplay: (records: number, gone: () => boolean) => Promise<void>,
    private readonly room = DEFAULT_REPLAY_HOLD_PACKETS,
  ) {}

  /** True when a replay arriving now would only wait for the governor: it waits as bytes instead. */
  get busy(): boolean {
    return this.waitingReplays() >= this.room;
  }

  /** Queues `records` for the governor on the connection's behalf; it is told when they are admitted. */
  hold(conn: HeldReplay, records: number): void {
    this.counts.heldNow++;
    this.counts.heldTotal++;
    // The governor resolves every waiter, also on close: a held connection is never left behind.
    void this.admitReplay(records, () => conn.gone()).then(() => {
      this.counts.heldNow--;
      conn.admitted(records);
    });
  }

  get stats(): ReplayHoldStats {
    return { ...this.counts };
  }
}
