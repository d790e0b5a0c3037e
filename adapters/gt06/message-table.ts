import { decodeAlarm, decodeAlarmMultiFence, decodeLbsAlarm } from './alarm.ts';
import type { MessageDecoder } from './decode-outcome.ts';
import { decodeInformation } from './information.ts';
import { decodeGps, decodeGpsLbs, decodeGpsLbs4g, decodeGpsLbsUtc, decodeLbs } from './location.ts';
import { PROTOCOL } from './protocol-numbers.ts';
import { decodeHeartbeat, decodeHeartbeatExternalPower } from './status.ts';

/**
 * Every record-carrying message as data: which decoder, and whether the server
 * answers it (`ack`: `78 78 05 <protocol> <serial> <crc> 0D 0A`). Login (0x01)
 * and time calibration (0x8A) are not here: they produce an identify / reply
 * step, not records, and the session handles them itself.
 */
export interface RecordMessage {
  name: string;
  decode: MessageDecoder;
  /** true: answer with ack(protocol, serial) once the records are durable. */
  ack: boolean;
}

export const RECORD_MESSAGES: ReadonlyMap<number, RecordMessage> = new Map<number, RecordMessage>([
  [PROTOCOL.gps, { name: 'gps', decode: decodeGps, ack: false }],
  [PROTOCOL.lbs, { name: 'lbs', decode: decodeLbs, ack: false }],
  [PROTOCOL.gpsLbs, { name: 'location', decode: decodeGpsLbs, ack: false }],
  [PROTOCOL.gpsLbsUtc, { name: 'location-utc', decode: decodeGpsLbsUtc, ack: false }],
  [PROTOCOL.gpsLbs4g, { name: 'location-4g', decode: decodeGpsLbs4g, ack: false }],
  [PROTOCOL.heartbeat, { name: 'heartbeat', decode: decodeHeartbeat, ack: true }],
  [PROTOCOL.heartbeatExternalPower, { name: 'heartbeat-external-power', decode: decodeHeartbeatExternalPower, ack: true }],
  [PROTOCOL.alarm, { name: 'alarm', decode: decodeAlarm, ack: true }],
  [PROTOCOL.alarmUtc, { name: 'alarm-utc', decode: decodeAlarm, ack: true }],
  [PROTOCOL.alarmMultiFence, { name: 'alarm-multi-fence', decode: decodeAlarmMultiFence, ack: true }],
  // Not stated for 0x19; answered like the other alarms (GT06 §5.1.2: the answer carries the packet's own number).
  [PROTOCOL.lbsAlarm, { name: 'lbs-alarm', decode: decodeLbsAlarm, ack: true }],
  [PROTOCOL.information, { name: 'information', decode: decodeInformation, ack: false }],
]);
