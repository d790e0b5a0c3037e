import type { Hearing } from '../../actors/connectivity.ts';

/**
 * How far a partition has heard its devices (actors/connectivity.ts
 * `Hearing`), so a device is called offline for its own silence and never for
 * the platform's. Two ways the wall clock lies about a device:
 *
 * - the partition is behind (a backlog after a reconnect storm, a restart
 *   replaying from its ack floor): the device's records are in the stream,
 *   not yet applied. `upTo` follows what has been handled: the publish time of
 *   the newest message taken, or the moment the consumer was seen caught up.
 * - intake stopped (NATS down, the engine killed): devices were refused and
 *   are retrying on their own schedule. After such a gap, `since` moves to
 *   the moment the partition hears the present again: every device gets a
 *   full silence window of a listening platform before it is offline.
 *
 * A gap is known from evidence, never from a pause between caught-up checks
 * (a loaded thread, a delivery lost in flight that waits for its ack_wait):
 * the partition starts deaf, a first delivery older than `gapMs` shows it was
 * behind, and `interrupted()` reports a lost NATS connection. Taking a check
 * late for a gap used to move `since` again and again, and a device whose
 * partition was checked less often than every `gapMs` was never offline.
 *
 * Kept per partition run, in memory: after a restart the partition starts
 * deaf (upTo 0) and is heard again once it has caught up, on any node.
 */
export class PartitionHearing {
  private upTo = 0;
  private since = 0;
  private deaf = true;

  constructor(private readonly gapMs: number) {}

  /**
   * A message published at `publishedAt` has been taken (its live devices'
   * records are applied). A redelivery is old by nature (its ack_wait ran
   * out): it says nothing about intake.
   */
  handled(publishedAt: number, now: number, redelivered = false): void {
    const t = Math.min(publishedAt, now);
    if (!redelivered && now - t > this.gapMs) this.deaf = true;
    this.advance(t, now);
  }

  /** The consumer had nothing left to deliver at `at` and everything delivered was taken. */
  caughtUp(at: number, now: number): void {
    this.advance(Math.min(at, now), now);
  }

  /** Intake stopped (the connection to NATS was lost): devices were refused meanwhile. */
  interrupted(): void {
    this.deaf = true;
  }

  private advance(t: number, now: number): void {
    if (t > this.upTo) this.upTo = t;
    if (this.deaf && now - this.upTo <= this.gapMs) {
      this.since = this.upTo;
      this.deaf = false;
    }
  }

  get value(): Hearing {
    return { upTo: this.upTo, since: this.since };
  }
}
