import type { Alarm } from '../../engine/model/index.ts';

/**
 * The "terminal information" byte of heartbeats (0x13) and alarm packets
 * (0x16/0x19/0x26/0x27), as data. Source: Concox GT06 protocol §5.3.1.14 and
 * §5.4.1.4; the GT800/JM-VL02 V3.1 document repeats it for 0x26/0x19 (its 0x13
 * table calls bits 3-5 "extended", which is why a vibration or power-cut state
 * there is taken at the GT06 document's word).
 */

/** Single-bit flags. `attribute` is the raw attribute name; ignition is a model field. */
export const TERMINAL_INFO_FLAGS = [
  { mask: 0x80, attribute: 'fuelCut', meaning: '1: oil and electricity disconnected' },
  { mask: 0x40, attribute: 'gpsTracking', meaning: '1: GPS tracking is on' },
  { mask: 0x04, attribute: 'charging', meaning: '1: charge on (external power connected)' },
  { mask: 0x01, attribute: 'armed', meaning: '1: defence activated' },
] as const;

/** Bit 1: ACC line high -> ignition on. */
export const TERMINAL_INFO_ACC_MASK = 0x02;

/** Bits 3-5: the alarm state the terminal reports. */
export const TERMINAL_INFO_ALARM_SHIFT = 3;
export const TERMINAL_INFO_ALARM_MASK = 0x07;

export interface TerminalAlarmState {
  name: string;
  alarm?: Alarm;
}

export const TERMINAL_ALARM_STATES: ReadonlyMap<number, TerminalAlarmState> = new Map([
  [0b000, { name: 'normal' }],
  [0b001, { name: 'shock', alarm: 'vibration' }],
  [0b010, { name: 'powerCut', alarm: 'powerCut' }],
  [0b011, { name: 'lowBattery', alarm: 'lowBattery' }],
  [0b100, { name: 'sos', alarm: 'panic' }],
]);

/** Voltage level 0..6 (GT06 §5.3.1.15); kept as a level, the device sends no volts. */
export const VOLTAGE_LEVELS = ['noPower', 'extremelyLow', 'veryLow', 'low', 'medium', 'high', 'veryHigh'] as const;

/** GSM signal 0..4 (GT06 §5.3.1.16). */
export const GSM_SIGNAL_LEVELS = ['none', 'extremelyWeak', 'veryWeak', 'good', 'strong'] as const;

export interface TerminalInfo {
  ignition: boolean;
  alarms: Alarm[];
  attributes: Record<string, string | number | boolean>;
}

export function decodeTerminalInfo(byte: number): TerminalInfo {
  const attributes: Record<string, string | number | boolean> = {};
  for (const f of TERMINAL_INFO_FLAGS) attributes[f.attribute] = (byte & f.mask) !== 0;
  const alarmBits = (byte >>> TERMINAL_INFO_ALARM_SHIFT) & TERMINAL_INFO_ALARM_MASK;
  const state = TERMINAL_ALARM_STATES.get(alarmBits);
  const alarms: Alarm[] = [];
  if (state === undefined) {
    // 101..111 are undefined in every document found; keep the raw bits.
    attributes.terminalAlarmBits = alarmBits;
  } else if (state.alarm !== undefined) {
    attributes.terminalAlarm = state.name;
    alarms.push(state.alarm);
  }
  return { ignition: (byte & TERMINAL_INFO_ACC_MASK) !== 0, alarms, attributes };
}
