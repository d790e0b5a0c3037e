/**
 * Per-record cost and heap per device actor.
 *
 *   node --expose-gc --import tsx actors/bench-actor.ts [--devices 20000] [--stream-devices 200] [--records 300] [--rounds 5] [--no-heap]
 *
 * Throughput (one core): the same interleaved record stream (devices
 * round-robin, as a shard sees them) through the full DeviceActor, through a
 * bare XState actor that only stores the last position, and through a plain
 * object doing the same, each the best of `--rounds` alternating passes with
 * fresh actors (the machine is shared: compare the ratios of one run, not
 * absolute figures across runs), and how many inputs took the fast path
 * (fast-path.ts). Two streams: GPS trackers (position + ignition every
 * 10 s) and fully instrumented trucks at 1 Hz (engine, probes, TPMS, doors,
 * axle loads, driver card: every concern busy).
 *
 * Heap: N actors each fed a realistic life (settings and geofences, ignition,
 * driving through a speed-limited geofence, left mid-trip and overspeeding
 * with records held in the reorder window), heapUsed delta after a full GC,
 * divided by N. Also the same trucks restored from msgpack snapshots, the
 * way a shard reloads passivated actors, and actors fed the simulated fleet
 * the bench harness uses (bench/harness/actor-heap.ts: the fleet simulator's
 * records through the real protocol decoders). Records reach the heap rows
 * as they reach a shard: msgpack round trip, zod validation, ids as long as
 * the engine's. Hand-made records with short ids missed that msgpackr hands
 * out strings as slices of one string per payload, which a kept id pinned.
 */
import { performance } from 'node:perf_hooks';
import { assign, createActor, setup } from 'xstate';
import { samplePayloads } from '../bench/harness/payloads.ts';
import { DEFAULT_MIX } from '../bench/simulator/fleet.ts';
import { DEFAULT_TENANT, type DeviceId } from '../engine/model/ids.ts';
import { recordIdOf } from '../engine/model/record-id.ts';
import { TelemetryRecordSchema, type TelemetryRecord } from '../engine/model/telemetry-record.ts';
import { pack, unpack } from '../engine/model/wire.ts';
import { DeviceActor, deviceFastPath } from './device-actor.ts';
import { DEPOT, offset, rec } from './testing/record-kit.ts';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const DEVICES = arg('devices', 20_000);
const STREAM_DEVICES = arg('stream-devices', 200);
const RECORDS = arg('records', 300);
const ROUNDS = arg('rounds', 5);
const HEAP = !process.argv.includes('--no-heap');
/** Actors in the simulated-fleet row: each replays one of FLEET_DEVICES devices' records (decoding 50 records per actor is the slow part). */
const FLEET_ACTORS = arg('fleet-actors', Math.min(DEVICES, 5000));
const FLEET_DEVICES = 1000;
const LIFE = 30;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with: node --expose-gc --import tsx actors/bench-actor.ts');
  process.exit(2);
}

const SETTINGS = { speedLimitKmh: 90, temperatureRangeC: { min: 2, max: 8 }, maxWeightKg: 40_000, maintenance: { everyKm: 30_000 } };
const GEOFENCES = [
  { id: 'depot', name: 'Depot', circle: { ...DEPOT, radiusM: 300 }, doorsAllowed: true },
  { id: 'city', name: 'City', polygon: [[52.4, 13.2], [52.4, 13.7], [52.65, 13.7], [52.65, 13.2]] as [number, number][], speedLimitKmh: 50 },
  { id: 'customer-1', name: 'Customer 1', circle: { lat: 52.53, lon: 13.45, radiusM: 200 }, doorsAllowed: true },
  { id: 'customer-2', name: 'Customer 2', circle: { lat: 52.5, lon: 13.3, radiusM: 200 }, doorsAllowed: true },
  { id: 'school', name: 'School zone', circle: { lat: 52.51, lon: 13.41, radiusM: 150 }, speedLimitKmh: 30 },
];

type Kind = 'tracker' | 'truck';

