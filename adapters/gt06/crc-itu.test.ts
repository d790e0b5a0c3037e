import { describe, expect, it } from 'vitest';
import { crcItu } from './crc-itu.ts';
import * as V from './vectors.ts';

describe('crcItu (CRC-16/X-25)', () => {
  it('has the catalogue check value for "123456789"', () => {
    expect(crcItu(Buffer.from('123456789', 'ascii'))).toBe(0x906e);
  });

  it.each([
    ['login', V.LOGIN],
    ['login answer', V.LOGIN_ANSWER],
    ['location 0x12', V.LOCATION_12],
    ['location 0x22', V.LOCATION_22],
    ['heartbeat', V.HEARTBEAT],
    ['alarm 0x16', V.ALARM_16],
    ['alarm answer', V.ALARM_16_ANSWER],
    ['0x94 (0x7979 frame)', V.INFO_94_STATUS_SYNC],
  ])('matches the CRC printed in the %s vector', (_name, vec) => {
    const b = V.bytes(vec);
    const from = 2; // the CRC covers length .. serial
    expect(crcItu(b, from, b.length - 4)).toBe(b.readUInt16BE(b.length - 4));
  });

  it('is 0xFFFF ^ 0xFFFF = 0 for an empty range', () => {
    expect(crcItu(Buffer.alloc(0))).toBe(0x0000);
  });
});
