import { encodeShortFrame, writeDateTime } from '../../adapters/gt06/index.ts';
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

const frame = encodeShortFrame;

export function encodeLogin(imei: string, serial: number): Buffer {
  return frame(GT06_LOGIN, Buffer.from(imei.padStart(16, '0'), 'hex'), serial);
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
  writeDateTime(r.deviceTime, c, 0);
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
  writeDateTime(r.deviceTime, c, 0);
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
