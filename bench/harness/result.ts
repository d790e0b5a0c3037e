import type { LatencySummary } from '../histogram.ts';
import type { CeilingResult } from '../ceiling.ts';
import type { ProcUsage } from './proc-stats.ts';

/**
 * The bench result: a contract other tools read (CI trend lines, dashboards).
 * Fields named in the contract: scenario, devices, liveActors,
 * recordsPerS.{acked,processed,stored}, ceiling.recordsPerS, ratio,
 * latencyMs.{deviceToAck,deviceToWs,critical}.{p50,p99,max},
 * heapPerActorBytes, rssBytes. Everything else is added detail; fields are
 * only ever added, never renamed.
 */

export interface TimelinePoint {
  /** Seconds since the simulator started. */
  t: number;
  ackedPerS: number;
  processedPerS: number;
  storedPerS: number;
  generatedPerS: number;
  lag: number;
  actors: number;
  backlog: number;
  /** Of the backlog, GT06 locations waiting for their device's next heartbeat. */
  backlogUnconfirmed?: number;
  /** Devices in coverage still holding history or a record over a minute old (the reconnect storm is draining while more than 1 % of its devices are). */
  devicesBehind?: number;
  p99AckMs: number;
  p99WsMs: number;
  p99CriticalMs: number;
  platformRssBytes: number;
  /** Longest event loop delay per platform thread in this second (fleet_eventloop_delay_max_seconds), ms. */
  loopDelayMaxMs?: Record<string, number>;
  gcPauseMaxMs?: Record<string, number>;
  /** Longest full (mark-compact) GC pause per platform thread in this second: whose heap a burst of V8's helper threads was marking. */
  majorGcPauseMaxMs?: Record<string, number>;
  intakeRate?: number;
  /** Replay packets decoded and waiting for the intake; connections holding theirs as bytes (adapters/ingest/replay-hold.ts). */
  waitingReplays?: number;
  replaysHeld?: number;
  /** Longest JetStream acknowledgement of an ingest batch in this second (fleet_ingest_publish_ack_max_seconds), ms. */
  publishAckMaxMs?: number;
  simLoopDelayMaxMs?: number;
  /** Cores each platform thread used in this second, and cores' worth of time it waited for a CPU. */
  threadCores?: Record<string, number>;
  threadWaitCores?: Record<string, number>;
  /** The simulator's main thread: cores used, and waited for a CPU, in this second. */
  simCores?: number;
  simWaitCores?: number;
  /** Share of this second in which some runnable task on the machine waited for a CPU (/proc/pressure/cpu, "some"); absent where the kernel has no PSI. */
  cpuPressure?: number;
  /** Cores each process (platform, nats-server, simulator, harness) used since the previous point, from /proc. */
  processCores?: Record<string, number>;
  /** The platform's threads by OS name (JS threads and V8's helpers are all "node"; chDB's have their own names), cores. */
  platformThreadGroupCores?: Record<string, number>;
}

export interface PeakStep {
  rateScale: number;
  offeredPerS: number;
  ackedPerS: number;
  processedPerS: number;
  storedPerS: number;
  lagStart: number;
  lagEnd: number;
  latencyMs: { deviceToAck: LatencySummary; deviceToWs: LatencySummary };
  platformCores: number;
  sustained: boolean;
  reason: string;
}

export interface ScaleStep {
  devices: number;
  liveActors: number;
  recordsPerS: { acked: number; processed: number; stored: number };
  platformCores: number;
  /** Platform CPU microseconds per processed record. */
  cpuUsPerRecord: number;
  /** All bench processes' CPU (platform, nats-server) per processed record. */
  serverCpuUsPerRecord: number;
  rssBytes: number;
  /** The platform's RSS once started, before any device. */
  baselineRssBytes: number;
  /** (rssBytes - baselineRssBytes) / live actors. */
  rssPerDeviceBytes: number;
  latencyMs: { deviceToAck: LatencySummary; deviceToWs: LatencySummary };
  mix: Record<string, number>;
}

export interface BenchResult {
  scenario: string;
  resultVersion: 1;
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; memBytes: number; node: string; natsServer: string; openFiles: number | null };
  devices: number;
  mix: Record<string, number>;
  seed: number;
  durationS: number;
  rateScale: number;
  /** Device actors in memory at the end of the measured window (sum over shards). */
  liveActors: number;
  /** Of liveActors, those holding their state as bytes at the end of the window (older results: absent). */
  hibernatingActors?: number;
  /** Over the measured window (after warm-up). */
  recordsPerS: { offered: number; acked: number; processed: number; stored: number; wsPushed: number };
  /**
   * Raw JetStream moving the same payloads in the same messages as the
   * platform did in the window (records per message measured there); with
   * `oneRecordPerMessage`, the same measured at one message per record.
   */
  ceiling: { recordsPerS: number; oneRecordPerMessage?: Partial<CeilingResult> } & Partial<CeilingResult>;
  /** recordsPerS.stored / ceiling.recordsPerS. */
  ratio: number;
  /** How the adapters carried records into FLEET_IN during the window. */
  ingest: { recordsPerMessage: number };
  /** Actor snapshots the shards wrote to KV per record processed in the window (older results: absent). */
  snapshotsPerRecord?: number;
  /** Per platform thread over the window: event loop delay, GC pauses, heap (ThreadLoad below). */
  loopDelayMs: Record<string, ThreadLoad>;
  latencyMs: Record<string, LatencySummary>;
  heapPerActorBytes: number | null;
  heapMeasurement: Record<string, unknown> | null;
  /** Peak resident memory of the platform process. */
  rssBytes: number;
  rssPerActorBytes: number | null;
  cpu: Record<string, ProcUsage | number>;
  /**
   * CPU µs per processed record: the platform's, and with nats-server's.
   * `platformPerSimulatorCpu`: the platform's cores over the simulator's in
   * the same window. The simulator does the same work for the same scenario,
   * seed and settled fleet, whatever the machine's speed, so on a shared
   * machine this ratio moves with the platform's cost and much less with the
   * host's (older results: absent).
   */
  costPerRecord: { platformCpuUs: number; serverCpuUs: number; platformPerSimulatorCpu?: number };
  counts: Record<string, number>;
  /** The platform process exited during the run (a crash): the figures are not a measurement of a working platform. */
  platformCrashed: boolean;
  drained: boolean;
  drainS: number;
  storedEqualsAcked: boolean;
  timeline: TimelinePoint[];
  steps?: PeakStep[];
  scale?: ScaleStep[];
  storm?: Record<string, unknown> & { slowestCriticalDuringDrain?: SlowAlarm[] };
  notes: string[];
  files: { json: string; chart: string };
}

/** One platform thread over a window: loop delay (longest, typical second's), longest GC pauses (any, full), largest V8 heap. */
export interface ThreadLoad {
  max: number;
  medianOfMax: number;
  gcMax: number;
  majorGcMax?: number;
  heapMaxBytes?: number;
  /** Platform threads: CPU cores this thread used over the window, and the part of them in GC pauses (fleet_thread_*_seconds_total). */
  cores?: number;
  gcCores?: number;
  /** Cores' worth of time it was ready to run and waited for a CPU (fleet_thread_cpu_wait_seconds_total; the simulator's from its own thread). */
  waitCores?: number;
}

/** One of a reconnect storm's slowest alarms while it drained (`storm.slowestCriticalDuringDrain`). */
export interface SlowAlarm {
  afterStormS: number;
  protocol: string;
  totalMs: number;
  toPlatformMs?: number;
  inPlatformMs?: number;
}
