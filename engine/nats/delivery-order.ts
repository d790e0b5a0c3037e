import type { JsMsg } from '@nats-io/jetstream';

/**
 * A consumer acknowledged cumulatively (partition-consumer.ts) must never
 * acknowledge past a delivery it did not see: JetStream counts a message
 * delivered once it sent it, and a connection dropped at that moment loses it
 * on the way while the next pull goes on with newer ones. Every delivery to a
 * consumer gets the next consumer sequence (redeliveries too), and each of
 * these consumers has one reader, created afresh at every run: a sequence
 * that skips is a lost delivery, and the run must resume from its ack floor.
 */
export class DeliveryGapError extends Error {
  override readonly name = 'DeliveryGapError';
  constructor(
    readonly consumer: string,
    readonly expected: number,
    readonly got: number,
  ) {
    super(`consumer ${consumer}: delivery ${got} arrived where ${expected} was due; the deliveries between were lost on the way (a dropped connection), so the run resumes from its ack floor`);
  }
}

export class DeliveryOrder {
  private last = 0;

  /** Consumer sequence of the newest delivery taken in this run (0: none yet). */
  get newest(): number {
    return this.last;
  }

  /** The consumer's name, for the error (a function: runners know it only once constructed). */
  constructor(private readonly consumer: () => string) {}

  /** Throws DeliveryGapError when a delivery before this one was never seen. */
  check(m: Pick<JsMsg, 'info'>): void {
    const d = m.info.deliverySequence;
    if (d !== this.last + 1) throw new DeliveryGapError(this.consumer(), this.last + 1, d);
    this.last = d;
  }

  /** The consumer was recreated: its deliveries count from 1 again. */
  reset(): void {
    this.last = 0;
  }
}
