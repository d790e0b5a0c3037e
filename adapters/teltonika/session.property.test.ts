import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionStep } from '../tcp/protocol-session.ts';
import { CODEC_16, CODEC_8, CODEC_8E, type AvlCodec } from './avl-parser.ts';
import { IO_TABLES } from './io-map.ts';
import { createTeltonikaSession } from './session.ts';
import { decodeTeltonikaDatagram } from './udp.ts';
import {
  encodeAvlData,
  encodeImei,
  encodeTcpPacket,
  encodeUdpDatagram,
  type AvlRecordSpec,
  type FixedIo,
  type VariableIo,
} from './test-encoder.ts';
import { TEST_IMEI, cut, expectValidModel, identifiedSession, pushChunks, summarize } from './test-kit.ts';

const LIMITS = { maxFrameBytes: 64 * 1024, maxRecordsPerPacket: 255 };
const RUNS = { numRuns: 300 };

/** Ids the FMB table leaves alone, so their value must come back as `io<id>` unchanged. */
const UNMAPPED_IDS = [...Array(256).keys()].filter((id) => !IO_TABLES.fmb.rules.has(id));

const codecArb = fc.constantFrom<AvlCodec>(CODEC_8, CODEC_8E, CODEC_16);

const fixedIoArb: fc.Arbitrary<FixedIo> = fc.record({
  id: fc.constantFrom(...UNMAPPED_IDS),
  width: fc.constantFrom<FixedIo['width']>(1, 2, 4, 8),
  value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
});

const nxArb: fc.Arbitrary<VariableIo> = fc.record({
  id: fc.constantFrom(...UNMAPPED_IDS.map((id) => id + 1000)),
  bytes: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
});

const recordArb = (codec: AvlCodec): fc.Arbitrary<AvlRecordSpec> =>
  fc.record({
    timestampMs: fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }),
    priority: fc.integer({ min: 0, max: 2 }),
    lonE7: fc.integer({ min: -1_800_000_000, max: 1_800_000_000 }),
    latE7: fc.integer({ min: -900_000_000, max: 900_000_000 }),
    altitudeM: fc.integer({ min: -32768, max: 32767 }),
    angleDeg: fc.integer({ min: 0, max: 360 }),
    satellites: fc.integer({ min: 0, max: 255 }),
    speedKmh: fc.integer({ min: 0, max: 2000 }),
    eventIoId: fc.integer({ min: 0, max: codec === CODEC_8 ? 255 : 65535 }),
    generationType: fc.integer({ min: 0, max: 7 }),
    io: fc.uniqueArray(fixedIoArb, { selector: (e) => e.id, maxLength: 12 }),
    nx: fc.uniqueArray(nxArb, { selector: (e) => e.id, maxLength: codec === CODEC_8E ? 3 : 0 }),
  });

const packetArb = codecArb.chain((codec) =>
  fc.array(recordArb(codec), { minLength: 0, maxLength: 4 }).map((records) => ({ codec, records })),
);

/** What the decoder must make of a generated record (its IO ids are all unmapped). */
function expectMatches(spec: AvlRecordSpec, codec: AvlCodec, rec: unknown): void {
  const attributes: Record<string, string | number> = {};
  for (const e of spec.io) {
    const v = BigInt.asUintN(e.width * 8, e.value);
    attributes[`io${e.id}`] = v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString(16).padStart(e.width * 2, '0');
  }
  if (codec === CODEC_8E) for (const e of spec.nx ?? []) attributes[`io${e.id}`] = e.bytes.toString('hex');
  if (spec.eventIoId !== 0) attributes.eventIoId = spec.eventIoId;
  if (codec === CODEC_16) attributes.generationType = spec.generationType ?? 0;

  expect(rec).toEqual({
    deviceId: TEST_IMEI,
    protocol: 'teltonika',
    deviceTime: Number(spec.timestampMs),
    position: {
      lat: spec.latE7 / 1e7,
      lon: spec.lonE7 / 1e7,
      altitudeM: spec.altitudeM,
      speedKmh: spec.speedKmh,
      headingDeg: spec.angleDeg,
      satellites: spec.satellites,
      valid: spec.satellites > 0,
    },
    ...(spec.priority === 2 ? { alarms: ['panic'], priority: 'critical' } : {}),
    ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
  });
}

