import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { TelemetryRecordSchema, type TelemetryRecord } from '../engine/model/telemetry-record.ts';
import { pack, unpack } from '../engine/model/wire.ts';
import { DeviceActor } from './device-actor.ts';
import { detach, intern, recordId } from './sample.ts';
import { DEPOT, TENANT, driveEast } from './testing/record-kit.ts';

/**
 * What a context keeps of the payloads it was fed. msgpackr's native decoder
 * reads the strings of a payload as one string and hands out slices of it
 * (V8 slices from 13 characters on); a slice kept in a context (a record id
 * named by the track, a trip, the reorder window...) keeps the whole payload's
 * strings alive: ~1.2 KB per actor on the simulated fleet, and a restored
 * actor kept its whole snapshot's strings. The engine feeds actors
 * msgpack-decoded records and restores them from msgpack, so these tests do
 * the same, with record ids as long as the engine's (22 characters).
 *
 * Slices are recognised by their V8 map (`%HaveSameMap` against a known
 * slice): exact, where a heap figure of 200 actors is only good to about a KB per
 * actor. The heap test makes the leak large enough (a 6 KB string block per
 * payload) to be unmistakable through that noise.
 */

setFlagsFromString('--expose-gc');
setFlagsFromString('--allow-natives-syntax');
const gc = runInNewContext('gc') as () => void;
// compiled after the flag: the source is a string, so no transform sees the `%`
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: unknown, b: unknown) => boolean;
const flat = (s: string) => s.split('').join('');
const SLICES = [flat('x'.repeat(64)).slice(1, 40), flat('\u0101'.repeat(64)).slice(1, 40)];
const isSlice = (s: string) => SLICES.some((known) => sameMap(s, known));

/** Paths of the strings under `v` that are slices of another string. */
function slices(v: unknown, path = '', seen = new Set<object>()): string[] {
  // the config is one object shared by every device with the same settings, not part of any one actor
  if (path === '.config') return [];
  if (typeof v === 'string') return isSlice(v) ? [`${path}: ${v}`] : [];
  if (v === null || typeof v !== 'object' || seen.has(v)) return [];
  seen.add(v);
  return Object.entries(v).flatMap(([k, x]) => slices(x, `${path}.${k}`, seen));
}

const SETTINGS = { temperatureRangeC: { min: 2, max: 8 }, maxWeightKg: 40_000, speedLimitKmh: 50 };
/** Every kind of string a record brings in, each long enough to be sliced. */
const NAMES = { driver: 'DRIVER-CARD-0000001', dtc: 'P0300-SENSOR-X', probe: 'reefer-probe-front', wheel: 'axle1-left-outer', door: 'rear-door-left' };

/** A truck with every sensor, records held in the window at the end; ids as long as the engine's. */
function life(device: string): TelemetryRecord[] {
  const { records } = driveEast(DEPOT, 0, 290, 10, 60, {
    ign: true,
    driver: NAMES.driver,
    engine: { rpm: 1600, coolantC: 88, externalV: 27.6, dtcs: [NAMES.dtc], fuelLevelL: 300, odometerM: 9_000_000 },
    probes: { [NAMES.probe]: 12 },
    tyres: { [NAMES.wheel]: 820 },
    doors: { [NAMES.door]: true },
    loadsKg: [7000, 11_000],
  });
  return records.map((r, i) => ({ ...r, id: `r${i}-${device}-`.padEnd(22, 'x') }));
}

/** The record as the engine hands it over: msgpack round trip, validated. `padding` (KB) rides along in `attributes`, close to the record's strings. */
function wire(r: TelemetryRecord, paddingKb = 0): TelemetryRecord {
  const attributes = paddingKb ? Object.fromEntries(Array.from({ length: paddingKb * 5 }, (_, i) => [`pad${i}`, `${i % 10}`.repeat(200)])) : undefined;
  return TelemetryRecordSchema.parse(unpack(pack(attributes ? { ...r, attributes } : r)));
}

function lived(device: string, paddingKb = 0): DeviceActor {
  const a = new DeviceActor(TENANT as never, device as never, 300_000);
  a.applySettings(SETTINGS, []);
  for (const r of life(device)) a.record(wire(r, paddingKb));
  return a;
}

function heapPerActor(count: number, make: (i: number) => DeviceActor): number {
  for (let i = 0; i < 4; i++) gc();
  const before = process.memoryUsage().heapUsed;
  const keep = new Array<DeviceActor>(count);
  for (let i = 0; i < count; i++) keep[i] = make(i);
  for (let i = 0; i < 4; i++) gc();
  const per = (process.memoryUsage().heapUsed - before) / count;
  expect(keep.length).toBe(count);
  return per;
}

