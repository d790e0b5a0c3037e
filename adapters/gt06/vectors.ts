/**
 * Hex vectors for the tests, each with its source. "GT06 doc" is Concox's
 * "GPS Tracker Communication Protocol (GT06)" (cothinking/Concox, v1.x);
 * "GT800 doc" is Concox's "GPS Tracker Communication Protocol (JM-VL02,
 * JM-VG03, ..., GT300, GT800, ...)" V3.1 (2021-02-19). Every vector below was
 * checked: its length field and CRC-ITU agree with its bytes, except the two
 * marked DOC TYPO, kept to prove that they are rejected.
 */

export interface Vector {
  hex: string;
  source: string;
}

const v = (hex: string, source: string): Vector => ({ hex: hex.replace(/\s+/g, '').toUpperCase(), source });

export const LOGIN = v('78 78 0D 01 01 23 45 67 89 01 23 45 00 01 8C DD 0D 0A', 'GT06 doc §5.1.3 (terminal id 123456789012345)');
export const LOGIN_ANSWER = v('78 78 05 01 00 01 D9 DC 0D 0A', 'GT06 doc §5.1.3 response');
export const LOGIN_CAPTURE = v('78 78 0D 01 03 53 41 35 32 15 03 62 00 02 2D 06 0D 0A', 'GT06 doc Appendix B, login transmission');
export const LOGIN_CAPTURE_ANSWER = v('78 78 05 01 00 02 EB 47 0D 0A', 'GT06 doc Appendix B, login reception');
export const LOGIN_WITH_TIMEZONE = v(
  '78 78 11 01 07 52 53 36 78 90 02 42 70 00 32 01 00 05 12 79 0D 0A',
  'GT800 doc §1.1 (terminal id + model code + time zone/language)',
);
export const LOGIN_WITH_TIMEZONE_ANSWER = v('78 78 05 01 00 05 9F F8 0D 0A', 'GT800 doc §1.2');

export const LOCATION_12 = v(
  '78 78 1F 12 0B 08 1D 11 2E 10 CF 02 7A C7 EB 0C 46 58 49 00 14 8F 01 CC 00 28 7D 00 1F B8 00 03 80 81 0D 0A',
  'GT06 doc §5.2.1 table and Appendix B "GPS data packet"',
);
/** DOC TYPO: §5.2.2 prints the satellites byte as CC; the CRC (80 81) belongs to CF. */
export const LOCATION_12_TYPO = v(
  '78 78 1F 12 0B 08 1D 11 2E 10 CC 02 7A C7 EB 0C 46 58 49 00 14 8F 01 CC 00 28 7D 00 1F B8 00 03 80 81 0D 0A',
  'GT06 doc §5.2.2 (as printed)',
);
export const LOCATION_22 = v(
  '78 78 22 22 0F 0C 1D 02 33 05 C9 02 7A C8 18 0C 46 58 60 00 14 00 01 CC 00 28 7D 00 1F 71 00 00 01 00 08 20 86 0D 0A',
  'GT800 doc §3.1',
);

export const HEARTBEAT = v('78 78 0A 13 44 01 04 00 01 00 05 08 45 0D 0A', 'GT06 doc Appendix B, status packet transmission');
export const HEARTBEAT_ANSWER = v('78 78 05 13 00 05 AF D5 0D 0A', 'GT06 doc Appendix B, status packet reception');
/** DOC TYPO: §5.4.3 prints length 08 for 10 bytes, and 06 1F is not their CRC either way. */
export const HEARTBEAT_TYPO = v('78 78 08 13 4B 04 03 00 01 00 11 06 1F 0D 0A', 'GT06 doc §5.4.3 (as printed)');
/** The §5.4.3 answer is sound on its own: the ack for serial 0x0011. */
export const HEARTBEAT_ANSWER_0011 = v('78 78 05 13 00 11 F9 70 0D 0A', 'GT06 doc §5.4.3 response');
export const HEARTBEAT_GT800 = v('78 78 0A 13 40 04 04 00 01 00 0F DC EE 0D 0A', 'GT800 doc §2.1');
/** The GT800 doc's heartbeat answer example is for serial 0x0100 (not its request's 0x000F). */
export const HEARTBEAT_ANSWER_0100 = v('78 78 05 13 01 00 E1 A0 0D 0A', 'GT800 doc §2.2');
export const HEARTBEAT_EXTERNAL_POWER = v('78 78 0B 23 05 0F 92 04 00 02 00 08 8A 37 0D 0A', 'GT800 doc §2.1 (EG02/EG03, 0x23)');
export const HEARTBEAT_EXTERNAL_POWER_ANSWER = v('78 78 05 23 00 08 F2 9E 0D 0A', 'GT800 doc §2.2 (EG02/EG03 reply)');

