import { describe, expect, it } from 'vitest';
import { DeliveryGapError, DeliveryOrder } from './delivery-order.ts';

const delivery = (n: number) => ({ info: { deliverySequence: n } }) as Parameters<DeliveryOrder['check']>[0];

describe('delivery order', () => {
  it('takes consecutive deliveries, from 1 after every reset', () => {
    const o = new DeliveryOrder(() => 'engine-p3');
    for (let n = 1; n <= 5; n++) o.check(delivery(n));
    o.reset();
    expect(() => o.check(delivery(1))).not.toThrow();
  });

  it('stops at a delivery that skips one, naming the consumer and what was lost', () => {
    const o = new DeliveryOrder(() => 'engine-p3');
    o.check(delivery(1));
    o.check(delivery(2));
    let err: unknown;
    try {
      o.check(delivery(5));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeliveryGapError);
    expect(err).toMatchObject({ consumer: 'engine-p3', expected: 3, got: 5 });
    expect(String((err as Error).message)).toMatch(/engine-p3.*delivery 5.*3 was due/);
  });

  it('does not take the first delivery of a run that starts past 1 (the reader missed the first ones)', () => {
    expect(() => new DeliveryOrder(() => 'drivers-p0').check(delivery(2))).toThrow(DeliveryGapError);
  });
});
