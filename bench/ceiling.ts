/**
 * The machine's raw JetStream ceiling: publish + consume of the platform's
 * own msgpack record payloads through a `FLEET_IN` stream created by the
 * platform's own topology code (same subjects, storage, duplicate window,
 * fsync policy), with per-partition pull consumers configured as the shards
 * configure theirs, and no engine: no decoding, no actors, no snapshots, no
 * store. One publisher thread (`window` acks outstanding) and `consumers`
 * consumer threads (one per shard), all in this process, against a
 * nats-server of its own.
 *
 * `--records-per-message` carries the records in batches as the adapters do
 * (adapters/ingest: one message per partition and tenant, the adapters' own
 * envelope): the bench harness measures the platform's mean batch in its
 * window and measures the ceiling again at that size, so both sides move the
 * same payloads in the same messages. 1 is one message per record.
 *
 *   npx tsx bench/ceiling.ts [--duration 10] [--partitions 64] [--consumers 2] [--window 2000] [--batch 256] [--records-per-message 1]
 *
 * The bench harness runs it when the platform is not running (never at the
 * same time: they would share the two cores) and reports the engine as a
 * fraction of it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AckPolicy, DeliverPolicy, jetstreamManager } from '@nats-io/jetstream';
import { createLogger } from '../engine/log.ts';
import { connectNats } from '../engine/nats/connect.ts';
import { startManagedNats } from '../engine/nats/managed-server.ts';
import { defaultNatsProcs } from '../engine/config/config.ts';
import { encodeBatch } from '../adapters/ingest/batch-encoding.ts';
import { MAX_BATCH_RECORDS } from '../engine/model/index.ts';
import { STREAM_IN, inBatchSubject, inPartitionFilter, inSubject } from '../engine/nats/subjects.ts';
import { CONSUMER_LIMITS, engineConsumerName, ensureTopology } from '../engine/nats/topology.ts';
import { freePort } from '../engine/testing/free-port.ts';
import { num, parseFlags, UsageError } from './harness/args.ts';
import { samplePayloads, type SamplePayload } from './harness/payloads.ts';
import { MachineCpu, ProcTracker } from './harness/proc-stats.ts';
import { DEFAULT_MIX, type Mix } from './simulator/fleet.ts';

export interface CeilingOptions {
  durationS: number;
  warmupS: number;
  partitions: number;
  consumers: number;
  /** Publishes awaiting their ack at once. */
  window: number;
  /** Messages per pull, as the shard workers ask. */
  batch: number;
  /** Distinct payloads to cycle through. */
  samples: number;
  sync: 'always' | 'default';
  /** GOMAXPROCS of its nats-server: the platform's managed server gets FLEET_NATS_PROCS (engine/config). */
  natsProcs: number;
  /** Mean records per message (fractions alternate between the two nearest whole sizes). */
  recordsPerMessage: number;
  seed: number;
  mix: Mix;
  log?: (msg: string) => void;
}

export const DEFAULT_CEILING: CeilingOptions = {
  durationS: 10,
  warmupS: 2,
  partitions: 64,
  consumers: 2,
  window: 2000,
  batch: 256,
  samples: 5000,
  sync: 'always',
  natsProcs: defaultNatsProcs(),
  recordsPerMessage: 1,
  seed: 1,
  mix: DEFAULT_MIX,
};

export interface CeilingResult {
  /** Records per second through JetStream end to end (published, consumed and acked): min of the two sides. */
  recordsPerS: number;
  publishPerS: number;
  consumePerS: number;
  recordsPerMessage: number;
  /** Mean bytes of one record's msgpack. */
  payloadBytesAvg: number;
  /** Mean bytes of one message (a batch when recordsPerMessage > 1). */
  messageBytesAvg: number;
  window: number;
  batch: number;
  partitions: number;
  consumers: number;
  durationS: number;
  natsServer: string;
  /** Its GOMAXPROCS. */
  natsProcs: number;
  fsyncAlways: boolean;
  publishErrors: number;
  cpu: { process: number; natsServer: number; machine: number };
  rssBytes: { process: number; natsServer: number };
}

interface Counter {
  worker: Worker;
  count: number;
  errors: number;
  done: Promise<void>;
}

