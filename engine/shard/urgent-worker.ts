import { parentPort, workerData } from 'node:worker_threads';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createLogger } from '../log.ts';
import { Kvm } from '@nats-io/kv';
import { AckFloors } from '../nats/ack-floors.ts';
import { connectNats } from '../nats/connect.ts';
import { BUCKET_ACK_FLOORS } from '../nats/subjects.ts';
import { loopDelaySinceLastRead } from '../scheduling/loop-delay.ts';
import { UrgentRunner } from './urgent-runner.ts';

/**
 * The urgent lane's own thread: the UrgentRunner of every partition this node
 * owns. It does almost nothing (one pure function and a publish per alarm),
 * which is the point: it never waits behind a shard draining a backlog, and it
 * keeps the normal scheduling priority while the shards run at a lower one
 * (engine/scheduling/thread-priority.ts).
 */

export interface UrgentWorkerData {
  natsUrl: string;
  partitions: number[];
  logLevel: string;
}

export type FromUrgentWorker =
  | { type: 'ready' }
  | { type: 'stats'; alarms: number; loopDelay: ReturnType<typeof loopDelaySinceLastRead> }
  | { type: 'stopped' };

const data = workerData as UrgentWorkerData;
const log = createLogger('urgent', data.logLevel);
const post = (m: FromUrgentWorker) => parentPort?.postMessage(m);
process.on('unhandledRejection', (reason) => log.error({ err: String((reason as Error)?.stack ?? reason) }, 'unhandled rejection (kept running)'));

const nc = await connectNats(data.natsUrl, 'fleetline-urgent', { eagerWrites: true });
const js = jetstream(nc);
const jsm = await jetstreamManager(nc);
const ackFloors = new AckFloors(await new Kvm(js).open(BUCKET_ACK_FLOORS), jsm, log);
const runners = data.partitions.map((p) => new UrgentRunner(js, jsm, ackFloors, log, p));
for (const r of runners) r.start();
const report = () => post({ type: 'stats', alarms: runners.reduce((s, r) => s + r.stats.alarms, 0), loopDelay: loopDelaySinceLastRead() });
const timer = setInterval(report, 1000);
parentPort?.on('message', (m: { type: string }) => {
  if (m.type !== 'stop') return;
  void (async () => {
    clearInterval(timer);
    await Promise.all(runners.map((r) => r.stop()));
    await ackFloors.settled();
    ackFloors.stop();
    report();
    await nc.drain().catch(() => undefined);
    post({ type: 'stopped' });
  })();
});
post({ type: 'ready' });
