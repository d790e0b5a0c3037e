import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';

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
const stamp = () => performance.timeOrigin + performance.now();

function watch(address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(address);
    let opened = false;
    ws.on('open', () => {
      opened = true;
      ws.send(JSON.stringify({ type: 'subscribe', fleet: true }));
      resolve();
    });
    ws.on('message', (data: Buffer) => {
      const at = stamp();
      let m: { type?: string; items?: ViewItem[] };
      try {
        m = JSON.parse(data.toString('utf8')) as typeof m;
      } catch {
        return;
      }
      if (m.type !== 'positions' || !Array.isArray(m.items)) return;
      const positions: [string, number][] = [];
      for (const it of m.items) {
        const time = it.position?.time;
        if (typeof it.id === 'string' && typeof time === 'string') positions.push([it.id, Date.parse(time)]);
      }
      port.postMessage({ at, items: m.items.length, positions } satisfies LiveSeen);
    });
    ws.on('error', (err) => {
      if (!opened) reject(err);
      else port.postMessage({ error: `WebSocket error: ${err.message}` } satisfies LiveSeen);
    });
    ws.on('close', (code) => {
      if (!opened) return;
      port.postMessage({ error: `WebSocket closed (${code}); reconnecting` } satisfies LiveSeen);
      setTimeout(() => void watch(address).catch((e: unknown) => port.postMessage({ error: `WebSocket reconnect failed: ${String(e)}` } satisfies LiveSeen)), 1000);
    });
  });
}

await watch(url);
port.postMessage({ ready: true } satisfies LiveSeen);
