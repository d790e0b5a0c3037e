import { Histogram, type HistogramJson } from '../histogram.ts';
import type { SimProtocol } from './device.ts';

/**
 * What the simulator measures on its side of the sockets. Counters are
 * cumulative; every latency is kept twice, for the whole run and for the
 * interval since the last report (so a harness can judge one load step).
 *
 * Latency kinds (ms):
 * - deviceToAck: a record's (last) transmission to the platform's
 *   acknowledgement (HTTP 200, Teltonika record count, GT06 heartbeat/alarm
 *   answer). GT06 positions are not answered one by one and are left out.
 * - deviceToActor: a live record's transmission to its actor's live-state
 *   push on NATS (`fleet.live.>`).
 * - deviceToWs: a live record's transmission to its position arriving on the
 *   WebSocket `/v1/live` fleet subscription.
 * - deviceToQueryable: a probe device's live record's transmission to the
 *   first SQL poll that sees it in ClickHouse (resolution: the poll period).
 * - critical: a live panic/crash record's transmission to its derived
 *   `alarm.*` event on NATS (split at the platform's receivedAt into
 *   criticalToPlatform and criticalInPlatform); criticalToWs: to the event on
 *   an events-only `/v1/live` fleet subscription; criticalToAck: to the
 *   device's acknowledgement.
 * - liveToAck, replayToAck: deviceToAck split into records sent as they were
 *   recorded and records a device buffered (a dead zone, a storm) and replays.
 */

export const LATENCY_KINDS = ['deviceToAck', 'deviceToActor', 'deviceToWs', 'deviceToQueryable', 'critical', 'criticalToPlatform', 'criticalInPlatform', 'criticalToWs', 'criticalToAck', 'liveToAck', 'replayToAck'] as const;
export type LatencyKind = (typeof LATENCY_KINDS)[number];

export interface SimCounters {
  /** Records the fleet produced (history replays included as they are taken). */
  generated: number;
  /** Records acknowledged by the platform (each counted once). */
  acked: number;
  ackedBuffered: number;
  ackedByProtocol: Record<SimProtocol, number>;
  /** Record transmissions, resends included. */
  sent: number;
  /** Records transmitted at least once. */
  firstSent: number;
  /** Records the platform said it already had (OsmAnd answers say so): resends after a lost answer. */
  platformDuplicates: number;
  resent: number;
  /** GT06 heartbeat records acknowledged (counted in acked too). */
  heartbeats: number;
  /** GT06 heartbeats written. Unlike locations, a heartbeat whose answer is lost is not sent again: it may be stored without being counted acknowledged. */
  heartbeatsSent: number;
  alarmsRaised: number;
  sendFailures: number;
  connects: number;
  connectFailures: number;
  disconnects: number;
  /** Records waiting on devices: recorded and not yet acknowledged (history still to replay included). */
  backlog: number;
  /** Of the backlog, GT06 locations sent and waiting for the device's next heartbeat to be confirmed (ProtocolClient.unconfirmedCount). */
  backlogUnconfirmed: number;
  devicesOffline: number;
  /** Devices in coverage still holding history from before the run or a record recorded over a minute ago (SimDevice.behind). */
  devicesBehind: number;
  wsItems: number;
  wsMessages: number;
  actorUpdates: number;
  criticalEvents: number;
  criticalEventsOnWs: number;
  /** The same alarm event (by id) arrived again: on the WebSocket an operator would see it twice. */
  alarmsRepeatedOnWs: number;
  alarmsRepeatedOnNats: number;
  sqlPolls: number;
}

export function emptyCounters(): SimCounters {
  return {
    generated: 0,
    acked: 0,
    ackedBuffered: 0,
    ackedByProtocol: { osmand: 0, teltonika: 0, gt06: 0 },
    sent: 0,
    firstSent: 0,
    platformDuplicates: 0,
    resent: 0,
    heartbeats: 0,
    heartbeatsSent: 0,
    alarmsRaised: 0,
    sendFailures: 0,
    connects: 0,
    connectFailures: 0,
    disconnects: 0,
    backlog: 0,
    backlogUnconfirmed: 0,
    devicesOffline: 0,
    devicesBehind: 0,
    wsItems: 0,
    wsMessages: 0,
    actorUpdates: 0,
    criticalEvents: 0,
    criticalEventsOnWs: 0,
    alarmsRepeatedOnWs: 0,
    alarmsRepeatedOnNats: 0,
    sqlPolls: 0,
  };
}

class Latency {
  readonly total = new Histogram();
  readonly interval = new Histogram();
  record(ms: number): void {
    this.total.recordMs(ms);
    this.interval.recordMs(ms);
  }
}

/** One live alarm and where its time went (ms), for the slowest ones to be looked at one by one. */
export interface AlarmTiming {
  /** When the device sent it (epoch ms). */
  sentAt: number;
  protocol: SimProtocol;
  /** Send to its alarm event on NATS. */
  totalMs: number;
  /** Send to the platform taking it in (the event's receivedAt). */
  toPlatformMs?: number;
  /** Taken in to the event on NATS. */
  inPlatformMs?: number;
}

/** An interval keeps at most this many alarms: a bench raises a few a second. */
const MAX_ALARMS_PER_INTERVAL = 1000;

export type HistogramSet = Record<LatencyKind, HistogramJson> & { deviceToAckByProtocol: Record<SimProtocol, HistogramJson> };

export class SimStats {
  readonly counters = emptyCounters();
  private readonly lat = Object.fromEntries(LATENCY_KINDS.map((k) => [k, new Latency()])) as Record<LatencyKind, Latency>;
  private readonly ackByProtocol: Record<SimProtocol, Latency> = { osmand: new Latency(), teltonika: new Latency(), gt06: new Latency() };

  record(kind: LatencyKind, ms: number): void {
    this.lat[kind].record(ms);
  }

  private alarms: AlarmTiming[] = [];

  alarm(a: AlarmTiming): void {
    if (this.alarms.length < MAX_ALARMS_PER_INTERVAL) this.alarms.push(a);
  }

  /** The alarms timed since the last call. */
  takeAlarms(): AlarmTiming[] {
    const out = this.alarms;
    this.alarms = [];
    return out;
  }

  ack(protocol: SimProtocol, ms: number | undefined, buffered: boolean): void {
    this.counters.acked++;
    this.counters.ackedByProtocol[protocol]++;
    if (buffered) this.counters.ackedBuffered++;
    if (ms === undefined) return;
    (buffered ? this.lat.replayToAck : this.lat.liveToAck).record(ms);
    this.lat.deviceToAck.record(ms);
    this.ackByProtocol[protocol].record(ms);
  }

  private set(pick: (l: Latency) => Histogram): HistogramSet {
    const out = Object.fromEntries(LATENCY_KINDS.map((k) => [k, pick(this.lat[k]).toJSON()])) as unknown as HistogramSet;
    out.deviceToAckByProtocol = {
      osmand: pick(this.ackByProtocol.osmand).toJSON(),
      teltonika: pick(this.ackByProtocol.teltonika).toJSON(),
      gt06: pick(this.ackByProtocol.gt06).toJSON(),
    };
    return out;
  }

  totals(): HistogramSet {
    return this.set((l) => l.total);
  }

  /** The interval histograms, then reset them. */
  takeInterval(): HistogramSet {
    const s = this.set((l) => l.interval);
    for (const l of [...Object.values(this.lat), ...Object.values(this.ackByProtocol)]) l.interval.reset();
    return s;
  }
}

/** Wall clock with sub-millisecond resolution (epoch ms). */
export const now = (): number => performance.timeOrigin + performance.now();
