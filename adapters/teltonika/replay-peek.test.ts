import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCritical } from '../ingest/normalize.ts';
import type { SessionStep } from '../tcp/protocol-session.ts';
import { CODEC_8, CODEC_8E, encodeAvlData, encodeTcpPacket, sampleRecord, type AvlRecordSpec } from './test-encoder.ts';
import type { AvlCodec } from './avl-parser.ts';
import { cut, identifiedSession } from './test-kit.ts';
import { createTeltonikaSession } from './session.ts';

/** ProtocolSession.peek for Teltonika: what a chunk holds, read without mapping its records. */

const T0 = 1_700_000_000_000;
const packet = (records: AvlRecordSpec[], codec: AvlCodec = CODEC_8E): Buffer => encodeTcpPacket(encodeAvlData(codec, records));
const at = (ms: number, overrides: Partial<AvlRecordSpec> = {}): AvlRecordSpec => sampleRecord({ timestampMs: BigInt(ms), ...overrides });
const recordsOf = (steps: SessionStep[]) => steps.flatMap((s) => (s.kind === 'records' ? s.records : []));

describe('Teltonika peek', () => {
  it('reads every packet of a chunk: count and device times, and leaves the session as it was', () => {
    const s = identifiedSession();
    const chunk = Buffer.concat([packet([at(T0 + 1000), at(T0), at(T0 + 5000)]), packet([at(T0 + 9000)], CODEC_8)]);
    expect(s.peek!(chunk)).toEqual({ records: 4, critical: false, oldestDeviceTime: T0, newestDeviceTime: T0 + 9000 });
    // Peeking twice says the same, and the chunk still decodes in full afterwards.
    expect(s.peek!(chunk)?.records).toBe(4);
    expect(recordsOf(s.push(chunk)).map((r) => r.deviceTime)).toEqual([T0 + 1000, T0, T0 + 5000, T0 + 9000]);
  });

  it('marks a panic (priority 2) or a crash IO as critical, whatever its value', () => {
    const s = identifiedSession();
    expect(s.peek!(packet([at(T0), at(T0 + 1, { priority: 2 })]))?.critical).toBe(true);
    expect(s.peek!(packet([at(T0, { io: [{ id: 247, width: 1, value: 0n }] })]))?.critical).toBe(true);
    expect(s.peek!(packet([at(T0, { priority: 1, io: [{ id: 251, width: 1, value: 1n }] })]))?.critical).toBe(false);
  });

  it('says nothing of what is not whole packets of an identified device', () => {
    const full = packet([at(T0), at(T0 + 1000)]);
    const [head, tail] = cut(full, [20]);
    const s = identifiedSession();
    expect(s.peek!(head!)).toBeUndefined();
    expect(s.peek!(Buffer.concat([full, head!]))).toBeUndefined();
    expect(s.peek!(Buffer.from('deadbeef00000000', 'hex'))).toBeUndefined();
    // With half a packet buffered, the next chunk does not start a packet.
    expect(s.push(head!)).toEqual([]);
    expect(s.peek!(tail!)).toBeUndefined();
    expect(s.peek!(full)).toBeUndefined();
    // Before the IMEI handshake nothing is a packet yet.
    expect(createTeltonikaSession().peek!(full)).toBeUndefined();
    // A count that does not match its records (the session would ignore the packet) is not peeked either.
    const data = encodeAvlData(CODEC_8E, [at(T0)]);
    data[data.length - 1] = 2;
    expect(identifiedSession().peek!(encodeTcpPacket(data))).toBeUndefined();
  });

  it('never calls critical what decoding does not, and never misses what it does (generated packets)', () => {
    const recordArb = fc.record({
      timestampMs: fc.integer({ min: T0 - 86_400_000, max: T0 + 86_400_000 }),
      priority: fc.constantFrom(0, 1, 2),
      crash: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(fc.array(recordArb, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }), (packets) => {
        const chunk = Buffer.concat(
          packets.map((p) => packet(p.map((r) => at(r.timestampMs, { priority: r.priority, io: r.crash ? [{ id: 247, width: 1, value: 1n }] : [] })))),
        );
        const s = identifiedSession();
        const peek = s.peek!(chunk)!;
        const decoded = recordsOf(s.push(chunk));
        expect(peek.records).toBe(decoded.length);
        expect(peek.critical).toBe(decoded.some(isCritical));
        expect(peek.oldestDeviceTime).toBe(Math.min(...decoded.map((r) => r.deviceTime)));
        expect(peek.newestDeviceTime).toBe(Math.max(...decoded.map((r) => r.deviceTime)));
      }),
      { numRuns: 200 },
    );
  });
});