function expectWellFormed(steps: SessionStep[]): void {
  const closes = steps.filter((s) => s.kind === 'close');
  expect(closes.length).toBeLessThanOrEqual(1);
  if (closes.length === 1) expect(steps.at(-1)?.kind).toBe('close');
}

describe('arbitrary bytes', () => {
  it('never make a fresh session throw', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }), (chunks) => {
        const steps = pushChunks(createTeltonikaSession(LIMITS), chunks.map((c) => Buffer.from(c)));
        expectWellFormed(steps);
      }),
      RUNS,
    );
  });

  it('never make an identified session throw, with or without a valid-looking header', () => {
    const header = fc.tuple(fc.integer({ min: 0, max: 300 }), fc.uint8Array({ maxLength: 300 })).map(([len, body]) => {
      const b = Buffer.alloc(8);
      b.writeUInt32BE(len, 4);
      return Buffer.concat([b, Buffer.from(body)]);
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(header, fc.uint8Array({ maxLength: 100 }).map((a) => Buffer.from(a))), { maxLength: 6 }), (chunks) => {
        expectWellFormed(pushChunks(identifiedSession(LIMITS), chunks));
      }),
      RUNS,
    );
  });

  it('never make the session allocate more than maxFrameBytes', () => {
    const small = { maxFrameBytes: 256, maxRecordsPerPacket: 255 };
    const header = fc.tuple(fc.nat({ max: 0xffffffff }), fc.uint8Array({ maxLength: 300 })).map(([len, body]) => {
      const b = Buffer.alloc(8);
      b.writeUInt32BE(len % 2 === 0 ? len % 512 : len, 4);
      return Buffer.concat([b, Buffer.from(body)]);
    });
    fc.assert(
      fc.property(fc.array(header, { maxLength: 4 }), fc.array(fc.nat(), { maxLength: 30 }), (frames, points) => {
        const session = identifiedSession(small);
        const stream = Buffer.concat(frames);
        const chunks = cut(stream, points.map((p) => p % Math.max(1, stream.length)));
        const allocUnsafe = vi.spyOn(Buffer, 'allocUnsafe');
        try {
          pushChunks(session, chunks);
          for (const [size] of allocUnsafe.mock.calls) expect(size).toBeLessThanOrEqual(small.maxFrameBytes);
        } finally {
          allocUnsafe.mockRestore();
        }
      }),
      RUNS,
    );
  });

  it('never make the UDP decoder throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (a) => {
        decodeTeltonikaDatagram(Buffer.from(a), LIMITS);
      }),
      RUNS,
    );
  });
});

describe('generated valid packets', () => {
  it('round-trip through the encoder and the session', () => {
    fc.assert(
      fc.property(packetArb, ({ codec, records }) => {
        const steps = identifiedSession(LIMITS).push(encodeTcpPacket(encodeAvlData(codec, records)));
        expect(steps).toHaveLength(1);
        const step = steps[0]!;
        if (step.kind !== 'records') throw new Error(`expected records, got ${step.kind}`);
        expect(step.reply?.readUInt32BE(0)).toBe(records.length);
        expect(step.skipped).toEqual([]);
        records.forEach((spec, i) => {
          expectMatches(spec, codec, step.records[i]);
          expectValidModel(step.records[i]!);
        });
      }),
      RUNS,
    );
  });

  it('round-trip through the UDP decoder', () => {
    fc.assert(
      fc.property(packetArb, fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xff }), ({ codec, records }, packetId, avlId) => {
        const result = decodeTeltonikaDatagram(encodeUdpDatagram(packetId, avlId, TEST_IMEI, encodeAvlData(codec, records)), LIMITS);
        if (!result.ok) throw result.error;
        records.forEach((spec, i) => expectMatches(spec, codec, result.records[i]));
        expect(result.reply).toEqual(Buffer.from([0, 5, packetId >> 8, packetId & 0xff, 1, avlId, records.length]));
      }),
      RUNS,
    );
  });

  it('survive arbitrary chunking of the whole stream', () => {
    fc.assert(
      fc.property(fc.array(packetArb, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 20 }), (packets, points) => {
        const stream = Buffer.concat([encodeImei(TEST_IMEI), ...packets.map((p) => encodeTcpPacket(encodeAvlData(p.codec, p.records)))]);
        const whole = summarize(createTeltonikaSession(LIMITS).push(stream));
        const chunked = summarize(pushChunks(createTeltonikaSession(LIMITS), cut(stream, points.map((p) => p % stream.length))));
        expect(chunked).toEqual(whole);
        expect(whole.map((s) => (s as { kind: string }).kind)).toEqual(['identify', ...packets.map(() => 'records')]);
      }),
      RUNS,
    );
  });

  it('around a corrupted one are still decoded', () => {
    fc.assert(
      fc.property(packetArb, packetArb, packetArb, fc.nat(), fc.integer({ min: 0, max: 7 }), (a, b, c, at, bit) => {
        const [pa, pb, pc] = [a, b, c].map((p) => encodeTcpPacket(encodeAvlData(p.codec, p.records))) as [Buffer, Buffer, Buffer];
        // Flip one bit of the data or CRC of the middle packet: CRC-16 catches every single-bit error.
        const damaged = Buffer.from(pb);
        damaged[8 + (at % (damaged.length - 8))]! ^= 1 << bit;
        const steps = identifiedSession(LIMITS).push(Buffer.concat([pa, damaged, pc]));
        expect(steps.map((s) => (s.kind === 'ignored' ? s.error.code : s.kind))).toEqual(['records', 'bad-crc', 'records']);
      }),
      RUNS,
    );
  });
});

