import { parentPort, workerData } from 'node:worker_threads';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { Subscription } from '@nats-io/transport-node';
import { createLogger } from '../log.ts';
import { DriverRunner } from '../drivers/driver-runner.ts';
import { pack, partitionOf, unpack, type DeviceId, type TenantId } from '../model/index.ts';
import { SettingsSource } from '../registry/settings-source.ts';
import { AckFloors } from '../nats/ack-floors.ts';
import { connectNats } from '../nats/connect.ts';
import { PipelinedPublisher } from '../nats/pipelined-publish.ts';
import { BUCKET_ACK_FLOORS, BUCKET_DRIVERS, BUCKET_GEOFENCES, BUCKET_REGISTRY, BUCKET_SNAPSHOTS, driverQueryPartitionFilter, parsePartitionedSubject, queryPartitionFilter } from '../nats/subjects.ts';
import { loopDelaySinceLastRead } from '../scheduling/loop-delay.ts';
import { setThreadNice } from '../scheduling/thread-priority.ts';
import { deviceFastPath, internedShapes } from '../../actors/device-actor.ts';
import { pushLiveViews } from './live-push.ts';
import { PartitionRunner } from './partition-runner.ts';
import { SnapshotStore } from './snapshot-store.ts';
import type { FromWorker, ShardWorkerData, ToWorker } from './worker-protocol.ts';

/**
 * A shard: one worker thread running the partitions it owns, each a
 * PartitionRunner with its own consumer and actors. It answers live-state
 * queries for its partitions and reports stats to the supervisor.
 */

const data = workerData as ShardWorkerData;
/** Coalescing window of live views (device -> WebSocket latency budget: a few hundred ms end to end). */
const LIVE_PUSH_EVERY_MS = 25;
/** This shard's name on the live subjects. */
const liveSource = `shard-${data.shard}`;
const log = createLogger(`shard-${data.shard}`, data.logLevel);
// FLEET_SHARD_NICE: 0 (the default) leaves the thread as it is.
if (data.nice > 0 && !setThreadNice(data.nice)) log.warn({ nice: data.nice }, 'could not lower the shard thread\'s priority (no /proc/thread-self): FLEET_SHARD_NICE ignored');
const post = (m: FromWorker) => parentPort?.postMessage(m);
// As on the main thread: a stray library rejection is logged; unacknowledged records are safe either way.
process.on('unhandledRejection', (reason) => log.error({ err: String((reason as Error)?.stack ?? reason) }, 'unhandled rejection (kept running)'));

const nc = await connectNats(data.natsUrl, `fleetline-shard-${data.shard}`);
const js = jetstream(nc);
const jsm = await jetstreamManager(nc);
const kvm = new Kvm(js);
const snapshotWrites = new PipelinedPublisher(nc);
const snapshots = new SnapshotStore(await kvm.open(BUCKET_SNAPSHOTS), snapshotWrites);
const driverBucket = await kvm.open(BUCKET_DRIVERS);
const ackFloors = new AckFloors(await kvm.open(BUCKET_ACK_FLOORS), jsm, log);
const settings = new SettingsSource(await kvm.open(BUCKET_REGISTRY), await kvm.open(BUCKET_GEOFENCES), log);

const runners = new Map<number, PartitionRunner>();
for (const p of data.partitions) {
  const r = new PartitionRunner({ nc, js, jsm, ackFloors }, snapshots, log, {
    partition: p,
    totalPartitions: data.totalPartitions,
    offlineAfterMs: data.offlineAfterMs,
    passivateAfterMs: data.passivateAfterMs,
    hibernateAfterMs: data.hibernateAfterMs,
    maxAttempts: data.maxAttempts,
    // Record batches are large (up to hundreds of records): a small pull keeps what waits in this thread's buffers small.
    batch: 32,
    snapshotEveryMs: data.snapshotEveryMs,
  }, Date.now, undefined, settings);
  runners.set(p, r);
}
await settings.start({
  deviceSettings: (tenant, device, s) => {
    void runners.get(partitionOf(tenant, device, data.totalPartitions))?.applyDeviceSettings(tenant, device, s);
  },
  tenantGeofences: (tenant) => {
    for (const r of runners.values()) void r.applyTenantGeofences(tenant);
  },
});
for (const r of runners.values()) r.start();
// The adapters share this NATS: while it was unreachable they refused devices, which retry on their own schedule.
void (async () => {
  for await (const s of nc.status()) {
    if (s.type === 'disconnect') for (const r of runners.values()) r.intakeInterrupted();
  }
})();

// The shard also owns the same-numbered partitions of the driver lane.
const driverRunners = new Map<number, DriverRunner>();
for (const p of data.partitions) {
  const r = new DriverRunner({ nc, js, jsm, ackFloors }, driverBucket, log, p, Date.now, data.snapshotEveryMs);
  driverRunners.set(p, r);
  r.start();
}

