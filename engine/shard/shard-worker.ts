import { parentPort, workerData } from 'node:worker_threads';
import { jetstream, type JsMsg } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { headers, type Subscription } from '@nats-io/transport-node';
import { DeviceActor } from '../../actors/device-actor.ts';
import type { DerivedEvent } from '../../actors/derived-event.ts';
import { createLogger } from '../log.ts';
import { TelemetryRecordSchema, pack, partitionOf, unpack, type DeviceId, type TenantId } from '../model/index.ts';
import { connectNats } from '../nats/connect.ts';
import {
  BUCKET_SNAPSHOTS,
  STREAM_IN,
  deadLetterSubject,
  liveSubject,
  outSubject,
  parsePartitionedSubject,
  queryPartitionFilter,
} from '../nats/subjects.ts';
import { CONSUMER_LIMITS, engineConsumerName } from '../nats/topology.ts';
import { SnapshotStore } from './snapshot-store.ts';
import type { FromWorker, ShardWorkerData, ToWorker } from './worker-protocol.ts';

/**
 * A shard: the only place its partitions' device actors live, so per-device
 * order holds. Each partition is consumed by one sequential loop; a record is
 * acknowledged only after its actor processed it and its derived events were
 * acknowledged by JetStream.
 */

const data = workerData as ShardWorkerData;
const log = createLogger(`shard-${data.shard}`, data.logLevel);
const post = (m: FromWorker) => parentPort?.postMessage(m);

const nc = await connectNats(data.natsUrl, `fleetline-shard-${data.shard}`);
const js = jetstream(nc);
const snapshots = new SnapshotStore(await new Kvm(js).open(BUCKET_SNAPSHOTS));

const actors = new Map<string, DeviceActor>();
const dirty = new Set<string>();
const loading = new Map<string, Promise<DeviceActor>>();
const stats = { shard: data.shard, actors: 0, processed: 0, events: 0, deadLetters: 0 };
let stopping = false;

const keyOf = (tenant: string, device: string) => `${tenant}.${device}`;

async function actorFor(tenant: TenantId, device: DeviceId): Promise<DeviceActor> {
  const key = keyOf(tenant, device);
  const live = actors.get(key);
  if (live) return live;
  const pending = loading.get(key);
  if (pending) return pending;
  const p = (async () => {
    const snap = await snapshots.load(tenant, device).catch((err: unknown) => {
      log.warn({ deviceId: device, err: String(err) }, 'snapshot unreadable; starting the actor fresh');
      return undefined;
    });
    let actor: DeviceActor;
    try {
      actor = new DeviceActor(tenant, device, data.offlineAfterMs, snap);
    } catch (err) {
      log.warn({ deviceId: device, err: String(err) }, 'snapshot did not restore; starting the actor fresh');
      actor = new DeviceActor(tenant, device, data.offlineAfterMs);
    }
    actors.set(key, actor);
    loading.delete(key);
    return actor;
  })();
  loading.set(key, p);
  return p;
}

async function publishEvents(events: DerivedEvent[]): Promise<void> {
  if (events.length === 0) return;
  await Promise.all(events.map((e) => js.publish(outSubject(e.tenantId, e.type, e.deviceId), pack(e), { msgID: e.id })));
  stats.events += events.length;
}

function pushLive(actor: DeviceActor, partition: number): void {
  const ctx = actor.context;
  nc.publish(liveSubject(ctx.tenantId, partition, ctx.deviceId), pack(actor.view()));
}

async function deadLetter(m: JsMsg, reason: string): Promise<void> {
  const s = parsePartitionedSubject(m.subject);
  const h = headers();
  h.set('Fleet-Error', reason.slice(0, 1000));
  h.set('Fleet-Original-Subject', m.subject);
  h.set('Fleet-Original-Seq', String(m.seq));
  await js
    .publish(deadLetterSubject((s?.tenant ?? 'unknown') as TenantId, (s?.device ?? 'unknown') as DeviceId), m.data, { headers: h })
    .catch((err: unknown) => log.error({ err: String(err) }, 'dead letter not stored'));
  stats.deadLetters++;
  log.error({ subject: m.subject, seq: m.seq, reason }, 'record sent to the dead-letter subject');
}

