import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeAck } from './answer.ts';
import { Gt06Framer } from './framer.ts';
import { createGt06Session } from './session.ts';
import {
  encodeAlarm,
  encodeHeartbeat,
  encodeInformation,
  encodeLocation,
  encodeLogin,
  type CellSpec,
  type DateTimeSpec,
  type GpsSpec,
  type StatusSpec,
} from './test-encoder.ts';
import { cutAt, feed, newSession, snapshot, TEST_NOW, type StepSnapshot } from './test-kit.ts';

const DEG = 1_800_000;
const IMEI = '358899051234567';

const dateArb: fc.Arbitrary<DateTimeSpec> = fc.record({
  year: fc.integer({ min: 2000, max: 2099 }),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 28 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
  second: fc.integer({ min: 0, max: 59 }),
});
const gpsArb: fc.Arbitrary<GpsSpec> = fc.record({
  satellites: fc.integer({ min: 0, max: 15 }),
  latRaw: fc.integer({ min: 0, max: 162_000_000 }),
  lonRaw: fc.integer({ min: 0, max: 324_000_000 }),
  north: fc.boolean(),
  east: fc.boolean(),
  speedKmh: fc.integer({ min: 0, max: 255 }),
  course: fc.integer({ min: 0, max: 360 }),
  positioned: fc.boolean(),
  differential: fc.boolean(),
});
const cellArb: fc.Arbitrary<CellSpec> = fc.record({
  mcc: fc.integer({ min: 0, max: 999 }),
  mnc: fc.integer({ min: 0, max: 255 }),
  lac: fc.integer({ min: 0, max: 0xffff }),
  cellId: fc.integer({ min: 0, max: 0xffffff }),
});
const statusArb: fc.Arbitrary<StatusSpec> = fc.record({
  terminalInfo: fc.integer({ min: 0, max: 255 }),
  voltageLevel: fc.integer({ min: 0, max: 6 }),
  gsmSignal: fc.integer({ min: 0, max: 4 }),
  alarmCode: fc.integer({ min: 0, max: 255 }),
  language: fc.integer({ min: 0, max: 2 }),
});
const serialArb = fc.integer({ min: 0, max: 0xffff });

type Msg =
  | { kind: 'loc12'; time: DateTimeSpec; gps: GpsSpec; cell: CellSpec; serial: number }
  | { kind: 'loc22'; time: DateTimeSpec; gps: GpsSpec; cell: CellSpec; serial: number; acc: boolean; reupload: boolean; uploadMode: number }
  | { kind: 'heartbeat'; status: StatusSpec; serial: number }
  | { kind: 'alarm'; time: DateTimeSpec; gps: GpsSpec; cell: CellSpec; status: StatusSpec; serial: number }
  | { kind: 'voltage'; centivolts: number; serial: number };

const msgArb: fc.Arbitrary<Msg> = fc.oneof(
  fc.record({ kind: fc.constant('loc12' as const), time: dateArb, gps: gpsArb, cell: cellArb, serial: serialArb }),
  fc.record({
    kind: fc.constant('loc22' as const),
    time: dateArb,
    gps: gpsArb,
    cell: cellArb,
    serial: serialArb,
    acc: fc.boolean(),
    reupload: fc.boolean(),
    uploadMode: fc.integer({ min: 0, max: 15 }),
  }),
  fc.record({ kind: fc.constant('heartbeat' as const), status: statusArb, serial: serialArb }),
  fc.record({ kind: fc.constant('alarm' as const), time: dateArb, gps: gpsArb, cell: cellArb, status: statusArb, serial: serialArb }),
  fc.record({ kind: fc.constant('voltage' as const), centivolts: fc.integer({ min: 0, max: 0xffff }), serial: serialArb }),
);

function encode(m: Msg): Buffer {
  switch (m.kind) {
    case 'loc12':
      return encodeLocation(0x12, m, m.serial);
    case 'loc22':
      return encodeLocation(0x22, m, m.serial);
    case 'heartbeat':
      return encodeHeartbeat(m.status, m.serial);
    case 'alarm':
      return encodeAlarm(0x16, m, m.status, m.serial);
    case 'voltage':
      return encodeInformation(0x00, [m.centivolts >> 8, m.centivolts & 0xff], m.serial);
  }
}

function expectedPosition(time: DateTimeSpec, g: GpsSpec) {
  return {
    deviceTime: Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second),
    position: {
      lat: g.north ? g.latRaw / DEG : 0 - g.latRaw / DEG,
      lon: g.east ? g.lonRaw / DEG : 0 - g.lonRaw / DEG,
      speedKmh: g.speedKmh,
      headingDeg: g.course,
      satellites: g.satellites,
      valid: g.positioned,
    },
  };
}