/** Answers `<filter>` requests of one partition: `{ found, view }` from the given lookup. */
const subs: Subscription[] = [];
function answer(filter: string, what: string, lookup: (tenant: TenantId, key: string, body: Uint8Array) => Promise<unknown>): void {
  const sub = nc.subscribe(filter, { queue: 'engine' });
  subs.push(sub);
  void (async () => {
    for await (const q of sub) {
      const s = parsePartitionedSubject(q.subject);
      if (!s) continue;
      try {
        const view = await lookup(s.tenant as TenantId, s.device, q.data);
        q.respond(pack(view ? { found: true, view } : { found: false }));
      } catch (err) {
        log.warn({ subject: q.subject, err: String(err) }, `${what} query failed`);
      }
    }
  })();
}
for (const [p, runner] of runners) answer(queryPartitionFilter(p), 'live-state', (tenant, device) => runner.view(tenant, device as DeviceId));
// The driver's token is in the subject; the real id (which may not fit a subject) is in the body.
for (const [p, runner] of driverRunners) answer(driverQueryPartitionFilter(p), 'driver', (tenant, _token, body) => runner.view(tenant, (unpack(body) as { driverId: string }).driverId));

const stats = () => {
  const out = {
    shard: data.shard, actors: 0, processed: 0, events: 0, snapshotsWritten: 0, hibernating: 0, deadLetters: 0, skippedReplays: 0, restarts: 0, pendingAcks: 0,
    loopDelay: loopDelaySinceLastRead(),
    actorInputs: { ...deviceFastPath.stats },
    actorShapes: internedShapes(),
    partitions: [...runners].map(([partition, r]) => ({ partition, lag: r.stats.lag, lastFlushAt: r.stats.lastFlushAt, actors: r.stats.actors })),
  };
  for (const r of runners.values()) {
    out.actors += r.stats.actors;
    out.processed += r.stats.processed;
    out.events += r.stats.events;
    out.snapshotsWritten += r.stats.snapshotsWritten;
    out.hibernating += r.stats.hibernating;
    out.deadLetters += r.stats.deadLetters;
    out.skippedReplays += r.stats.skippedReplays;
    out.restarts += r.stats.restarts;
    out.pendingAcks += r.stats.pendingAcks;
  }
  return out;
};

/**
 * Every partition writes its snapshots (and acknowledges) once per
 * snapshotEveryMs, but not all at the same moment: one partition at a time,
 * round robin, so the KV writes are spread evenly instead of arriving as one
 * burst per interval.
 */
const flushOrder = [...data.partitions];
let flushNext = 0;
function flushOne(): void {
  const p = flushOrder[flushNext++ % flushOrder.length]!;
  for (const r of [runners.get(p), driverRunners.get(p)]) void r?.flush().catch((err: unknown) => log.warn({ partition: p, err: String(err) }, 'flush failed'));
}

const timers = [
  setInterval(flushOne, Math.max(10, Math.floor(data.snapshotEveryMs / Math.max(1, flushOrder.length)))),
  // Live views go out coalesced: a device reporting twice within this interval is pushed once.
  setInterval(() => pushLiveViews(nc, liveSource, runners.values()), LIVE_PUSH_EVERY_MS),
  setInterval(() => {
    for (const r of runners.values()) void r.tickAll().catch((err: unknown) => log.warn({ err: String(err) }, 'tick failed'));
  }, Math.max(250, Math.min(5000, data.offlineAfterMs / 4))),
  setInterval(() => post({ type: 'stats', stats: stats() }), 1000),
  // Also how a quiet partition learns it is caught up (its devices' silence is heard): as often as offline needs.
  setInterval(() => {
    for (const r of runners.values()) void r.refreshLag();
  }, Math.max(1000, Math.min(5000, data.offlineAfterMs / 4))),
];

parentPort?.on('message', (m: ToWorker) => {
  if (m.type !== 'stop') return;
  void (async () => {
    for (const t of timers) clearInterval(t);
    for (const s of subs) s.unsubscribe();
    settings.stop();
    await Promise.all([...runners.values(), ...driverRunners.values()].map((r) => r.stop()));
    // The final flushes' floors, before the connection drains (a nats-server restart later resumes from them).
    await ackFloors.settled();
    ackFloors.stop();
    snapshotWrites.close();
    pushLiveViews(nc, liveSource, runners.values());
    post({ type: 'stats', stats: stats() });
    await nc.drain().catch(() => undefined);
    post({ type: 'stopped', shard: data.shard });
  })();
});

log.info({ partitions: data.partitions.length }, 'shard ready');
post({ type: 'ready', shard: data.shard });
