import {
  DEFAULT_SESSION_LIMITS,
  type ProtocolError,
  type SessionLimits,
  type SkippedRecord,
} from '../tcp/protocol-session.ts';
import { deviceId as toDeviceId, type DecodedRecord } from '../../engine/model/index.ts';
import { decodeAvlData } from './avl-decoder.ts';
import { teltonikaError } from './errors.ts';
import { IMEI_LENGTH, isImeiDigits } from './imei.ts';
import { DEFAULT_IO_FAMILY, IO_TABLES, type IoFamily } from './io-map.ts';

/**
 * One Teltonika UDP datagram: UDP channel header (length 2, packet id 2, a
 * not-usable byte 1), AVL packet header (AVL packet id 1, IMEI length 2,
 * IMEI 15), then codec .. number of data 2. No CRC: UDP has its own
 * checksum. Every datagram carries the IMEI, so there is no session.
 */

export interface UdpDecodeOptions {
  ioFamily?: IoFamily;
}

export type UdpDecodeResult =
  | {
      ok: true;
      imei: string;
      packetId: number;
      avlPacketId: number;
      records: DecodedRecord[];
      skipped: SkippedRecord[];
      /** Send only once the records are durable: length 0x0005, packet id, 0x01, AVL packet id, records accepted. */
      reply: Buffer;
    }
  | { ok: false; error: ProtocolError };

/** Length (2) + packet id (2) + not-usable byte (1) + AVL packet id (1) + IMEI length (2) + IMEI (15). */
const HEADER_BYTES = 23;
const IMEI_OFFSET = 8;
/** Codec id, number of data 1, number of data 2. */
const MIN_AVL_BYTES = 3;

export function decodeTeltonikaDatagram(
  buf: Buffer,
  limits: SessionLimits = DEFAULT_SESSION_LIMITS,
  opts: UdpDecodeOptions = {},
): UdpDecodeResult {
  if (buf.length > limits.maxFrameBytes) {
    return fail('frame-too-large', `datagram of ${buf.length} bytes exceeds the ${limits.maxFrameBytes}-byte limit`);
  }
  if (buf.length < HEADER_BYTES + MIN_AVL_BYTES) {
    return fail('bad-length', `datagram of ${buf.length} bytes is shorter than ${HEADER_BYTES + MIN_AVL_BYTES}`);
  }
  const declared = buf.readUInt16BE(0);
  if (declared !== buf.length - 2) {
    return fail('bad-length', `length field says ${declared} bytes, ${buf.length - 2} follow it`);
  }
  const packetId = buf.readUInt16BE(2);
  const avlPacketId = buf[5]!;
  const imeiLength = buf.readUInt16BE(6);
  if (imeiLength !== IMEI_LENGTH || !isImeiDigits(buf, IMEI_OFFSET, IMEI_LENGTH)) {
    return fail('bad-identity', 'IMEI is not 15 ASCII digits');
  }
  const imei = toDeviceId(buf.toString('latin1', IMEI_OFFSET, IMEI_OFFSET + IMEI_LENGTH));
  const decoded = decodeAvlData(buf.subarray(HEADER_BYTES), {
    deviceId: imei,
    maxRecordsPerPacket: limits.maxRecordsPerPacket,
    ioTable: IO_TABLES[opts.ioFamily ?? DEFAULT_IO_FAMILY],
  });
  if (!decoded.ok) return fail(decoded.code, decoded.message, imei);

  // Skipped records are acknowledged too, for the reason given in session.ts.
  const reply = Buffer.alloc(7);
  reply.writeUInt16BE(5, 0);
  reply.writeUInt16BE(packetId, 2);
  reply[4] = 0x01;
  reply[5] = avlPacketId;
  reply[6] = decoded.count;
  return { ok: true, imei, packetId, avlPacketId, records: decoded.records, skipped: decoded.skipped, reply };
}

function fail(code: ProtocolError['code'], message: string, imei?: string): UdpDecodeResult {
  return { ok: false, error: teltonikaError(code, message, imei) };
}
