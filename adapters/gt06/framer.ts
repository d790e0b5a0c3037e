import type { ProtocolErrorCode } from '../tcp/protocol-session.ts';
import { crcItu } from './crc-itu.ts';

/**
 * Cuts a GT06 byte stream into frames and does nothing else:
 *
 *   78 78 | len (1) | protocol | content | serial (2) | crc (2) | 0D 0A
 *   79 79 | len (2) | protocol | content | serial (2) | crc (2) | 0D 0A
 *
 * `len` counts protocol .. crc. The protocol has no escaping and no resync
 * marker that cannot occur inside content, so once a start or stop byte is
 * wrong the rest of the stream cannot be trusted: that is fatal for the
 * connection. A wrong CRC, by contrast, sits inside a correctly delimited
 * frame, so the frame is dropped and the stream goes on (GT06 §4.6: "the
 * receiver will ignore and discard the data packet").
 *
 * Memory: the length is checked against `maxFrameBytes` as soon as the 3-4
 * header bytes are in, before any body is waited for, so at most
 * `maxFrameBytes` of an incomplete frame is ever held.
 */

export interface Gt06Frame {
  /** true for 0x7979 (2-byte length). */
  long: boolean;
  protocol: number;
  /** Bytes between the protocol number and the serial; a view into the pushed data, valid during push only. */
  content: Buffer;
  serial: number;
  /** Whole frame length in bytes, start to stop. */
  size: number;
}

export interface FramerProblem {
  code: ProtocolErrorCode;
  message: string;
  detail?: Record<string, string | number>;
}

export type FramerEvent =
  | { kind: 'frame'; frame: Gt06Frame }
  | ({ kind: 'ignored' } & FramerProblem)
  | ({ kind: 'close' } & FramerProblem);

const START_SHORT = 0x78;
const START_LONG = 0x79;
/** protocol (1) + serial (2) + crc (2): the smallest legal length field. */
const MIN_LENGTH_FIELD = 5;
const EMPTY = Buffer.alloc(0);

export class Gt06Framer {
  private pending: Buffer = EMPTY;
  private dead = false;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes held for an incomplete frame (never more than maxFrameBytes). */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  /** true once a fatal framing error was reported; later pushes return nothing. */
  get closed(): boolean {
    return this.dead;
  }

  push(chunk: Buffer): FramerEvent[] {
    if (this.dead || chunk.length === 0) return [];
    const fresh = this.pending.length > 0;
    const buf = fresh ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: FramerEvent[] = [];
    let off = 0;
    for (;;) {
      const avail = buf.length - off;
      if (avail < 1) break;
      const b0 = buf[off] as number;
      // Reject a wrong first byte at once rather than waiting for more of it.
      if (b0 !== START_SHORT && b0 !== START_LONG) return this.fail(out, 'bad-framing', `bad start byte 0x${hex2(b0)}`);
      if (avail < 2) break;
      if (buf[off + 1] !== b0) return this.fail(out, 'bad-framing', `bad start bytes 0x${hex2(b0)}${hex2(buf[off + 1] as number)}`);
      const long = b0 === START_LONG;
      const headerLen = long ? 4 : 3;
      if (avail < headerLen) break;
      const len = long ? buf.readUInt16BE(off + 2) : (buf[off + 2] as number);
      const size = headerLen + len + 2;
      if (size > this.maxFrameBytes) {
        return this.fail(out, 'frame-too-large', `frame of ${size} bytes exceeds cap ${this.maxFrameBytes}`, {
          size,
          cap: this.maxFrameBytes,
        });
      }
      if (len < MIN_LENGTH_FIELD) return this.fail(out, 'bad-length', `length field ${len} below ${MIN_LENGTH_FIELD}`, { len });
      if (avail < size) break;
      const end = off + size;
      if (buf[end - 2] !== 0x0d || buf[end - 1] !== 0x0a) {
        return this.fail(out, 'bad-framing', `bad stop bytes 0x${hex2(buf[end - 2] as number)}${hex2(buf[end - 1] as number)}`);
      }
      const crcAt = end - 4;
      const expected = buf.readUInt16BE(crcAt);
      const actual = crcItu(buf, off + 2, crcAt);
      if (expected !== actual) {
        out.push({
          kind: 'ignored',
          code: 'bad-crc',
          message: `CRC mismatch: frame says 0x${hex4(expected)}, computed 0x${hex4(actual)}`,
          detail: { protocol: buf[off + headerLen] as number, expected, actual },
        });
      } else {
        out.push({
          kind: 'frame',
          frame: {
            long,
            protocol: buf[off + headerLen] as number,
            content: buf.subarray(off + headerLen + 1, crcAt - 2),
            serial: buf.readUInt16BE(crcAt - 2),
            size,
          },
        });
      }
      off = end;
    }
    if (off >= buf.length) this.pending = EMPTY;
    else if (off === 0 && fresh) this.pending = buf; // already our own copy
    else this.pending = Buffer.from(buf.subarray(off)); // copy: never pin the caller's (possibly large) chunk
    return out;
  }

  private fail(
    out: FramerEvent[],
    code: ProtocolErrorCode,
    message: string,
    detail?: Record<string, string | number>,
  ): FramerEvent[] {
    this.dead = true;
    this.pending = EMPTY;
    out.push(detail === undefined ? { kind: 'close', code, message } : { kind: 'close', code, message, detail });
    return out;
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
