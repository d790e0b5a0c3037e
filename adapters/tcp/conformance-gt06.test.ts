import { createGt06Session } from '../gt06/session.ts';
import {
  ALARM_16,
  ALARM_26,
  HEARTBEAT,
  INFO_94_STATUS_SYNC,
  LOCATION_12,
  LOCATION_12_TYPO,
  LOCATION_22,
  LOGIN,
  TIME_REQUEST,
  bytes,
} from '../gt06/vectors.ts';
import { describeSessionConformance } from './conformance.ts';

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);

describeSessionConformance({
  name: 'gt06',
  createSession: (limits) => createGt06Session(limits, { now: () => NOW }),
  // LOCATION_12_TYPO is the document's misprint (wrong CRC): it must be ignored however it is chunked.
  frames: [LOGIN, LOCATION_12, LOCATION_22, HEARTBEAT, ALARM_16, ALARM_26, TIME_REQUEST, INFO_94_STATUS_SYNC, LOCATION_12_TYPO].map(bytes),
  // 0x7979 frame whose 2-byte length claims 65,535 bytes.
  oversizedHeader: Buffer.from('7979ffff', 'hex'),
});
