import { crcItu } from './crc-itu.ts';

/**
 * Builds terminal -> server frames from field values, for tests and the fuzz
 * script only. It is written from the document's tables, independently of the
 * decoders, so a round trip checks both against the layout. Where no official
 * vector exists for a message (0x10, 0x11, 0xA0, 0x94 type 00/05/0A) the
 * tests build one here, and say so.
 */

export interface FrameSpec {
  protocol: number;
  content: Uint8Array;
  serial: number;
  /** Force the 0x7979 form (2-byte length); content over 250 bytes always uses it. */
  long?: boolean;
}

export function encodeFrame(spec: FrameSpec): Buffer {
  const len = 1 + spec.content.length + 2 + 2;
  const long = spec.long === true || len > 0xff;
  const head = long ? 4 : 3;
  const out = Buffer.alloc(head + len + 2);
  out[0] = out[1] = long ? 0x79 : 0x78;
  if (long) out.writeUInt16BE(len, 2);
  else out[2] = len;
  out[head] = spec.protocol;
  out.set(spec.content, head + 1);
  const serialAt = head + 1 + spec.content.length;
  out.writeUInt16BE(spec.serial & 0xffff, serialAt);
  out.writeUInt16BE(crcItu(out, 2, serialAt + 2), serialAt + 2);
  out[out.length - 2] = 0x0d;
  out[out.length - 1] = 0x0a;
  return out;
}

export function encodeLogin(imei: string, serial: number): Buffer {
  const digits = imei.padStart(16, '0');
  return encodeFrame({ protocol: 0x01, content: Buffer.from(digits, 'hex'), serial });
}

export interface DateTimeSpec {
  year: number; // 2000..2255
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export interface GpsSpec {
  satellites: number; // 0..15
  /** Raw latitude, minutes x 30000 (0..162,000,000 for 0..90 degrees). */
  latRaw: number;
  lonRaw: number;
  north: boolean;
  east: boolean;
  speedKmh: number; // 0..255
  course: number; // 0..1023 (values above 360 are invalid)
  positioned: boolean;
  differential: boolean;
}

export interface CellSpec {
  mcc: number;
  mnc: number;
  lac: number;
  cellId: number;
  twoByteMnc?: boolean;
}

export function dateTimeBytes(t: DateTimeSpec): number[] {
  return [t.year - 2000, t.month, t.day, t.hour, t.minute, t.second];
}

export function gpsBytes(g: GpsSpec): number[] {
  const out = Buffer.alloc(12);
  out[0] = 0xc0 | (g.satellites & 0x0f); // 0xC_: 12-byte GPS info, as devices send
  out.writeUInt32BE(g.latRaw >>> 0, 1);
  out.writeUInt32BE(g.lonRaw >>> 0, 5);
  out[9] = g.speedKmh;
  let cs = g.course & 0x3ff;
  if (g.differential) cs |= 0x2000;
  if (g.positioned) cs |= 0x1000;
  if (!g.east) cs |= 0x0800;
  if (g.north) cs |= 0x0400;
  out.writeUInt16BE(cs, 10);
  return [...out];
}

export function cellBytes(c: CellSpec, gen: '2g' | '4g' = '2g'): number[] {
  const out: number[] = [];
  const mcc = (c.mcc & 0x7fff) | (c.twoByteMnc ? 0x8000 : 0);
  out.push(mcc >> 8, mcc & 0xff);
  if (c.twoByteMnc) out.push((c.mnc >> 8) & 0xff, c.mnc & 0xff);
  else out.push(c.mnc & 0xff);
  if (gen === '4g') {
    const b = Buffer.alloc(12);
    b.writeUInt32BE(c.lac >>> 0, 0);
    b.writeBigUInt64BE(BigInt(c.cellId), 4);
    out.push(...b);
  } else {
    out.push((c.lac >> 8) & 0xff, c.lac & 0xff, (c.cellId >> 16) & 0xff, (c.cellId >> 8) & 0xff, c.cellId & 0xff);
  }
  return out;
}

export interface LocationSpec {
  time: DateTimeSpec;
  gps: GpsSpec;
  cell: CellSpec;
  /** 0x22/0xA0 trailing bytes. */
  acc?: boolean;
  uploadMode?: number;
  reupload?: boolean;
  mileage?: number;
}

export function encodeLocation(protocol: 0x10 | 0x12 | 0x22 | 0xa0, s: LocationSpec, serial: number): Buffer {
  const content = [...dateTimeBytes(s.time), ...gpsBytes(s.gps)];
  if (protocol !== 0x10) content.push(...cellBytes(s.cell, protocol === 0xa0 ? '4g' : '2g'));
  if (protocol === 0x22 || protocol === 0xa0) {
    content.push(s.acc ? 1 : 0, s.uploadMode ?? 0, s.reupload ? 1 : 0);
    if (s.mileage !== undefined) {
      const m = Buffer.alloc(4);
      m.writeUInt32BE(s.mileage >>> 0);
      content.push(...m);
    }
  }
  return encodeFrame({ protocol, content: Uint8Array.from(content), serial });
}

export function encodeLbs(time: DateTimeSpec, cell: CellSpec, serial: number): Buffer {
  return encodeFrame({ protocol: 0x11, content: Uint8Array.from([...dateTimeBytes(time), ...cellBytes(cell)]), serial });
}

export interface StatusSpec {
  terminalInfo: number;
  voltageLevel: number;
  gsmSignal: number;
  alarmCode: number;
  language: number;
}

export function encodeHeartbeat(s: StatusSpec, serial: number): Buffer {
  const content = [s.terminalInfo, s.voltageLevel, s.gsmSignal, s.alarmCode, s.language];
  return encodeFrame({ protocol: 0x13, content: Uint8Array.from(content), serial });
}

export function encodeAlarm(
  protocol: 0x16 | 0x26 | 0x27,
  loc: { time: DateTimeSpec; gps: GpsSpec; cell: CellSpec },
  s: StatusSpec,
  serial: number,
  fence?: number,
): Buffer {
  const cell = cellBytes(loc.cell);
  const content = [...dateTimeBytes(loc.time), ...gpsBytes(loc.gps), cell.length + 1, ...cell];
  content.push(s.terminalInfo, s.voltageLevel, s.gsmSignal, s.alarmCode, s.language);
  if (protocol === 0x27) content.push(fence ?? 0xff);
  return encodeFrame({ protocol, content: Uint8Array.from(content), serial });
}

export function encodeInformation(subtype: number, data: number[], serial: number): Buffer {
  return encodeFrame({ protocol: 0x94, content: Uint8Array.from([subtype, ...data]), serial, long: true });
}
