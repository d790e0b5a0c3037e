/**
 * Gathers exactly `n` bytes across chunk boundaries. When one chunk already
 * holds them all it hands back a view of that chunk (no copy); otherwise it
 * copies into a buffer of exactly `n` bytes, allocated once per frame. The
 * caller bounds `n` (by maxFrameBytes) before asking, so a length field on
 * the wire never sizes an allocation by itself, and a frame trickling in one
 * byte at a time costs one copy per byte, not a re-concatenation.
 */
export class ByteCollector {
  private need = 0;
  private filled = 0;
  private partial: Buffer | undefined;
  /** The gathered bytes once `take` reports completion; valid until the next `expect`. */
  bytes: Buffer = Buffer.alloc(0);

  expect(n: number): void {
    this.need = n;
    this.filled = 0;
    this.partial = undefined;
  }

  /** Bytes still missing (0 once complete). */
  missing(): number {
    return this.need - this.filled;
  }

  /**
   * Consumes from `chunk` at `off` and returns the new offset. When the
   * expected count is reached, `missing()` is 0 and `bytes` holds them.
   */
  take(chunk: Buffer, off: number): number {
    const available = chunk.length - off;
    if (this.partial === undefined) {
      if (available >= this.need) {
        this.bytes = chunk.subarray(off, off + this.need);
        this.filled = this.need;
        return off + this.need;
      }
      this.partial = Buffer.allocUnsafe(this.need);
    }
    const n = Math.min(available, this.need - this.filled);
    chunk.copy(this.partial, this.filled, off, off + n);
    this.filled += n;
    if (this.filled === this.need) {
      this.bytes = this.partial;
      this.partial = undefined;
    }
    return off + n;
  }
}