async function handle(m: JsMsg, partition: number): Promise<void> {
  const parsed = TelemetryRecordSchema.safeParse((() => {
    try {
      return unpack(m.data);
    } catch {
      return undefined;
    }
  })());
  if (!parsed.success) {
    await deadLetter(m, `payload is not a telemetry record: ${parsed.error.issues[0]?.message ?? 'unreadable'}`);
    m.term();
    return;
  }
  const record = parsed.data;
  try {
    const actor = await actorFor(record.tenantId, record.deviceId);
    const events = actor.record(record);
    await publishEvents(events);
    dirty.add(keyOf(record.tenantId, record.deviceId));
    pushLive(actor, partition);
    m.ack();
    stats.processed++;
  } catch (err) {
    actors.delete(keyOf(record.tenantId, record.deviceId));
    if (m.info.deliveryCount >= CONSUMER_LIMITS.engine.maxDeliver) {
      await deadLetter(m, String((err as Error).message ?? err));
      m.term();
    } else {
      log.warn({ deviceId: record.deviceId, attempt: m.info.deliveryCount, err: String(err) }, 'record failed; will be retried');
      m.nak(500 * m.info.deliveryCount);
    }
  }
}

async function consumePartition(partition: number): Promise<void> {
  while (!stopping) {
    try {
      const consumer = await js.consumers.get(STREAM_IN, engineConsumerName(partition));
      const messages = await consumer.consume({ max_messages: 256 });
      for await (const m of messages) {
        await handle(m, partition);
        if (stopping) break;
      }
    } catch (err) {
      if (stopping) return;
      log.warn({ partition, err: String(err) }, 'partition consumer interrupted; resuming');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function flushSnapshots(): Promise<void> {
  const keys = [...dirty];
  dirty.clear();
  for (const key of keys) {
    const a = actors.get(key);
    if (!a) continue;
    await snapshots.save(a.context.tenantId, a.context.deviceId, a.persisted()).catch((err: unknown) => {
      dirty.add(key);
      log.warn({ key, err: String(err) }, 'snapshot write failed; will retry');
    });
  }
}

async function sweepSilence(): Promise<void> {
  const now = Date.now();
  for (const [, actor] of actors) {
    if (!actor.online) continue;
    const c = actor.context.connectivity;
    if (now - c.lastSeen < c.offlineAfterMs) continue;
    const events = actor.checkSilence(now);
    if (events.length === 0) continue;
    await publishEvents(events).catch((err: unknown) => log.warn({ err: String(err) }, 'offline event not published; next sweep retries'));
    dirty.add(keyOf(actor.context.tenantId, actor.context.deviceId));
    pushLive(actor, partitionOf(actor.context.tenantId, actor.context.deviceId, data.totalPartitions));
  }
}

const subs: Subscription[] = [];
for (const p of data.partitions) {
  const sub = nc.subscribe(queryPartitionFilter(p), { queue: 'engine' });
  subs.push(sub);
  void (async () => {
    for await (const q of sub) {
      const s = parsePartitionedSubject(q.subject);
      if (!s) continue;
      const key = keyOf(s.tenant, s.device);
      const live = actors.get(key);
      if (live) {
        q.respond(pack({ found: true, view: live.view() }));
        continue;
      }
      const snap = await snapshots.load(s.tenant as TenantId, s.device as DeviceId).catch(() => undefined);
      if (!snap) {
        q.respond(pack({ found: false }));
        continue;
      }
      const a = new DeviceActor(s.tenant as TenantId, s.device as DeviceId, data.offlineAfterMs, snap);
      q.respond(pack({ found: true, view: a.view() }));
      a.stop();
    }
  })();
}

const consumers = data.partitions.map((p) => consumePartition(p));
const timers = [
  setInterval(() => void flushSnapshots(), data.snapshotEveryMs),
  setInterval(() => void sweepSilence(), Math.max(250, Math.min(5000, data.offlineAfterMs / 4))),
  setInterval(() => {
    stats.actors = actors.size;
    post({ type: 'stats', stats: { ...stats } });
  }, 1000),
];

parentPort?.on('message', (m: ToWorker) => {
  if (m.type !== 'stop') return;
  stopping = true;
  void (async () => {
    for (const t of timers) clearInterval(t);
    for (const s of subs) s.unsubscribe();
    await flushSnapshots();
    await nc.drain().catch(() => undefined);
    await Promise.race([Promise.allSettled(consumers), new Promise((r) => setTimeout(r, 2000))]);
    post({ type: 'stopped', shard: data.shard });
  })();
});

log.info({ partitions: data.partitions.length }, 'shard ready');
post({ type: 'ready', shard: data.shard });
