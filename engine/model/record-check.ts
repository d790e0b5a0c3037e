import { isValidIdToken } from './ids.ts';
import {
  AlarmSchema,
  DriverActivitySchema,
  ProtocolSchema,
  TelemetryRecordSchema,
  type EngineReading,
  type Position,
  type TelemetryRecord,
} from './telemetry-record.ts';

/**
 * TelemetryRecordSchema's verdict on an ordinary record, without zod's cost.
 *
 * Every record is validated once, where it enters (adapters/ingest/normalize.ts).
 * zod builds a fresh copy of the record and a context object for each check of
 * each field: in the bench's allocation profile of the adapters' thread that was
 * half of everything the thread allocated (~6.5 KB a record), and the collector's
 * work grows with it. This check reads the record in place and allocates nothing.
 *
 * It only ever answers "valid as it is" or "ask zod": a record with anything it
 * does not recognise (a key the schema does not have, a class instance, a value
 * out of range) goes to TelemetryRecordSchema, which decides and words the
 * error. So it may be stricter than the schema but never looser, and a record
 * it accepts is exactly what zod would have returned: zod keeps the known keys
 * (an optional one present as undefined included) and this accepts nothing else.
 * `record-check.test.ts` holds the two to that over generated records.
 *
 * The tables below are typed by the schema's own types, so a field added to
 * the schema does not compile until it is checked here.
 */
export function isTelemetryRecord(x: unknown): x is TelemetryRecord {
  // Own string keys are what is read; a symbol key, which zod would drop, is not looked at.
  return checkRecord(x);
}

type Check = (v: unknown) => boolean;
type Fields<T> = { readonly [K in keyof Required<T>]: Check };

const PROTOCOLS: ReadonlySet<unknown> = new Set(ProtocolSchema.options);
const ALARMS: ReadonlySet<unknown> = new Set(AlarmSchema.options);
const ACTIVITIES: ReadonlySet<unknown> = new Set(DriverActivitySchema.options);
const PRIORITIES: ReadonlySet<unknown> = new Set(TelemetryRecordSchema.shape.priority.options);

/** A literal-made object: zod returns its copies with Object.prototype, so anything else (null prototype, a class) goes to zod. */
function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const opt = (check: Check): Check => (v) => v === undefined || check(v);
const number: Check = num;
const atLeast = (min: number): Check => (v) => num(v) && v >= min;
const between = (min: number, max: number): Check => (v) => num(v) && v >= min && v <= max;
const wholeFrom0: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const text = (max: number): Check => (v) => typeof v === 'string' && v.length <= max;
const bool: Check = (v) => typeof v === 'boolean';
const oneOf = (set: ReadonlySet<unknown>): Check => (v) => set.has(v);
const idToken: Check = (v) => typeof v === 'string' && isValidIdToken(v);

function list(max: number, item: Check): Check {
  return (v) => {
    if (!Array.isArray(v) || v.length > max) return false;
    for (let i = 0; i < v.length; i++) if (!item(v[i])) return false;
    return true;
  };
}

function object<T>(fields: Fields<T>, required: readonly (keyof T & string)[]): Check {
  return (v) => {
    if (!isPlainObject(v)) return false;
    for (const key in v) {
      if (!Object.hasOwn(fields, key)) return false;
      if (!fields[key as keyof T](v[key])) return false;
    }
    for (const key of required) if (v[key] === undefined) return false;
    return true;
  };
}

const POSITION: Fields<Position> = {
  lat: between(-90, 90),
  lon: between(-180, 180),
  altitudeM: opt(number),
  speedKmh: between(0, 2000),
  headingDeg: opt(between(0, 360)),
  satellites: opt((v) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 255),
  hdop: opt(atLeast(0)),
  accuracyM: opt(atLeast(0)),
  valid: opt(bool),
};

const ENGINE: Fields<EngineReading> = {
  rpm: opt(atLeast(0)),
  coolantC: opt(number),
  dtcs: opt(list(64, text(16))),
  fuelLevelPct: opt(between(0, 100)),
  fuelLevelL: opt(atLeast(0)),
  fuelUsedL: opt(atLeast(0)),
  odometerM: opt(atLeast(0)),
  engineHoursS: opt(atLeast(0)),
  batteryV: opt(number),
  externalV: opt(number),
};

function attributes(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  for (const key in v) {
    // An own "__proto__" key (JSON.parse makes them) is copied differently by zod: let zod have it.
    if (key.length > 64 || key === '__proto__') return false;
    const a = v[key];
    if (!(typeof a === 'string' ? a.length <= 1024 : num(a) || typeof a === 'boolean')) return false;
  }
  return true;
}

type Probe = NonNullable<TelemetryRecord['probes']>[number];
type Tyre = NonNullable<TelemetryRecord['tyres']>[number];
type Door = NonNullable<TelemetryRecord['doors']>[number];
type Tachograph = NonNullable<TelemetryRecord['tachograph']>;

const RECORD_FIELDS: Fields<TelemetryRecord> = {
  id: (v) => typeof v === 'string' && v.length >= 1 && v.length <= 128,
  tenantId: idToken,
  deviceId: idToken,
  protocol: oneOf(PROTOCOLS),
  deviceTime: wholeFrom0,
  receivedAt: wholeFrom0,
  seq: opt(wholeFrom0),
  priority: oneOf(PRIORITIES),
  position: opt(object<Position>(POSITION, ['lat', 'lon', 'speedKmh'])),
  ignition: opt(bool),
  moving: opt(bool),
  engine: opt(object<EngineReading>(ENGINE, [])),
  probes: opt(list(16, object<Probe>({ probe: text(32), tempC: number }, ['probe', 'tempC']))),
  tyres: opt(list(32, object<Tyre>({ wheel: text(16), pressureKpa: atLeast(0), tempC: opt(number) }, ['wheel', 'pressureKpa']))),
  doors: opt(list(16, object<Door>({ door: text(32), open: bool }, ['door', 'open']))),
  axleLoadsKg: opt(list(16, atLeast(0))),
  tachograph: opt(object<Tachograph>({ driverId: opt(text(64)), activity: opt(oneOf(ACTIVITIES)) }, [])),
  driverId: opt(text(64)),
  alarms: opt(list(16, oneOf(ALARMS))),
  attributes: opt(attributes),
};

const checkRecord = object<TelemetryRecord>(RECORD_FIELDS, ['id', 'tenantId', 'deviceId', 'protocol', 'deviceTime', 'receivedAt', 'priority']);
