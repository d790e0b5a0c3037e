import { describe, expect, it } from 'vitest';
import { encodeAck, encodeTimeAnswer } from './answer.ts';
import * as V from './vectors.ts';

describe('server answers, byte for byte against the documents', () => {
  it.each([
    ['login, serial 0x0001', 0x01, 0x0001, V.LOGIN_ANSWER],
    ['login, serial 0x0002', 0x01, 0x0002, V.LOGIN_CAPTURE_ANSWER],
    ['login, serial 0x0005', 0x01, 0x0005, V.LOGIN_WITH_TIMEZONE_ANSWER],
    ['heartbeat, serial 0x0005', 0x13, 0x0005, V.HEARTBEAT_ANSWER],
    ['heartbeat, serial 0x0011', 0x13, 0x0011, V.HEARTBEAT_ANSWER_0011],
    ['heartbeat, serial 0x0100', 0x13, 0x0100, V.HEARTBEAT_ANSWER_0100],
    ['0x23 heartbeat, serial 0x0008', 0x23, 0x0008, V.HEARTBEAT_EXTERNAL_POWER_ANSWER],
    ['alarm 0x16, serial 0x0036', 0x16, 0x0036, V.ALARM_16_ANSWER],
    ['alarm 0x26, serial 0x001C', 0x26, 0x001c, V.ALARM_26_ANSWER_001C],
  ])('%s', (_name, protocol, serial, expected) => {
    expect(encodeAck(protocol, serial).toString('hex').toUpperCase()).toBe(expected.hex);
  });

  it('time calibration answer (0x8A) carries the UTC date-time', () => {
    const at = Date.UTC(2015, 11, 29, 0, 0, 21);
    expect(encodeTimeAnswer(0x0006, at).toString('hex').toUpperCase()).toBe(V.TIME_ANSWER.hex);
  });
});
