import { cellAttributes, readCellInfo, type CellGeneration } from './cell-info.ts';
import { DATE_TIME_BYTES, readDateTime } from './date-time.ts';
import type { DecodeOutcome, RecordDraft } from './decode-outcome.ts';
import { GPS_BLOCK_BYTES, readGpsBlock } from './gps-block.ts';

/**
 * Position packets. None of them is answered by the server (GT800 V3.1 §3.2
 * "Location packet server no response"; GT06's Appendix B shows no reception
 * for 0x12).
 *
 *   0x10 GPS:           date-time, GPS block, [reserved]                      (GT06 App. C)
 *   0x11 LBS:           date-time, cell (2G), [reserved]                      (GT06 App. C)
 *   0x12 GPS+LBS:       date-time, GPS block, cell (2G), [reserved]           (GT06 §5.2)
 *   0x22 GPS+LBS (UTC): 0x12 + ACC (1), upload mode (1), re-upload (1),
 *                       [mileage (4)]                                         (GT800 V3.1 §3.1)
 *   0xA0 (4G cells):    0x22 with LAC 4 bytes and cell id 8                   (JM-VL03)
 *
 * "06 series" devices send 0x22 without the three trailing bytes, so each
 * trailing field is read only when present.
 */

export function decodeGps(content: Buffer): DecodeOutcome {
  return decodePosition(content, undefined, false);
}

export function decodeGpsLbs(content: Buffer): DecodeOutcome {
  return decodePosition(content, '2g', false);
}

export function decodeGpsLbsUtc(content: Buffer): DecodeOutcome {
  return decodePosition(content, '2g', true);
}

export function decodeGpsLbs4g(content: Buffer): DecodeOutcome {
  return decodePosition(content, '4g', true);
}

/** 0x11: cell only, no GPS. The record carries the cell as attributes and no position. */
export function decodeLbs(content: Buffer): DecodeOutcome {
  if (content.length < DATE_TIME_BYTES) return { kind: 'malformed', reason: 'LBS packet shorter than its date-time' };
  const cell = readCellInfo(content, DATE_TIME_BYTES, content.length, '2g');
  if (!cell.ok) return { kind: 'malformed', reason: cell.reason };
  const time = readDateTime(content, 0);
  if (!time.ok) return { kind: 'invalid', reason: time.reason };
  return { kind: 'record', record: { deviceTime: time.epochMs, attributes: cellAttributes(cell.cell) } };
}

function decodePosition(content: Buffer, cells: CellGeneration | undefined, trailing: boolean): DecodeOutcome {
  const fixed = DATE_TIME_BYTES + GPS_BLOCK_BYTES;
  if (content.length < fixed) return { kind: 'malformed', reason: `position content of ${content.length} bytes, need ${fixed}` };
  let p = fixed;
  const attributes: Record<string, string | number | boolean> = {};
  const record: RecordDraft = { deviceTime: 0, attributes };
  if (cells !== undefined) {
    const cell = readCellInfo(content, p, content.length, cells);
    if (!cell.ok) return { kind: 'malformed', reason: cell.reason };
    Object.assign(attributes, cellAttributes(cell.cell));
    p += cell.size;
  }
  if (trailing) {
    if (p < content.length) record.ignition = content[p++] === 0x01;
    if (p < content.length) attributes.uploadMode = content[p++] as number;
    // 0x00 real-time, 0x01 re-upload of a buffered fix.
    if (p < content.length) attributes.reupload = content[p++] === 0x01;
    if (content.length - p >= 4) {
      // Unit not stated by the documents ("turn HEX into decimal"); kept raw.
      attributes.mileage = content.readUInt32BE(p);
      p += 4;
    }
  }
  // Check values only after the layout is known to be sound, so a short frame is 'malformed', not 'invalid'.
  const time = readDateTime(content, 0);
  if (!time.ok) return { kind: 'invalid', reason: time.reason };
  const gps = readGpsBlock(content, DATE_TIME_BYTES);
  if (!gps.ok) return { kind: 'invalid', reason: gps.reason };
  record.deviceTime = time.epochMs;
  record.position = gps.fix.position;
  attributes.gpsDifferential = gps.fix.differential;
  return { kind: 'record', record };
}