function startWorker(data: Record<string, unknown>): Counter {
  const worker = new Worker(new URL('./harness/ts-worker.mjs', import.meta.url), { workerData: { module: './ceiling-worker.ts', ...data } });
  const c: Counter = { worker, count: 0, errors: 0, done: Promise.resolve() };
  c.done = new Promise((resolve, reject) => {
    worker.on('message', (m: { type: string; count?: number; errors?: number }) => {
      if (m.type === 'count') {
        c.count = m.count!;
        c.errors = m.errors!;
      } else if (m.type === 'done') resolve();
    });
    worker.on('error', reject);
    worker.on('exit', () => resolve());
  });
  return c;
}

/**
 * The sample records as the platform's FLEET_IN messages: one each, or
 * batches of one partition's records in the adapters' envelope, sized to
 * average `perMessage`.
 */
function buildMessages(samples: SamplePayload[], perMessage: number): { subject: string; bytes: Uint8Array; id: string; records: number }[] {
  if (perMessage <= 1) return samples.map((s) => ({ subject: inSubject(s.partition, s.record.tenantId, s.record.deviceId), bytes: s.bytes, id: s.record.id, records: 1 }));
  const byPartition = new Map<number, SamplePayload[]>();
  for (const s of samples) byPartition.set(s.partition, [...(byPartition.get(s.partition) ?? []), s]);
  const out: { subject: string; bytes: Uint8Array; id: string; records: number }[] = [];
  const low = Math.floor(perMessage);
  const frac = perMessage - low;
  let owed = 0;
  for (const [partition, list] of byPartition) {
    for (let i = 0; i < list.length; ) {
      owed += frac;
      const size = Math.min(MAX_BATCH_RECORDS, low + (owed >= 1 ? 1 : 0));
      if (owed >= 1) owed -= 1;
      const chunk = list.slice(i, i + size);
      i += size;
      const id = `${partition}-${i}`;
      out.push({ subject: inBatchSubject(partition, chunk[0]!.record.tenantId), bytes: encodeBatch(id, chunk.map((c) => c.bytes)), id, records: chunk.length });
    }
  }
  return out;
}

