import { describe, expect, it } from 'vitest';
import { storedExactlyOnce } from './store-audit.ts';

describe('store audit', () => {
  const acks = { acked: 1000, heartbeats: 40, heartbeatsSent: 45 };

  it('accepts every acknowledged record once plus heartbeats whose answer was lost', () => {
    expect(storedExactlyOnce({ rows: 1000, ids: 1000, idsWithoutPosition: 40 }, acks)).toBe(true);
    expect(storedExactlyOnce({ rows: 1003, ids: 1003, idsWithoutPosition: 43 }, acks)).toBe(true);
  });

  it('rejects a duplicate row, a lost record, an extra located record, or more heartbeats than were sent', () => {
    expect(storedExactlyOnce({ rows: 1001, ids: 1000, idsWithoutPosition: 40 }, acks)).toBe(false);
    expect(storedExactlyOnce({ rows: 999, ids: 999, idsWithoutPosition: 40 }, acks)).toBe(false);
    expect(storedExactlyOnce({ rows: 1001, ids: 1001, idsWithoutPosition: 40 }, acks)).toBe(false);
    expect(storedExactlyOnce({ rows: 1006, ids: 1006, idsWithoutPosition: 46 }, acks)).toBe(false);
    expect(storedExactlyOnce({ rows: 999, ids: 999, idsWithoutPosition: 39 }, acks)).toBe(false);
  });
});
