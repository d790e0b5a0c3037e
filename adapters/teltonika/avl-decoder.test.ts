import { describe, expect, it } from 'vitest';
import type { DeviceId } from '../../engine/model/index.ts';
import { decodeAvlData } from './avl-decoder.ts';
import { IO_TABLES } from './io-map.ts';
import { CODEC_16, CODEC_8, CODEC_8E, encodeAvlData, sampleRecord } from './test-encoder.ts';
import { TEST_IMEI, expectValidModel } from './test-kit.ts';
import * as V from './vectors.ts';
import * as E from './vectors-expected.ts';

const ctx = { deviceId: TEST_IMEI as DeviceId, maxRecordsPerPacket: 255, ioTable: IO_TABLES.fmb };

/** The AVL data field of a TCP vector: after preamble and length, before the CRC. */
function dataField(v: V.Vector): Buffer {
  const packet = V.bytes(v);
  return packet.subarray(8, 8 + packet.readUInt32BE(4));
}

describe('decodeAvlData on the vendor examples', () => {
  const cases = [
    [V.CODEC8_EXAMPLE_1, E.codec8Example1, CODEC_8],
    [V.CODEC8_EXAMPLE_2, E.codec8Example2, CODEC_8],
    [V.CODEC8_EXAMPLE_3, E.codec8Example3, CODEC_8],
    [V.CODEC8E_EXAMPLE, E.codec8eExample, CODEC_8E],
    [V.CODEC8E_EXAMPLE_2017, E.codec8eExample2017, CODEC_8E],
    [V.CODEC16_EXAMPLE, E.codec16Example, CODEC_16],
  ] as const;

  it.each(cases.map(([v, e, c]) => [v.name, v, e, c] as const))('%s', (_name, v, expected, codec) => {
    const result = decodeAvlData(dataField(v), ctx);
    expect(result).toEqual({ ok: true, codec, count: expected(TEST_IMEI).length, records: expected(TEST_IMEI), skipped: [] });
    if (result.ok) for (const r of result.records) expectValidModel(r);
  });
});

describe('decodeAvlData rejects malformed data fields', () => {
  it('says unsupported for a non-AVL codec (Codec 12 command)', () => {
    const data = Buffer.from([0x0c, 0x01, 0x05, 0x00, 0x00, 0x00, 0x01, 0x41, 0x01]);
    expect(decodeAvlData(data, ctx)).toMatchObject({ ok: false, code: 'unsupported' });
  });

  it('says bad-length when number of data 1 and 2 differ', () => {
    const data = encodeAvlData(CODEC_8, [sampleRecord()]);
    data[data.length - 1] = 2;
    expect(decodeAvlData(data, ctx)).toMatchObject({ ok: false, code: 'bad-length' });
  });

  it('says too-many-records above the limit, before decoding any', () => {
    const data = encodeAvlData(CODEC_8, [sampleRecord(), sampleRecord()]);
    expect(decodeAvlData(data, { ...ctx, maxRecordsPerPacket: 1 })).toMatchObject({ ok: false, code: 'too-many-records' });
  });

  it('says bad-length when a record runs past the end', () => {
    const data = encodeAvlData(CODEC_8, [sampleRecord()]);
    const cut = Buffer.concat([data.subarray(0, data.length - 4), data.subarray(data.length - 1)]);
    expect(decodeAvlData(cut, ctx)).toMatchObject({ ok: false, code: 'bad-length' });
  });

  it('says bad-length when bytes are left over after the records', () => {
    const data = encodeAvlData(CODEC_8, [sampleRecord()]);
    const padded = Buffer.concat([data.subarray(0, data.length - 1), Buffer.from([0xaa, data[data.length - 1]!])]);
    expect(decodeAvlData(padded, ctx)).toMatchObject({ ok: false, code: 'bad-length' });
  });

  it('refuses an IO count larger than the bytes left, without looping over it', () => {
    // Codec 8E record whose 1-byte group claims 65535 elements in a few bytes.
    const data = encodeAvlData(CODEC_8E, [sampleRecord({ io: [] })]);
    const groupCountAt = 2 + 24 + 2 + 2; // codec, count, record header, event id, total
    data.writeUInt16BE(0xffff, groupCountAt);
    expect(decodeAvlData(data, ctx)).toMatchObject({ ok: false, code: 'bad-length' });
  });
});

describe('decodeAvlData keeps each record whole or skips it', () => {
  it('keeps device time as sent, out of order and delayed', () => {
    const times = [1_700_000_600_000n, 1_600_000_000_000n, 1_700_000_000_000n];
    const data = encodeAvlData(CODEC_8, times.map((t) => sampleRecord({ timestampMs: t })));
    const result = decodeAvlData(data, ctx);
    expect(result.ok && result.records.map((r) => r.deviceTime)).toEqual(times.map(Number));
  });

  it.each([
    ['latitude above 90', { latE7: 900_000_001 }, /latitude/],
    ['latitude below -90', { latE7: -900_000_001 }, /latitude/],
    ['longitude beyond 180', { lonE7: 1_800_000_001 }, /longitude/],
    ['speed above 2000 km/h', { speedKmh: 2001 }, /speed/],
    ['angle above 360', { angleDeg: 361 }, /angle/],
    ['timestamp beyond 2^53', { timestampMs: 2n ** 60n }, /timestamp/],
  ] as const)('skips a record with %s and counts it', (_name, overrides, reason) => {
    const data = encodeAvlData(CODEC_8, [sampleRecord(), sampleRecord(overrides), sampleRecord()]);
    const result = decodeAvlData(data, ctx);
    expect(result).toMatchObject({ ok: true, count: 3, skipped: [{ index: 1, reason: expect.stringMatching(reason) }] });
    expect(result.ok && result.records).toHaveLength(2);
  });

  it('accepts the extremes of the valid ranges', () => {
    const data = encodeAvlData(CODEC_8, [
      sampleRecord({ latE7: 900_000_000, lonE7: -1_800_000_000, speedKmh: 2000, angleDeg: 360, altitudeM: -32768 }),
    ]);
    const result = decodeAvlData(data, ctx);
    expect(result).toMatchObject({ ok: true, skipped: [] });
    if (result.ok) {
      expect(result.records[0]!.position).toMatchObject({ lat: 90, lon: -180, speedKmh: 2000, headingDeg: 360, altitudeM: -32768 });
      expectValidModel(result.records[0]!);
    }
  });
});
