import { parentPort, workerData } from 'node:worker_threads';
import { connect } from '@nats-io/transport-node';
import { unpack } from '../../engine/model/wire.ts';
import { holdLiveSubscription } from './live-subscription.ts';
import { now } from './stats.ts';

/**
 * Inside a worker thread of the simulator: watches the derived alarm events
 * and stamps each one the moment it arrives, on NATS (what an integrator
 * subscribed to `fleet.out` sees) and, given the WebSocket address, on an
 * events-only `/v1/live` fleet subscription (what an operator's screen
 * sees). The simulator's own loop (tens of thousands of device sockets, live
 * pushes) stalls for tens to hundreds of milliseconds in a storm; stamping
 * there would add those stalls to the platform's critical latency, which a
 * real alarm consumer, a process of its own, would not see.
 */

export interface AlarmSeen {
  via: 'nats' | 'ws';
  deviceId: string;
  /** The event's time (the alarm record's device time). */
  time: number;
  /** Arrival, as stats.ts `now()`: epoch ms with sub-ms resolution. */
  at: number;
  /** When the platform took the alarm record in (the event's data.receivedAt), epoch ms; absent from older platforms. */
  receivedAt?: number;
  /** The same event id arrived on this path before: an operator would see the alarm twice. */
  repeated?: boolean;
}

const ALARM_TYPES = new Set(['alarm.panic', 'alarm.crash']);
/** Ids remembered per path to spot an alarm shown twice; a bench run raises far fewer. */
const MAX_IDS = 200_000;

const { url, wsUrl } = workerData as { url: string; wsUrl?: string };
const port = parentPort!;

function seenBefore(ids: Set<string>, id: unknown): boolean {
  if (typeof id !== 'string') return false;
  if (ids.has(id)) return true;
  if (ids.size >= MAX_IDS) ids.clear();
  ids.add(id);
  return false;
}

const natsIds = new Set<string>();
const nc = await connect({ servers: url, name: 'fleetline-bench-alarm-watch', maxReconnectAttempts: -1 });
for (const kind of ['alarm_panic', 'alarm_crash']) {
  const sub = nc.subscribe(`fleet.out.*.${kind}.*`);
  void (async () => {
    for await (const m of sub) {
      const at = now();
      try {
        const e = unpack(m.data) as { id?: unknown; deviceId?: unknown; time?: unknown; data?: { receivedAt?: unknown } };
        const receivedAt = typeof e.data?.receivedAt === 'string' ? Date.parse(e.data.receivedAt) : NaN;
        if (typeof e.deviceId === 'string' && typeof e.time === 'number') {
          const repeated = seenBefore(natsIds, e.id);
          port.postMessage({ via: 'nats', deviceId: e.deviceId, time: e.time, at, ...(Number.isFinite(receivedAt) ? { receivedAt } : {}), ...(repeated ? { repeated } : {}) } satisfies AlarmSeen);
        }
      } catch {
        // not an event we understand; the platform's format may have moved on
      }
    }
  })();
}

const wsIds = new Set<string>();
type EventItem = { id?: unknown; type?: unknown; deviceId?: unknown; time?: unknown };
if (wsUrl) {
  await holdLiveSubscription(wsUrl, { fleet: true, positions: false }, (m, at) => {
    if (m.type !== 'events' || !Array.isArray(m.items)) return;
    for (const e of m.items as EventItem[]) {
      if (typeof e.type !== 'string' || !ALARM_TYPES.has(e.type) || typeof e.deviceId !== 'string' || typeof e.time !== 'string') continue;
      const repeated = seenBefore(wsIds, e.id);
      port.postMessage({ via: 'ws', deviceId: e.deviceId, time: Date.parse(e.time), at, ...(repeated ? { repeated } : {}) } satisfies AlarmSeen);
    }
  });
}
port.postMessage({ ready: true });
