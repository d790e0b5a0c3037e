import { parentPort, workerData } from 'node:worker_threads';
import { holdLiveSubscription } from './live-subscription.ts';

/**
 * Inside a worker thread of the simulator: the `/v1/live` fleet subscription
 * a live map holds, stamping each positions message the moment it arrives.
 * The simulator's own loop stalls for 100-200 ms now and then with 20,000
 * devices on it; stamped there, those stalls went into device→WebSocket
 * (one steady run's worst second: 345 ms p99 while the simulator stalled
 * 192 ms). A map is a process of its own and would not see them. The
 * simulator matches the positions to its records (observers.ts).
 */

/** What the simulator gets: one arrival, its positions as [device id, device time in epoch ms]. */
export type LiveSeen = { at: number; items: number; positions: [string, number][] } | { error: string } | { ready: true };

interface ViewItem {
  id?: unknown;
  position?: { time?: unknown } | null;
}

const { url } = workerData as { url: string };
const port = parentPort!;

const report = (error: string) => port.postMessage({ error } satisfies LiveSeen);
await holdLiveSubscription(
  url,
  { fleet: true },
  (m, at) => {
    if (m.type !== 'positions' || !Array.isArray(m.items)) return;
    const items = m.items as ViewItem[];
    const positions: [string, number][] = [];
    for (const it of items) {
      const time = it.position?.time;
      if (typeof it.id === 'string' && typeof time === 'string') positions.push([it.id, Date.parse(time)]);
    }
    port.postMessage({ at, items: items.length, positions } satisfies LiveSeen);
  },
  report,
);
port.postMessage({ ready: true } satisfies LiveSeen);
