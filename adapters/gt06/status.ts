import type { Alarm } from '../../engine/model/index.ts';
import { ALARM_LANGUAGES } from './alarm-codes.ts';
import { receiveTimeOf, type DecodeContext, type DecodeOutcome, type RecordDraft } from './decode-outcome.ts';
import { decodeTerminalInfo } from './terminal-info.ts';

/**
 * Heartbeats: a status-only record (no position), answered with the same
 * protocol number and serial (GT06 §5.4.2; GT800 V3.1 §2.2).
 *
 *   0x13: terminal info (1), voltage level 0-6 (1), GSM signal 0-4 (1),
 *         alarm-or-extended-port / language (2)
 *   0x23 (EG02/EG03): terminal info (1), external voltage (2, /100 V),
 *         GSM signal (1), language (2)
 *
 * A heartbeat has no time of its own, so its device time is the receive time.
 * The first byte of the trailing pair is "alarm" in GT06 §5.4.1.7 but
 * "extended port status" in GT800 V3.1 §2.1, so it is kept raw, not mapped
 * to an alarm; the alarm bits of the terminal-info byte are mapped.
 */

type Attributes = Record<string, string | number | boolean>;

const HEARTBEAT_MIN = 3;
const HEARTBEAT_EXT_MIN = 4;

export function decodeHeartbeat(content: Buffer, ctx: DecodeContext): DecodeOutcome {
  if (content.length < HEARTBEAT_MIN) return { kind: 'malformed', reason: `heartbeat content of ${content.length} bytes` };
  const info = decodeTerminalInfo(content[0] as number);
  const attributes: Attributes = { ...info.attributes, voltageLevel: content[1] as number, gsmSignal: content[2] as number };
  if (content.length >= 5) {
    attributes.statusByte = content[3] as number;
    attributes.language = languageOf(content[4] as number);
  }
  return { kind: 'record', record: statusRecord(ctx, info.ignition, info.alarms, attributes) };
}

export function decodeHeartbeatExternalPower(content: Buffer, ctx: DecodeContext): DecodeOutcome {
  if (content.length < HEARTBEAT_EXT_MIN) return { kind: 'malformed', reason: `heartbeat content of ${content.length} bytes` };
  const info = decodeTerminalInfo(content[0] as number);
  const attributes: Attributes = { ...info.attributes, gsmSignal: content[3] as number };
  if (content.length >= 6) attributes.language = languageOf(content[5] as number);
  const record = statusRecord(ctx, info.ignition, info.alarms, attributes);
  record.engine = { externalV: content.readUInt16BE(1) / 100 };
  return { kind: 'record', record };
}

function statusRecord(
  ctx: DecodeContext,
  ignition: boolean,
  alarms: Alarm[],
  attributes: Attributes,
): RecordDraft {
  const record: RecordDraft = { deviceTime: receiveTimeOf(ctx, attributes), ignition, attributes };
  if (alarms.length > 0) {
    record.alarms = alarms;
    record.priority = 'critical';
  }
  return record;
}

function languageOf(byte: number): string | number {
  return ALARM_LANGUAGES.get(byte) ?? byte;
}
