import { describe, expect, it } from 'vitest';
import { AlarmSchema } from '../../engine/model/index.ts';
import { decodeAlarm, decodeAlarmMultiFence, decodeLbsAlarm } from './alarm.ts';
import { ALARM_CODES } from './alarm-codes.ts';
import type { DecodeContext } from './decode-outcome.ts';
import { encodeAlarm, type GpsSpec } from './test-encoder.ts';
import { contentOf } from './test-kit.ts';
import * as V from './vectors.ts';

const CTX: DecodeContext = { now: Date.UTC(2024, 5, 1, 12, 0, 0) };
const DEG = 1_800_000;

describe('0x16 alarm (GT06 doc example, SOS)', () => {
  it('decodes position, cell, status and alarm; answer wanted', () => {
    expect(decodeAlarm(contentOf(V.bytes(V.ALARM_16)), CTX)).toEqual({
      kind: 'record',
      answer: true,
      record: {
        deviceTime: Date.UTC(2011, 10, 15, 14, 36, 29), // 0B 0B 0F 0E 24 1D
        position: { lat: 0x027ac887 / DEG, lon: 0x0c4657e6 / DEG, speedKmh: 0, headingDeg: 2, satellites: 15, valid: true },
        ignition: false,
        alarms: ['panic'],
        priority: 'critical',
        attributes: {
          mcc: 460,
          mnc: 0,
          lac: 0x287d,
          cellId: 0x1f72,
          gpsDifferential: false,
          // terminal info 0x65: GPS tracking, SOS, charging, armed
          fuelCut: false,
          gpsTracking: true,
          charging: true,
          armed: true,
          terminalAlarm: 'sos',
          voltageLevel: 6,
          gsmSignal: 4,
          alarmCode: 1,
          alarmName: 'sos',
          language: 'chinese',
        },
      },
    });
  });
});

describe('0x26 alarm (GT800 doc examples)', () => {
  it('vibration alarm: code 0x03 and terminal bits 001 both say vibration; reported once', () => {
    const out = decodeAlarm(contentOf(V.bytes(V.ALARM_26)), CTX);
    expect(out).toMatchObject({
      kind: 'record',
      answer: true,
      record: {
        deviceTime: Date.UTC(2018, 2, 12, 6, 56, 22),
        // course/status 0x4403: bit12 (positioned) clear, north, east, 3 degrees
        position: { lat: 0x026c1054 / DEG, lon: 0x0c38c970 / DEG, speedKmh: 1, headingDeg: 3, satellites: 3, valid: false },
        alarms: ['vibration'],
        priority: 'critical',
        attributes: { alarmCode: 3, alarmName: 'vibration', language: 'english', terminalAlarm: 'shock', cellId: 0x0eee, lac: 0x2866 },
      },
    });
  });

  it('alarm code 0x00 with terminal bits 011: low battery from the terminal byte', () => {
    expect(decodeAlarm(contentOf(V.bytes(V.ALARM_26_NO_ALARM_CODE)), CTX)).toMatchObject({
      record: { alarms: ['lowBattery'], attributes: { alarmCode: 0, alarmName: 'normal', fuelCut: true, gpsTracking: true } },
    });
  });
});

describe('0x27 alarm with fence number (JM-VL03 example)', () => {
  it('power-on notice, fence 0xFF, fix not valid', () => {
    const out = decodeAlarmMultiFence(contentOf(V.bytes(V.ALARM_27)), CTX);
    expect(out).toMatchObject({
      kind: 'record',
      answer: true,
      record: {
        deviceTime: Date.UTC(2016, 3, 25, 9, 45, 7),
        position: { valid: false, headingDeg: 0x137, satellites: 5 },
        attributes: { alarmCode: 0x0c, alarmName: 'powerOn', fence: 0xff, fuelCut: true },
      },
    });
    if (out.kind === 'record') expect(out.record.alarms).toBeUndefined();
  });
});

describe('0x19 LBS alarm (GT800 doc example)', () => {
  it('SOS without GPS: receive time, cell, no position', () => {
    expect(decodeLbsAlarm(contentOf(V.bytes(V.LBS_ALARM_19)), CTX)).toMatchObject({
      kind: 'record',
      answer: true,
      record: { deviceTime: CTX.now, alarms: ['panic'], priority: 'critical', attributes: { mcc: 460, cellId: 0x1f71, alarmName: 'sos' } },
    });
  });
});