/** The step a frame must produce, written from the spec (not from the decoder). */
function check(m: Msg, step: StepSnapshot | undefined): void {
  expect(step?.kind).toBe('records');
  const rec = (step?.records as Array<Record<string, unknown>>)[0];
  const cellAttrs = (c: CellSpec) => ({ mcc: c.mcc, mnc: c.mnc, lac: c.lac, cellId: c.cellId });
  switch (m.kind) {
    case 'loc12':
      expect(rec).toMatchObject({ ...expectedPosition(m.time, m.gps), attributes: cellAttrs(m.cell) });
      expect(step?.reply).toBeUndefined();
      break;
    case 'loc22':
      expect(rec).toMatchObject({
        ...expectedPosition(m.time, m.gps),
        ignition: m.acc,
        attributes: { ...cellAttrs(m.cell), reupload: m.reupload, uploadMode: m.uploadMode },
      });
      expect(step?.reply).toBeUndefined();
      break;
    case 'heartbeat':
      expect(rec).toMatchObject({ deviceTime: TEST_NOW, ignition: (m.status.terminalInfo & 2) !== 0, attributes: { voltageLevel: m.status.voltageLevel } });
      expect(rec?.position).toBeUndefined();
      expect(step?.reply).toBe(encodeAck(0x13, m.serial).toString('hex'));
      break;
    case 'alarm':
      expect(rec).toMatchObject({ ...expectedPosition(m.time, m.gps), attributes: { ...cellAttrs(m.cell), alarmCode: m.status.alarmCode } });
      expect(step?.reply).toBe(m.status.language === 0 ? undefined : encodeAck(0x16, m.serial).toString('hex'));
      if ((rec?.alarms as unknown[] | undefined)?.length) expect(rec?.priority).toBe('critical');
      break;
    case 'voltage':
      expect(rec).toMatchObject({ deviceTime: TEST_NOW, engine: { externalV: m.centivolts / 100 } });
      expect(step?.reply).toBeUndefined();
      break;
  }
}

const login = encodeLogin(IMEI, 1);

describe('GT06 session properties', () => {
  it('arbitrary bytes, arbitrarily chunked, never throw; a close is final', () => {
    const byteArb = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x78, 0x79, 0x0d, 0x0a, 0x00, 0xff));
    fc.assert(
      fc.property(
        fc.array(byteArb, { maxLength: 600 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 70_000 }),
        (bytes, afterLogin, offsets, cap) => {
          const s = createGt06Session({ maxFrameBytes: cap, maxRecordsPerPacket: 255 }, { now: () => TEST_NOW });
          const input = Buffer.concat([afterLogin ? login : Buffer.alloc(0), Buffer.from(bytes)]);
          const steps = cutAt(input, offsets).flatMap((c) => s.push(c));
          const closeAt = steps.findIndex((x) => x.kind === 'close');
          if (closeAt >= 0) {
            expect(closeAt).toBe(steps.length - 1);
            expect(s.push(login)).toEqual([]);
          }
          for (const st of steps) if (st.kind === 'ignored') expect(st.error.detail?.fault).toBeUndefined();
        },
      ),
      { numRuns: 400 },
    );
  });

  it('generated valid frames round-trip through the test encoder under any chunking', () => {
    fc.assert(
      fc.property(fc.array(msgArb, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 30 }), (msgs, offsets) => {
        const stream = Buffer.concat([login, ...msgs.map(encode)]);
        const steps = feed(newSession(), cutAt(stream, offsets));
        expect(steps).toHaveLength(msgs.length + 1);
        expect(steps[0]).toMatchObject({ kind: 'identify', deviceId: IMEI });
        msgs.forEach((m, i) => check(m, steps[i + 1]));
      }),
      { numRuns: 150 },
    );
  });

  it('valid frames around a corrupted one still decode; the corrupted one is ignored as bad-crc', () => {
    fc.assert(
      fc.property(msgArb, msgArb, msgArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (a, bMsg, c, where, xor) => {
        const corrupted = Buffer.from(encode(bMsg));
        // Anything from the protocol number to the CRC; start, length and stop bytes stay intact.
        const first = corrupted[0] === 0x79 ? 4 : 3;
        const last = corrupted.length - 3;
        const i = first + (where % (last - first + 1));
        corrupted[i] = (corrupted[i] as number) ^ xor;
        const steps = feed(newSession(), [login, encode(a), corrupted, encode(c)]);
        expect(steps).toHaveLength(4);
        check(a, steps[1]);
        expect(steps[2]).toMatchObject({ kind: 'ignored', code: 'bad-crc' });
        check(c, steps[3]);
      }),
      { numRuns: 200 },
    );
  });

  it('a 0x7979 length beyond a small cap closes on the header, without buffering the claimed body', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 2048 }), fc.nat({ max: 65535 }), fc.uint8Array({ maxLength: 64 }), (cap, extra, tail) => {
        const len = Math.min(65535, Math.max(cap - 5, 0) + (extra % 65536));
        const header = Buffer.from([0x79, 0x79, len >> 8, len & 0xff]);
        const framer = new Gt06Framer(cap);
        const events = framer.push(Buffer.concat([header, tail]));
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ kind: 'close', code: 'frame-too-large' });
        expect(framer.bufferedBytes).toBe(0);

        const s = createGt06Session({ maxFrameBytes: cap, maxRecordsPerPacket: 255 });
        const steps = [...s.push(login.length <= cap ? login : Buffer.alloc(0)), ...s.push(header)].map(snapshot);
        expect(steps.at(-1)).toMatchObject({ kind: 'close', code: 'frame-too-large' });
      }),
      { numRuns: 300 },
    );
  });

  it('the documented worst case: 79 79 FF FF under a 1 KiB cap', () => {
    const framer = new Gt06Framer(1024);
    const before = process.memoryUsage().arrayBuffers;
    expect(framer.push(Buffer.from([0x79, 0x79, 0xff, 0xff]))).toMatchObject([{ kind: 'close', code: 'frame-too-large' }]);
    expect(framer.bufferedBytes).toBe(0);
    // Nothing near 64 KiB was allocated for the claimed body.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024);
  });
});
