import { crc16Ibm } from '../../adapters/teltonika/crc16-ibm.ts';
import type { SimRecord } from './device.ts';

/**
 * Teltonika Codec 8 Extended over TCP, device side: the IMEI handshake and
 * AVL packets of several records, written in one pass into one buffer (the
 * simulator encodes tens of thousands of records a second). IO ids follow
 * the FMB table the platform decodes (adapters/teltonika/io-map.ts):
 *
 *   1 byte : 239 ignition, 240 movement, 21 GSM signal, 32 coolant °C (OBD), 247 crash
 *   2 bytes: 66 external V (mV), 67 battery V (mV), 182 HDOP x10, 36 rpm (OBD), 72/73 Dallas probes (x0.1 °C)
 *   1 byte : 48 fuel level % (OBD; not in the FMB table, so kept as attribute io48)
 *   4 bytes: 16 total odometer (m), 12 fuel used (x0.001 l, OBD)
 *   8 bytes: 78 iButton driver id
 *
 * Panic is record priority 2 (the platform's critical lane); a crash is IO 247.
 */

export const CODEC_8E = 0x8e;
export const PRIORITY_LOW = 0;
export const PRIORITY_PANIC = 2;

export function encodeImeiHandshake(imei: string): Buffer {
  const b = Buffer.alloc(2 + imei.length);
  b.writeUInt16BE(imei.length, 0);
  b.write(imei, 2, 'latin1');
  return b;
}

interface Io {
  id: number;
  v: number | bigint;
}

function iosOf(r: SimRecord): [Io[], Io[], Io[], Io[]] {
  const one: Io[] = [
    { id: 239, v: r.ignition ? 1 : 0 },
    { id: 240, v: r.moving ? 1 : 0 },
    { id: 21, v: 4 },
  ];
  const two: Io[] = [
    { id: 66, v: r.externalMv },
    { id: 67, v: r.batteryMv },
    { id: 182, v: r.satellites >= 8 ? 8 : 14 },
  ];
  const four: Io[] = [{ id: 16, v: r.odometerM }];
  const eight: Io[] = [];
  if (r.obd) {
    one.push({ id: 32, v: r.obd.coolantC & 0xff });
    two.push({ id: 36, v: r.obd.rpm });
    four.push({ id: 12, v: Math.round(r.obd.fuelUsedL * 1000) >>> 0 });
    one.push({ id: 48, v: r.obd.fuelLevelPct });
  }
  if (r.probesC) r.probesC.slice(0, 4).forEach((t, i) => two.push({ id: 72 + i, v: Math.round(t * 10) & 0xffff }));
  if (r.driverId) eight.push({ id: 78, v: BigInt(`0x${r.driverId}`) });
  if (r.alarm === 'crash') one.push({ id: 247, v: 1 });
  return [one, two, four, eight];
}

function recordSize(ios: Io[][]): number {
  // gps element 24 (incl. timestamp 8 and priority 1) + event id 2 + total count 2 + 4 group counts + nx count
  let n = 24 + 2 + 2 + 2 * 4 + 2;
  const widths = [1, 2, 4, 8];
  ios.forEach((g, i) => (n += g.length * (2 + widths[i]!)));
  return n;
}

/** One TCP packet: preamble, data length, codec 8E data with `records`, CRC-16/IBM. */
export function encodeAvlPacket(records: readonly SimRecord[]): Buffer {
  if (records.length === 0 || records.length > 255) throw new RangeError(`a packet holds 1..255 records, got ${records.length}`);
  const all = records.map(iosOf);
  let dataLen = 1 + 1 + 1;
  for (const ios of all) dataLen += recordSize(ios);
  const buf = Buffer.alloc(8 + dataLen + 4);
  buf.writeUInt32BE(0, 0);
  buf.writeUInt32BE(dataLen, 4);
  let p = 8;
  buf[p++] = CODEC_8E;
  buf[p++] = records.length;
  records.forEach((r, k) => {
    const ios = all[k]!;
    buf.writeBigUInt64BE(BigInt(r.deviceTime), p);
    p += 8;
    buf[p++] = r.alarm === 'panic' ? PRIORITY_PANIC : PRIORITY_LOW;
    buf.writeInt32BE(Math.round(r.lon * 1e7), p);
    buf.writeInt32BE(Math.round(r.lat * 1e7), p + 4);
    buf.writeInt16BE(Math.max(-32768, Math.min(32767, Math.round(r.altitudeM))), p + 8);
    buf.writeUInt16BE(Math.round(r.headingDeg) % 360, p + 10);
    buf[p + 12] = r.satellites;
    buf.writeUInt16BE(Math.round(r.speedKmh), p + 13);
    p += 15;
    buf.writeUInt16BE(r.alarm === 'crash' ? 247 : 0, p);
    const total = ios[0].length + ios[1].length + ios[2].length + ios[3].length;
    buf.writeUInt16BE(total, p + 2);
    p += 4;
    buf.writeUInt16BE(ios[0].length, p);
    p += 2;
    for (const e of ios[0]) {
      buf.writeUInt16BE(e.id, p);
      buf[p + 2] = Number(e.v) & 0xff;
      p += 3;
    }
    buf.writeUInt16BE(ios[1].length, p);
    p += 2;
    for (const e of ios[1]) {
      buf.writeUInt16BE(e.id, p);
      buf.writeUInt16BE(Number(e.v) & 0xffff, p + 2);
      p += 4;
    }
    buf.writeUInt16BE(ios[2].length, p);
    p += 2;
    for (const e of ios[2]) {
      buf.writeUInt16BE(e.id, p);
      buf.writeUInt32BE(Number(e.v) >>> 0, p + 2);
      p += 6;
    }
    buf.writeUInt16BE(ios[3].length, p);
    p += 2;
    for (const e of ios[3]) {
      buf.writeUInt16BE(e.id, p);
      buf.writeBigUInt64BE(BigInt.asUintN(64, BigInt(e.v)), p + 2);
      p += 10;
    }
    buf.writeUInt16BE(0, p); // no NX (variable-length) elements
    p += 2;
  });
  buf[p++] = records.length;
  buf.writeUInt32BE(crc16Ibm(buf, 8, 8 + dataLen), p);
  return buf;
}
