import type { SimDevice, SimProtocol, SimRecord } from './device.ts';
import { Gate, type ClientContext, type ClientOptions, type ProtocolClient } from './client.ts';
import { FleetModel, type FleetOptions } from './fleet.ts';
import { Gt06Client } from './gt06-client.ts';
import { NatsObserver, SqlProbe, WsObserver } from './observers.ts';
import { HttpPool } from './http-pool.ts';
import { OsmandClient } from './osmand-client.ts';
import { loopDelaySinceLastRead } from '../../engine/scheduling/loop-delay.ts';
import { SimStats, type AlarmTiming, type HistogramSet, type SimCounters } from './stats.ts';
import { TeltonikaClient } from './teltonika-client.ts';

/**
 * Drives a FleetModel in wall time over real sockets: every 100 ms one of ten
 * phase groups of devices lives one second; records go to each device's
 * protocol client; coverage changes open and close connections. Observers
 * (WebSocket, NATS, SQL) time what comes out the other side. `drain()` brings
 * every device back into coverage and waits until everything recorded is
 * acknowledged.
 */

export interface RunnerOptions {
  fleet: FleetOptions;
  client: ClientOptions;
  ports: Partial<Record<SimProtocol, number>>;
  /** Simultaneous TCP connection attempts. */
  maxConnecting: number;
  /** Keep-alive sockets shared by the OsmAnd devices. */
  osmandSockets: number;
  /** GT06 heartbeat period before the rate scale (s). */
  heartbeatEveryS: number;
  ws?: { url: string };
  nats?: { url: string };
  sql?: { url: string; key: string; probes: number; everyMs: number };
  log: (msg: string) => void;
}

export interface RunnerSnapshot {
  t: number;
  elapsedS: number;
  rateScale: number;
  devices: number;
  counters: SimCounters;
  interval: HistogramSet;
  /** Live alarms whose events arrived since the previous snapshot, one by one. */
  alarms: AlarmTiming[];
  /** The simulator's own longest event loop delay since the previous snapshot (ms): it timestamps what it observes, so its delays are in every latency. */
  loopDelayMaxMs: number;
  /** The simulator's main thread since it started: CPU time, and time ready to run but waiting for a CPU (s). */
  cpuS: number;
  cpuWaitS: number;
}

const GROUPS = 10;
/** A record older than this still on its device (in coverage) is waiting for the platform, not for the device's send rhythm. */
const BEHIND_AFTER_MS = 60_000;
const TICK_MS = 1000 / GROUPS;

export class SimulatorRunner {
  readonly model: FleetModel;
  readonly stats = new SimStats();
  private readonly clients: ProtocolClient[];
  private readonly byId = new Map<string, SimDevice>();
  private readonly wasOnline: Uint8Array;
  private readonly ctx: ClientContext;
  private ticker: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private ticks = 0;
  private generating = true;
  private ws: WsObserver | undefined;
  private nats: NatsObserver | undefined;
  private sql: SqlProbe | undefined;
  private readonly pool: HttpPool;

  constructor(private readonly opts: RunnerOptions) {
    this.model = new FleetModel(opts.fleet);
    this.ctx = { opts: opts.client, stats: this.stats, connectGate: new Gate(opts.maxConnecting), draining: false, stopped: false };
    this.pool = new HttpPool(opts.client.host, opts.ports.osmand ?? 0, opts.osmandSockets);
    const missing = new Set<SimProtocol>();
    this.clients = this.model.devices.map((d) => {
      this.byId.set(d.id, d);
      const port = opts.ports[d.protocol];
      if (port === undefined) missing.add(d.protocol);
      switch (d.protocol) {
        case 'osmand':
          return new OsmandClient(d, this.ctx, this.pool);
        case 'teltonika':
          return new TeltonikaClient(d, this.ctx, port ?? 0);
        case 'gt06':
          return new Gt06Client(d, this.ctx, port ?? 0, () => opts.heartbeatEveryS / this.model.rateScale);
      }
    });
    if (missing.size > 0) throw new Error(`no port given for ${[...missing].join(', ')} (the mix has such devices)`);
    this.wasOnline = Uint8Array.from(this.model.devices, (d) => (d.online ? 1 : 0));
  }

  get devices(): readonly SimDevice[] {
    return this.model.devices;
  }

