import type { Position } from '../../engine/model/index.ts';

/**
 * The 12-byte GPS block shared by 0x10/0x12/0x16/0x22/0x26/0x27/0xA0:
 *   [0]     high nibble: GPS info length, low nibble: satellites in the fix
 *   [1..4]  latitude, minutes x 30000 (so degrees = raw / 1,800,000)
 *   [5..8]  longitude, same scale
 *   [9]     speed, km/h
 *   [10..11] course and status: bit13 differential, bit12 positioned,
 *            bit11 west (1) / east (0), bit10 north (1) / south (0),
 *            bits 0-9 course in degrees
 * (Concox GT06 protocol §5.2.1.5-5.2.1.9; same table in the GT800/JM-VL02 V3.1
 * document §3.1.)
 */

export const GPS_BLOCK_BYTES = 12;

/** Minutes x 30000 per degree. */
const RAW_PER_DEGREE = 30000 * 60;

const FLAG_DIFFERENTIAL = 0x2000;
const FLAG_POSITIONED = 0x1000;
const FLAG_WEST = 0x0800;
const FLAG_NORTH = 0x0400;
const COURSE_MASK = 0x03ff;

export interface GpsFix {
  position: Position;
  /** Course/status bit 5 of the first byte: 0 real-time GPS, 1 differential positioning. */
  differential: boolean;
}

export type GpsBlockResult = { ok: true; fix: GpsFix } | { ok: false; reason: string };

export function readGpsBlock(b: Buffer, off: number): GpsBlockResult {
  const satellites = (b[off] as number) & 0x0f;
  const latRaw = b.readUInt32BE(off + 1);
  const lonRaw = b.readUInt32BE(off + 5);
  const speedKmh = b[off + 9] as number;
  const cs = b.readUInt16BE(off + 10);

  const latAbs = latRaw / RAW_PER_DEGREE;
  const lonAbs = lonRaw / RAW_PER_DEGREE;
  if (latAbs > 90) return { ok: false, reason: `latitude ${latAbs} exceeds 90` };
  if (lonAbs > 180) return { ok: false, reason: `longitude ${lonAbs} exceeds 180` };
  const course = cs & COURSE_MASK;
  if (course > 360) return { ok: false, reason: `course ${course} exceeds 360` };

  return {
    ok: true,
    fix: {
      position: {
        // `0 - x` rather than `-x`: a zero coordinate stays +0, never -0.
        lat: cs & FLAG_NORTH ? latAbs : 0 - latAbs,
        lon: cs & FLAG_WEST ? 0 - lonAbs : lonAbs,
        speedKmh,
        headingDeg: course,
        satellites,
        valid: (cs & FLAG_POSITIONED) !== 0,
      },
      differential: (cs & FLAG_DIFFERENTIAL) !== 0,
    },
  };
}
