import { describe, expect, it } from 'vitest';
import type { DeviceId } from '../../engine/model/index.ts';
import { decodeAvlData } from './avl-decoder.ts';
import { FMB_IO_RULES, FMX150_IO_RULES, IO_TABLES, compileIoTable, type IoFamily } from './io-map.ts';
import { CODEC_8, CODEC_8E, encodeAvlData, sampleRecord, type AvlRecordSpec, type FixedIo, type VariableIo } from './test-encoder.ts';
import { TEST_IMEI, expectValidModel } from './test-kit.ts';

function decodeOne(io: FixedIo[], nx: VariableIo[] = [], extra: Partial<AvlRecordSpec> = {}, family: IoFamily = 'fmb') {
  const data = encodeAvlData(CODEC_8E, [sampleRecord({ io, nx, ...extra })]);
  const result = decodeAvlData(data, { deviceId: TEST_IMEI as DeviceId, maxRecordsPerPacket: 10, ioTable: IO_TABLES[family] });
  if (!result.ok || result.records.length !== 1) throw new Error(`expected one record, got ${JSON.stringify(result)}`);
  const record = result.records[0]!;
  expectValidModel(record);
  return record;
}

const u = (id: number, width: FixedIo['width'], value: number | bigint): FixedIo => ({ id, width, value: BigInt(value) });
const s16 = (v: number): bigint => BigInt(v & 0xffff);
const s32 = (v: number): bigint => BigInt(v >>> 0);

describe('IO tables', () => {
  it('have no id twice and only 16-bit ids', () => {
    for (const rules of [FMB_IO_RULES, FMX150_IO_RULES]) {
      const ids = rules.map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id >= 0 && id <= 0xffff).toBe(true);
    }
  });

  it('refuse a table with a duplicate id', () => {
    expect(() => compileIoTable('fmb', [...FMB_IO_RULES, { id: 239, name: 'again', field: 'moving' }])).toThrow(/239/);
  });
});

describe('FMB IO mapping', () => {
  it('maps ignition, movement, voltages, odometer and HDOP', () => {
    const r = decodeOne([u(239, 1, 1), u(240, 1, 0), u(66, 2, 12_345), u(67, 2, 4_100), u(16, 4, 987_654), u(182, 2, 9), u(181, 2, 13)]);
    expect(r.ignition).toBe(true);
    expect(r.moving).toBe(false);
    expect(r.engine).toEqual({ externalV: 12.345, batteryV: 4.1, odometerM: 987_654 });
    expect(r.position?.hdop).toBe(0.9);
    expect(r.attributes).toMatchObject({ pdop: 1.3 });
  });

  it('reads Dallas temperatures as signed tenths in 2- or 4-byte form', () => {
    const r = decodeOne([u(72, 2, 235), u(73, 4, s32(-105)), u(74, 2, s16(-550)), u(75, 4, 1150)]);
    expect(r.probes).toEqual([
      { probe: 'dallas1', tempC: 23.5 },
      { probe: 'dallas3', tempC: -55 },
      { probe: 'dallas2', tempC: -10.5 },
      { probe: 'dallas4', tempC: 115 },
    ]);
  });

  it.each([850, 2000, 3000, 4000, 5000])('treats Dallas value %i as a sensor error code, kept raw', (code) => {
    const r = decodeOne([u(72, 4, code), u(73, 2, 200)]);
    expect(r.probes).toEqual([{ probe: 'dallas2', tempC: 20 }]);
    expect(r.attributes).toMatchObject({ io72: code });
  });

  it('turns an iButton into an upper-case hex driver id, and ignores an all-zero one', () => {
    expect(decodeOne([u(78, 8, 0x0123456789abcdefn)]).driverId).toBe('0123456789ABCDEF');
    const none = decodeOne([u(78, 8, 0n)]);
    expect(none.driverId).toBeUndefined();
    expect(none.attributes?.io78).toBeUndefined();
  });

  it.each([
    [1, 'harshAcceleration'],
    [2, 'harshBraking'],
    [3, 'harshCornering'],
  ] as const)('maps green driving type %i to %s, not critical', (value, alarm) => {
    const r = decodeOne([u(253, 1, value)]);
    expect(r.alarms).toEqual([alarm]);
    expect(r.priority).toBeUndefined();
  });

  it('keeps an unknown green driving type raw', () => {
    const r = decodeOne([u(253, 1, 9)]);
    expect(r.alarms).toBeUndefined();
    expect(r.attributes).toMatchObject({ io253: 9 });
  });

  it('raises a critical crash alarm for any crash detection value', () => {
    for (const value of [1, 2, 6]) {
      const r = decodeOne([u(247, 1, value)]);
      expect(r.alarms).toEqual(['crash']);
      expect(r.priority).toBe('critical');
    }
    expect(decodeOne([u(247, 1, 0)]).alarms).toBeUndefined();
  });

  it('raises a critical panic alarm for priority 2', () => {
    const r = decodeOne([u(247, 1, 1)], [], { priority: 2 });
    expect(r.alarms).toEqual(['crash', 'panic']);
    expect(r.priority).toBe('critical');
    expect(decodeOne([], [], { priority: 1 }).alarms).toBeUndefined();
  });

  it('maps power cut and jamming', () => {
    expect(decodeOne([u(252, 1, 1), u(249, 1, 1)]).alarms).toEqual(['powerCut', 'jamming']);
  });

  it('maps GPS fuel, OBD rpm, coolant, DTC count and fault codes', () => {
    const r = decodeOne(
      [u(12, 4, 12_345), u(13, 2, 850), u(36, 2, 2_150), u(32, 1, 0xfb), u(30, 1, 2), u(31, 1, 40)],
      [{ id: 281, bytes: Buffer.from('P0100,p0200 U0073', 'latin1') }],
    );
    expect(r.engine).toEqual({ fuelUsedL: 12.345, rpm: 2_150, coolantC: -5, dtcs: ['P0100', 'P0200', 'U0073'] });
    expect(r.attributes).toMatchObject({ fuelRateGpsL100km: 8.5, dtcCount: 2, engineLoadPct: 40 });
  });

  it('keeps fault codes that are not a code list raw', () => {
    const r = decodeOne([], [{ id: 281, bytes: Buffer.from([0x01, 0xff, 0x02]) }]);
    expect(r.engine?.dtcs).toBeUndefined();
    expect(r.attributes).toMatchObject({ io281: '01ff02' });
  });
});

