import { describe, expect, it } from 'vitest';
import { crc16Ibm } from './crc16-ibm.ts';
import { TCP_VECTORS, bytes } from './vectors.ts';

describe('crc16Ibm', () => {
  it('matches the CRC-16/ARC check value for "123456789"', () => {
    expect(crc16Ibm(Buffer.from('123456789', 'ascii'))).toBe(0xbb3d);
  });

  it('is 0 for no bytes (init 0, no final xor)', () => {
    expect(crc16Ibm(Buffer.alloc(0))).toBe(0);
  });

  it.each(TCP_VECTORS.map((v) => [v.name, v] as const))('reproduces the CRC of %s', (_name, v) => {
    const packet = bytes(v);
    const length = packet.readUInt32BE(4);
    expect(crc16Ibm(packet, 8, 8 + length)).toBe(packet.readUInt32BE(8 + length));
  });
});
