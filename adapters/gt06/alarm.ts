import type { Alarm } from '../../engine/model/index.ts';
import { ALARM_CODES, ALARM_LANGUAGES, LANGUAGE_NO_REPLY } from './alarm-codes.ts';
import { cellAttributes, readCellInfo } from './cell-info.ts';
import { DATE_TIME_BYTES, readDateTime } from './date-time.ts';
import { receiveTimeOf, type DecodeContext, type DecodeOutcome, type RecordDraft } from './decode-outcome.ts';
import { GPS_BLOCK_BYTES, readGpsBlock } from './gps-block.ts';
import { decodeTerminalInfo } from './terminal-info.ts';

/**
 * Alarm packets: position + cell + status + alarm code, answered with the
 * alarm's own protocol number and serial (GT06 §5.3.2, example
 * `78 78 05 16 00 36 95 70 0D 0A`; GT800 V3.1 §6.2 for 0x26) unless the
 * language byte is 0x00, which V3.1 defines as "no need for reply".
 *
 *   0x16 / 0x26: date-time (6), GPS block (12), LBS length (1, see below),
 *                cell, terminal info (1), voltage level (1), GSM signal (1),
 *                alarm code (1), language (1), [mileage (4)]
 *   0x27:        as 0x26 plus a fence number (1) after the language
 *   0x19:        LBS alarm without GPS and without time: cell, terminal info,
 *                voltage, GSM, alarm code, language (GT800 V3.1 §7)
 *
 * An alarm is the one record that must not be lost to a bad GPS block (an SOS
 * pressed before the first fix): when the date-time or the position is out of
 * range and the packet carries a model alarm, the record is still emitted
 * without the bad part: the receive time replaces a bad date-time (reason in
 * `invalidTime`), a bad position is left out (reason in `invalidGps`). An
 * alarm packet without a model alarm (code 0x00, power-on notice...) with bad
 * values is skipped like any position, and still answered.
 */

const STATUS_BYTES = 5;

export function decodeAlarm(content: Buffer, ctx: DecodeContext): DecodeOutcome {
  return decodeGpsAlarm(content, ctx, false);
}

export function decodeAlarmMultiFence(content: Buffer, ctx: DecodeContext): DecodeOutcome {
  return decodeGpsAlarm(content, ctx, true);
}

export function decodeLbsAlarm(content: Buffer, ctx: DecodeContext): DecodeOutcome {
  const cell = readCellInfo(content, 0, content.length, '2g');
  if (!cell.ok) return { kind: 'malformed', reason: cell.reason };
  const p = cell.size;
  if (content.length - p < STATUS_BYTES) return { kind: 'malformed', reason: 'LBS alarm status truncated' };
  const attributes = cellAttributes(cell.cell);
  const record: RecordDraft = { deviceTime: receiveTimeOf(ctx, attributes), attributes };
  return finishAlarm(record, content, p);
}

function decodeGpsAlarm(content: Buffer, ctx: DecodeContext, withFence: boolean): DecodeOutcome {
  const fixed = DATE_TIME_BYTES + GPS_BLOCK_BYTES;
  if (content.length < fixed + 1) return { kind: 'malformed', reason: `alarm content of ${content.length} bytes` };
  let p = fixed;
  const lbsLength = content[p] as number;
  const attributes: Record<string, string | number | boolean> = {};
  // The text says the LBS length counts its own byte (examples show 0x09 for an
  // 8-byte cell), but the GT800 doc's second 0x26 example sends 0x08 for the
  // same 8 bytes. Accept both; 0 or 1 means "no cell block".
  let lbsBlock = Math.max(1, lbsLength);
  if (lbsLength > 1) {
    const cell = readCellInfo(content, p + 1, content.length, '2g');
    if (!cell.ok || lbsLength < cell.size) return { kind: 'malformed', reason: `LBS length ${lbsLength} cannot hold a cell block` };
    if (lbsLength === cell.size) lbsBlock = cell.size + 1;
    Object.assign(attributes, cellAttributes(cell.cell));
  }
  if (content.length - p < lbsBlock + STATUS_BYTES) return { kind: 'malformed', reason: 'alarm status truncated' };
  p += lbsBlock;
  const record: RecordDraft = { deviceTime: 0, attributes };

  const time = readDateTime(content, 0);
  const gps = readGpsBlock(content, DATE_TIME_BYTES);
  record.deviceTime = time.ok ? time.epochMs : receiveTimeOf(ctx, attributes);
  if (!time.ok) attributes.invalidTime = time.reason;
  if (gps.ok) {
    record.position = gps.fix.position;
    attributes.gpsDifferential = gps.fix.differential;
  } else {
    attributes.invalidGps = gps.reason;
  }

  let q = p + STATUS_BYTES;
  if (withFence && q < content.length) {
    // 0xFF = no fence (JM-VL03); otherwise the fence number.
    attributes.fence = content[q++] as number;
  }
  if (content.length - q >= 4) attributes.mileage = content.readUInt32BE(q);
  const out = finishAlarm(record, content, p);
  // Without a model alarm to save, bad values skip the record like any position.
  if (out.kind === 'record' && out.record.alarms === undefined && (!time.ok || !gps.ok)) {
    const reason = !time.ok ? time.reason : !gps.ok ? gps.reason : '';
    return { kind: 'invalid', reason, answer: out.answer };
  }
  return out;
}

/** Reads the 5 status bytes at `p` into the record and decides the answer. */
function finishAlarm(record: RecordDraft, content: Buffer, p: number): DecodeOutcome {
  const attributes = record.attributes ?? {};
  const info = decodeTerminalInfo(content[p] as number);
  Object.assign(attributes, info.attributes);
  attributes.voltageLevel = content[p + 1] as number;
  attributes.gsmSignal = content[p + 2] as number;
  const code = content[p + 3] as number;
  const language = content[p + 4] as number;
  attributes.alarmCode = code;
  attributes.language = ALARM_LANGUAGES.get(language) ?? language;

  const alarms: Alarm[] = [...info.alarms];
  const spec = ALARM_CODES.get(code);
  if (spec !== undefined) {
    attributes.alarmName = spec.name;
    if (spec.geofence !== undefined) attributes.geofence = spec.geofence;
    if (spec.alarm !== undefined && !alarms.includes(spec.alarm)) alarms.push(spec.alarm);
  }
  record.attributes = attributes;
  record.ignition = info.ignition;
  if (alarms.length > 0) {
    record.alarms = alarms;
    record.priority = 'critical';
  }
  return { kind: 'record', record, answer: language !== LANGUAGE_NO_REPLY };
}