describe('unknown IO ids stay as attributes', () => {
  it('as numbers for fixed widths, hex beyond 2^53 and for NX values', () => {
    const r = decodeOne(
      [u(1, 1, 1), u(9, 2, 4_321), u(241, 4, 24_602), u(11, 8, 893_700_218), u(14, 8, 0xfedcba9876543210n)],
      [{ id: 385, bytes: Buffer.from([0xde, 0xad, 0xbe, 0xef]) }],
    );
    expect(r.attributes).toEqual({
      io1: 1,
      io9: 4_321,
      io241: 24_602,
      io11: 893_700_218,
      io14: 'fedcba9876543210',
      io385: 'deadbeef',
    });
  });

  it('cuts very long NX values to the attribute limit and says how long they were', () => {
    const r = decodeOne([], [{ id: 500, bytes: Buffer.alloc(600, 0xab) }]);
    expect(r.attributes?.io500).toBe('ab'.repeat(512));
    expect(r.attributes?.io500Bytes).toBe(600);
  });
});

describe('FMx150 CAN family', () => {
  it('adds CAN coolant, engine speed and fuel level on top of FMB', () => {
    const io = [u(115, 2, s16(-123)), u(85, 2, 1_800), u(89, 1, 64), u(84, 2, 455), u(87, 4, 1_234_567), u(239, 1, 1)];
    const r = decodeOne(io, [], {}, 'fmx150');
    expect(r.engine).toEqual({ coolantC: -12.3, rpm: 1_800, fuelLevelPct: 64, fuelLevelL: 45.5 });
    expect(r.attributes).toMatchObject({ canTotalMileageM: 1_234_567 });
    expect(r.ignition).toBe(true);
  });

  it('keeps the same ids raw in the FMB family', () => {
    const r = decodeOne([u(115, 2, 100)], [], {}, 'fmb');
    expect(r.engine).toBeUndefined();
    expect(r.attributes).toMatchObject({ io115: 100 });
  });

  it('keeps an impossible fuel level raw rather than failing the model', () => {
    const r = decodeOne([u(89, 1, 250)], [], {}, 'fmx150');
    expect(r.engine).toBeUndefined();
    expect(r.attributes).toMatchObject({ io89: 250 });
  });
});

describe('Codec 8 ids are one byte', () => {
  it('maps a Codec 8 ignition the same way', () => {
    const data = encodeAvlData(CODEC_8, [sampleRecord({ io: [u(239, 1, 1), u(66, 2, 24_000)] })]);
    const result = decodeAvlData(data, { deviceId: TEST_IMEI as DeviceId, maxRecordsPerPacket: 10, ioTable: IO_TABLES.fmb });
    expect(result.ok && result.records[0]).toMatchObject({ ignition: true, engine: { externalV: 24 } });
  });
});