const GPS: GpsSpec = { satellites: 9, latRaw: 90_000_000, lonRaw: 18_000_000, north: true, east: true, speedKmh: 120, course: 90, positioned: true, differential: false };
const TIME = { year: 2024, month: 6, day: 1, hour: 8, minute: 0, second: 0 };
const CELL = { mcc: 234, mnc: 15, lac: 1, cellId: 2 };

describe('built with the test encoder', () => {
  it.each([
    [0x04, 'geofence', 'enter'],
    [0x05, 'geofence', 'exit'],
  ])('fence code 0x%s -> %s (%s)', (code, alarm, way) => {
    const f = encodeAlarm(0x16, { time: TIME, gps: GPS, cell: CELL }, { terminalInfo: 0x40, voltageLevel: 4, gsmSignal: 3, alarmCode: code, language: 2 }, 1);
    expect(decodeAlarm(contentOf(f), CTX)).toMatchObject({ record: { alarms: [alarm], attributes: { geofence: way } } });
  });

  it('overspeed 0x06 -> overspeed', () => {
    const f = encodeAlarm(0x26, { time: TIME, gps: GPS, cell: CELL }, { terminalInfo: 0x40, voltageLevel: 4, gsmSignal: 3, alarmCode: 0x06, language: 2 }, 1);
    expect(decodeAlarm(contentOf(f), CTX)).toMatchObject({ record: { alarms: ['overspeed'], priority: 'critical' } });
  });

  it('language 0x00 means "no reply needed"', () => {
    const f = encodeAlarm(0x16, { time: TIME, gps: GPS, cell: CELL }, { terminalInfo: 0x20, voltageLevel: 4, gsmSignal: 3, alarmCode: 1, language: 0 }, 1);
    expect(decodeAlarm(contentOf(f), CTX)).toMatchObject({ kind: 'record', answer: false });
  });

  it('an SOS with a bad date and a bad latitude is kept: receive time, no position, reasons recorded', () => {
    const f = encodeAlarm(
      0x16,
      { time: { ...TIME, month: 13 }, gps: { ...GPS, latRaw: 200_000_000 }, cell: CELL },
      { terminalInfo: 0x20, voltageLevel: 4, gsmSignal: 3, alarmCode: 1, language: 1 },
      1,
    );
    const out = decodeAlarm(contentOf(f), CTX);
    expect(out).toMatchObject({ kind: 'record', record: { deviceTime: CTX.now, alarms: ['panic'] } });
    if (out.kind === 'record') {
      expect(out.record.position).toBeUndefined();
      expect(out.record.attributes?.invalidTime).toContain('month 13');
      expect(out.record.attributes?.invalidGps).toContain('latitude');
    }
  });

  it('a truncated alarm is malformed', () => {
    const f = contentOf(encodeAlarm(0x16, { time: TIME, gps: GPS, cell: CELL }, { terminalInfo: 0, voltageLevel: 0, gsmSignal: 0, alarmCode: 0, language: 1 }, 1));
    expect(decodeAlarm(f.subarray(0, f.length - 1), CTX).kind).toBe('malformed');
    expect(decodeLbsAlarm(Buffer.alloc(10), CTX).kind).toBe('malformed');
  });
});

describe('alarm code table', () => {
  it('maps only onto alarms the model knows', () => {
    for (const spec of ALARM_CODES.values()) if (spec.alarm !== undefined) expect(AlarmSchema.safeParse(spec.alarm).success).toBe(true);
  });

  it('an unknown code keeps its number and adds no alarm', () => {
    const f = encodeAlarm(0x16, { time: TIME, gps: GPS, cell: CELL }, { terminalInfo: 0x40, voltageLevel: 4, gsmSignal: 3, alarmCode: 0x77, language: 2 }, 1);
    const out = decodeAlarm(contentOf(f), CTX);
    expect(out).toMatchObject({ record: { attributes: { alarmCode: 0x77 } } });
    if (out.kind === 'record') {
      expect(out.record.alarms).toBeUndefined();
      expect(out.record.attributes).not.toHaveProperty('alarmName');
    }
  });
});

describe('bad values in an alarm packet without a model alarm', () => {
  it('are skipped like a position, and the answer is still wanted', () => {
    const f = encodeAlarm(
      0x16,
      { time: { ...TIME, month: 13 }, gps: GPS, cell: CELL },
      { terminalInfo: 0x40, voltageLevel: 4, gsmSignal: 3, alarmCode: 0x00, language: 1 },
      1,
    );
    expect(decodeAlarm(contentOf(f), CTX)).toEqual({ kind: 'invalid', reason: 'month 13 out of range', answer: true });
  });
});