describe('memory: a context keeps nothing of the payloads it was fed', () => {
  it('the slice detector sees what msgpackr hands out (else these tests prove nothing: revisit them)', () => {
    const r = wire(life('probe')[0]!);
    expect(isSlice(r.id)).toBe(true);
    expect(isSlice(detach(r.id))).toBe(false);
  });

  it('detach copies long strings, keeps short ones, and never changes the content', () => {
    const id = wire(life('probe')[0]!).id;
    expect(detach(id)).toBe(id);
    expect(detach('short')).toBe('short');
    const long = `${'é'.repeat(10_000)}\u20ac`;
    expect(detach(long)).toBe(long);
    expect(recordId(id)).toBe(recordId(`${id}`));
    expect(isSlice(recordId(id))).toBe(false);
    expect(isSlice(intern(wire(life('probe')[1]!).driverId!))).toBe(false);
  });

  it('a live context holds no string cut out of a payload (ids, driver, DTCs, probe, wheel and door names)', () => {
    const a = lived('device-1');
    const c = a.context;
    expect(c.reorder.held.length).toBeGreaterThan(0);
    expect([c.track.driverId, c.health.dtcs[0]?.code, c.coldChain[0]?.probe, c.tyres[0]?.wheel, c.doors[0]]).toEqual([
      NAMES.driver,
      NAMES.dtc,
      NAMES.probe,
      NAMES.wheel,
      NAMES.door,
    ]);
    expect(slices(c)).toEqual([]);
  });

  it('a context restored from msgpack holds no string cut out of the snapshot', () => {
    const snapshot = pack(lived('device-2').persisted());
    const b = new DeviceActor(TENANT as never, 'device-2' as never, 300_000, unpack(snapshot) as never);
    expect(b.context.reorder.held.length).toBeGreaterThan(0);
    expect(slices(b.context)).toEqual([]);
  });

  it('a context woken from hibernation holds no string cut out of its bytes', () => {
    const a = lived('device-5');
    a.hibernate();
    expect(a.hibernating).toBe(true);
    expect(a.context.reorder.held.length).toBeGreaterThan(0);
    expect(a.context.track.driverId).toBe(NAMES.driver);
    expect(slices(a.context)).toEqual([]);
  });

  it('heap: a hibernating actor costs a small part of an awake one', () => {
    for (let i = 0; i < 100; i++) lived(`warm-${i}`).hibernate();
    const awake = heapPerActor(300, (i) => lived(`device-${i}`));
    const asleep = heapPerActor(300, (i) => {
      const a = lived(`device-${i}`);
      a.hibernate();
      return a;
    });
    // measured: ~4.1 KB awake, ~0.4 KB asleep (the bytes themselves are outside the heap, ~0.6 KB)
    expect(awake).toBeGreaterThan(2000);
    expect(asleep).toBeLessThan(awake / 4);
    console.log(`heap per actor: awake ${Math.round(awake)} B, hibernating ${Math.round(asleep)} B`);
  });

  it('the record objects are not kept', async () => {
    const refs: WeakRef<object>[] = [];
    // in a function: the test's own frame must not be what holds the last record
    const feed = (device: string) => {
      const a = new DeviceActor(TENANT as never, device as never, 300_000);
      for (const r of life(device)) {
        const w = wire(r);
        refs.push(new WeakRef(w), new WeakRef(w.position!), new WeakRef(w.engine!), new WeakRef(w.probes!));
        a.record(w);
      }
      return a;
    };
    const actors = [feed('device-3'), feed('device-4')];
    expect(actors.every((a) => a.context.reorder.held.length > 0)).toBe(true);
    // a WeakRef keeps its target for the rest of the job that made it
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(refs.filter((r) => r.deref() !== undefined)).toEqual([]);
  });

  it('heap: what a payload carries besides the record costs an actor nothing', () => {
    // code V8 compiles (and optimizes once hot) and shared caches are not per actor: both kinds run before either is measured
    for (let i = 0; i < 100; i++) lived(`warm-${i}`, i % 2 ? 6 : 0);
    const plain = heapPerActor(200, (i) => lived(`device-${i}`));
    const padded = heapPerActor(200, (i) => lived(`device-${i}`, 6));
    // with a slice kept, every kept record id pins its payload's 6 KB block: ~17 KB per actor; noise here is up to ~1.2 KB
    expect(padded - plain).toBeLessThan(4096);
  });
});
