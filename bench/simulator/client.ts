import type { SimDevice, SimRecord } from './device.ts';
import { now, type SimStats } from './stats.ts';

/**
 * What every protocol client shares: where the platform is, the stats, the
 * clock, and a gate on connection attempts in progress (so 10,000 devices
 * coming back at once queue on our side instead of overflowing the
 * listener's accept backlog with SYN retries of one and three seconds).
 */

export interface ClientOptions {
  host: string;
  /** How long a device waits for an answer before it drops the connection and resends. */
  ackTimeoutMs: number;
  /** Most records a device puts in one packet / request when replaying. */
  replayBatch: number;
  /** Spread TCP connections over 127.1.x.y source addresses (only for a loopback target). */
  spreadSources: boolean;
}

export class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}

  async enter(): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

export interface ClientContext {
  opts: ClientOptions;
  stats: SimStats;
  connectGate: Gate;
  /** Drain mode: send everything now (no waiting for a fuller packet), confirm GT06 positions with a heartbeat. */
  draining: boolean;
  stopped: boolean;
  /** Called after every acknowledged record (the runner's WS/actor matching uses noteLiveSend). */
  onAcked?(d: SimDevice, r: SimRecord): void;
}

export interface ProtocolClient {
  readonly device: SimDevice;
  /** Something changed (new record, coverage back or lost, drain): act on it. */
  kick(): void;
  /** Nothing sent and unacknowledged. */
  readonly idle: boolean;
  /** Records sent and not yet acknowledged. */
  readonly inflightCount: number;
  /**
   * Of those, records the platform has had its chance to answer and the
   * device has not yet asked about: GT06 locations waiting for the next
   * heartbeat, minutes away. Absent for protocols that answer every packet.
   */
  readonly unconfirmedCount?: number;
  close(): void;
}

/** Marks records as transmitted now; returns the send time. */
export function markSent(ctx: ClientContext, records: SimRecord[]): number {
  const t = now();
  for (const r of records) {
    r.sends++;
    r.sentAt = t;
    ctx.stats.counters.sent++;
    if (r.sends > 1) ctx.stats.counters.resent++;
    else ctx.stats.counters.firstSent++;
  }
  return t;
}

/** Counts records acknowledged now, with their send-to-ack latency (unless `timed` is false). */
export function markAcked(ctx: ClientContext, d: SimDevice, records: SimRecord[], timed = true): void {
  const t = now();
  for (const r of records) {
    ctx.stats.ack(d.protocol, timed ? t - r.sentAt : undefined, r.buffered);
    if (r.alarm && !r.buffered) ctx.stats.record('criticalToAck', t - r.sentAt);
    ctx.onAcked?.(d, r);
  }
}

const LOOPBACK = /^(127\.|localhost$|::1$)/;

/** Source address for device i: at most 500 devices per address, so per-address connection caps are not what we measure. */
export function localAddressFor(opts: ClientOptions, index: number): string | undefined {
  if (!opts.spreadSources || !LOOPBACK.test(opts.host)) return undefined;
  const k = 1 + Math.floor(index / 500);
  return `127.1.${(k >> 8) & 255}.${k & 255}`;
}

/** Retry delay after a failure: 1-4 s, jittered so a fleet does not retry in lockstep. */
export function retryDelayMs(failures: number): number {
  return Math.min(15_000, 1000 * 2 ** Math.min(3, failures - 1)) * (0.5 + Math.random());
}
