/**
 * Serving-cell block (LBS): MCC (2), MNC (1, or 2 when MCC bit 15 is set),
 * LAC, cell id. 2G-era packets carry LAC in 2 bytes and the cell id in 3;
 * the 4G packets (0xA0) widen them to 4 and 8.
 *
 * The MCC bit-15 rule comes from Concox's JM-VL03 document (0xA0 "MCC bit15:
 * 1 = MNC is 2 bytes"); JM-VL01 V13 notes the same for 2-byte MNC countries.
 * A real MCC is at most 999, so the bit is never set by an older device.
 */

export type CellGeneration = '2g' | '4g';

export interface CellInfo {
  mcc: number;
  mnc: number;
  lac: number;
  /** A number while it fits in 2^53, else the decimal string (8-byte 4G ids). */
  cellId: number | string;
}

export type CellInfoResult = { ok: true; cell: CellInfo; size: number } | { ok: false; reason: string };

const MNC_TWO_BYTES = 0x8000;

export function readCellInfo(b: Buffer, off: number, end: number, gen: CellGeneration): CellInfoResult {
  if (end - off < 2) return { ok: false, reason: 'cell block truncated' };
  const mccField = b.readUInt16BE(off);
  const mncBytes = mccField & MNC_TWO_BYTES ? 2 : 1;
  const lacBytes = gen === '4g' ? 4 : 2;
  const cellBytes = gen === '4g' ? 8 : 3;
  const size = 2 + mncBytes + lacBytes + cellBytes;
  if (end - off < size) return { ok: false, reason: 'cell block truncated' };
  let p = off + 2;
  const mnc = mncBytes === 2 ? b.readUInt16BE(p) : (b[p] as number);
  p += mncBytes;
  const lac = lacBytes === 4 ? b.readUInt32BE(p) : b.readUInt16BE(p);
  p += lacBytes;
  let cellId: number | string;
  if (cellBytes === 3) {
    cellId = b.readUIntBE(p, 3);
  } else {
    const v = b.readBigUInt64BE(p);
    cellId = v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  }
  return { ok: true, cell: { mcc: mccField & ~MNC_TWO_BYTES & 0xffff, mnc, lac, cellId }, size };
}

/** Cell info as raw record attributes (the model has no cell fields). */
export function cellAttributes(cell: CellInfo): Record<string, number | string> {
  return { mcc: cell.mcc, mnc: cell.mnc, lac: cell.lac, cellId: cell.cellId };
}
