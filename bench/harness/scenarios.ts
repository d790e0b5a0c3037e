import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../engine/config/config.ts';
import { natsServerVersion, findNatsServer } from '../../engine/nats/managed-server.ts';
import { measureCeiling, type CeilingResult } from '../ceiling.ts';
import { Histogram, type LatencySummary } from '../histogram.ts';
import { DEFAULT_MIX, type Mix } from '../simulator/fleet.ts';
import { openFileLimits } from './args.ts';
import type { ProcUsage } from './proc-stats.ts';
import type { BenchResult, PeakStep, ScaleStep } from './result.ts';
import { nextPeakScale } from './peak-search.ts';
import { BenchSession, summaries, type SimSettings, type WindowStats } from './session.ts';
import { settleFleet, stormClearedAt, stormDraining } from './settle.ts';
import { storedExactlyOnce } from './store-audit.ts';
import type { LatencyKind } from '../simulator/stats.ts';

/**
 * The scenarios. Each measures the raw JetStream ceiling and the heap of a
 * device actor first (alone on the machine), then runs the platform with
 * the simulator and reports one BenchResult.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const SCENARIOS = ['smoke', 'steady', 'peak', 'reconnect-storm', 'scale'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface ScenarioOptions {
  devices?: number;
  durationS?: number;
  seed: number;
  mix?: Mix;
  partitions: number;
  shards: number;
  ceilingS: number;
  warmupS?: number;
  /** steady, peak, scale: after warmupS, wait at most this long for the fleet to settle (settle.ts); 0 = fixed warm-up. */
  settleMaxS?: number;
  rateScale?: number;
  sizes?: number[];
  maxSteps?: number;
  /** peak: steps narrowing the gap between the highest sustained and the lowest broken rate (peak-search.ts; default 2). */
  refine?: number;
  heapDevices?: number;
  /** reconnect-storm: seconds of records each returning device holds (default 3600). */
  backlogS?: number;
  /** Panic/crash alarms a minute across the fleet (reconnect-storm: 600 by default; others: the simulator's max(6, devices/500)). */
  alarmsPerMin?: number;
  /** Path prefix for the platform's log (`<prefix>.platform.log`). */
  logPrefix?: string;
  /** Profile the platform (main thread and shard workers) with node --cpu-prof into this folder. */
  cpuProfDir?: string;
  /** Platform settings for this run (--platform-env), noted in the result. */
  platformEnv?: Record<string, string>;
  log: (msg: string) => void;
}

/** The reconnect storm's alarms a minute across its alarm devices. */
const STORM_ALARMS_PER_MIN = 600;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fixed warm-up, then (settleMaxS > 0) until the fleet has come through its power-on; the outcome goes to the notes. */
async function warmUp(session: BenchSession, devices: number, warmupS: number, settleMaxS: number, o: ScenarioOptions, notes: string[]): Promise<void> {
  if (settleMaxS <= 0) {
    await sleep(warmupS * 1000);
    return;
  }
  const r = await settleFleet(session.timeline, devices, { minS: warmupS, maxS: warmupS + settleMaxS, log: o.log });
  o.log(r.note);
  notes.push(r.note);
}

const EMPTY: LatencySummary = new Histogram().summary();

/** Run the heap-per-actor measurement in its own process (it needs --expose-gc and a quiet heap). */
export function measureActorHeap(devices: number, seconds: number, log: (m: string) => void): Promise<Record<string, unknown> | null> {
  return new Promise((resolve) => {
    log(`measuring heap per device actor (${devices} actors, ~${Math.round(seconds / 12)} records each)`);
    execFile(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', path.join(ROOT, 'bench/harness/actor-heap.ts'), '--devices', String(devices), '--seconds', String(seconds)],
      { cwd: ROOT, timeout: 600_000, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          log(`heap measurement failed: ${String(stderr || err.message).slice(0, 500)}`);
          resolve(null);
          return;
        }
        try {
          resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>);
        } catch {
          resolve(null);
        }
      },
    );
  });
}

