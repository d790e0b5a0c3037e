import { parentPort, workerData } from 'node:worker_threads';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { STREAM_IN } from '../../engine/nats/subjects.ts';
import { engineConsumerName } from '../../engine/nats/topology.ts';

/**
 * One side of the raw JetStream ceiling, in its own thread (as the platform
 * runs its adapters and shards in separate threads):
 * - publish: the sample messages (records or batches), round robin, each with its own message id,
 *   keeping `window` publishes awaiting their JetStream ack (as many devices
 *   publishing at once do);
 * - consume: pull consumers on its partitions (`consume`, `batch` messages
 *   per pull), acking every message, as the shard workers do, without the engine.
 * Reports its running count every 250 ms.
 */

export type CeilingWorkerData =
  | { module: string; role: 'publish'; natsUrl: string; payloads: { subject: string; bytes: Uint8Array; id: string }[]; window: number }
  | { module: string; role: 'consume'; natsUrl: string; partitions: number[]; batch: number };

const data = workerData as CeilingWorkerData;
const nc = await connect({ servers: data.natsUrl, name: `bench-ceiling-${data.role}` });
const js = jetstream(nc);
let count = 0;
let errors = 0;
let stopping = false;
const report = setInterval(() => parentPort?.postMessage({ type: 'count', count, errors }), 250);

parentPort?.on('message', (m: { type: string }) => {
  if (m.type === 'stop') stopping = true;
});

if (data.role === 'publish') {
  const { payloads, window } = data;
  let i = 0;
  let inflight = 0;
  let wake: (() => void) | undefined;
  while (!stopping) {
    while (inflight < window && !stopping) {
      const p = payloads[i % payloads.length]!;
      const n = i++;
      inflight++;
      js.publish(p.subject, p.bytes, { msgID: `${p.id}.${n}`, timeout: 10_000 })
        .then(() => count++)
        .catch(() => errors++)
        .finally(() => {
          inflight--;
          wake?.();
        });
    }
    await new Promise<void>((r) => (wake = r));
    wake = undefined;
  }
} else {
  const loops = data.partitions.map(async (p) => {
    const consumer = await js.consumers.get(STREAM_IN, engineConsumerName(p));
    const messages = await consumer.consume({ max_messages: data.batch });
    for await (const m of messages) {
      m.ack();
      count++;
      if (stopping) break;
    }
  });
  await new Promise<void>((resolve) => {
    const t = setInterval(() => {
      if (stopping) {
        clearInterval(t);
        resolve();
      }
    }, 100);
  });
  void loops;
}

clearInterval(report);
parentPort?.postMessage({ type: 'count', count, errors });
await nc.close().catch(() => undefined);
parentPort?.postMessage({ type: 'done' });
