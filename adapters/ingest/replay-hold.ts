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
 * Only replays are held (ChunkPeek: at least one record older or newer than
 * the live window, none that may be critical, whole frames): live packets and
 * alarms are decoded at once as before, and a held connection is let go the
 * moment anything else arrives on it, so an alarm a device sends behind its
 * own replay is not held with it. Held connections are let go in arrival
 * order, as many as keep `backlog()` (replay packets decoded and waiting for
 * the intake) at `room`: the intake never starves, and at most `room`
 * decoded packets wait at a time.
 */

/** Decoded replay packets allowed to wait for the intake governor; the rest wait as bytes. */
const ROOM = 256;
/** How often held connections are let go as the backlog drains, ms. */
const RELEASE_EVERY_MS = 20;

/** A connection holding a replay as bytes. */
export interface HeldReplay {
  /** Decode what it holds now; false when it no longer holds anything (ended, or already let go). */
  releaseHeld(): boolean;
}

export interface ReplayHoldStats {
  /** Connections holding a replay as bytes now (one let go early by its own alarm counts until its turn comes). */
  heldNow: number;
  /** Connections that have had to hold one. */
  heldTotal: number;
}

/** True when a chunk so peeked may wait as bytes: a replay of ordinary records. */
export function isHoldableReplay(peek: ChunkPeek | undefined, receivedAt: number): boolean {
  if (peek === undefined || peek.critical || peek.records === 0) return false;
  return peek.oldestDeviceTime < receivedAt - LIVE_WITHIN_MS || peek.newestDeviceTime > receivedAt + LIVE_WITHIN_MS;
}

export class ReplayHold {
  /** Held connections in arrival order; `head` is the next to go (no O(n) shift). */
  private queue: (HeldReplay | undefined)[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly counts = { heldTotal: 0 };

  constructor(
    /** Replay packets decoded and not yet taken in (IntakeGovernor.waitingReplays plus chunks queued for decoding). */
    private readonly backlog: () => number,
    private readonly room = ROOM,
    private readonly releaseEveryMs = RELEASE_EVERY_MS,
  ) {}

  /** True when a replay arriving now should wait as bytes: the intake is full, or others already wait. */
  get busy(): boolean {
    return this.queue.length > this.head || this.backlog() >= this.room;
  }

  hold(conn: HeldReplay): void {
    this.queue.push(conn);
    this.counts.heldTotal++;
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.release(), this.releaseEveryMs);
      this.timer.unref();
    }
  }

  get stats(): ReplayHoldStats {
    return { heldNow: this.queue.length - this.head, heldTotal: this.counts.heldTotal };
  }

  /** Lets go as many held connections as the backlog has room for, oldest first. */
  release(): void {
    let free = this.room - this.backlog();
    while (free > 0 && this.head < this.queue.length) {
      const conn = this.queue[this.head];
      this.queue[this.head++] = undefined;
      if (conn?.releaseHeld()) free--;
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      clearInterval(this.timer);
      this.timer = undefined;
    } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Lets everything go (the listener is closing: held connections finish or end on their own). */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    const held = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    for (const conn of held) conn?.releaseHeld();
  }
}