describe('mapped IO ids with any width and value', () => {
  const mappedIds = [...IO_TABLES.fmx150.rules.keys()].filter((id) => id < 256);
  const anyIo: fc.Arbitrary<FixedIo> = fc.record({
    // Half the picks from a few ids, so the same id repeats many times in one record.
    id: fc.oneof(fc.constantFrom(...mappedIds), fc.constantFrom(72, 73, 74, 75, 247, 253)),
    width: fc.constantFrom<FixedIo['width']>(1, 2, 4, 8),
    value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  });
  const nx: fc.Arbitrary<VariableIo> = fc.record({
    id: fc.constantFrom(281, 78, 72, 239),
    bytes: fc.oneof(
      fc.uint8Array({ maxLength: 700 }).map((a) => Buffer.from(a)),
      fc.stringMatching(/^[A-Z0-9, ]{0,80}$/).map((t) => Buffer.from(t, 'latin1')),
    ),
  });

  it('always give records the model schema accepts, repeated ids included', () => {
    fc.assert(
      fc.property(
        codecArb.chain((codec) => fc.tuple(fc.constant(codec), recordArb(codec))),
        fc.array(anyIo, { minLength: 20, maxLength: 80, size: 'max' }),
        fc.array(nx, { maxLength: 4 }),
        fc.constantFrom<'fmb' | 'fmx150'>('fmb', 'fmx150'),
        ([codec, base], io, nxIo, ioFamily) => {
          const spec = { ...base, io, nx: nxIo };
          const [step] = identifiedSession(LIMITS, { ioFamily }).push(encodeTcpPacket(encodeAvlData(codec, [spec])));
          if (step?.kind !== 'records') throw new Error(`expected records, got ${step?.kind}`);
          expect(step.records).toHaveLength(1);
          expectValidModel(step.records[0]!);
        },
      ),
      RUNS,
    );
  });
});

describe('a length field claiming 4 GB', () => {
  afterEach(() => vi.restoreAllMocks());

  it('closes at once, without allocating for it', () => {
    const session = identifiedSession(LIMITS);
    const header = Buffer.from('00000000FFFFFFFF', 'hex');
    const allocUnsafe = vi.spyOn(Buffer, 'allocUnsafe');
    const alloc = vi.spyOn(Buffer, 'alloc');
    const steps = session.push(header);
    const sizes = [...allocUnsafe.mock.calls, ...alloc.mock.calls].map(([size]) => size);
    vi.restoreAllMocks();
    expect(summarize(steps)).toEqual([{ kind: 'close', code: 'frame-too-large' }]);
    expect(sizes).toEqual([]);
    expect(session.push(Buffer.alloc(1024))).toEqual([]);
  });

  it('closes when the header itself arrives byte by byte', () => {
    const session = identifiedSession(LIMITS);
    const steps = pushChunks(session, cut(Buffer.from('00000000FFFFFFFF', 'hex'), [1, 2, 3, 4, 5, 6, 7]));
    expect(summarize(steps)).toEqual([{ kind: 'close', code: 'frame-too-large' }]);
  });
});
