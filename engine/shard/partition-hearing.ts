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
 *   are retrying on their own schedule. When `upTo` comes back to the present
 *   after lagging it by more than `gapMs`, `since` moves there: every device
 *   gets a full silence window of a listening platform before it is offline.
 *
 * Kept per partition run, in memory: after a restart the partition starts
 * deaf (upTo 0) and is heard again once it has caught up, on any node.
 */
export class PartitionHearing {
  private upTo = 0;
  private since = 0;

  constructor(private readonly gapMs: number) {}

  /** A message published at `publishedAt` has been taken (its live devices' records are applied). */
  handled(publishedAt: number, now: number): void {
    this.advance(Math.min(publishedAt, now), now);
  }

  /** The consumer had nothing left to deliver at `at` and everything delivered was taken. */
  caughtUp(at: number, now: number): void {
    this.advance(Math.min(at, now), now);
  }

  private advance(t: number, now: number): void {
    if (t <= this.upTo) return;
    const wasBehind = now - this.upTo > this.gapMs;
    this.upTo = t;
    if (wasBehind && now - t <= this.gapMs) this.since = t;
  }

  get value(): Hearing {
    return { upTo: this.upTo, since: this.since };
  }
}
