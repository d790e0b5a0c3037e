import type { ChunkPeek, SessionLimits } from '../tcp/protocol-session.ts';
import { CRC_BYTES, HEADER_BYTES } from './avl-frame.ts';
import { parseAvlData } from './avl-parser.ts';
import type { IoTable } from './io-map.ts';
import { mayBeCritical } from './record-mapper.ts';

/**
 * Reads whole AVL packets lying back to back in a chunk, as far as the
 * listener needs to know whether they may wait as bytes (ChunkPeek): record
 * count, device times, whether any may be critical. It only cuts records
 * (avl-parser, no objects per IO element) and never maps them, which is where
 * decoding spends its time and heap. Undefined unless the chunk is exactly
 * whole packets the session would decode; the CRC is left to the session.
 */
export function peekAvlPackets(chunk: Buffer, limits: SessionLimits, table: IoTable): ChunkPeek | undefined {
  let off = 0;
  let records = 0;
  let critical = false;
  let oldest = Number.POSITIVE_INFINITY;
  let newest = Number.NEGATIVE_INFINITY;
  while (off < chunk.length) {
    if (chunk.length - off < HEADER_BYTES || chunk.readUInt32BE(off) !== 0) return undefined;
    const length = chunk.readUInt32BE(off + 4);
    const size = HEADER_BYTES + length + CRC_BYTES;
    if (size > limits.maxFrameBytes || off + size > chunk.length) return undefined;
    const parsed = parseAvlData(chunk.subarray(off + HEADER_BYTES, off + HEADER_BYTES + length), limits.maxRecordsPerPacket);
    if (!parsed.ok) return undefined;
    for (const r of parsed.records) {
      if (r.timestampMs === undefined) return undefined;
      oldest = Math.min(oldest, r.timestampMs);
      newest = Math.max(newest, r.timestampMs);
      critical ||= mayBeCritical(r, table);
    }
    records += parsed.records.length;
    off += size;
  }
  return records > 0 ? { records, critical, oldestDeviceTime: oldest, newestDeviceTime: newest } : undefined;
}
