import { parentPort, workerData } from 'node:worker_threads';
import { connect } from '@nats-io/transport-node';
import { unpack } from '../../engine/model/wire.ts';

/**
 * Inside a worker thread of the simulator: watches the derived alarm events
 * and stamps each one the moment it arrives. The simulator's own loop (tens
 * of thousands of device sockets, live pushes) stalls for tens to hundreds of
 * milliseconds in a storm; stamping there would add those stalls to the
 * platform's critical latency, which a real alarm consumer, a process of
 * its own, would not see.
 */

export interface AlarmSeen {
  deviceId: string;
  /** The event's time (the alarm record's device time). */
  time: number;
  /** Arrival, as stats.ts `now()`: epoch ms with sub-ms resolution. */
  at: number;
  /** When the platform took the alarm record in (the event's data.receivedAt), epoch ms; absent from older platforms. */
  receivedAt?: number;
}

const { url } = workerData as { url: string };
const port = parentPort!;
const nc = await connect({ servers: url, name: 'fleetline-bench-alarm-watch', maxReconnectAttempts: -1 });
for (const kind of ['alarm_panic', 'alarm_crash']) {
  const sub = nc.subscribe(`fleet.out.*.${kind}.*`);
  void (async () => {
    for await (const m of sub) {
      const at = performance.timeOrigin + performance.now();
      try {
        const e = unpack(m.data) as { deviceId?: unknown; time?: unknown; data?: { receivedAt?: unknown } };
        const receivedAt = typeof e.data?.receivedAt === 'string' ? Date.parse(e.data.receivedAt) : NaN;
        if (typeof e.deviceId === 'string' && typeof e.time === 'number') {
          port.postMessage({ deviceId: e.deviceId, time: e.time, at, ...(Number.isFinite(receivedAt) ? { receivedAt } : {}) } satisfies AlarmSeen);
        }
      } catch {
        // not an event we understand; the platform's format may have moved on
      }
    }
  })();
}
port.postMessage({ ready: true });
