import { ByteCursor, CursorOverrun } from './byte-cursor.ts';

/**
 * Cuts an AVL data field (codec id .. number of data 2) into raw records.
 * Nothing here interprets IO ids or judges values: that is record-mapper's
 * job. Every count read from the wire is checked against the bytes that are
 * actually left before it drives a loop, so work and memory stay bounded by
 * the size of the data field (itself capped by maxFrameBytes).
 */

export const CODEC_8 = 0x08;
export const CODEC_8E = 0x8e;
export const CODEC_16 = 0x10;
export type AvlCodec = typeof CODEC_8 | typeof CODEC_8E | typeof CODEC_16;

export function isAvlCodec(codec: number): codec is AvlCodec {
  return codec === CODEC_8 || codec === CODEC_8E || codec === CODEC_16;
}

export interface AvlRecord {
  /** Device time, ms since 1970 UTC; undefined when the 64-bit value exceeds 2^53. */
  timestampMs: number | undefined;
  /** 0 low, 1 high, 2 panic. */
  priority: number;
  lonE7: number;
  latE7: number;
  altitudeM: number;
  angleDeg: number;
  satellites: number;
  speedKmh: number;
  /** IO id that triggered the record, 0 when periodic. */
  eventIoId: number;
  /** Codec 16 only. */
  generationType: number | undefined;
  /**
   * IO elements as flat triplets (id, offset, length) into the data field:
   * no object per element, values read only if the mapper wants them.
   */
  io: number[];
  /** Index into `io` of the first variable-length (NX, Codec 8E) element. */
  nxFrom: number;
}

export type AvlParseResult =
  | { ok: true; codec: AvlCodec; records: AvlRecord[] }
  | { ok: false; code: 'unsupported' | 'bad-length' | 'too-many-records'; message: string };

/** Codec id, number of data 1, number of data 2. */
const MIN_DATA_FIELD = 3;

/** How each codec lays out the IO element header and its ids and counts. */
interface IoLayout {
  eventIdSize: 1 | 2;
  hasGenerationType: boolean;
  countSize: 1 | 2;
  idSize: 1 | 2;
  hasNx: boolean;
}

const LAYOUTS: Record<AvlCodec, IoLayout> = {
  [CODEC_8]: { eventIdSize: 1, hasGenerationType: false, countSize: 1, idSize: 1, hasNx: false },
  [CODEC_8E]: { eventIdSize: 2, hasGenerationType: false, countSize: 2, idSize: 2, hasNx: true },
  // Codec 16: 2-byte ids and event id, but 1-byte counts, plus a generation type.
  [CODEC_16]: { eventIdSize: 2, hasGenerationType: true, countSize: 1, idSize: 2, hasNx: false },
};

const FIXED_WIDTHS = [1, 2, 4, 8] as const;

export function parseAvlData(data: Buffer, maxRecords: number): AvlParseResult {
  if (data.length < MIN_DATA_FIELD) {
    return { ok: false, code: 'bad-length', message: `AVL data field of ${data.length} bytes is shorter than ${MIN_DATA_FIELD}` };
  }
  const codec = data[0]!;
  if (!isAvlCodec(codec)) {
    return { ok: false, code: 'unsupported', message: `codec 0x${codec.toString(16).padStart(2, '0')} is not an AVL data codec` };
  }
  const count = data[1]!;
  const countAgain = data[data.length - 1]!;
  if (count !== countAgain) {
    return { ok: false, code: 'bad-length', message: `number of data 1 (${count}) differs from number of data 2 (${countAgain})` };
  }
  if (count > maxRecords) {
    return { ok: false, code: 'too-many-records', message: `${count} records in one packet, limit ${maxRecords}` };
  }

  const layout = LAYOUTS[codec];
  const cur = new ByteCursor(data, 2, data.length - 1);
  const records: AvlRecord[] = [];
  try {
    for (let i = 0; i < count; i++) records.push(parseRecord(cur, layout));
  } catch (err) {
    if (!(err instanceof CursorOverrun)) throw err;
    return { ok: false, code: 'bad-length', message: `record ${records.length} runs past the end of the AVL data field` };
  }
  if (cur.remaining() !== 0) {
    return { ok: false, code: 'bad-length', message: `${cur.remaining()} bytes left after ${count} records` };
  }
  return { ok: true, codec, records };
}

function parseRecord(cur: ByteCursor, layout: IoLayout): AvlRecord {
  const timestampMs = cur.u64();
  const priority = cur.u8();
  const lonE7 = cur.i32();
  const latE7 = cur.i32();
  const altitudeM = cur.i16();
  const angleDeg = cur.u16();
  const satellites = cur.u8();
  const speedKmh = cur.u16();
  const eventIoId = layout.eventIdSize === 2 ? cur.u16() : cur.u8();
  const generationType = layout.hasGenerationType ? cur.u8() : undefined;
  // The total IO count repeats the sum of the group counts; the groups are
  // what delimit the bytes, so the total is read and not relied on.
  if (layout.countSize === 2) cur.u16();
  else cur.u8();

  const io: number[] = [];
  for (const width of FIXED_WIDTHS) {
    const n = layout.countSize === 2 ? cur.u16() : cur.u8();
    cur.require(n * (layout.idSize + width));
    for (let k = 0; k < n; k++) {
      const id = layout.idSize === 2 ? cur.u16() : cur.u8();
      io.push(id, cur.skip(width), width);
    }
  }
  const nxFrom = io.length;
  if (layout.hasNx) {
    const n = cur.u16();
    // Each NX element is at least its id and length (4 bytes).
    cur.require(n * 4);
    for (let k = 0; k < n; k++) {
      const id = cur.u16();
      const len = cur.u16();
      io.push(id, cur.skip(len), len);
    }
  }
  return { timestampMs, priority, lonE7, latE7, altitudeM, angleDeg, satellites, speedKmh, eventIoId, generationType, io, nxFrom };
}
