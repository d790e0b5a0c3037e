import { crcItu } from '../../adapters/gt06/crc-itu.ts';
import type { SimRecord } from './device.ts';

/**
 * GT06 / Concox frames, terminal side (layout as in adapters/gt06/README.md
 * and the Concox documents): login 0x01, GPS+LBS location 0x22 (with ACC,
 * upload mode, re-upload flag and mileage), heartbeat 0x13 and alarm 0x16.
 * The server answers login, heartbeats and alarms (`78 78 05 <protocol>
 * <serial> <crc> 0D 0A`); locations are not answered.
 */

export const GT06_LOGIN = 0x01;
export const GT06_LOCATION = 0x22;
export const GT06_HEARTBEAT = 0x13;
export const GT06_ALARM = 0x16;

const ALARM_CODE = { panic: 0x01, crash: 0x2c } as const;
const LANGUAGE_ENGLISH = 0x02; // anything but 0x00 asks for an answer

function frame(protocol: number, content: Buffer, serial: number): Buffer {
  const len = 1 + content.length + 2 + 2;
  const out = Buffer.alloc(3 + len + 2);
  out[0] = 0x78;
  out[1] = 0x78;
  out[2] = len;
  out[3] = protocol;
  content.copy(out, 4);
  const serialAt = 4 + content.length;
  out.writeUInt16BE(serial & 0xffff, serialAt);
  out.writeUInt16BE(crcItu(out, 2, serialAt + 2), serialAt + 2);
  out[out.length - 2] = 0x0d;
  out[out.length - 1] = 0x0a;
  return out;
}

export function encodeLogin(imei: string, serial: number): Buffer {
  return frame(GT06_LOGIN, Buffer.from(imei.padStart(16, '0'), 'hex'), serial);
}

function writeDateTime(b: Buffer, at: number, ms: number): void {
  const d = new Date(ms);
  b[at] = d.getUTCFullYear() - 2000;
  b[at + 1] = d.getUTCMonth() + 1;
  b[at + 2] = d.getUTCDate();
  b[at + 3] = d.getUTCHours();
  b[at + 4] = d.getUTCMinutes();
  b[at + 5] = d.getUTCSeconds();
}

/** 12-byte GPS block: satellites, lat/lon in minutes x 30000, speed, course and status. */
function writeGps(b: Buffer, at: number, r: SimRecord): void {
  b[at] = 0xc0 | Math.min(15, r.satellites);
  b.writeUInt32BE(Math.round(Math.abs(r.lat) * 1_800_000) >>> 0, at + 1);
  b.writeUInt32BE(Math.round(Math.abs(r.lon) * 1_800_000) >>> 0, at + 5);
  b[at + 9] = Math.min(255, Math.round(r.speedKmh));
  let cs = Math.round(r.headingDeg) % 360;
  cs |= 0x1000; // positioned
  if (r.lon < 0) cs |= 0x0800; // west
  if (r.lat >= 0) cs |= 0x0400; // north
  b.writeUInt16BE(cs, at + 10);
}

/** 2G cell: MCC, MNC, LAC, cell id (8 bytes). */
function writeCell(b: Buffer, at: number, r: SimRecord): void {
  b.writeUInt16BE(204, at);
  b[at + 2] = 8;
  b.writeUInt16BE(0x1000 + (Math.floor(r.lat * 10) & 0xfff), at + 3);
  const cell = (Math.floor(r.lon * 1000) & 0xffff) | 0x10000;
  b[at + 5] = (cell >> 16) & 0xff;
  b[at + 6] = (cell >> 8) & 0xff;
  b[at + 7] = cell & 0xff;
}

/** 0x22: date-time, GPS, cell, ACC, upload mode, re-upload flag, mileage. */
export function encodeLocation(r: SimRecord, serial: number): Buffer {
  const c = Buffer.alloc(6 + 12 + 8 + 3 + 4);
  writeDateTime(c, 0, r.deviceTime);
  writeGps(c, 6, r);
  writeCell(c, 18, r);
  c[26] = r.ignition ? 1 : 0;
  c[27] = 0x00; // upload at fixed time interval
  c[28] = r.buffered ? 1 : 0; // re-upload of a stored fix
  c.writeUInt32BE(Math.round(r.odometerM) >>> 0, 29);
  return frame(GT06_LOCATION, c, serial);
}

/** Terminal information byte: GPS tracking on, charging, ACC. */
function terminalInfo(ignition: boolean): number {
  return 0x40 | 0x04 | (ignition ? 0x02 : 0);
}

export function encodeHeartbeat(ignition: boolean, serial: number): Buffer {
  return frame(GT06_HEARTBEAT, Buffer.from([terminalInfo(ignition), 0x05, 0x04, 0x00, LANGUAGE_ENGLISH]), serial);
}

/** 0x16: date-time, GPS, LBS length + cell, terminal info, voltage, GSM, alarm code, language. */
export function encodeAlarm(r: SimRecord, serial: number): Buffer {
  const c = Buffer.alloc(6 + 12 + 1 + 8 + 5);
  writeDateTime(c, 0, r.deviceTime);
  writeGps(c, 6, r);
  c[18] = 9; // LBS length, counting itself
  writeCell(c, 19, r);
  c[27] = terminalInfo(r.ignition);
  c[28] = 0x05;
  c[29] = 0x04;
  c[30] = ALARM_CODE[r.alarm ?? 'panic'];
  c[31] = LANGUAGE_ENGLISH;
  return frame(GT06_ALARM, c, serial);
}

/** Splits server answers out of a byte stream: [protocol, serial] per complete frame, and the unread rest. */
export function readAnswers(buf: Buffer): { answers: { protocol: number; serial: number }[]; rest: Buffer } {
  const answers: { protocol: number; serial: number }[] = [];
  let p = 0;
  while (buf.length - p >= 5) {
    if (buf[p] !== 0x78 && buf[p] !== 0x79) {
      p++;
      continue;
    }
    const long = buf[p] === 0x79;
    const head = long ? 4 : 3;
    if (buf.length - p < head) break;
    const len = long ? buf.readUInt16BE(p + 2) : buf[p + 2]!;
    const total = head + len + 2;
    if (buf.length - p < total) break;
    const protocol = buf[p + head]!;
    const serial = buf.readUInt16BE(p + head + len - 4);
    answers.push({ protocol, serial });
    p += total;
  }
  return { answers, rest: buf.subarray(p) };
}
