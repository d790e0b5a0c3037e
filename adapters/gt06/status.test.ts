import { describe, expect, it } from 'vitest';
import type { DecodeContext } from './decode-outcome.ts';
import { decodeHeartbeat, decodeHeartbeatExternalPower } from './status.ts';
import { decodeTerminalInfo, TERMINAL_ALARM_STATES } from './terminal-info.ts';
import { encodeHeartbeat } from './test-encoder.ts';
import { contentOf } from './test-kit.ts';
import * as V from './vectors.ts';

const CTX: DecodeContext = { now: Date.UTC(2024, 5, 1, 12, 0, 0) };

describe('0x13 heartbeat', () => {
  it('GT06 Appendix B: 0x44 = GPS tracking on, charging, ACC low; voltage 1; GSM 4', () => {
    expect(decodeHeartbeat(contentOf(V.bytes(V.HEARTBEAT)), CTX)).toEqual({
      kind: 'record',
      record: {
        deviceTime: CTX.now, // a heartbeat has no time of its own
        ignition: false,
        attributes: {
          fuelCut: false,
          gpsTracking: true,
          charging: true,
          armed: false,
          voltageLevel: 1,
          gsmSignal: 4,
          statusByte: 0,
          language: 'chinese',
        },
      },
    });
  });

  it('GT800 doc: 0x40 = GPS tracking only; voltage 4; GSM 4; English', () => {
    expect(decodeHeartbeat(contentOf(V.bytes(V.HEARTBEAT_GT800)), CTX)).toMatchObject({
      record: { ignition: false, attributes: { gpsTracking: true, charging: false, voltageLevel: 4, gsmSignal: 4, language: 'chinese' } },
    });
  });

  it('maps the alarm bits to model alarms and makes the record critical', () => {
    const sos = decodeHeartbeat(contentOf(encodeHeartbeat({ terminalInfo: 0b0010_0010, voltageLevel: 3, gsmSignal: 2, alarmCode: 0, language: 2 }, 1)), CTX);
    expect(sos).toMatchObject({ record: { ignition: true, alarms: ['panic'], priority: 'critical', attributes: { terminalAlarm: 'sos' } } });
  });

  it.each([
    [0b001, 'vibration'],
    [0b010, 'powerCut'],
    [0b011, 'lowBattery'],
    [0b100, 'panic'],
  ])('terminal alarm bits %s -> %s', (bits, alarm) => {
    expect(decodeTerminalInfo(bits << 3).alarms).toEqual([alarm]);
  });

  it('undefined alarm bits are kept raw, not guessed', () => {
    const info = decodeTerminalInfo(0b0011_1000);
    expect(info.alarms).toEqual([]);
    expect(info.attributes.terminalAlarmBits).toBe(7);
    expect(TERMINAL_ALARM_STATES.has(7)).toBe(false);
  });

  it('a short heartbeat is malformed', () => {
    expect(decodeHeartbeat(Buffer.from([0x44, 0x01]), CTX).kind).toBe('malformed');
  });
});

describe('0x23 heartbeat with external voltage (EG02/EG03)', () => {
  it('GT800 doc: 0x0F92 -> 39.86 V', () => {
    expect(decodeHeartbeatExternalPower(contentOf(V.bytes(V.HEARTBEAT_EXTERNAL_POWER)), CTX)).toEqual({
      kind: 'record',
      record: {
        deviceTime: CTX.now,
        ignition: false,
        engine: { externalV: 39.86 },
        attributes: { fuelCut: false, gpsTracking: false, charging: true, armed: true, gsmSignal: 4, language: 'english' },
      },
    });
  });
});
