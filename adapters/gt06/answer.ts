import { crcItu } from './crc-itu.ts';
import { writeDateTime } from './date-time.ts';
import { PROTOCOL } from './protocol-numbers.ts';

/**
 * Server -> terminal frames. The protocol number of an answer is the number of
 * the packet it answers (GT06 §5.1.2), the serial is echoed.
 */

/** `78 78 05 <protocol> <serial> <crc> 0D 0A` — login, heartbeat and alarm answers. */
export function encodeAck(protocol: number, serial: number): Buffer {
  return encodeShortFrame(protocol, Buffer.alloc(0), serial);
}

/** Time calibration answer (0x8A): the current UTC date-time (GT800 V3.1 §9.2). */
export function encodeTimeAnswer(serial: number, nowMs: number): Buffer {
  const content = Buffer.alloc(6);
  writeDateTime(nowMs, content, 0);
  return encodeShortFrame(PROTOCOL.timeRequest, content, serial);
}

/** A 0x7878 frame around `content`: length, protocol, serial, CRC-ITU, stop bits. Server answers and simulated terminals share it. */
export function encodeShortFrame(protocol: number, content: Buffer, serial: number): Buffer {
  const len = 1 + content.length + 2 + 2; // protocol + content + serial + crc
  const out = Buffer.alloc(2 + 1 + len + 2);
  out[0] = 0x78;
  out[1] = 0x78;
  out[2] = len;
  out[3] = protocol;
  content.copy(out, 4);
  let p = 4 + content.length;
  out.writeUInt16BE(serial & 0xffff, p);
  p += 2;
  out.writeUInt16BE(crcItu(out, 2, p), p);
  p += 2;
  out[p] = 0x0d;
  out[p + 1] = 0x0a;
  return out;
}