/** A life: parked, ignition on, then driving east; the truck reports every sensor it has. */
function life(kind: Kind, device: string, n: number, everyS: number): TelemetryRecord[] {
  const out: TelemetryRecord[] = [];
  const base = offset(DEPOT.lat, DEPOT.lon, (device.length % 7) * 50, 0);
  const truck = kind === 'truck';
  out.push(rec({ device, at: 0, ...base, ign: false, ...(truck ? { engine: { fuelLevelL: 300, odometerM: 123_456_000, externalV: 12.6 } } : {}) }));
  out.push(rec({ device, at: 30, ...base, ign: true, ...(truck ? { driver: `drv-${device}`, engine: { rpm: 800, coolantC: 60, fuelLevelL: 300 } } : {}) }));
  for (let i = 2; i < n; i++) {
    const s = 30 + (i - 1) * everyS;
    const speed = 40 + ((i * 7) % 50);
    const p = offset(base.lat, base.lon, 0, (i - 1) * everyS * 15);
    out.push(
      truck
        ? rec({
            device,
            at: s,
            ...p,
            speed,
            heading: 90,
            ign: true,
            driver: `drv-${device}`,
            engine: { rpm: 1800, coolantC: 88, fuelLevelL: 300 - i * 0.05, odometerM: 123_456_000 + (i - 1) * everyS * 15, externalV: 13.9 },
            probes: { p1: 4 + (i % 3) },
            tyres: { FL: 820, FR: 815, RL: 830, RR: 828 },
            doors: { rear: false },
            loadsKg: [7000, 11_000, 11_000],
          })
        : rec({ device, at: s, ...p, speed, heading: 90, ign: true }),
    );
  }
  return out;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

// ---- throughput ----

const bareMachine = setup({
  types: {
    context: {} as { position: { lat: number; lon: number; speedKmh: number; time: number } | null },
    events: {} as { type: 'record'; record: TelemetryRecord },
  },
}).createMachine({
  context: { position: null },
  on: {
    record: {
      actions: assign(({ context, event }) => {
        const p = event.record.position;
        if (!p || (context.position && event.record.deviceTime < context.position.time)) return {};
        return { position: { lat: p.lat, lon: p.lon, speedKmh: p.speedKmh, time: event.record.deviceTime } };
      }),
    },
  },
});

class PlainBare {
  position: { lat: number; lon: number; speedKmh: number; time: number } | null = null;
  record(r: TelemetryRecord): void {
    const p = r.position;
    if (!p || (this.position && r.deviceTime < this.position.time)) return;
    this.position = { lat: p.lat, lon: p.lon, speedKmh: p.speedKmh, time: r.deviceTime };
  }
}

function stream(kind: Kind, everyS: number): TelemetryRecord[] {
  const lives = Array.from({ length: STREAM_DEVICES }, (_, i) => life(kind, `${kind}-${i}`, RECORDS, everyS));
  const all: TelemetryRecord[] = [];
  for (let k = 0; k < RECORDS; k++) for (const l of lives) all.push(l[k]!);
  return all;
}

/**
 * Runs of the contenders alternate (full, bare, plain, full, ...) so that
 * load from other work on the machine hits them alike; each is the best of
 * ROUNDS passes with fresh actors.
 */
function timeAll(records: TelemetryRecord[], contenders: [string, () => (r: TelemetryRecord) => void][]): number[] {
  for (const [, make] of contenders) {
    make()(records[0]!); // load code paths
    const warm = make();
    for (let i = 0; i < Math.min(records.length, 20_000); i++) warm(records[i]!);
  }
  const best = contenders.map(() => Infinity);
  for (let round = 0; round < ROUNDS; round++) {
    contenders.forEach(([, make], k) => {
      const handle = make();
      const t = performance.now();
      for (const r of records) handle(r);
      best[k] = Math.min(best[k]!, performance.now() - t);
    });
  }
  return contenders.map(([label], k) => {
    const perS = (records.length / best[k]!) * 1000;
    console.log(`  ${label.padEnd(46)} ${fmt(perS).padStart(10)} records/s  ${((best[k]! / records.length) * 1000).toFixed(2).padStart(7)} µs/record`);
    return perS;
  });
}

function full(): (r: TelemetryRecord) => void {
  const actors = new Map<string, DeviceActor>();
  return (r) => {
    let a = actors.get(r.deviceId);
    if (!a) {
      a = new DeviceActor(r.tenantId, r.deviceId, 300_000);
      a.applySettings(SETTINGS, GEOFENCES);
      actors.set(r.deviceId, a);
    }
    a.record(r);
  };
}
function bareXState(): (r: TelemetryRecord) => void {
  const actors = new Map<string, ReturnType<typeof createActor<typeof bareMachine>>>();
  return (r) => {
    let a = actors.get(r.deviceId);
    if (!a) {
      a = createActor(bareMachine).start();
      actors.set(r.deviceId, a);
    }
    a.send({ type: 'record', record: r });
  };
}
function plain(): (r: TelemetryRecord) => void {
  const actors = new Map<string, PlainBare>();
  return (r) => {
    let a = actors.get(r.deviceId);
    if (!a) {
      a = new PlainBare();
      actors.set(r.deviceId, a);
    }
    a.record(r);
  };
}

console.log(`throughput, one core: ${STREAM_DEVICES} devices x ${RECORDS} records, interleaved, best of ${ROUNDS}`);
for (const [kind, everyS] of [['tracker', 10], ['truck', 1]] as const) {
  console.log(` ${kind} stream (every ${everyS} s):`);
  const records = stream(kind, everyS);
  const before = { ...deviceFastPath.stats };
  const [fullRate, bareRate] = timeAll(records, [
    ['full DeviceActor (every concern)', full],
    ['bare XState actor (last position only)', bareXState],
    ['plain object (last position only)', plain],
  ]);
  const d = Object.fromEntries(Object.entries(deviceFastPath.stats).map(([k, v]) => [k, v - before[k as keyof typeof before]]));
  const inputs = Object.values(d).reduce((a, b) => a + b, 0);
  const pct = (n: number) => `${((100 * n) / inputs).toFixed(1)}%`;
  console.log(
    `  full / bare XState: ${(bareRate! / fullRate!).toFixed(2)}x the time; fast path: ${pct(d.stayed! + d.hopped!)} of ${fmt(inputs)} inputs ` +
      `(${pct(d.stayed!)} no state change, ${pct(d.hopped!)} hops), XState: ${pct(inputs - d.stayed! - d.hopped!)} ` +
      `(${d.unlearned} first hops, ${d.moved} other moves, ${d.slow} slow plans)`,
  );
}
if (!HEAP) process.exit(0);

// ---- heap ----

function heapPer(label: string, make: (i: number) => unknown, count = DEVICES): number {
  gc!();
  gc!();
  const before = process.memoryUsage().heapUsed;
  const keep: unknown[] = new Array(count);
  for (let i = 0; i < count; i++) keep[i] = make(i);
  gc!();
  gc!();
  const per = (process.memoryUsage().heapUsed - before) / count;
  console.log(`  ${label.padEnd(62)} ${fmt(per).padStart(6)} B/actor`);
  keep.length = 0;
  return per;
}

/** A record as a shard gets it: the engine's id, msgpack round trip, validated. */
function wire(r: TelemetryRecord): TelemetryRecord {
  return TelemetryRecordSchema.parse(unpack(pack({ ...r, id: recordIdOf(r.tenantId, r) })));
}

function lived(kind: Kind, device: string): DeviceActor {
  const a = new DeviceActor('acme' as never, device as never, 300_000);
  a.applySettings(SETTINGS, GEOFENCES);
  for (const r of life(kind, device, LIFE, 10)) a.record(wire(r));
  return a;
}

/** The harness's feed: FLEET_DEVICES simulated devices, 50 records each (10 minutes of the fleet), packed as published. */
function fleetPayloads(): Buffer[][] {
  const byDevice = new Map<string, Buffer[]>();
  for (const s of samplePayloads(FLEET_DEVICES * 50, { seed: 1, mix: DEFAULT_MIX, partitions: 64, devices: FLEET_DEVICES })) {
    const list = byDevice.get(s.record.deviceId) ?? [];
    list.push(s.bytes);
    byDevice.set(s.record.deviceId, list);
  }
  return [...byDevice.values()];
}

function fleetActor(payloads: Buffer[]): DeviceActor {
  let a: DeviceActor | undefined;
  for (const bytes of payloads) {
    // a fresh view per message, as a shard gets it (msgpackr caches a DataView on the Buffer it reads)
    const r = TelemetryRecordSchema.parse(unpack(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
    a ??= new DeviceActor(DEFAULT_TENANT, r.deviceId as DeviceId, 300_000);
    a.record(r);
  }
  return a!;
}

console.log(`\nheap: ${fmt(DEVICES)} actors each, heapUsed delta after a full GC (Node ${process.version}, no pointer compression)`);
lived('truck', 'warm-up');
const results: Record<string, number> = {};
results.tracker = heapPer(`GPS tracker, every machine loaded, mid-trip (${LIFE} records)`, (i) => lived('tracker', `t-${i}`));
results.truck = heapPer(`instrumented truck, every concern busy (${LIFE} records)`, (i) => lived('truck', `k-${i}`));
const templates = Array.from({ length: 16 }, (_, i) => pack(lived('truck', `tpl-${i}`).persisted()));
results.restored = heapPer('the truck restored from a msgpack snapshot', (i) => {
  const a = new DeviceActor('acme' as never, `tpl-${i % 16}` as never, 300_000, unpack(templates[i % 16]!) as never);
  a.applySettings(SETTINGS, GEOFENCES);
  return a;
});
const fleet = fleetPayloads();
for (let i = 0; i < 200; i++) fleetActor(fleet[i % fleet.length]!);
results.fleet = heapPer('simulated fleet (harness feed: 50 records, no settings)', (i) => fleetActor(fleet[i % fleet.length]!), FLEET_ACTORS);
heapPer('fresh DeviceActor (no record yet)', (i) => new DeviceActor('acme' as never, `f-${i}` as never, 300_000));
heapPer('for comparison: bare XState actor (createActor, last position)', (i) => {
  const a = createActor(bareMachine).start();
  a.send({ type: 'record', record: rec({ device: `b-${i}`, at: 0, ...DEPOT, speed: 30 }) });
  return a;
});
heapPer('for comparison: plain object (last position)', (i) => {
  const a = new PlainBare();
  a.record(rec({ device: `p-${i}`, at: 0, ...DEPOT, speed: 30 }));
  return a;
});

const probe = lived('truck', 'probe');
const c = probe.context;
console.log(
  `\nthe truck's state: trip ${c.motion.trip ? 'open' : 'none'}, overspeed ${c.overspeed ? 'open' : 'none'}, inside ${c.geofences.inside.map((v) => v.id).join('+') || 'no fence'}, ` +
    `${c.reorder.held.length} record(s) held in the reorder window, snapshot ${pack(probe.persisted()).length} bytes of msgpack`,
);
const worst = Math.max(results.tracker!, results.truck!, results.restored!, results.fleet!);
console.log(`budget < 4,096 B per live actor: ${worst < 4096 ? 'met' : 'NOT met'} (worst ${fmt(worst)} B)`);
