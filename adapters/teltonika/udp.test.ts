import { describe, expect, it } from 'vitest';
import { decodeTeltonikaDatagram } from './udp.ts';
import { CODEC_16, CODEC_8, encodeAvlData, encodeUdpDatagram, sampleRecord } from './test-encoder.ts';
import { expectValidModel } from './test-kit.ts';
import * as V from './vectors.ts';
import * as E from './vectors-expected.ts';

const LIMITS = { maxFrameBytes: 64 * 1024, maxRecordsPerPacket: 255 };
const WIKI_IMEI = '352093086403655';

describe('decodeTeltonikaDatagram on the vendor examples', () => {
  it.each([
    [V.UDP_CODEC8_EXAMPLE.name, V.UDP_CODEC8_EXAMPLE, E.udpCodec8Example, 0x05],
    [V.UDP_CODEC8E_EXAMPLE.name, V.UDP_CODEC8E_EXAMPLE, E.udpCodec8eExample, 0x07],
  ] as const)('%s', (_name, v, expected, avlPacketId) => {
    const result = decodeTeltonikaDatagram(V.bytes(v), LIMITS);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.imei).toBe(WIKI_IMEI);
    expect(result.packetId).toBe(0xcafe);
    expect(result.avlPacketId).toBe(avlPacketId);
    expect(result.records).toEqual(expected(WIKI_IMEI));
    expect(result.skipped).toEqual([]);
    expect(result.reply.toString('hex').toUpperCase()).toBe(v.answer);
    for (const r of result.records) expectValidModel(r);
  });
});

describe('decodeTeltonikaDatagram builds and checks the envelope', () => {
  const data = encodeAvlData(CODEC_8, [sampleRecord(), sampleRecord()]);

  it('acknowledges with length 5, the packet id, 01, the AVL packet id and the record count', () => {
    const result = decodeTeltonikaDatagram(encodeUdpDatagram(0x1234, 0x9a, '123456789012345', data), LIMITS);
    expect(result.ok && result.reply.toString('hex')).toBe('0005123401' + '9a' + '02');
  });

  it('decodes Codec 16 too (the wiki documents it over UDP)', () => {
    const result = decodeTeltonikaDatagram(encodeUdpDatagram(1, 1, '123456789012345', encodeAvlData(CODEC_16, [sampleRecord()])), LIMITS);
    expect(result.ok && result.records).toHaveLength(1);
  });

  it('counts skipped records in the acknowledgement', () => {
    const bad = encodeAvlData(CODEC_8, [sampleRecord({ lonE7: 1_900_000_000 }), sampleRecord()]);
    const result = decodeTeltonikaDatagram(encodeUdpDatagram(1, 2, '123456789012345', bad), LIMITS);
    expect(result).toMatchObject({ ok: true, skipped: [{ index: 0 }] });
    expect(result.ok && result.reply.toString('hex')).toBe('00050001010202');
  });

  it.each([
    ['a length field that disagrees', (b: Buffer): void => void b.writeUInt16BE(b.readUInt16BE(0) + 1, 0), 'bad-length'],
    ['an IMEI length other than 15', (b: Buffer): void => void b.writeUInt16BE(14, 6), 'bad-identity'],
    ['a non-digit IMEI', (b: Buffer): void => void (b[10] = 0x41), 'bad-identity'],
    ['number of data 2 differing', (b: Buffer): void => void (b[b.length - 1] = 9), 'bad-length'],
    ['an unknown codec', (b: Buffer): void => void (b[23] = 0x0c), 'unsupported'],
  ] as const)('refuses %s', (_name, damage, code) => {
    const datagram = encodeUdpDatagram(1, 2, '123456789012345', data);
    damage(datagram);
    const result = decodeTeltonikaDatagram(datagram, LIMITS);
    expect(result.ok ? 'ok' : result.error.code).toBe(code);
  });

  it('refuses a datagram larger than maxFrameBytes', () => {
    const datagram = encodeUdpDatagram(1, 2, '123456789012345', data);
    const result = decodeTeltonikaDatagram(datagram, { ...LIMITS, maxFrameBytes: datagram.length - 1 });
    expect(result.ok ? 'ok' : result.error.code).toBe('frame-too-large');
  });

  it('refuses more records than maxRecordsPerPacket', () => {
    const result = decodeTeltonikaDatagram(encodeUdpDatagram(1, 2, '123456789012345', data), { ...LIMITS, maxRecordsPerPacket: 1 });
    expect(result.ok ? 'ok' : result.error.code).toBe('too-many-records');
  });

  it('refuses a datagram too short for its header', () => {
    const result = decodeTeltonikaDatagram(Buffer.from('0005CAFE010501', 'hex'), LIMITS);
    expect(result.ok ? 'ok' : result.error.code).toBe('bad-length');
  });
});
