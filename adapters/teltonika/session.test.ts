import { describe, expect, it } from 'vitest';
import type { DecodedRecord } from '../../engine/model/index.ts';
import { createTeltonikaSession } from './session.ts';
import { CODEC_8, encodeAvlData, encodeImei, encodeTcpPacket, sampleRecord } from './test-encoder.ts';
import { TEST_IMEI, cut, hex, identifiedSession, pushChunks, summarize } from './test-kit.ts';
import * as V from './vectors.ts';
import * as E from './vectors-expected.ts';

const LIMITS = { maxFrameBytes: 64 * 1024, maxRecordsPerPacket: 255 };

const EXPECTED: ReadonlyArray<readonly [V.Vector, (id: string) => DecodedRecord[]]> = [
  [V.CODEC8_EXAMPLE_1, E.codec8Example1],
  [V.CODEC8_EXAMPLE_2, E.codec8Example2],
  [V.CODEC8_EXAMPLE_3, E.codec8Example3],
  [V.CODEC8E_EXAMPLE, E.codec8eExample],
  [V.CODEC8E_EXAMPLE_2017, E.codec8eExample2017],
  [V.CODEC16_EXAMPLE, E.codec16Example],
];

describe('IMEI handshake', () => {
  it('answers the wiki handshake with identify, accept 01 and reject 00', () => {
    const session = createTeltonikaSession(LIMITS);
    expect(session.deviceId).toBeUndefined();
    const steps = session.push(V.bytes(V.IMEI_HANDSHAKE));
    expect(summarize(steps)).toEqual([{ kind: 'identify', deviceId: '356307042441013', accept: V.IMEI_HANDSHAKE.answer, reject: '00' }]);
    expect(session.deviceId).toBe('356307042441013');
  });

  it('closes with not-identified when AVL data comes first', () => {
    const session = createTeltonikaSession(LIMITS);
    expect(summarize(session.push(V.bytes(V.CODEC8_EXAMPLE_1)))).toEqual([{ kind: 'close', code: 'not-identified' }]);
  });

  it.each([
    ['a length other than 15', '0010' + '31'.repeat(16)],
    ['a non-digit in the IMEI', '000F' + '3335363330373034323434313031' + '41'],
    ['a short length', '0001' + '31'],
  ])('closes with bad-identity on %s', (_name, h) => {
    const session = createTeltonikaSession(LIMITS);
    expect(summarize(session.push(hex(h)))).toEqual([{ kind: 'close', code: 'bad-identity' }]);
    expect(session.deviceId).toBeUndefined();
  });

  it('says nothing more once closed', () => {
    const session = createTeltonikaSession(LIMITS);
    session.push(hex('0000'));
    expect(session.push(encodeImei(TEST_IMEI))).toEqual([]);
  });
});

describe('vendor examples through the session', () => {
  it.each(EXPECTED.map(([v, e]) => [v.name, v, e] as const))('%s: records and the answer byte for byte', (_name, v, expected) => {
    const steps = identifiedSession(LIMITS).push(V.bytes(v));
    expect(summarize(steps)).toEqual([{ kind: 'records', records: expected(TEST_IMEI), reply: v.answer.toLowerCase(), skipped: [] }]);
  });

  it('handles every example split at every byte offset (handshake included)', () => {
    for (const [v] of EXPECTED) {
      const stream = Buffer.concat([encodeImei(TEST_IMEI), V.bytes(v)]);
      const whole = summarize(createTeltonikaSession(LIMITS).push(stream));
      for (let at = 1; at < stream.length; at++) {
        const session = createTeltonikaSession(LIMITS);
        expect(summarize(pushChunks(session, cut(stream, [at]))), `${v.name} split at ${at}`).toEqual(whole);
      }
    }
  });

  it('handles a stream fed one byte at a time', () => {
    const stream = Buffer.concat([encodeImei(TEST_IMEI), ...EXPECTED.map(([v]) => V.bytes(v))]);
    const session = createTeltonikaSession(LIMITS);
    const steps = pushChunks(session, cut(stream, [...Array(stream.length).keys()]));
    expect(steps.map((s) => s.kind)).toEqual(['identify', ...EXPECTED.map(() => 'records')]);
  });

  it('handles the handshake and all examples glued in one chunk, in order', () => {
    const stream = Buffer.concat([encodeImei(TEST_IMEI), ...EXPECTED.map(([v]) => V.bytes(v))]);
    const steps = summarize(createTeltonikaSession(LIMITS).push(stream));
    expect(steps).toEqual([
      { kind: 'identify', deviceId: TEST_IMEI, accept: '01', reject: '00' },
      ...EXPECTED.map(([v, e]) => ({ kind: 'records', records: e(TEST_IMEI), reply: v.answer.toLowerCase(), skipped: [] })),
    ]);
  });
});

