import { parentPort, workerData } from 'node:worker_threads';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { createLogger } from '../../engine/log.ts';
import { connectNats } from '../../engine/nats/connect.ts';
import { BUCKET_REGISTRY } from '../../engine/nats/subjects.ts';
import { loopDelaySinceLastRead } from '../../engine/scheduling/loop-delay.ts';
import { startListeners } from './listeners.ts';
import type { AdapterThreadData, FromAdapters, ToAdapters } from './protocol.ts';

/**
 * The adapters' thread: every device listener of the platform with its own
 * NATS connection. Device-facing work (decoding, normalising, publishing,
 * answering) then never waits behind the store, the API or the live hub on
 * the main thread, nor they behind it.
 */

const data = workerData as AdapterThreadData;
const log = createLogger('adapters', data.logLevel).child({ role: 'adapter' });
const post = (m: FromAdapters) => parentPort?.postMessage(m);
process.on('unhandledRejection', (reason) => log.error({ err: String((reason as Error)?.stack ?? reason) }, 'unhandled rejection (kept running)'));

try {
  const nc = await connectNats(data.natsUrl, 'fleetline-adapters');
  // Critical records' urgent copies on a connection of their own: never behind record batches in one TCP stream.
  const urgentNc = await connectNats(data.natsUrl, 'fleetline-adapters-urgent', { eagerWrites: true });
  const js = jetstream(nc);
  const registry = await new Kvm(js).open(BUCKET_REGISTRY);
  const listeners = await startListeners(data, js, registry, log, jetstream(urgentNc));
  const report = () => post({ type: 'stats', stats: { ...listeners.stats(), loopDelay: loopDelaySinceLastRead() } });
  const timer = setInterval(report, 1000);
  parentPort?.on('message', (m: ToAdapters) => {
    if (m.type !== 'stop') return;
    void (async () => {
      clearInterval(timer);
      await listeners.close();
      report();
      await Promise.all([nc.drain().catch(() => undefined), urgentNc.drain().catch(() => undefined)]);
      post({ type: 'stopped' });
    })();
  });
  report();
  post({ type: 'ready', ports: listeners.ports });
} catch (err) {
  post({ type: 'failed', message: String((err as Error)?.message ?? err) });
}
