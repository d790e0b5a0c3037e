import type { DriverActivity, TelemetryRecord } from '../engine/model/index.ts';

/**
 * The part of a record that history-dependent concerns read, kept while a
 * record waits in the reorder window. Memory is the budget here: only present
 * facts are set, sensor readings are flat `[name, value, name, value...]`
 * arrays (nothing in a sample points back into the record or its payload,
 * which can be collected: strings are detached copies, see `detach`), and
 * names (driver ids, probes, wheels, doors, DTC codes) are interned: msgpack
 * decodes a fresh copy of each per record.
 */
export interface Sample {
  /** Record id: the cause of every event this sample triggers. */
  id: string;
  /** Device time, epoch ms. */
  t: number;
  /** Position, only with a valid fix. */
  lat: number | undefined;
  lon: number | undefined;
  spdKmh: number | undefined;
  hdgDeg: number | undefined;
  ign: boolean | undefined;
  /** Everything else (engine, sensors, driver, tachograph, harsh alarms); undefined for a plain tracker record. */
  x: SampleExtra | undefined;
}

export interface SampleExtra {
  hdop: number | undefined;
  mov: boolean | undefined;
  rpm: number | undefined;
  coolantC: number | undefined;
  dtcs: string[] | undefined;
  fuelL: number | undefined;
  fuelPct: number | undefined;
  fuelUsedL: number | undefined;
  odoM: number | undefined;
  engineHoursS: number | undefined;
  /** Vehicle supply voltage (external, else battery). */
  supplyV: number | undefined;
  /** [probe, °C, probe, °C, ...] */
  probes: (string | number)[] | undefined;
  /** [wheel, kPa, wheel, kPa, ...] */
  tyres: (string | number)[] | undefined;
  /** [door, 1 open | 0 closed, ...] */
  doors: (string | number)[] | undefined;
  /** Sum of axle loads, kg. */
  loadKg: number | undefined;
  driverId: string | undefined;
  activity: DriverActivity | undefined;
  /** Device harsh alarms: bit 1 braking, 2 acceleration, 4 cornering. */
  harsh: number | undefined;
}

export const HARSH_BRAKING = 1;
export const HARSH_ACCELERATION = 2;
export const HARSH_CORNERING = 4;

/** V8 copies substrings shorter than this; from this length on, a substring is a view that keeps its parent alive. */
const SLICE_MIN = 13;
const CHUNK = 4096;
const codes: number[] = [];

/**
 * A flat copy of `v` that shares no memory with any other string. msgpackr's
 * native decoder reads all the strings of a payload as one string and hands
 * out slices of it, so a 22-character record id kept in a context held the
 * whole string of its record alive (~370 B; ~1.2 KB per actor on the
 * simulated fleet). Strings shorter than SLICE_MIN are never slices and come
 * back as they are. `fromCharCode` is used because it always allocates a new
 * sequential string (slice, concat-then-slice and repeat may return views).
 */
export function detach(v: string): string {
  if (v.length < SLICE_MIN) return v;
  const parts: string[] = [];
  for (let at = 0; at < v.length; at += CHUNK) {
    const end = Math.min(v.length, at + CHUNK);
    codes.length = end - at;
    for (let i = at; i < end; i++) codes[i - at] = v.charCodeAt(i);
    parts.push(String.fromCharCode.apply(null, codes));
  }
  codes.length = 0;
  return parts.length === 1 ? parts[0]! : parts.join('');
}

let lastRecordId = '';

/**
 * A record's id as the context keeps it: detached from the payload it was
 * decoded with. The mailbox (sample) and connectivity (`lastRecordId`) both
 * ask for the id of the record being handled; the last result is reused so
 * they share one copy (compared by content: nothing here holds the payload).
 */
export function recordId(id: string): string {
  if (id !== lastRecordId) lastRecordId = detach(id);
  return lastRecordId;
}

const INTERN_MAX = 100_000;
const interned = new Map<string, string>();

/**
 * One shared copy of a short, often repeated string (bounded: past the cap,
 * strings are kept as they come, detached). The copy kept is detached: the
 * first driver id or probe name seen must not pin its record's payload for
 * the life of the process.
 */
export function intern(v: string): string {
  const hit = interned.get(v);
  if (hit !== undefined) return hit;
  const own = detach(v);
  if (interned.size < INTERN_MAX && own.length <= 64) interned.set(own, own);
  return own;
}

function pairs<T>(list: T[] | undefined, name: (x: T) => string, value: (x: T) => number): (string | number)[] | undefined {
  if (!list || list.length === 0) return undefined;
  const out = new Array<string | number>(list.length * 2);
  for (let i = 0; i < list.length; i++) {
    out[2 * i] = intern(name(list[i]!));
    out[2 * i + 1] = value(list[i]!);
  }
  return out;
}

/**
 * Built as literals with every field (absent = undefined): V8 keeps such
 * objects compact, while adding more than a dozen properties one by one turns
 * an object into a dictionary several times larger. Plain tracker records
 * (position and ignition) need only the core.
 */
export function sampleOf(r: TelemetryRecord): Sample {
  const p = r.position && r.position.valid !== false ? r.position : undefined;
  const e = r.engine;
  let harsh: number | undefined;
  if (r.alarms?.length) {
    let h = 0;
    for (const a of r.alarms) {
      if (a === 'harshBraking') h |= HARSH_BRAKING;
      else if (a === 'harshAcceleration') h |= HARSH_ACCELERATION;
      else if (a === 'harshCornering') h |= HARSH_CORNERING;
    }
    if (h) harsh = h;
  }
  const driver = r.driverId ?? r.tachograph?.driverId;
  const hasExtra =
    e !== undefined ||
    harsh !== undefined ||
    driver !== undefined ||
    r.tachograph?.activity !== undefined ||
    r.moving !== undefined ||
    p?.hdop !== undefined ||
    !!r.probes?.length ||
    !!r.tyres?.length ||
    !!r.doors?.length ||
    !!r.axleLoadsKg?.length;
  return {
    id: recordId(r.id),
    t: r.deviceTime,
    lat: p?.lat,
    lon: p?.lon,
    spdKmh: p?.speedKmh,
    hdgDeg: p?.headingDeg,
    ign: r.ignition,
    x: hasExtra
      ? {
          hdop: p?.hdop,
          mov: r.moving,
          rpm: e?.rpm,
          coolantC: e?.coolantC,
          dtcs: e?.dtcs?.map(intern),
          fuelL: e?.fuelLevelL,
          fuelPct: e?.fuelLevelPct,
          fuelUsedL: e?.fuelUsedL,
          odoM: e?.odometerM,
          engineHoursS: e?.engineHoursS,
          supplyV: e ? (e.externalV ?? e.batteryV) : undefined,
          probes: pairs(r.probes, (x) => x.probe, (x) => x.tempC),
          tyres: pairs(r.tyres, (x) => x.wheel, (x) => x.pressureKpa),
          doors: pairs(r.doors, (x) => x.door, (x) => (x.open ? 1 : 0)),
          loadKg: r.axleLoadsKg?.length ? r.axleLoadsKg.reduce((a, b) => a + b, 0) : undefined,
          driverId: driver ? intern(driver) : undefined,
          activity: r.tachograph?.activity,
          harsh,
        }
      : undefined,
  };
}

/** Total order of samples: device time, then record id (ties must not depend on arrival). */
export function compareSamples(a: { t: number; id: string }, b: { t: number; id: string }): number {
  return a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