export const ALARM_16 = v(
  '78 78 25 16 0B 0B 0F 0E 24 1D CF 02 7A C8 87 0C 46 57 E6 00 14 02 09 01 CC 00 28 7D 00 1F 72 65 06 04 01 01 00 36 56 A4 0D 0A',
  'GT06 doc §5.3.1.21 and Appendix B (SOS)',
);
export const ALARM_16_ANSWER = v('78 78 05 16 00 36 95 70 0D 0A', 'GT06 doc §5.3.2.7 and Appendix B');
export const ALARM_26 = v(
  '78 78 25 26 12 03 0C 06 38 16 C3 02 6C 10 54 0C 38 C9 70 01 44 03 09 01 CC 00 28 66 00 0E EE 0C 06 04 03 02 00 0D A2 DB 0D 0A',
  'GT800 doc §6.1, alarm packet (one fence)',
);
/** Printed under "multiple fences" but its protocol byte is 0x26 and it has no fence byte. */
export const ALARM_26_NO_ALARM_CODE = v(
  '78 78 25 26 11 0C 0D 13 37 36 CB 02 6C 15 A6 0C 38 CF 0A 00 54 B9 08 01 CC 00 28 66 00 0E EE D8 02 04 00 02 00 1D 76 F9 0D 0A',
  'GT800 doc §6.1, example under "alarm packet (multiple fences)"',
);
export const ALARM_26_ANSWER_001C = v('78 78 05 26 00 1C 9D 86 0D 0A', 'GT800 doc §6.2');
export const ALARM_27 = v(
  '78 78 26 27 10 04 19 09 2D 07 C5 02 7A C9 1C 0C 46 58 00 00 05 37 09 00 00 00 00 00 00 00 00 80 02 00 0C 01 FF 00 00 4D F6 0D 0A',
  'Concox JM-VL03 protocol V1.1.2 §5 (0x27), via the transcription in github.com/fcode09/jimi-vl103m docs/README_VL03_Protocol.md',
);
export const LBS_ALARM_19 = v('78 78 12 19 01 CC 00 28 7D 00 1F 71 20 04 04 01 01 00 94 6C 89 0D 0A', 'GT800 doc §7.1');

export const TIME_REQUEST = v('78 78 05 8A 00 06 88 29 0D 0A', 'GT800 doc §9.1');
export const TIME_ANSWER = v('78 78 0B 8A 0F 0C 1D 00 00 15 00 06 F0 86 0D 0A', 'GT800 doc §9.2 (2015-12-29 00:00:21 UTC)');

export const INFO_94_STATUS_SYNC = v(
  '79 79 00 7F 94 04 41 4C 4D 31 3D 43 34 3B 41 4C 4D 32 3D 43 43 3B 41 4C 4D 33 3D 34 43 3B 53 54 41 31 3D 43 30 3B 44 59 44 3D 30 31 3B 53 4F 53 3D 2C 2C 3B 43 45 4E 54 45 52 3D 3B 46 45 4E 43 45 3D 46 65 6E 63 65 2C 4F 4E 2C 30 2C 32 33 2E 31 31 31 38 30 39 2C 31 31 34 2E 34 30 39 32 36 34 2C 34 30 30 2C 49 4E 20 6F 72 20 4F 55 54 2C 30 3B 4D 49 46 49 3D 4D 49 46 49 2C 4F 46 46 00 0A 06 1E 0D 0A',
  'GT800 doc §10.1 (0x94 type 04, terminal status synchronisation)',
);
export const INFO_94_FUEL = v(
  '79 79 00 3F 94 0D 11 09 07 08 0C 03 21 41 49 4F 49 4C 2C 30 32 2C 30 32 35 2E 39 30 30 2C 30 32 35 2E 34 30 30 2C 35 31 39 4A 2C 30 32 30 30 2C 30 32 37 2E 31 34 30 2C 30 2C 30 30 2C 39 46 83 A7 0D 12 0D 0A',
  'GT800 doc §10.1 (0x94 type 0D, fuel sensor)',
);

export function bytes(vec: Vector): Buffer {
  return Buffer.from(vec.hex, 'hex');
}
