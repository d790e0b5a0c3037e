import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { samplePayloads } from '../../bench/harness/payloads.ts';
import { DEFAULT_MIX } from '../../bench/simulator/fleet.ts';
import { isTelemetryRecord } from './record-check.ts';
import { AlarmSchema, DriverActivitySchema, TelemetryRecordSchema } from './telemetry-record.ts';

/** Mostly a good value, now and then anything at all or a value just past the schema's bounds. */
const mostly = <T>(good: fc.Arbitrary<T>, ...bad: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 60, arbitrary: good }, { weight: 1, arbitrary: fc.anything() }, ...bad.map((arbitrary) => ({ weight: 1, arbitrary })));

const edgeNumbers = fc.constantFrom(Number.NaN, Infinity, -Infinity, -1e-9, -1, 2 ** 60, 0.5, 91, -181, 361, 2001, 256, 101, '1', null, undefined);
const text = (max: number) => mostly(fc.string({ maxLength: max }), fc.string({ minLength: max + 1, maxLength: max + 3 }), fc.constant(undefined), fc.constant(''));
const finite = (min = -1e6, max = 1e6) => mostly(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), edgeNumbers);
const whole = (max = 2 ** 45) => mostly(fc.integer({ min: 0, max }), edgeNumbers);
const token = mostly(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), fc.constantFrom('', 'a.b', 'a b', 'x'.repeat(65), 'tenant*'));
/** Optional: absent, present as undefined, or the value; sometimes a key the schema has not got. */
const withExtra = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T, required: (keyof T)[]) =>
  fc.tuple(fc.record(fields, { requiredKeys: required as never }), fc.oneof({ weight: 40, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('extra', 'Lat', '__proto__', 'speed') }), fc.anything()).map(([o, extra, v]) => {
    const out: Record<string, unknown> = { ...o };
    if (extra !== null) Object.defineProperty(out, extra, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  });
const list = <T>(item: fc.Arbitrary<T>, max: number) => mostly(fc.array(item, { maxLength: max }), fc.array(item, { minLength: max + 1, maxLength: max + 2 }));

const position = withExtra(
  {
    lat: finite(-90, 90),
    lon: finite(-180, 180),
    altitudeM: fc.option(finite(), { nil: undefined }),
    speedKmh: finite(0, 2000),
    headingDeg: fc.option(finite(0, 360), { nil: undefined }),
    satellites: fc.option(mostly(fc.integer({ min: 0, max: 255 }), edgeNumbers), { nil: undefined }),
    hdop: fc.option(finite(0, 50), { nil: undefined }),
    accuracyM: fc.option(finite(0, 1e4), { nil: undefined }),
    valid: fc.option(mostly(fc.boolean()), { nil: undefined }),
  },
  ['lat', 'lon', 'speedKmh'],
);
const engine = withExtra(
  {
    rpm: finite(0, 8000),
    coolantC: finite(),
    dtcs: list(text(16), 64),
    fuelLevelPct: finite(0, 100),
    fuelLevelL: finite(0),
    fuelUsedL: finite(0),
    odometerM: finite(0),
    engineHoursS: finite(0),
    batteryV: finite(),
    externalV: finite(),
  },
  [],
);
const attributeValue = mostly(fc.oneof(fc.string({ maxLength: 1024 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean()), fc.string({ minLength: 1025, maxLength: 1026 }), edgeNumbers);
const record = withExtra(
  {
    id: mostly(fc.string({ minLength: 1, maxLength: 128 }), fc.constant(''), fc.string({ minLength: 129, maxLength: 130 })),
    tenantId: token,
    deviceId: token,
    protocol: mostly(fc.constantFrom('osmand', 'teltonika', 'gt06', 'simulator'), fc.constant('Teltonika')),
    deviceTime: whole(),
    receivedAt: whole(),
    seq: whole(2 ** 31),
    priority: mostly(fc.constantFrom('normal', 'critical'), fc.constant('urgent')),
    position: mostly(position),
    ignition: mostly(fc.boolean(), fc.constant(1)),
    moving: mostly(fc.boolean()),
    engine: mostly(engine),
    probes: list(withExtra({ probe: text(32), tempC: finite() }, ['probe', 'tempC']), 16),
    tyres: list(withExtra({ wheel: text(16), pressureKpa: finite(0, 1500), tempC: fc.option(finite(), { nil: undefined }) }, ['wheel', 'pressureKpa']), 32),
    doors: list(withExtra({ door: text(32), open: mostly(fc.boolean()) }, ['door', 'open']), 16),
    axleLoadsKg: list(finite(0, 5e4), 16),
    tachograph: mostly(withExtra({ driverId: text(64), activity: mostly(fc.constantFrom(...DriverActivitySchema.options), fc.constant('sleeping')) }, [])),
    driverId: text(64),
    alarms: list(mostly(fc.constantFrom(...AlarmSchema.options), fc.constant('fire')), 16),
    attributes: mostly(fc.dictionary(fc.oneof({ weight: 12, arbitrary: fc.string({ maxLength: 64 }) }, { weight: 1, arbitrary: fc.string({ minLength: 65, maxLength: 66 }) }), attributeValue, { maxKeys: 6 }), fc.constant([])),
  },
  ['id', 'tenantId', 'deviceId', 'protocol', 'deviceTime', 'receivedAt', 'priority'],
);

describe('record check (isTelemetryRecord)', () => {
  it('never accepts what TelemetryRecordSchema refuses, and what it accepts is what zod returns', () => {
    let accepted = 0;
    let refused = 0;
    let zodOnly = 0;
    fc.assert(
      fc.property(record, (r) => {
        const zod = TelemetryRecordSchema.safeParse(r);
        if (!isTelemetryRecord(r)) {
          if (zod.success) zodOnly++;
          refused++;
          return;
        }
        accepted++;
        expect(zod.success).toBe(true);
        expect(zod.data).toStrictEqual(r);
      }),
      { numRuns: 4000 },
    );
    // Both answers were exercised: a check that refused everything would pass the above.
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
    // And what it leaves to zod is mostly what zod refuses too (the rest: objects fast-check makes without a prototype).
    expect(zodOnly).toBeLessThan(refused / 4);
  });

  it('takes every record of the simulated fleet as the real decoders make it (the fast path is the common path)', () => {
    const samples = samplePayloads(3000, { seed: 7, mix: DEFAULT_MIX, partitions: 64 });
    expect(samples.length).toBeGreaterThan(2000);
    const missed = samples.filter((s) => !isTelemetryRecord(s.record)).map((s) => s.record);
    expect(missed).toEqual([]);
  });

  it('leaves to zod what it does not know, each case on its own', () => {
    const ok = TelemetryRecordSchema.parse({ id: 'r1', tenantId: 't', deviceId: 'd', protocol: 'osmand', deviceTime: 1, receivedAt: 2, priority: 'normal', position: { lat: 1, lon: 2, speedKmh: 3 } });
    expect(isTelemetryRecord(ok)).toBe(true);
    expect(isTelemetryRecord({ ...ok, seq: undefined })).toBe(true);
    expect(isTelemetryRecord({ ...ok, unknown: 1 })).toBe(false);
    expect(isTelemetryRecord({ ...ok, position: { ...ok.position!, speed: 3 } })).toBe(false);
    expect(isTelemetryRecord({ ...ok, deviceTime: 1.5 })).toBe(false);
    expect(isTelemetryRecord({ ...ok, deviceId: 'a.b' })).toBe(false);
    expect(isTelemetryRecord({ ...ok, priority: undefined })).toBe(false);
    expect(isTelemetryRecord({ ...ok, attributes: JSON.parse('{"__proto__": 1}') as Record<string, number> })).toBe(false);
    expect(isTelemetryRecord(Object.assign(new (class Rec {})(), ok))).toBe(false);
    expect(isTelemetryRecord({ ...ok, engine: Object.assign(Object.create(null) as object, { rpm: 1 }) })).toBe(false);
    expect(isTelemetryRecord([ok])).toBe(false);
    expect(isTelemetryRecord(null)).toBe(false);
  });
});
