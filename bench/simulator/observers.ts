import { Worker } from 'node:worker_threads';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { unpack } from '../../engine/model/wire.ts';
import type { SimDevice } from './device.ts';
import type { AlarmSeen } from './alarm-watch-thread.ts';
import type { LiveSeen } from './live-watch-thread.ts';
import { now, type SimStats } from './stats.ts';

/**
 * The simulator's eyes on the far side of the platform, each optional:
 * - the WebSocket `/v1/live` fleet subscription (what a live map sees),
 * - NATS: actors' live-state pushes (`fleet.live.>`) and derived alarm events
 *   (`fleet.out.*.alarm_panic|crash.*`),
 * - SQL polls for a few probe devices (when a record became queryable).
 * Each matches what it sees to the device's record by (device id, device
 * time) and times it from the record's transmission.
 */

type Lookup = (id: string) => SimDevice | undefined;

function matchRecent(d: SimDevice, deviceTime: number, which: 'ws' | 'actor'): number | undefined {
  for (const e of d.recent) {
    if (e.deviceTime === deviceTime && !e[which]) {
      e[which] = true;
      return e.sentAt;
    }
  }
  return undefined;
}

interface ViewItem {
  id: string;
  position?: { time?: string } | null;
}

/** The `/v1/live` fleet subscription, stamped in a thread of its own (live-watch-thread.ts), matched here. */
export class WsObserver {
  private worker: Worker | undefined;

  constructor(
    private readonly url: string,
    private readonly lookup: Lookup,
    private readonly stats: SimStats,
    private readonly onError: (msg: string) => void,
  ) {}

  start(): Promise<void> {
    const worker = new Worker(new URL('../harness/ts-worker.mjs', import.meta.url), {
      workerData: { module: '../simulator/live-watch-thread.ts', url: this.url },
    });
    this.worker = worker;
    worker.unref();
    worker.on('error', (err) => this.onError(`live watch thread failed: ${err.message}`));
    return new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (m: LiveSeen) => {
        if ('ready' in m) return resolve();
        if ('error' in m) return this.onError(m.error);
        this.onPositions(m.at, m.items, m.positions);
      });
    });
  }

  private onPositions(at: number, items: number, positions: [string, number][]): void {
    this.stats.counters.wsMessages++;
    this.stats.counters.wsItems += items;
    for (const [id, time] of positions) {
      const d = this.lookup(id);
      if (!d) continue;
      const sentAt = matchRecent(d, time, 'ws');
      if (sentAt !== undefined) this.stats.record('deviceToWs', at - sentAt);
    }
  }

  close(): void {
    void this.worker?.terminate().catch(() => undefined);
  }
}

export class NatsObserver {
  private nc: NatsConnection | undefined;
  private alarmWatch: Worker | undefined;

  constructor(
    private readonly url: string,
    private readonly lookup: Lookup,
    private readonly stats: SimStats,
    private readonly onError: (msg: string) => void,
    /** `/v1/live` with a key: alarm events are also timed where an operator sees them. */
    private readonly alarmWsUrl?: string,
  ) {}

  async start(): Promise<void> {
    const nc = await connect({ servers: this.url, name: 'fleetline-bench-observer', maxReconnectAttempts: -1 });
    this.nc = nc;
    // Shards push `{ views }` on fleet.live.<tenant>.<source>; older ones pushed one view per device, one message each.
    void (async () => {
      for await (const m of nc.subscribe('fleet.live.>')) {
        const t = now();
        try {
          const payload = unpack(m.data) as { views?: ViewItem[] } | ViewItem;
          const views = 'views' in payload && Array.isArray(payload.views) ? payload.views : [payload as ViewItem];
          for (const v of views) {
            this.stats.counters.actorUpdates++;
            const time = v.position?.time;
            const d = time ? this.lookup(v.id) : undefined;
            if (!d || !time) continue;
            const sentAt = matchRecent(d, Date.parse(time), 'actor');
            if (sentAt !== undefined) this.stats.record('deviceToActor', t - sentAt);
          }
        } catch {
          // not a view we understand; the platform's format may have moved on
        }
      }
    })();
    await this.watchAlarms();
    nc.closed().then((err) => err && this.onError(`NATS observer closed: ${String(err)}`)).catch(() => undefined);
  }

