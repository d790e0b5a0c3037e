import { describe, expect, it } from 'vitest';
import { PartitionHearing } from './partition-hearing.ts';

const S = 1000;

describe('partition hearing', () => {
  it('starts deaf: nothing is heard before the first message or caught-up check', () => {
    expect(new PartitionHearing(10 * S).value).toEqual({ upTo: 0, since: 0 });
  });

  it('a partition working through a backlog has heard up to the newest message it took', () => {
    const h = new PartitionHearing(10 * S);
    h.caughtUp(1000 * S, 1000 * S);
    h.handled(1002 * S, 1060 * S); // a minute behind
    h.handled(1030 * S, 1061 * S);
    expect(h.value.upTo).toBe(1030 * S);
    // Older messages (a redelivery) never move it back.
    h.handled(1010 * S, 1062 * S);
    expect(h.value.upTo).toBe(1030 * S);
  });

  it('caught-up checks every few seconds are not a gap', () => {
    const h = new PartitionHearing(10 * S);
    h.caughtUp(100 * S, 100 * S);
    const since = h.value.since;
    for (let t = 105; t <= 200; t += 5) h.caughtUp(t * S, t * S + 50);
    expect(h.value).toEqual({ upTo: 200 * S, since });
  });

  it('after a gap in intake, silence is counted from when the partition hears the present again', () => {
    const h = new PartitionHearing(10 * S);
    h.caughtUp(100 * S, 100 * S);
    // NATS down for 40 s: no message, no caught-up check. Then the backlog drains.
    h.handled(101 * S, 141 * S);
    expect(h.value.since).toBeLessThan(101 * S);
    h.handled(138 * S, 145 * S); // within the gap of the present again
    expect(h.value).toEqual({ upTo: 138 * S, since: 138 * S });
  });

  it('a caught-up check that comes late is not a gap: silence keeps counting', () => {
    // A loaded thread, or a delivery lost in flight waiting for its ack_wait, holds the checks back.
    const h = new PartitionHearing(10 * S);
    h.caughtUp(100 * S, 100 * S);
    h.caughtUp(130 * S, 130 * S);
    h.caughtUp(160 * S, 160 * S);
    expect(h.value).toEqual({ upTo: 160 * S, since: 100 * S });
  });

  it('a redelivery is old by nature and is not a gap', () => {
    const h = new PartitionHearing(10 * S);
    h.caughtUp(100 * S, 100 * S);
    h.handled(95 * S, 131 * S, true); // its ack_wait ran out
    h.caughtUp(131 * S, 131 * S);
    expect(h.value).toEqual({ upTo: 131 * S, since: 100 * S });
  });

  it('a lost NATS connection is a gap: silence counts again from when the partition hears the present', () => {
    const h = new PartitionHearing(10 * S);
    h.caughtUp(100 * S, 100 * S);
    h.interrupted();
    h.caughtUp(104 * S, 104 * S);
    expect(h.value).toEqual({ upTo: 104 * S, since: 104 * S });
  });

  it('a publish time ahead of the local clock (another host) is capped at now', () => {
    const h = new PartitionHearing(10 * S);
    h.handled(500 * S, 400 * S);
    expect(h.value.upTo).toBe(400 * S);
  });
});
