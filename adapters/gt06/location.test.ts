import { describe, expect, it } from 'vitest';
import { decodeGps, decodeGpsLbs, decodeGpsLbs4g, decodeGpsLbsUtc, decodeLbs } from './location.ts';
import { encodeLbs, encodeLocation, type LocationSpec } from './test-encoder.ts';
import { contentOf } from './test-kit.ts';
import * as V from './vectors.ts';

const DEG = 1_800_000;

describe('0x12 location (GT06 doc example)', () => {
  it('decodes every field to the exact value', () => {
    expect(decodeGpsLbs(contentOf(V.bytes(V.LOCATION_12)))).toEqual({
      kind: 'record',
      record: {
        // 0B 08 1D 11 2E 10 = 2011-08-29 17:46:16 UTC
        deviceTime: Date.UTC(2011, 7, 29, 17, 46, 16),
        position: {
          lat: 0x027ac7eb / DEG, // 22.540356... north (course/status 0x148F: bit10 set)
          lon: 0x0c465849 / DEG, // east (bit11 clear)
          speedKmh: 0,
          headingDeg: 0x08f, // 143
          satellites: 15, // low nibble of 0xCF
          valid: true, // bit12
        },
        attributes: { mcc: 460, mnc: 0, lac: 0x287d, cellId: 0x1fb8, gpsDifferential: false },
      },
    });
    expect(0x027ac7eb / DEG).toBeCloseTo(23.1116683, 6);
    expect(0x0c465849 / DEG).toBeCloseTo(114.409285, 6);
  });
});

describe('0x22 location (GT800 doc example)', () => {
  it('decodes the GPS block, the cell, ACC, upload mode and the re-upload flag', () => {
    expect(decodeGpsLbsUtc(contentOf(V.bytes(V.LOCATION_22)))).toEqual({
      kind: 'record',
      record: {
        deviceTime: Date.UTC(2015, 11, 29, 2, 51, 5), // 0F 0C 1D 02 33 05
        ignition: false, // ACC 00
        position: { lat: 0x027ac818 / DEG, lon: 0x0c465860 / DEG, speedKmh: 0, headingDeg: 0, satellites: 9, valid: true },
        attributes: { mcc: 460, mnc: 0, lac: 0x287d, cellId: 0x1f71, uploadMode: 0, reupload: true, gpsDifferential: false },
      },
    });
  });
});

const SPEC: LocationSpec = {
  time: { year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 58 },
  gps: {
    satellites: 7,
    latRaw: 60_000_000,
    lonRaw: 100_000_000,
    north: false,
    east: false,
    speedKmh: 88,
    course: 359,
    positioned: true,
    differential: true,
  },
  cell: { mcc: 262, mnc: 1, lac: 0x1234, cellId: 0xabcdef },
  acc: true,
  uploadMode: 3,
  reupload: false,
  mileage: 123456,
};

describe('built with the test encoder (no official vector)', () => {
  it('south/west hemispheres, differential flag, leap day, mileage on 0x22', () => {
    const out = decodeGpsLbsUtc(contentOf(encodeLocation(0x22, SPEC, 9)));
    expect(out).toEqual({
      kind: 'record',
      record: {
        deviceTime: Date.UTC(2024, 1, 29, 23, 59, 58),
        ignition: true,
        position: { lat: -60_000_000 / DEG, lon: -100_000_000 / DEG, speedKmh: 88, headingDeg: 359, satellites: 7, valid: true },
        attributes: { mcc: 262, mnc: 1, lac: 0x1234, cellId: 0xabcdef, uploadMode: 3, reupload: false, mileage: 123456, gpsDifferential: true },
      },
    });
  });

  it('0x22 without the three trailing bytes ("06 series") still decodes', () => {
    const full = contentOf(encodeLocation(0x12, SPEC, 1));
    const out = decodeGpsLbsUtc(full);
    expect(out.kind).toBe('record');
    if (out.kind === 'record') expect(out.record.ignition).toBeUndefined();
  });

  it('0x10 GPS only: position, no cell', () => {
    const out = decodeGps(contentOf(encodeLocation(0x10, SPEC, 1)));
    expect(out).toMatchObject({ kind: 'record', record: { position: { lat: -60_000_000 / DEG }, attributes: { gpsDifferential: true } } });
    if (out.kind === 'record') expect(out.record.attributes).not.toHaveProperty('mcc');
  });

  it('0x11 LBS only: cell attributes, no position', () => {
    const out = decodeLbs(contentOf(encodeLbs(SPEC.time, SPEC.cell, 1)));
    expect(out).toEqual({
      kind: 'record',
      record: { deviceTime: Date.UTC(2024, 1, 29, 23, 59, 58), attributes: { mcc: 262, mnc: 1, lac: 0x1234, cellId: 0xabcdef } },
    });
  });

  it('0xA0: 2-byte MNC (MCC bit 15), 4-byte LAC, 8-byte cell id', () => {
    const spec = { ...SPEC, cell: { mcc: 310, mnc: 260, lac: 0x01020304, cellId: 2 ** 40 + 5, twoByteMnc: true } };
    const out = decodeGpsLbs4g(contentOf(encodeLocation(0xa0, spec, 1)));
    expect(out).toMatchObject({ kind: 'record', record: { attributes: { mcc: 310, mnc: 260, lac: 0x01020304, cellId: 2 ** 40 + 5, mileage: 123456 } } });
  });
});

describe('invalid values are reported, not decoded', () => {
  it.each([
    ['month 13', { ...SPEC, time: { ...SPEC.time, month: 13 } }, 'month 13'],
    ['29 Feb in a non-leap year', { ...SPEC, time: { ...SPEC.time, year: 2023 } }, 'day 29'],
    ['hour 24', { ...SPEC, time: { ...SPEC.time, hour: 24 } }, 'time'],
    ['latitude above 90', { ...SPEC, gps: { ...SPEC.gps, latRaw: 162_000_001 } }, 'latitude'],
    ['longitude above 180', { ...SPEC, gps: { ...SPEC.gps, lonRaw: 324_000_001 } }, 'longitude'],
    ['course above 360', { ...SPEC, gps: { ...SPEC.gps, course: 361 } }, 'course'],
  ])('%s', (_name, spec, reason) => {
    const out = decodeGpsLbs(contentOf(encodeLocation(0x12, spec, 1)));
    expect(out.kind).toBe('invalid');
    if (out.kind === 'invalid') expect(out.reason).toContain(reason);
  });

  it('latitude exactly 90 and longitude exactly 180 are accepted', () => {
    const spec = { ...SPEC, gps: { ...SPEC.gps, latRaw: 162_000_000, lonRaw: 324_000_000 } };
    expect(decodeGpsLbs(contentOf(encodeLocation(0x12, spec, 1)))).toMatchObject({ record: { position: { lat: -90, lon: -180 } } });
  });

  it('content shorter than the layout is malformed', () => {
    expect(decodeGpsLbs(Buffer.alloc(17)).kind).toBe('malformed');
    expect(decodeGpsLbs(Buffer.alloc(20)).kind).toBe('malformed'); // cell block cut
    expect(decodeLbs(Buffer.alloc(3)).kind).toBe('malformed');
  });
});