export async function measureCeiling(partial: Partial<CeilingOptions> = {}): Promise<CeilingResult> {
  const o = { ...DEFAULT_CEILING, ...partial };
  const log = o.log ?? (() => undefined);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetline-ceiling-'));
  const nats = await startManagedNats({ dataDir: dir, port: await freePort(), sync: o.sync, procs: o.natsProcs, log: createLogger('ceiling-nats', 'warn') });
  const workers: Counter[] = [];
  try {
    const nc = await connectNats(nats.url, 'bench-ceiling');
    const jsm = await jetstreamManager(nc);
    await ensureTopology(nc, jsm, o.partitions);
    for (let p = 0; p < o.partitions; p++) {
      await jsm.consumers.add(STREAM_IN, {
        durable_name: engineConsumerName(p),
        filter_subject: inPartitionFilter(p),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: CONSUMER_LIMITS.engine.ackWaitMs * 1_000_000,
        max_deliver: -1,
        max_ack_pending: CONSUMER_LIMITS.engine.maxAckPending,
        // Kept in memory, as the engine's partition consumers are (engine/nats/ack-floors.ts): a file-stored
        // consumer's state writes would lower the ceiling by a cost the engine does not pay.
        mem_storage: true,
      });
    }
    // Enough records for a few dozen distinct batches per partition.
    const count = Math.max(o.samples, Math.min(200_000, Math.ceil(o.recordsPerMessage * o.partitions * 30)));
    const samples = samplePayloads(count, { seed: o.seed, mix: o.mix, partitions: o.partitions });
    const payloadBytesAvg = Math.round(samples.reduce((s, p) => s + p.bytes.length, 0) / Math.max(1, samples.length));
    log(`ceiling: ${samples.length} sample records (${payloadBytesAvg} B msgpack on average), ${o.partitions} partitions, nats-server ${nats.version}`);

    const natsPid = Number(fs.readFileSync(path.join(nats.storeDir, 'nats-server.pid'), 'utf8'));
    const procs = new ProcTracker(() => ({ process: process.pid, natsServer: natsPid }));
    const machine = new MachineCpu();

    for (let k = 0; k < o.consumers; k++) {
      const partitions = [];
      for (let p = k; p < o.partitions; p += o.consumers) partitions.push(p);
      workers.push(startWorker({ role: 'consume', natsUrl: nats.url, partitions, batch: o.batch }));
    }
    const messages = buildMessages(samples, o.recordsPerMessage);
    const perMessage = messages.reduce((s, m) => s + m.records, 0) / messages.length;
    const messageBytesAvg = Math.round(messages.reduce((s, m) => s + m.bytes.length, 0) / messages.length);
    if (perMessage > 1) log(`ceiling: ${perMessage.toFixed(2)} records per message (${messageBytesAvg} B), as the adapters batched them`);
    const pub = startWorker({ role: 'publish', natsUrl: nats.url, window: o.window, payloads: messages });
    workers.push(pub);
    // Workers count messages; records follow from the mean batch (messages go out round robin).
    const consumed = () => workers.slice(0, o.consumers).reduce((s, w) => s + w.count, 0) * perMessage;

    // Worker threads load tsx and connect first: the warm-up starts once both sides are moving.
    const started = Date.now();
    while ((pub.count === 0 || consumed() === 0) && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 100));
    if (pub.count === 0 || consumed() === 0) throw new Error(`ceiling: no traffic after 60 s (published ${pub.count}, consumed ${consumed()}, publish errors ${pub.errors})`);
    await new Promise((r) => setTimeout(r, o.warmupS * 1000));
    const published = () => pub.count * perMessage;
    const p0 = published();
    const c0 = consumed();
    const t0 = performance.now();
    procs.mark();
    machine.mark();
    await new Promise((r) => setTimeout(r, o.durationS * 1000));
    // On a starved machine (other processes hogging both cores) a short window can
    // see no consumption at all; stretch it, up to 30 s, rather than report 0.
    for (let extra = 0; extra < 30 && (published() === p0 || consumed() === c0); extra++) await new Promise((r) => setTimeout(r, 1000));
    const wall = (performance.now() - t0) / 1000;
    const publishPerS = (published() - p0) / wall;
    const consumePerS = (consumed() - c0) / wall;
    const usage = procs.usage();
    const busy = machine.busyCores();
    for (const w of workers) w.worker.postMessage({ type: 'stop' });
    await Promise.race([Promise.all(workers.map((w) => w.done)), new Promise((r) => setTimeout(r, 5000))]);
    await nc.close().catch(() => undefined);
    const result: CeilingResult = {
      recordsPerS: Math.round(Math.min(publishPerS, consumePerS)),
      publishPerS: Math.round(publishPerS),
      consumePerS: Math.round(consumePerS),
      recordsPerMessage: Math.round(perMessage * 100) / 100,
      payloadBytesAvg,
      messageBytesAvg,
      window: o.window,
      batch: o.batch,
      partitions: o.partitions,
      consumers: o.consumers,
      durationS: Math.round(wall * 10) / 10,
      natsServer: nats.version,
      fsyncAlways: nats.syncAlways,
      natsProcs: o.natsProcs,
      publishErrors: pub.errors,
      cpu: { process: usage['process']?.cores ?? 0, natsServer: usage['natsServer']?.cores ?? 0, machine: busy },
      rssBytes: { process: usage['process']?.rssBytes ?? 0, natsServer: usage['natsServer']?.rssBytes ?? 0 },
    };
    log(`ceiling: ${result.recordsPerS} records/s (publish ${result.publishPerS}/s, consume ${result.consumePerS}/s)`);
    return result;
  } finally {
    for (const w of workers) await w.worker.terminate().catch(() => undefined);
    await nats.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('bench/ceiling.ts')) {
  try {
    const { values: v } = parseFlags(
      process.argv.slice(2),
      { duration: { type: 'string' }, partitions: { type: 'string' }, consumers: { type: 'string' }, window: { type: 'string' }, batch: { type: 'string' }, 'records-per-message': { type: 'string' } },
      false,
    );
    const r = await measureCeiling({
      durationS: num('duration', v.duration, DEFAULT_CEILING.durationS, { min: 1 }),
      partitions: num('partitions', v.partitions, DEFAULT_CEILING.partitions, { min: 1, int: true }),
      consumers: num('consumers', v.consumers, DEFAULT_CEILING.consumers, { min: 1, int: true }),
      window: num('window', v.window, DEFAULT_CEILING.window, { min: 1, int: true }),
      batch: num('batch', v.batch, DEFAULT_CEILING.batch, { min: 1, int: true }),
      recordsPerMessage: num('records-per-message', v['records-per-message'], 1, { min: 1, max: MAX_BATCH_RECORDS }),
      log: (m) => process.stderr.write(`${m}\n`),
    });
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    process.exit(0);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`ceiling: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
