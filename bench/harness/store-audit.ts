/**
 * Did the store keep every acknowledged record exactly once? Rows and distinct
 * ids come from ClickHouse, the acknowledged count from the devices.
 *
 * GT06 heartbeats are the one kind of record that breaks a plain `ids === acked`:
 * a heartbeat is stored as a status record without position, but a device whose
 * heartbeat answer is lost (its connection dropped or its ACK timer fired) sends a
 * new heartbeat rather than the old one. Such a heartbeat is stored and never
 * counted acknowledged. So positioned records must match exactly, and status rows
 * must lie between the heartbeats answered and the heartbeats written.
 */
export interface StoreAudit {
  rows: number;
  ids: number;
  /** Distinct ids of records stored without a position (GT06 heartbeats in the simulator's fleet). */
  idsWithoutPosition: number;
}

export interface AckCounts {
  acked: number;
  /** Heartbeats answered (counted in `acked`). */
  heartbeats: number;
  heartbeatsSent: number;
}

export function storedExactlyOnce(audit: StoreAudit, c: AckCounts): boolean {
  if (audit.rows !== audit.ids) return false;
  const positioned = audit.ids - audit.idsWithoutPosition;
  if (positioned !== c.acked - c.heartbeats) return false;
  return audit.idsWithoutPosition >= c.heartbeats && audit.idsWithoutPosition <= c.heartbeatsSent;
}
