import type { Alarm } from '../../engine/model/index.ts';

/**
 * First byte of "Alarm/Language" in alarm packets, as data.
 * 0x00-0x05: Concox GT06 protocol §5.3.1.17.
 * 0x06 and up: Concox GT800/JM-VL02/... protocol V3.1 §6.1 "Alarm language"
 * (the JM-VL03 document agrees where they overlap).
 * `alarm` is set only where the code means one of the model's alarms; every
 * other code still travels as attributes (`alarmCode`, `alarmName`).
 */
export interface AlarmCodeSpec {
  name: string;
  alarm?: Alarm;
  /** For fence codes: which way the geofence was crossed. */
  geofence?: 'enter' | 'exit';
}

export const ALARM_CODES: ReadonlyMap<number, AlarmCodeSpec> = new Map<number, AlarmCodeSpec>([
  [0x00, { name: 'normal' }],
  [0x01, { name: 'sos', alarm: 'panic' }],
  [0x02, { name: 'powerCut', alarm: 'powerCut' }],
  [0x03, { name: 'vibration', alarm: 'vibration' }],
  [0x04, { name: 'fenceIn', alarm: 'geofence', geofence: 'enter' }],
  [0x05, { name: 'fenceOut', alarm: 'geofence', geofence: 'exit' }],
  [0x06, { name: 'overspeed', alarm: 'overspeed' }],
  // JM-VL01 V14 redefined 0x09 as "moving"; JM-VL03 calls it tow/theft. No model alarm fits both.
  [0x09, { name: 'moving' }],
  [0x0a, { name: 'gpsBlindZoneEnter' }],
  [0x0b, { name: 'gpsBlindZoneExit' }],
  [0x0c, { name: 'powerOn' }],
  [0x0d, { name: 'gpsFirstFix' }],
  [0x0e, { name: 'externalLowBattery', alarm: 'lowBattery' }],
  [0x0f, { name: 'externalLowBatteryProtection', alarm: 'lowBattery' }],
  [0x10, { name: 'simChanged' }],
  [0x11, { name: 'powerOff' }],
  [0x12, { name: 'airplaneMode' }],
  [0x13, { name: 'disassemble', alarm: 'tamper' }],
  [0x14, { name: 'door' }],
  [0x15, { name: 'lowPowerShutdown', alarm: 'lowBattery' }],
  [0x16, { name: 'sound' }],
  // A rogue (pseudo) base station is how GSM jammers/IMSI catchers show up.
  [0x17, { name: 'pseudoBaseStation', alarm: 'jamming' }],
  [0x18, { name: 'coverOpened', alarm: 'tamper' }],
  [0x19, { name: 'internalLowBattery', alarm: 'lowBattery' }],
  [0x20, { name: 'sleepMode' }],
  [0x23, { name: 'fall' }],
  [0x24, { name: 'chargerInserted' }],
  [0x29, { name: 'harshAcceleration', alarm: 'harshAcceleration' }],
  [0x2a, { name: 'sharpLeftTurn', alarm: 'harshCornering' }],
  [0x2b, { name: 'sharpRightTurn', alarm: 'harshCornering' }],
  [0x2c, { name: 'collision', alarm: 'crash' }],
  [0x2d, { name: 'rollover', alarm: 'crash' }],
  [0x30, { name: 'harshBraking', alarm: 'harshBraking' }],
  // "Pull alarm" in V3.1, "device unplugged" in JM-VL03: someone removed the tracker.
  [0x32, { name: 'unplugged', alarm: 'tamper' }],
  [0x3c, { name: 'carTheft' }],
  [0x3d, { name: 'illegalStart' }],
  [0x3e, { name: 'button' }],
  [0x4b, { name: 'tilt' }],
  [0x4c, { name: 'sharpTurn', alarm: 'harshCornering' }],
  [0x4d, { name: 'abruptLaneChange', alarm: 'harshCornering' }],
  [0x4e, { name: 'vehicleStability' }],
  [0x4f, { name: 'vehicleAngleAbnormal' }],
  [0x5e, { name: 'pulseLineCut' }],
  [0xfe, { name: 'accOn' }],
  [0xff, { name: 'accOff' }],
]);

/** Second byte of "Alarm/Language". 0x00 means "no reply needed" (V3.1 §6.1). */
export const ALARM_LANGUAGES: ReadonlyMap<number, string> = new Map([
  [0x00, 'none'],
  [0x01, 'chinese'],
  [0x02, 'english'],
]);

export const LANGUAGE_NO_REPLY = 0x00;
