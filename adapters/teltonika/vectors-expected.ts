import type { DecodedRecord, DeviceId } from '../../engine/model/index.ts';

/**
 * What the published vectors (vectors.ts) decode to with the default FMB IO
 * table. The values are the wiki's own field-by-field readings: times,
 * coordinates and IO values; IO ids the table does not map stay `io<id>`.
 * Test data only.
 */

const NO_FIX = { lat: 0, lon: 0, altitudeM: 0, speedKmh: 0, headingDeg: 0, satellites: 0, valid: false };

function rec(deviceId: string, fields: Omit<DecodedRecord, 'deviceId' | 'protocol'>): DecodedRecord {
  return { deviceId: deviceId as DeviceId, protocol: 'teltonika', ...fields };
}

export function codec8Example1(id: string): DecodedRecord[] {
  // 2019-06-10 10:04:46 UTC; IO 21 = 3, IO 1 = 1, IO 66 = 0x5E0F mV, IO 241 = 0x601A, IO 78 = 0 (no iButton)
  return [
    rec(id, {
      deviceTime: 1_560_161_086_000,
      position: NO_FIX,
      engine: { externalV: 24.079 },
      attributes: { gsmSignal: 3, io1: 1, io241: 24_602, eventIoId: 1 },
    }),
  ];
}

export function codec8Example2(id: string): DecodedRecord[] {
  // 2019-06-10 10:05:36 UTC; IO 21 = 3, IO 1 = 1, IO 66 = 0x5E10 mV
  return [
    rec(id, {
      deviceTime: 1_560_161_136_000,
      position: NO_FIX,
      engine: { externalV: 24.08 },
      attributes: { gsmSignal: 3, io1: 1, eventIoId: 1 },
    }),
  ];
}

export function codec8Example3(id: string): DecodedRecord[] {
  // 2019-06-10 10:01:01 and 10:01:19 UTC; IO 1 = 0 then 1
  return [
    rec(id, { deviceTime: 1_560_160_861_000, position: NO_FIX, attributes: { io1: 0, eventIoId: 1 } }),
    rec(id, { deviceTime: 1_560_160_879_000, position: NO_FIX, attributes: { io1: 1, eventIoId: 1 } }),
  ];
}

export function codec8eExample(id: string): DecodedRecord[] {
  // 2019-06-10 11:36:32 UTC; IO 1 = 1, IO 17 = 0x1D, IO 16 = 0x015E2C88 m, IO 11 = 0x3544C87A, IO 14 = 0x1DD7E06A
  return [
    rec(id, {
      deviceTime: 1_560_166_592_000,
      position: NO_FIX,
      engine: { odometerM: 22_949_000 },
      attributes: { io1: 1, io17: 29, io11: 893_700_218, io14: 500_686_954, eventIoId: 1 },
    }),
  ];
}

export function codec8eExample2017(id: string): DecodedRecord[] {
  // 2017-11-14 11:18:44 UTC; lon 25.2562916, lat 54.6676016, 138 m, 6 satellites;
  // IO 239 = 0, IO 17 = 0x1E, IO 16 = 0xCBDF m, IO 11, IO 14, NX IO 256 (VIN) = 17 zero bytes
  return [
    rec(id, {
      deviceTime: 1_510_658_324_000,
      position: { lat: 54.6676016, lon: 25.2562916, altitudeM: 138, speedKmh: 0, headingDeg: 0, satellites: 6, valid: true },
      ignition: false,
      engine: { odometerM: 52_191 },
      attributes: { io17: 30, io11: 893_700_213, io14: 700_441_809, io256: '00'.repeat(17) },
    }),
  ];
}

export function codec16Example(id: string): DecodedRecord[] {
  // 2019-07-10 12:06:54 and 12:06:55 UTC; event IO 11, generation type 5 (on change);
  // IO 1 = 0, IO 3 = 0, IO 11 = 0x27 then 0x26, IO 66 = 0x563A mV
  const attrs = { io1: 0, io3: 0, eventIoId: 11, generationType: 5 };
  return [
    rec(id, { deviceTime: 1_562_760_414_000, position: NO_FIX, engine: { externalV: 22.074 }, attributes: { ...attrs, io11: 39 } }),
    rec(id, { deviceTime: 1_562_760_415_000, position: NO_FIX, engine: { externalV: 22.074 }, attributes: { ...attrs, io11: 38 } }),
  ];
}

export function udpCodec8Example(id: string): DecodedRecord[] {
  // 2019-06-13 06:23:26 UTC; IO 21 = 3, IO 1 = 1, IO 66 = 0x5DBC mV
  return [
    rec(id, {
      deviceTime: 1_560_407_006_000,
      position: NO_FIX,
      engine: { externalV: 23.996 },
      attributes: { gsmSignal: 3, io1: 1, eventIoId: 1 },
    }),
  ];
}

export function udpCodec8eExample(id: string): DecodedRecord[] {
  // 2019-06-13 06:25:21 UTC; as the TCP 8E example but IO 17 = 0x9D
  return [
    rec(id, {
      deviceTime: 1_560_407_121_000,
      position: NO_FIX,
      engine: { odometerM: 22_949_000 },
      attributes: { io1: 1, io17: 157, io11: 893_700_218, io14: 500_686_954, eventIoId: 1 },
    }),
  ];
}
