/**
 * Reading one IO value out of the data field by its width. Widths other than
 * 1-6 and 8 (possible only for NX elements) have no numeric reading.
 */

const TWO_POW_32 = 0x1_0000_0000;
const MAX_SAFE_HIGH_WORD = 0x1f_ffff;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

export function readUnsigned(src: Buffer, off: number, len: number): number | undefined {
  switch (len) {
    case 1:
      return src[off]!;
    case 2:
      return src.readUInt16BE(off);
    case 4:
      return src.readUInt32BE(off);
    case 8: {
      const hi = src.readUInt32BE(off);
      return hi > MAX_SAFE_HIGH_WORD ? undefined : hi * TWO_POW_32 + src.readUInt32BE(off + 4);
    }
    default:
      return len > 0 && len <= 6 ? src.readUIntBE(off, len) : undefined;
  }
}

export function readSigned(src: Buffer, off: number, len: number): number | undefined {
  switch (len) {
    case 1:
      return src.readInt8(off);
    case 2:
      return src.readInt16BE(off);
    case 4:
      return src.readInt32BE(off);
    case 8: {
      const v = src.readBigInt64BE(off);
      return v > MAX_SAFE || v < MIN_SAFE ? undefined : Number(v);
    }
    default:
      return len > 0 && len <= 6 ? src.readIntBE(off, len) : undefined;
  }
}

export function isAllZero(src: Buffer, off: number, len: number): boolean {
  for (let i = off; i < off + len; i++) if (src[i] !== 0) return false;
  return true;
}