describe('damaged and hostile packets', () => {
  const good = V.bytes(V.CODEC8_EXAMPLE_2);

  it('ignores a packet with a wrong CRC, then decodes the next one', () => {
    const bad = Buffer.from(good);
    bad[bad.length - 1]! ^= 0x01;
    const steps = summarize(identifiedSession(LIMITS).push(Buffer.concat([bad, good])));
    expect(steps).toEqual([{ kind: 'ignored', code: 'bad-crc' }, expect.objectContaining({ kind: 'records', reply: '00000001' })]);
  });

  it('ignores a packet whose CRC field has non-zero upper bytes', () => {
    const bad = Buffer.from(good);
    bad[bad.length - 4] = 0x01;
    expect(summarize(identifiedSession(LIMITS).push(bad))).toEqual([{ kind: 'ignored', code: 'bad-crc' }]);
  });

  it('ignores a packet whose number of data 1 and 2 differ (valid CRC)', () => {
    const data = encodeAvlData(CODEC_8, [sampleRecord()]);
    data[data.length - 1] = 2;
    expect(summarize(identifiedSession(LIMITS).push(encodeTcpPacket(data)))).toEqual([{ kind: 'ignored', code: 'bad-length' }]);
  });

  it('ignores a packet of a codec it does not decode (valid CRC)', () => {
    const codec12 = Buffer.from([0x0c, 0x01, 0x06, 0x00, 0x00, 0x00, 0x01, 0x41, 0x01]);
    expect(summarize(identifiedSession(LIMITS).push(encodeTcpPacket(codec12)))).toEqual([{ kind: 'ignored', code: 'unsupported' }]);
  });

  it('ignores a data field too short to hold a codec and two counts', () => {
    expect(summarize(identifiedSession(LIMITS).push(encodeTcpPacket(Buffer.from([0x08]))))).toEqual([
      { kind: 'ignored', code: 'bad-length' },
    ]);
  });

  it('closes on a wrong preamble', () => {
    const bad = Buffer.from(good);
    bad[2] = 0x01;
    const session = identifiedSession(LIMITS);
    expect(summarize(session.push(Buffer.concat([bad, good])))).toEqual([{ kind: 'close', code: 'bad-framing' }]);
    expect(session.push(good)).toEqual([]);
  });

  it('closes as soon as a length field exceeds maxFrameBytes, before any data arrives', () => {
    const session = identifiedSession({ ...LIMITS, maxFrameBytes: 1024 });
    const steps = session.push(hex('00000000000003F5'));
    expect(summarize(steps)).toEqual([{ kind: 'close', code: 'frame-too-large' }]);
    expect(steps[0]?.kind === 'close' && steps[0].error.detail).toEqual({ length: 1013, maxFrameBytes: 1024 });
  });

  it('accepts a frame of exactly maxFrameBytes', () => {
    const packet = V.bytes(V.CODEC8_EXAMPLE_2);
    expect(identifiedSession({ ...LIMITS, maxFrameBytes: packet.length }).push(packet).map((s) => s.kind)).toEqual(['records']);
  });

  it('closes with too-many-records above maxRecordsPerPacket', () => {
    const steps = identifiedSession({ ...LIMITS, maxRecordsPerPacket: 1 }).push(V.bytes(V.CODEC8_EXAMPLE_3));
    expect(summarize(steps)).toEqual([{ kind: 'close', code: 'too-many-records' }]);
  });

  it('skips a record with an impossible value and still acknowledges it', () => {
    const data = encodeAvlData(CODEC_8, [sampleRecord(), sampleRecord({ latE7: 950_000_000 }), sampleRecord()]);
    const [step] = identifiedSession(LIMITS).push(encodeTcpPacket(data));
    expect(step?.kind).toBe('records');
    if (step?.kind !== 'records') return;
    expect(step.records).toHaveLength(2);
    expect(step.skipped).toEqual([{ index: 1, reason: expect.stringMatching(/latitude/) }]);
    expect(step.reply?.toString('hex')).toBe('00000003');
  });

  it('carries the IMEI on errors after the handshake', () => {
    const bad = Buffer.from(good);
    bad[bad.length - 1]! ^= 0xff;
    const [step] = identifiedSession(LIMITS).push(bad);
    expect(step?.kind === 'ignored' && step.error.deviceId).toBe(TEST_IMEI);
    expect(step?.kind === 'ignored' && step.error.protocol).toBe('teltonika');
  });
});

describe('IO family option', () => {
  it('uses the FMx150 table when asked', () => {
    const data = encodeAvlData(CODEC_8, [sampleRecord({ io: [{ id: 115, width: 2, value: 905n }] })]);
    const [fmx] = identifiedSession(LIMITS, { ioFamily: 'fmx150' }).push(encodeTcpPacket(data));
    const [fmb] = identifiedSession(LIMITS).push(encodeTcpPacket(data));
    expect(fmx?.kind === 'records' && fmx.records[0]?.engine).toEqual({ coolantC: 90.5 });
    expect(fmb?.kind === 'records' && fmb.records[0]?.attributes).toMatchObject({ io115: 905 });
  });
});