/** TCP devices need a socket each in the simulator and in the platform: keep them within the open-file limit. */
export function fitMix(devices: number, mix: Mix, notes: string[]): Mix {
  const lim = openFileLimits();
  if (!lim) return mix;
  const budget = Math.max(0, lim.soft - 2500);
  const tcp = devices * (mix.teltonika + mix.gt06);
  if (tcp <= budget) return mix;
  const k = budget / tcp;
  const fitted: Mix = { osmand: 0, teltonika: mix.teltonika * k, gt06: mix.gt06 * k };
  fitted.osmand = 1 - fitted.teltonika - fitted.gt06;
  notes.push(
    `${Math.round(tcp)} TCP devices would need more sockets than ulimit -n ${lim.soft} allows (hard limit ${lim.hard}); ran ${Math.round(budget)} TCP devices and the rest as OsmAnd (mix ${Object.entries(fitted)
      .map(([p, v]) => `${p}=${v.toFixed(3)}`)
      .join(',')}). Raise the limit (ulimit -n) to run the full mix.`,
  );
  return fitted;
}

function round(n: number, d = 0): number {
  const f = 10 ** d;
  return Math.round(n * f) / f;
}

interface Collected {
  session: BenchSession;
  window: WindowStats;
  drain: Awaited<ReturnType<BenchSession['drain']>>;
  latency?: Record<string, LatencySummary>;
  extraNotes?: string[];
}

