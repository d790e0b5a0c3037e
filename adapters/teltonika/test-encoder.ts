import { CODEC_16, CODEC_8, CODEC_8E, type AvlCodec } from './avl-parser.ts';
import { crc16Ibm } from './crc16-ibm.ts';

/**
 * The inverse of the decoder, for tests and the fuzzer only: builds AVL data
 * fields, TCP packets, UDP datagrams and the IMEI handshake from plain specs.
 * Written from the wire layout, not from the decoder, so a round trip checks
 * one against the other.
 */

export interface FixedIo {
  id: number;
  width: 1 | 2 | 4 | 8;
  /** Unsigned value; bits beyond the width are dropped. */
  value: bigint;
}

export interface VariableIo {
  id: number;
  bytes: Buffer;
}

export interface AvlRecordSpec {
  timestampMs: bigint;
  priority: number;
  lonE7: number;
  latE7: number;
  altitudeM: number;
  angleDeg: number;
  satellites: number;
  speedKmh: number;
  eventIoId: number;
  /** Codec 16 only. */
  generationType?: number;
  io: FixedIo[];
  /** Codec 8 Extended only. */
  nx?: VariableIo[];
}

class Writer {
  private readonly parts: Buffer[] = [];
  u8(v: number): this {
    this.parts.push(Buffer.from([v & 0xff]));
    return this;
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v & 0xffff);
    this.parts.push(b);
    return this;
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    this.parts.push(b);
    return this;
  }
  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v | 0);
    this.parts.push(b);
    return this;
  }
  i16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(((v + 0x8000) & 0xffff) - 0x8000);
    this.parts.push(b);
    return this;
  }
  uN(value: bigint, width: number): this {
    const b = Buffer.alloc(width);
    let v = BigInt.asUintN(width * 8, value);
    for (let i = width - 1; i >= 0; i--) {
      b[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    this.parts.push(b);
    return this;
  }
  bytes(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function encodeAvlData(codec: AvlCodec, records: readonly AvlRecordSpec[]): Buffer {
  const w = new Writer().u8(codec).u8(records.length);
  for (const r of records) encodeRecord(w, codec, r);
  return w.u8(records.length).done();
}

function encodeRecord(w: Writer, codec: AvlCodec, r: AvlRecordSpec): void {
  w.uN(r.timestampMs, 8).u8(r.priority).i32(r.lonE7).i32(r.latE7).i16(r.altitudeM).u16(r.angleDeg).u8(r.satellites).u16(r.speedKmh);
  const wide = codec !== CODEC_8;
  const count = (n: number): Writer => (codec === CODEC_8E ? w.u16(n) : w.u8(n));
  const id = (n: number): Writer => (wide ? w.u16(n) : w.u8(n));
  if (wide) w.u16(r.eventIoId);
  else w.u8(r.eventIoId);
  if (codec === CODEC_16) w.u8(r.generationType ?? 0);
  const nx = codec === CODEC_8E ? (r.nx ?? []) : [];
  count(r.io.length + nx.length);
  for (const width of [1, 2, 4, 8] as const) {
    const group = r.io.filter((e) => e.width === width);
    count(group.length);
    for (const e of group) id(e.id).uN(e.value, width);
  }
  if (codec === CODEC_8E) {
    w.u16(nx.length);
    for (const e of nx) w.u16(e.id).u16(e.bytes.length).bytes(e.bytes);
  }
}

/** Preamble, data length, data, CRC (two zero bytes and the CRC-16/IBM). */
export function encodeTcpPacket(data: Buffer): Buffer {
  return new Writer().u32(0).u32(data.length).bytes(data).u32(crc16Ibm(data)).done();
}

export function encodeImei(imei: string): Buffer {
  return new Writer().u16(imei.length).bytes(Buffer.from(imei, 'latin1')).done();
}

export function encodeUdpDatagram(packetId: number, avlPacketId: number, imei: string, data: Buffer): Buffer {
  const body = new Writer().u16(packetId).u8(0x01).u8(avlPacketId).bytes(encodeImei(imei)).bytes(data).done();
  return new Writer().u16(body.length).bytes(body).done();
}

/** A plain valid record, for tests that only need something well formed. */
export function sampleRecord(overrides: Partial<AvlRecordSpec> = {}): AvlRecordSpec {
  return {
    timestampMs: 1_700_000_000_000n,
    priority: 0,
    lonE7: 252_562_916,
    latE7: 546_676_016,
    altitudeM: 138,
    angleDeg: 90,
    satellites: 7,
    speedKmh: 54,
    eventIoId: 0,
    io: [{ id: 239, width: 1, value: 1n }],
    ...overrides,
  };
}

export { CODEC_8, CODEC_8E, CODEC_16 };