  async start(): Promise<void> {
    const o = this.opts;
    const lookup = (id: string) => this.byId.get(id);
    if (o.ws) {
      this.ws = new WsObserver(o.ws.url, lookup, this.stats, o.log);
      await this.ws.start();
    }
    if (o.nats) {
      this.nats = new NatsObserver(o.nats.url, lookup, this.stats, o.log, o.ws?.url);
      await this.nats.start();
    }
    if (o.sql && o.sql.probes > 0) {
      const probes = this.model.devices.filter((d) => d.protocol !== 'gt06' && d.online && d.alarmsAllowed).slice(0, o.sql.probes);
      this.sql = new SqlProbe(o.sql.url, o.sql.key, probes, o.sql.everyMs, this.stats, o.log);
      this.sql.start();
    }
    this.ctx.onAcked = (d, r) => this.onAcked(d, r);
    this.startedAt = Date.now();
    // Devices holding records from before the run try to send them at once.
    for (const c of this.clients) if (c.device.pending) c.kick();
    this.ticker = setInterval(() => this.catchUp(), TICK_MS / 2);
  }

  private onAcked(d: SimDevice, r: SimRecord): void {
    if (this.sql && !r.buffered && r.sends === 1 && this.sql.isProbe(d)) this.sql.noteSend(d, r.deviceTime, r.sentAt);
  }

  private catchUp(): void {
    if (!this.generating) return;
    const due = Math.floor((Date.now() - this.startedAt) / TICK_MS);
    // Behind by more than 5 s (a starved event loop): skip ahead rather than burst.
    if (due - this.ticks > 50) this.ticks = due - 50;
    while (this.ticks < due) this.tick(this.ticks++);
  }

  private tick(n: number): void {
    const g = n % GROUPS;
    const nowMs = Date.now();
    const counters = this.stats.counters;
    this.model.stepGroup(g, GROUPS, nowMs, (d, r) => {
      counters.generated++;
      if (r.alarm) counters.alarmsRaised++;
      this.clients[d.index]!.kick();
    });
    const list = this.model.devices;
    for (let i = g; i < list.length; i += GROUPS) {
      const on = list[i]!.online ? 1 : 0;
      if (on !== this.wasOnline[i]) {
        this.wasOnline[i] = on;
        this.clients[i]!.kick();
      }
    }
  }

  setRateScale(x: number): void {
    this.model.rateScale = x;
  }

  setAlarmsPerMin(x: number): void {
    this.model.alarmsPerMin = x;
  }

  snapshot(): RunnerSnapshot {
    let backlog = 0;
    let unconfirmed = 0;
    let offline = 0;
    let behind = 0;
    const nowMs = Date.now();
    for (let i = 0; i < this.clients.length; i++) {
      const c = this.clients[i]!;
      backlog += c.device.held + c.inflightCount;
      unconfirmed += c.unconfirmedCount ?? 0;
      if (!c.device.online) offline++;
      else if (c.device.behind(nowMs, BEHIND_AFTER_MS)) behind++;
    }
    this.stats.counters.devicesBehind = behind;
    this.stats.counters.backlog = backlog;
    this.stats.counters.backlogUnconfirmed = unconfirmed;
    this.stats.counters.devicesOffline = offline;
    const loop = loopDelaySinceLastRead();
    return {
      t: Date.now(),
      elapsedS: (Date.now() - this.startedAt) / 1000,
      rateScale: this.model.rateScale,
      devices: this.clients.length,
      counters: structuredClone(this.stats.counters),
      interval: this.stats.takeInterval(),
      alarms: this.stats.takeAlarms(),
      loopDelayMaxMs: Math.round(loop.maxMs),
      cpuS: loop.cpuSeconds,
      cpuWaitS: loop.cpuWaitSeconds,
    };
  }

  private describeHolding(): string {
    const by = new Map<string, number>();
    for (const c of this.clients) {
      if (!c.device.pending && c.idle) continue;
      const k = `${c.device.protocol}/${c.device.pending ? 'unsent' : 'unacked'}/${(c as unknown as { state?: string }).state ?? 'http'}`;
      by.set(k, (by.get(k) ?? 0) + 1);
    }
    return [...by].map(([k, n]) => `${k} ${n}`).join(', ');
  }

  /** Devices still holding records (for drain progress). */
  holding(): number {
    let n = 0;
    for (const c of this.clients) if (c.device.pending || !c.idle) n++;
    return n;
  }

  /**
   * Stop recording, bring every device into coverage and send everything:
   * resolves true once every record is acknowledged, false at the timeout.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.generating = false;
    this.ctx.draining = true;
    for (const d of this.model.devices) d.offlineUntilS = 0;
    const deadline = Date.now() + timeoutMs;
    let nextLog = Date.now() + 5000;
    while (Date.now() < deadline) {
      for (const c of this.clients) if (c.device.pending || !c.idle) c.kick();
      if (this.holding() === 0) return true;
      if (Date.now() >= nextLog) {
        nextLog += 5000;
        this.opts.log(`draining: ${this.holding()} devices still hold records (${this.describeHolding()})`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return this.holding() === 0;
  }

  async stop(): Promise<void> {
    this.generating = false;
    this.ctx.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    for (const c of this.clients) c.close();
    this.ws?.close();
    this.sql?.close();
    await this.nats?.close();
    this.pool.close();
  }
}