  /** Alarm events are stamped on arrival in a thread of their own (alarm-watch-thread.ts), matched here. */
  private watchAlarms(): Promise<void> {
    const worker = new Worker(new URL('../harness/ts-worker.mjs', import.meta.url), {
      workerData: { module: '../simulator/alarm-watch-thread.ts', url: this.url, ...(this.alarmWsUrl ? { wsUrl: this.alarmWsUrl } : {}) },
    });
    this.alarmWatch = worker;
    worker.unref();
    worker.on('error', (err) => this.onError(`alarm watch thread failed: ${err.message}`));
    return new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (m: AlarmSeen | { ready: true }) => {
        if ('ready' in m) return resolve();
        if (m.repeated) {
          if (m.via === 'ws') this.stats.counters.alarmsRepeatedOnWs++;
          else this.stats.counters.alarmsRepeatedOnNats++;
          return;
        }
        const device = this.lookup(m.deviceId);
        const sent = device?.alarmSends.get(m.time);
        if (!device || !sent || sent[m.via]) return;
        sent[m.via] = true;
        if (m.via === 'ws') {
          this.stats.counters.criticalEventsOnWs++;
          this.stats.record('criticalToWs', m.at - sent.sentAt);
          return;
        }
        this.stats.counters.criticalEvents++;
        const totalMs = m.at - sent.sentAt;
        this.stats.record('critical', totalMs);
        // Where the time went: reaching the platform (the device's socket, the adapters' thread taking it
        // in) and inside it (urgent lane, event out). Both clocks are this host's against a local platform.
        if (m.receivedAt !== undefined) {
          const toPlatformMs = Math.max(0, m.receivedAt - sent.sentAt);
          const inPlatformMs = Math.max(0, m.at - m.receivedAt);
          this.stats.record('criticalToPlatform', toPlatformMs);
          this.stats.record('criticalInPlatform', inPlatformMs);
          this.stats.alarm({ sentAt: sent.sentAt, protocol: device.protocol, totalMs, toPlatformMs, inPlatformMs });
        } else this.stats.alarm({ sentAt: sent.sentAt, protocol: device.protocol, totalMs });
      });
    });
  }

  async close(): Promise<void> {
    await this.nc?.close().catch(() => undefined);
    await this.alarmWatch?.terminate().catch(() => undefined);
  }
}

/**
 * Polls ClickHouse (POST /v1/sql, admin key) for the newest stored device
 * time of a few probe devices; a live record counts as queryable at the first
 * poll that sees it. Resolution: the poll period.
 */
export class SqlProbe {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private readonly waiting = new Map<string, { deviceTime: number; sentAt: number }[]>();

  constructor(
    private readonly url: string,
    private readonly key: string,
    private readonly probes: SimDevice[],
    private readonly everyMs: number,
    private readonly stats: SimStats,
    private readonly onError: (msg: string) => void,
  ) {
    for (const d of probes) this.waiting.set(d.id, []);
  }

  isProbe(d: SimDevice): boolean {
    return this.waiting.has(d.id);
  }

  noteSend(d: SimDevice, deviceTime: number, sentAt: number): void {
    const w = this.waiting.get(d.id);
    if (w && w.length < 1000) w.push({ deviceTime, sentAt });
  }

  start(): void {
    if (this.probes.length === 0) return;
    const ids = this.probes.map((d) => `'${d.id}'`).join(',');
    const query = `SELECT device_id AS d, toString(max(device_time_ms)) AS t FROM fleetline.records WHERE device_id IN (${ids}) GROUP BY device_id`;
    let errors = 0;
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      this.stats.counters.sqlPolls++;
      fetch(this.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
        signal: AbortSignal.timeout(10_000),
      })
        .then(async (res) => {
          const body = (await res.json()) as { data?: { d: string; t: string }[]; error?: string };
          if (!res.ok || !body.data) throw new Error(body.error ?? `HTTP ${res.status}`);
          const t = now();
          for (const row of body.data) {
            const w = this.waiting.get(row.d);
            const stored = Number(row.t);
            if (!w) continue;
            while (w.length > 0 && w[0]!.deviceTime <= stored) this.stats.record('deviceToQueryable', t - w.shift()!.sentAt);
          }
        })
        .catch((err: unknown) => {
          if (errors++ % 20 === 0) this.onError(`SQL probe failed: ${String((err as Error).message ?? err)}`);
        })
        .finally(() => {
          this.busy = false;
        });
    }, this.everyMs);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
