/**
 * A bounds-checked big-endian reader over one AVL data field. Every read
 * checks the end first; running past it throws the shared OVERRUN sentinel,
 * which the AVL parser catches and turns into a `bad-length` result.
 *
 * One shared instance because malformed input is the common case under
 * attack or fuzzing: creating an Error per failure would capture a stack
 * trace each time.
 */
export class CursorOverrun extends Error {
  override readonly name = 'CursorOverrun';
}

export const OVERRUN = new CursorOverrun('read past the end of the AVL data field');

const TWO_POW_32 = 0x1_0000_0000;
/** Largest high word of a 64-bit value that still fits a safe JS integer (2^53 - 1). */
const MAX_SAFE_HIGH_WORD = 0x1f_ffff;

export class ByteCursor {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes are available; call before a loop driven by a count from the wire. */
  require(n: number): void {
    if (n > this.end - this.pos) throw OVERRUN;
  }

  u8(): number {
    this.require(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.require(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  i16(): number {
    this.require(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.require(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i32(): number {
    this.require(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Unsigned 64-bit value, or undefined when it does not fit a safe integer. */
  u64(): number | undefined {
    const hi = this.u32();
    const lo = this.u32();
    return hi > MAX_SAFE_HIGH_WORD ? undefined : hi * TWO_POW_32 + lo;
  }

  /** Skips `n` bytes and returns where they started. */
  skip(n: number): number {
    this.require(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }
}
