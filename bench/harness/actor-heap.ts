/**
 * Heap per live device actor, measured the way the shard holds them: the
 * full DeviceActor (actors/device-actor.ts) in a Map with the partition
 * runner's bookkeeping, each fed its share of a simulated fleet's records
 * (decoded by the platform's sessions, msgpack round-tripped and validated as
 * the runner does). heapUsed after a full GC, minus the same before, divided
 * by the actors. Two things that are not the actors' are kept out of the
 * difference: msgpackr caches a DataView on every Buffer it unpacks
 * (`buffer.dataView`, ~120 B with the property storage it adds), which the
 * runner drops with the message but this script would keep for every payload
 * it holds (6 KB per actor at 50 records each); and the code V8 compiles for
 * the first records (~0.9 MB, once per process), which a warm-up pays before
 * the baseline. Runs in its own process:
 *
 *   node --expose-gc --import tsx bench/harness/actor-heap.ts [--devices 3000] [--seconds 600]
 *
 * and prints one JSON line.
 */
import { DeviceActor } from '../../actors/device-actor.ts';
import { DEFAULT_TENANT, TelemetryRecordSchema, unpack, type DeviceId } from '../../engine/model/index.ts';
import { num, parseFlags } from './args.ts';
import { samplePayloads } from './payloads.ts';
import { DEFAULT_MIX } from '../simulator/fleet.ts';

const { values: v } = parseFlags(process.argv.slice(2), { devices: { type: 'string' }, seconds: { type: 'string' }, seed: { type: 'string' } }, false);
const devices = num('devices', v.devices, 3000, { min: 10, int: true });
const perDevice = Math.round(num('seconds', v.seconds, 600, { min: 10 }) / 12);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  process.stderr.write('run with node --expose-gc\n');
  process.exit(2);
}

const samples = samplePayloads(devices * perDevice, { seed: num('seed', v.seed, 1, { int: true }), mix: DEFAULT_MIX, partitions: 64, devices });
// Keep only packed bytes (external memory), as the runner receives them.
const packed = samples.map((s) => s.bytes);
samples.length = 0;
const full = () => {
  for (let i = 0; i < 4; i++) gc!();
};
// A fresh view per message, as the runner gets `m.data`: msgpackr's cached DataView goes with it.
const decode = (bytes: Buffer) => TelemetryRecordSchema.parse(unpack(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
// In a function: a top-level block's registers outlive it, so its actors would still be alive for the baseline.
function warmUp(): void {
  const warm = new Map<string, DeviceActor>();
  for (const bytes of packed.slice(0, 2000)) {
    const r = decode(bytes);
    let a = warm.get(r.deviceId);
    if (!a) warm.set(r.deviceId, (a = new DeviceActor(DEFAULT_TENANT, r.deviceId as DeviceId, 300_000)));
    a.record(r);
  }
}
warmUp();
full();
const before = process.memoryUsage().heapUsed;
const live = new Map<string, { actor: DeviceActor; seq: number; dirty: boolean; lastActivity: number }>();
let seq = 0;
let events = 0;
const t0 = performance.now();
for (const bytes of packed) {
  const r = decode(bytes);
  const key = `${r.tenantId}.${r.deviceId}`;
  let la = live.get(key);
  if (!la) {
    la = { actor: new DeviceActor(DEFAULT_TENANT, r.deviceId as DeviceId, 300_000), seq: 0, dirty: false, lastActivity: 0 };
    live.set(key, la);
  }
  events += la.actor.record(r).length;
  la.seq = ++seq;
  la.dirty = true;
  la.lastActivity = Date.now();
}
const feedMs = performance.now() - t0;
full();
const after = process.memoryUsage().heapUsed;
const actors = live.size;
process.stdout.write(
  JSON.stringify({
    actors,
    records: packed.length,
    recordsPerActor: Math.round((packed.length / Math.max(1, actors)) * 10) / 10,
    heapPerActorBytes: Math.round((after - before) / Math.max(1, actors)),
    recordCostUs: Math.round((feedMs * 1000) / Math.max(1, packed.length) * 10) / 10,
    events,
  }) + '\n',
);
// keep `live` reachable until after the measurement
if (live.size < 0) process.stdout.write('');