function assemble(
  scenario: Scenario,
  o: ScenarioOptions,
  sim: SimSettings,
  c: Collected,
  ceiling: CeilingResult | undefined,
  heap: Record<string, unknown> | null,
  startedAt: Date,
  durationS: number,
): BenchResult {
  const w = c.window;
  const cpu: Record<string, ProcUsage | number> = { ...w.cpu };
  const ours = Object.values(w.cpu).reduce((s, u) => s + u.cores, 0);
  cpu['machine'] = w.machineCores;
  cpu['other'] = round(Math.max(0, w.machineCores - ours), 2);
  const platformCores = w.cpu['platform']?.cores ?? 0;
  const natsCores = w.cpu['natsServer']?.cores ?? 0;
  const simCores = w.cpu['simulator']?.cores ?? 0;
  const rss = Math.max(w.cpu['platform']?.maxRssBytes ?? 0, ...c.session.timeline.map((p) => p.platformRssBytes));
  const baseline = c.session.baselineRssBytes;
  const ceilingRate = ceiling?.recordsPerS ?? 0;
  const nats = findNatsServer();
  const lim = openFileLimits();
  const notes = [...c.session.notes, ...(c.extraNotes ?? [])];
  if ((cpu['other'] as number) > 0.3) {
    notes.push(`other processes used ${(cpu['other'] as number).toFixed(2)} cores during the window: figures are pessimistic`);
  }
  if (o.platformEnv && Object.keys(o.platformEnv).length > 0) {
    notes.push(`platform settings for this run: ${Object.entries(o.platformEnv).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  }
  if (ceiling && !ceiling.fsyncAlways) {
    notes.push(`nats-server ${ceiling.natsServer} has no sync_interval: JetStream fsyncs every 2 min in both the ceiling and the platform`);
  }
  return {
    scenario,
    resultVersion: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memBytes: os.totalmem(),
      node: process.version,
      natsServer: nats ? natsServerVersion(nats) : 'unknown',
      openFiles: lim ? lim.soft : null,
    },
    devices: sim.devices,
    mix: c.session.mix,
    seed: sim.seed,
    durationS: round(w.seconds, 1),
    rateScale: sim.rateScale,
    liveActors: w.actorsEnd,
    hibernatingActors: w.hibernatingEnd,
    recordsPerS: {
      offered: round(w.offeredPerS),
      acked: round(w.ackedPerS),
      processed: round(w.processedPerS),
      stored: round(w.storedPerS),
      wsPushed: round(w.wsPushedPerS),
    },
    ceiling: ceiling ? { ...ceiling } : { recordsPerS: 0 },
    ratio: ceilingRate > 0 ? round(w.storedPerS / ceilingRate, 3) : 0,
    ingest: { recordsPerMessage: round(w.recordsPerMessage, 2) },
    snapshotsPerRecord: round(w.snapshotsPerRecord, 3),
    loopDelayMs: w.loopDelayMs,
    latencyMs: { ...(c.latency ?? w.latency) },
    heapPerActorBytes: heap && typeof heap['heapPerActorBytes'] === 'number' ? heap['heapPerActorBytes'] : null,
    heapMeasurement: heap,
    rssBytes: rss,
    rssPerActorBytes: w.actorsEnd > 0 && baseline > 0 ? Math.round((rss - baseline) / w.actorsEnd) : null,
    cpu,
    costPerRecord: {
      platformCpuUs: w.processedPerS > 0 ? round((platformCores * 1e6) / w.processedPerS, 1) : 0,
      serverCpuUs: w.processedPerS > 0 ? round(((platformCores + natsCores) * 1e6) / w.processedPerS, 1) : 0,
      ...(simCores > 0 ? { platformPerSimulatorCpu: round(platformCores / simCores, 2) } : {}),
    },
    counts: {
      generated: c.drain.counters.generated,
      acked: c.drain.acked,
      ackedBuffered: c.drain.counters.ackedBuffered,
      processed: c.drain.processed,
      stored: c.drain.stored,
      ...(c.drain.audit ? { storedRows: c.drain.audit.rows, storedIds: c.drain.audit.ids, storedIdsWithoutPosition: c.drain.audit.idsWithoutPosition } : {}),
      deadLetters: c.drain.deadLetters,
      sent: c.drain.counters.sent,
      resent: c.drain.counters.resent,
      platformDuplicates: c.drain.counters.platformDuplicates,
      sendFailures: c.drain.counters.sendFailures,
      connects: c.drain.counters.connects,
      connectFailures: c.drain.counters.connectFailures,
      alarmsRaised: c.drain.counters.alarmsRaised,
      criticalEvents: c.drain.counters.criticalEvents,
      criticalEventsOnWs: c.drain.counters.criticalEventsOnWs,
      alarmsRepeatedOnWs: c.drain.counters.alarmsRepeatedOnWs,
      alarmsRepeatedOnNats: c.drain.counters.alarmsRepeatedOnNats,
      heartbeats: c.drain.counters.heartbeats,
      heartbeatsSent: c.drain.counters.heartbeatsSent,
      wsItems: c.drain.counters.wsItems,
      ...Object.fromEntries(Object.entries(c.drain.counters.ackedByProtocol).map(([p, v]) => [`acked.${p}`, v])),
    },
    platformCrashed: c.session.platformDied > 0,
    drained: c.drain.drained,
    drainS: round(c.drain.seconds, 1),
    storedEqualsAcked: c.drain.audit ? storedExactlyOnce(c.drain.audit, { ...c.drain.counters, acked: c.drain.acked }) : c.drain.stored === c.drain.acked,
    timeline: c.session.timeline,
    notes,
    files: { json: '', chart: '' },
    ...(durationS ? {} : {}),
  };
}

async function prelude(o: ScenarioOptions, heapDevices: number, heapSeconds: number): Promise<{ ceiling: CeilingResult | undefined; heap: Record<string, unknown> | null }> {
  let ceiling: CeilingResult | undefined;
  if (o.ceilingS > 0) {
    o.log(`measuring the raw JetStream ceiling (${o.ceilingS} s)`);
    ceiling = await measureCeiling({ durationS: o.ceilingS, warmupS: Math.min(2, o.ceilingS), partitions: o.partitions, consumers: o.shards, seed: o.seed, log: o.log, ...ceilingNats(o) });
  }
  const heap = heapDevices > 0 ? await measureActorHeap(heapDevices, heapSeconds, o.log) : null;
  return { ceiling, heap };
}

/** The ceiling's nats-server runs on as many cores as the platform's: FLEET_NATS_PROCS read as the platform reads it. */
function ceilingNats(o: ScenarioOptions): { natsProcs: number } {
  return { natsProcs: loadConfig({ FLEET_NATS_PROCS: o.platformEnv?.['FLEET_NATS_PROCS'] }).natsProcs };
}

function platformEnv(o: ScenarioOptions): Record<string, string> {
  // e.g. BENCH_PLATFORM_NODE_OPTIONS=--perf-basic-prof, to sample the platform's real CPU time with `perf record -e cpu-clock`.
  const extra = process.env['BENCH_PLATFORM_NODE_OPTIONS'];
  return {
    FLEET_SHARDS: String(o.shards),
    FLEET_PARTITIONS: String(o.partitions),
    ...o.platformEnv,
    ...(extra && !o.cpuProfDir ? { NODE_OPTIONS: extra } : {}),
    ...(o.cpuProfDir
      ? {
          NODE_OPTIONS: `--import ${path.join(ROOT, 'bench/harness/cpu-profile-hook.mjs')}`,
          BENCH_CPU_PROF_DIR: o.cpuProfDir,
          // An upper bound only: the harness ends the profiles when the measured window ends (SIGUSR2,
          // session.ts); this covers start-up, the longest warm-up and settling, and every step
          BENCH_CPU_PROF_MS: String(((o.warmupS ?? 15) + (o.settleMaxS ?? 600) + (o.durationS ?? 60) * (o.maxSteps ?? 1) + 2) * 1000),
        }
      : {}),
  };
}

/** The platform's log file and, when profiling, the simulator's profile: it shares the machine and its CPU counts too. */
function sessionFiles(o: ScenarioOptions, suffix = ''): { platformLogFile?: string; simEnv?: Record<string, string> } {
  return {
    ...(o.logPrefix ? { platformLogFile: `${o.logPrefix}${suffix}.platform.log` } : {}),
    ...(o.cpuProfDir
      ? {
          simEnv: {
            NODE_OPTIONS: `--import ${path.join(ROOT, 'bench/harness/cpu-profile-hook.mjs')}`,
            BENCH_CPU_PROF_DIR: path.join(o.cpuProfDir, 'simulator'),
            BENCH_CPU_PROF_MS: platformEnv(o)['BENCH_CPU_PROF_MS']!,
          },
        }
      : {}),
  };
}

/** smoke and steady: realistic intervals, warm up, measure, drain. */
async function steadyLike(scenario: Scenario, o: ScenarioOptions, defaults: { devices: number; durationS: number; warmupS: number; settleMaxS: number; alarmsPerMin?: number; deadZones?: number }): Promise<BenchResult> {
  const startedAt = new Date();
  const devices = o.devices ?? defaults.devices;
  const durationS = o.durationS ?? defaults.durationS;
  const notes: string[] = [];
  const { ceiling, heap } = await prelude(o, o.heapDevices ?? Math.min(devices, scenario === 'smoke' ? 200 : 1000), scenario === 'smoke' ? 240 : 600);
  const sim: SimSettings = {
    devices,
    mix: fitMix(devices, o.mix ?? DEFAULT_MIX, notes),
    seed: o.seed,
    rateScale: o.rateScale ?? 1,
    ...((o.alarmsPerMin ?? defaults.alarmsPerMin) !== undefined ? { alarmsPerMin: o.alarmsPerMin ?? defaults.alarmsPerMin } : {}),
    ...(defaults.deadZones !== undefined ? { deadZones: defaults.deadZones } : {}),
  };
  const session = await BenchSession.start({ platformEnv: platformEnv(o), sim, log: o.log, ...sessionFiles(o) });
  try {
    const warmupS = o.warmupS ?? defaults.warmupS;
    const settleMaxS = o.settleMaxS ?? defaults.settleMaxS;
    o.log(`warming up ${warmupS} s${settleMaxS > 0 ? ` (then up to ${settleMaxS} s more until the fleet has settled)` : ''}, then measuring ${durationS} s`);
    await warmUp(session, devices, warmupS, settleMaxS, o, notes);
    const mark = await session.mark();
    await sleep(durationS * 1000);
    const window = await session.end(mark);
    o.log('draining: every device back in coverage, everything acknowledged and stored');
    const drain = await session.drain(Math.max(60_000, durationS * 2000));
    return assemble(scenario, o, { ...sim, mix: session.mix }, { session, window, drain, extraNotes: notes }, ceiling, heap, startedAt, durationS);
  } finally {
    await session.stop();
  }
}

async function reconnectStorm(o: ScenarioOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const stormDevices = o.devices ?? 10_000;
  const alarmDevices = Math.max(20, Math.round(stormDevices / 50));
  const devices = stormDevices + alarmDevices;
  const durationS = o.durationS ?? 120;
  const warmupS = o.warmupS ?? 10;
  const notes: string[] = [];
  const { ceiling, heap } = await prelude(o, o.heapDevices ?? Math.min(devices, 1000), 600);
  // Ten a second: a drain of about 300 s then holds some 3,000 alarms, and its p99 is the 30th slowest, not the
  // second of 150 (120 a minute, the default until 2026-12) that one stall of one thread decided.
  const alarmsPerMin = o.alarmsPerMin ?? STORM_ALARMS_PER_MIN;
  const sim: SimSettings = {
    devices,
    mix: fitMix(devices, o.mix ?? DEFAULT_MIX, notes),
    seed: o.seed,
    rateScale: 1,
    alarmsPerMin,
    deadZones: 0,
    storm: { devices: stormDevices, atS: warmupS, backlogS: o.backlogS ?? 3600 },
  };
  notes.push(
    `${stormDevices} devices come back at ${warmupS} s, each with ${((o.backlogS ?? 3600) / 60).toFixed(0)} minutes of records buffered; ${alarmDevices} other devices stay in coverage and raise ${alarmsPerMin} panic/crash alarms a minute`,
  );
  const session = await BenchSession.start({ platformEnv: platformEnv(o), sim, log: o.log, ...sessionFiles(o) });
  try {
    await sleep(Math.max(0, warmupS * 1000 - 1000));
    const mark = await session.mark();
    const stormAt = mark.t;
    o.log(`storm: ${stormDevices} devices reconnect with ${o.backlogS ?? 3600} s of records each; observing ${durationS} s`);
    await sleep(durationS * 1000);
    const window = await session.end(mark);
    // Keep the fleet live (records and alarms keep coming) until the storm's backlog is gone, or for at most
    // 4x the window: critical latency is wanted for the whole time the backlog drains.
    const liveUntil = Date.now() + Math.max(120, 4 * durationS) * 1000;
    const storm = { stormDevices };
    const cleared = () => {
      const c = session.latestCounters();
      const m = session.latestMetrics();
      return !!c && !!m && !stormDraining(c, m.lag, storm);
    };
    if (!cleared()) o.log(`backlog still draining; the fleet stays live until it clears (at most ${Math.round((liveUntil - Date.now()) / 1000)} s)`);
    while (Date.now() < liveUntil && !cleared()) await sleep(1000);
    o.log('draining what is left');
    const finalDrainAt = Date.now();
    const drain = await session.drain(Math.max(120_000, durationS * 4000));
    // The seconds after the storm while its backlog was still draining (devices behind or consumer lag, settle.ts
    // stormDraining), the final drain included: alarm events raised late in the window are matched there.
    const draining = session.samples.filter((s) => s.t > stormAt && stormDraining(s.snap.counters, s.metrics?.lag ?? 0, storm));
    const whileDraining = (kind: LatencyKind) => {
      const h = new Histogram();
      for (const s of draining) h.merge(s.snap.interval[kind]);
      return h.summary();
    };
    const clearedAt = stormClearedAt(
      session.samples.map((s) => ({ t: s.t, devicesBehind: s.snap.counters.devicesBehind, lag: s.metrics?.lag ?? 0 })),
      { stormAt, finalDrainAt, stormDevices },
    );
    const peakLag = Math.max(0, ...session.timeline.map((p) => p.lag));
    const result = assemble('reconnect-storm', o, { ...sim, mix: session.mix }, { session, window, drain, extraNotes: notes }, ceiling, heap, startedAt, durationS);
    const criticalDuringDrain = whileDraining('critical');
    result.storm = {
      stormDevices,
      alarmDevices,
      bufferedRecordsAcked: drain.counters.ackedBuffered,
      backlogClearedAfterS: clearedAt ? round((clearedAt.t - stormAt) / 1000, 1) : null,
      backlogCleared: clearedAt !== undefined,
      peakConsumerLag: peakLag,
      peakReplaysHeld: Math.max(0, ...session.timeline.map((p) => p.replaysHeld ?? 0)),
      // Held replays wait in the same governor queue as decoded ones: the difference is what waits decoded.
      peakReplaysDecodedWaiting: Math.max(0, ...session.timeline.map((p) => (p.waitingReplays ?? 0) - (p.replaysHeld ?? 0))),
      secondsWithBacklog: draining.length,
      criticalDuringDrain,
      criticalToAckDuringDrain: whileDraining('criticalToAck'),
      // The tail one by one: which protocol, and whether the time went reaching the platform or inside it.
      slowestCriticalDuringDrain: draining
        .flatMap((s) => s.snap.alarms ?? [])
        .sort((a, b) => b.totalMs - a.totalMs)
        .slice(0, 10)
        .map((a) => ({
          afterStormS: round((a.sentAt - stormAt) / 1000, 1),
          protocol: a.protocol,
          totalMs: round(a.totalMs, 1),
          ...(a.toPlatformMs !== undefined ? { toPlatformMs: round(a.toPlatformMs, 1), inPlatformMs: round(a.inPlatformMs ?? 0, 1) } : {}),
        })),
    };
    // The contract's `critical` is the one that matters here: alarms while the backlog drains.
    if (criticalDuringDrain.count > 0) {
      result.latencyMs['critical'] = criticalDuringDrain;
      result.latencyMs['criticalToPlatform'] = whileDraining('criticalToPlatform');
      result.latencyMs['criticalInPlatform'] = whileDraining('criticalInPlatform');
      result.latencyMs['criticalToWs'] = whileDraining('criticalToWs');
    }
    return result;
  } finally {
    await session.stop();
  }
}

/** Longest the peak scenario waits, after a broken step, for the fleet to settle at the next rate. */
const RECOVER_MAX_S = 180;

async function peak(o: ScenarioOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const devices = o.devices ?? 20_000;
  const stepS = o.durationS ?? 30;
  const maxSteps = o.maxSteps ?? 8;
  const notes: string[] = [];
  const { ceiling, heap } = await prelude(o, o.heapDevices ?? Math.min(devices, 1000), 600);
  const sim: SimSettings = {
    devices,
    mix: fitMix(devices, o.mix ?? DEFAULT_MIX, notes),
    seed: o.seed,
    // The warm-up runs at the first step's rate: at a higher one it would leave a backlog the first step drains.
    rateScale: o.rateScale ?? 1,
    deadZones: 0.005,
  };
  const session = await BenchSession.start({ platformEnv: platformEnv(o), sim, log: o.log, ...sessionFiles(o) });
  try {
    o.log(`warming up until the fleet has settled (at most ${(o.warmupS ?? 15) + (o.settleMaxS ?? 600)} s)`);
    await warmUp(session, devices, o.warmupS ?? 15, o.settleMaxS ?? 600, o, notes);
    const steps: PeakStep[] = [];
    const windows: WindowStats[] = [];
    const search = { maxSteps, refine: o.refine ?? 2 };
    for (let scale: number | undefined = o.rateScale ?? 1; scale !== undefined; scale = nextPeakScale(steps, search)) {
      session.setRate(scale);
      if (steps.length > 0 && !steps.at(-1)!.sustained) {
        // A broken step leaves records on the devices and lag in the engine: measuring the next rate on top of that
        // would measure the recovery.
        const r = await settleFleet(session.timeline, devices, { minS: 5, maxS: RECOVER_MAX_S, log: o.log, what: `after the broken step, at x${scale}` });
        notes.push(r.note);
      }
      await sleep(5000);
      const mark = await session.mark();
      await sleep(stepS * 1000);
      const w = await session.end(mark);
      const reasons: string[] = [];
      // Devices wait for each answer before sending more: when the platform answers too slowly, records pile up on them.
      if (w.sentPerS < 0.85 * w.offeredPerS) reasons.push(`devices could not send (${Math.round(w.sentPerS)} of ${Math.round(w.offeredPerS)}/s recorded)`);
      if (w.processedPerS < 0.9 * w.ackedPerS) reasons.push(`actors fell behind (${Math.round(w.processedPerS)} of ${Math.round(w.ackedPerS)}/s)`);
      if (w.lagEnd - w.lagStart > Math.max(2000, 2 * w.ackedPerS)) reasons.push(`consumer lag grew ${w.lagStart} -> ${w.lagEnd}`);
      const ack = w.latency['deviceToAck'] ?? EMPTY;
      const ws = w.latency['deviceToWs'] ?? EMPTY;
      if (ack.p99 > 1000) reasons.push(`p99 device->ACK ${Math.round(ack.p99)} ms`);
      if (ws.p99 > 1000) reasons.push(`p99 device->WS ${Math.round(ws.p99)} ms`);
      const step: PeakStep = {
        rateScale: scale,
        offeredPerS: round(w.offeredPerS),
        ackedPerS: round(w.ackedPerS),
        processedPerS: round(w.processedPerS),
        storedPerS: round(w.storedPerS),
        lagStart: w.lagStart,
        lagEnd: w.lagEnd,
        latencyMs: { deviceToAck: ack, deviceToWs: ws },
        platformCores: w.cpu['platform']?.cores ?? 0,
        sustained: reasons.length === 0,
        reason: reasons.join('; '),
      };
      steps.push(step);
      windows.push(w);
      o.log(`step x${scale}: offered ${step.offeredPerS}/s, acked ${step.ackedPerS}/s, processed ${step.processedPerS}/s, lag ${w.lagStart} -> ${w.lagEnd}: ${step.sustained ? 'sustained' : `broke (${step.reason})`}`);
    }
    const bestIndex = steps.reduce((best, s, i) => (s.sustained && (best < 0 || s.processedPerS > steps[best]!.processedPerS) ? i : best), -1);
    const chosen = windows[bestIndex >= 0 ? bestIndex : 0]!;
    session.setRate(1);
    o.log('draining');
    const drain = await session.drain(300_000);
    const result = assemble('peak', o, { ...sim, mix: session.mix, rateScale: steps[bestIndex >= 0 ? bestIndex : 0]!.rateScale }, { session, window: chosen, drain, extraNotes: notes }, ceiling, heap, startedAt, stepS);
    result.steps = steps;
    if (bestIndex < 0) result.notes.push('no step was sustained: the figures are those of the first step');
    else result.notes.push(`highest sustained rate: x${steps[bestIndex]!.rateScale}, ${steps[bestIndex]!.processedPerS} records/s processed (the figures above are that step's)`);
    return result;
  } finally {
    await session.stop();
  }
}

async function scale(o: ScenarioOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const sizes = o.sizes ?? (o.devices ? [o.devices] : [1000, 10_000, 100_000]);
  const durationS = o.durationS ?? 30;
  const { ceiling, heap } = await prelude(o, o.heapDevices ?? 1000, 600);
  const steps: ScaleStep[] = [];
  let last: { collected: Collected; sim: SimSettings } | undefined;
  const allNotes: string[] = [];
  for (const devices of sizes) {
    const notes: string[] = [];
    const sim: SimSettings = {
      devices,
      mix: fitMix(devices, o.mix ?? DEFAULT_MIX, notes),
      seed: o.seed,
      rateScale: o.rateScale ?? 1,
    };
    o.log(`scale: ${devices} devices`);
    const session = await BenchSession.start({ platformEnv: platformEnv(o), sim, log: o.log, ...sessionFiles(o, `-${devices}`) });
    try {
      // Every device reports once within its first 10 s; give the big fleets time to connect and settle.
      await warmUp(session, devices, o.warmupS ?? Math.min(60, 15 + devices / 5000), o.settleMaxS ?? 300, o, notes);
      const mark = await session.mark();
      await sleep(durationS * 1000);
      const w = await session.end(mark);
      const drain = await session.drain(120_000);
      const pc = w.cpu['platform']?.cores ?? 0;
      const nc = w.cpu['natsServer']?.cores ?? 0;
      const rss = w.cpu['platform']?.maxRssBytes ?? 0;
      steps.push({
        devices,
        liveActors: w.actorsEnd,
        recordsPerS: { acked: round(w.ackedPerS), processed: round(w.processedPerS), stored: round(w.storedPerS) },
        platformCores: pc,
        cpuUsPerRecord: w.processedPerS > 0 ? round((pc * 1e6) / w.processedPerS, 1) : 0,
        serverCpuUsPerRecord: w.processedPerS > 0 ? round(((pc + nc) * 1e6) / w.processedPerS, 1) : 0,
        rssBytes: rss,
        baselineRssBytes: session.baselineRssBytes,
        rssPerDeviceBytes: Math.round(Math.max(0, rss - session.baselineRssBytes) / Math.max(1, w.actorsEnd || devices)),
        latencyMs: { deviceToAck: w.latency['deviceToAck'] ?? EMPTY, deviceToWs: w.latency['deviceToWs'] ?? EMPTY },
        mix: { ...session.mix },
      });
      allNotes.push(...notes.map((n) => `${devices} devices: ${n}`), ...session.notes.map((n) => `${devices} devices: ${n}`));
      last = { collected: { session, window: w, drain }, sim: { ...sim, mix: session.mix } };
    } finally {
      await session.stop();
    }
  }
  const result = assemble('scale', o, last!.sim, { ...last!.collected, extraNotes: allNotes }, ceiling, heap, startedAt, durationS);
  result.scale = steps;
  result.notes = [...new Set(result.notes)];
  return result;
}

/**
 * The prelude measured the ceiling at one message per record. When the
 * adapters batched records in the window, measure it again now (the platform
 * has stopped: nothing shares the cores) with the same mean batch, so the
 * ceiling moves the same messages the platform did.
 */
async function matchCeiling(result: BenchResult, o: ScenarioOptions): Promise<BenchResult> {
  const perMessage = result.ingest.recordsPerMessage;
  if (o.ceilingS <= 0 || result.ceiling.recordsPerS <= 0 || perMessage < 1.05) return result;
  o.log(`measuring the raw JetStream ceiling again at ${perMessage} records per message, as the platform batched them (${o.ceilingS} s)`);
  const batched = await measureCeiling({
    durationS: o.ceilingS,
    warmupS: Math.min(2, o.ceilingS),
    partitions: o.partitions,
    consumers: o.shards,
    seed: o.seed,
    recordsPerMessage: perMessage,
    log: o.log,
    ...ceilingNats(o),
  });
  const { oneRecordPerMessage: _drop, ...single } = result.ceiling;
  result.ceiling = { ...batched, oneRecordPerMessage: single };
  result.ratio = batched.recordsPerS > 0 ? round(result.recordsPerS.stored / batched.recordsPerS, 3) : 0;
  return result;
}

export async function runScenario(name: Scenario, o: ScenarioOptions): Promise<BenchResult> {
  return matchCeiling(await runScenarioAlone(name, o), o);
}

async function runScenarioAlone(name: Scenario, o: ScenarioOptions): Promise<BenchResult> {
  switch (name) {
    case 'smoke':
      return steadyLike('smoke', { ...o, ceilingS: Math.min(o.ceilingS, 3) }, { devices: 200, durationS: 15, warmupS: 5, settleMaxS: 0, alarmsPerMin: 60, deadZones: 0.05 });
    case 'steady':
      return steadyLike('steady', o, { devices: 20_000, durationS: 60, warmupS: 30, settleMaxS: 120 });
    case 'reconnect-storm':
      return reconnectStorm(o);
    case 'peak':
      return peak(o);
    case 'scale':
      return scale(o);
  }
}

export { summaries };
