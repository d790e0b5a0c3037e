import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StoreAudit } from './store-audit.ts';
import { startPlatformProcess, type PlatformProcess } from '../../engine/testing/platform-process.ts';
import { Histogram, type LatencySummary } from '../histogram.ts';
import type { Mix } from '../simulator/fleet.ts';
import type { RunnerSnapshot } from '../simulator/runner.ts';
import { LATENCY_KINDS, type HistogramSet, type SimCounters } from '../simulator/stats.ts';
import { MachineCpu, ProcTracker, cpuPressureTotalUs, findPidByEnv, sampleProcess, type ProcUsage } from './proc-stats.ts';
import { scrape, threadCores, type PlatformMetrics, type ThreadCores } from './prom.ts';
import type { ThreadLoad, TimelinePoint } from './result.ts';

/**
 * One platform + one simulator under measurement: starts the platform as a
 * process (FLEET_DEMO=0, free ports, temp folder), checks which device
 * listeners answer, starts the simulator as a child speaking over IPC, and
 * samples every second: the platform's /metrics, the simulator's counters
 * and per-second latency histograms, CPU and RSS of every process. Windows
 * (mark .. end) turn those samples into rates, merged latency percentiles
 * and CPU shares.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What ClickHouse holds after the drain: rows, and distinct record ids (a duplicate row is a row, not an id). */

export interface SimSettings {
  devices: number;
  mix: Mix;
  seed: number;
  rateScale: number;
  alarmsPerMin?: number;
  deadZones?: number;
  storm?: { devices: number; atS: number; backlogS: number };
  sqlProbes?: number;
  extraArgs?: string[];
}

export interface SessionOptions {
  platformEnv: Record<string, string>;
  /** Extra environment of the simulator process (its profile hook, when profiling). */
  simEnv?: Record<string, string>;
  /** Where to keep the platform's output (warnings and errors) when the session stops. */
  platformLogFile?: string;
  sim: SimSettings;
  log: (msg: string) => void;
}

interface Sample {
  t: number;
  snap: RunnerSnapshot;
  metrics: PlatformMetrics | undefined;
  platformRss: number;
  /** /proc/pressure/cpu "some" total at this sample, µs. */
  cpuPressureUs: number | undefined;
}

export interface WindowMark {
  t: number;
  counters: SimCounters;
  metrics: PlatformMetrics;
  sampleIndex: number;
}

export interface WindowStats {
  seconds: number;
  offeredPerS: number;
  ackedPerS: number;
  /** Records transmitted for the first time. */
  sentPerS: number;
  processedPerS: number;
  storedPerS: number;
  wsPushedPerS: number;
  lagStart: number;
  lagEnd: number;
  latency: Record<string, LatencySummary>;
  histograms: Record<string, Histogram>;
  cpu: Record<string, ProcUsage>;
  machineCores: number;
  actorsEnd: number;
  /** Of those, hibernating (FLEET_HIBERNATE_AFTER_S). */
  hibernatingEnd: number;
  /** Mean records per FLEET_IN message the adapters published in the window (1 when they publish one each). */
  recordsPerMessage: number;
  /** Actor snapshots written to KV per record processed in the window. */
  snapshotsPerRecord: number;
  /** Per platform thread (and the simulator's loop) over the window: result.ts ThreadLoad. */
  loopDelayMs: Record<string, ThreadLoad>;
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.setTimeout(2000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

function mergeSets(sets: HistogramSet[]): Record<string, Histogram> {
  const out: Record<string, Histogram> = {};
  for (const k of LATENCY_KINDS) out[k] = new Histogram();
  for (const p of ['osmand', 'teltonika', 'gt06'] as const) out[`deviceToAck.${p}`] = new Histogram();
  for (const s of sets) {
    for (const k of LATENCY_KINDS) out[k]!.merge(s[k]);
    for (const p of ['osmand', 'teltonika', 'gt06'] as const) out[`deviceToAck.${p}`]!.merge(s.deviceToAckByProtocol[p]);
  }
  return out;
}

/** One thread's per-second maxima over the window: the longest, and the typical second's. */
function delayOf(perSecondMax: number[], gcMax: number): ThreadLoad {
  const sorted = [...perSecondMax].sort((a, b) => a - b);
  return { max: sorted.at(-1) ?? 0, medianOfMax: sorted[Math.floor(sorted.length / 2)] ?? 0, gcMax };
}

function loopDelays(series: PlatformMetrics[]): Record<string, ThreadLoad> {
  const per = new Map<string, number[]>();
  for (const m of series) for (const [thread, ms] of Object.entries(m.loopDelayMaxMs)) per.set(thread, [...(per.get(thread) ?? []), ms]);
  const most = (thread: string, pick: (m: PlatformMetrics) => Record<string, number>) => Math.max(0, ...series.map((m) => pick(m)[thread] ?? 0));
  return Object.fromEntries(
    [...per].map(([thread, v]) => [
      thread,
      { ...delayOf(v, most(thread, (m) => m.gcPauseMaxMs)), majorGcMax: most(thread, (m) => m.majorGcPauseMaxMs), heapMaxBytes: most(thread, (m) => m.heapUsedBytes) },
    ]),
  );
}

/**
 * Who used the CPU in one timeline step, and who waited for it: a latency
 * spike with a thread's wait up says the machine was full at that moment,
 * one without says that thread was busy with its own work.
 */
function secondOfCpu(prev: Sample, s: Sample, dt: number): Partial<TimelinePoint> {
  const out: Partial<TimelinePoint> = {};
  const round = (v: number) => Math.round(v * 1000) / 1000;
  if (prev.metrics && s.metrics && s.metrics.t > prev.metrics.t) {
    const per = threadCores(prev.metrics, s.metrics);
    out.threadCores = Object.fromEntries(Object.entries(per).map(([t, c]) => [t, c.cores]));
    out.threadWaitCores = Object.fromEntries(Object.entries(per).flatMap(([t, c]) => (c.waitCores === undefined ? [] : [[t, c.waitCores]])));
  }
  const sim = simCores(prev, s);
  if (sim.cores !== undefined) {
    out.simCores = sim.cores;
    out.simWaitCores = sim.waitCores;
  }
  if (s.cpuPressureUs !== undefined && prev.cpuPressureUs !== undefined) out.cpuPressure = round(Math.min(1, (s.cpuPressureUs - prev.cpuPressureUs) / 1e6 / dt));
  return out;
}

/** The simulator's main thread between two samples: cores used and cores' worth waited for a CPU. */
function simCores(from: Sample | undefined, to: Sample): { cores?: number; waitCores?: number } {
  const seconds = from ? (to.t - from.t) / 1000 : 0;
  // A simulator from before these fields reports neither.
  if (!from || seconds <= 0 || from.snap.cpuS === undefined || to.snap.cpuS === undefined) return {};
  const round = (v: number) => Math.round((Math.max(0, v) / seconds) * 1000) / 1000;
  return { cores: round(to.snap.cpuS - from.snap.cpuS), waitCores: round(to.snap.cpuWaitS - from.snap.cpuWaitS) };
}

function withCores(loads: Record<string, ThreadLoad>, cores: Record<string, ThreadCores>): Record<string, ThreadLoad> {
  return Object.fromEntries(Object.entries(loads).map(([t, l]) => [t, { ...l, ...(cores[t] ?? {}) }]));
}

export function summaries(h: Record<string, Histogram>): Record<string, LatencySummary> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, v.summary()]));
}

/** Sessions started and not yet stopped: what an interrupted bench must not leave running. */
const openSessions = new Set<BenchSession>();

/**
 * Stops every open session's simulator and platform (its nats-server and
 * temporary folder with it). For a harness told to stop (SIGTERM from a CI
 * runner, SIGINT sent to it alone): without it, the platform, nats-server
 * and simulator it started kept running, holding their ports and cores.
 */
export async function stopOpenSessions(): Promise<void> {
  await Promise.allSettled([...openSessions].map((s) => s.stop()));
}

export class BenchSession {
  readonly samples: Sample[] = [];
  readonly notes: string[] = [];
  readonly timeline: TimelinePoint[] = [];
  procs!: ProcTracker;
  readonly machine = new MachineCpu();
  private sim!: ChildProcess;
  private simStderr = '';
  private final: { drained: boolean; holding: number; snapshot: RunnerSnapshot; totals: HistogramSet } | undefined;
  private finalWaiters: (() => void)[] = [];
  private scraper: NodeJS.Timeout | undefined;
  private readonly metricsSeries: PlatformMetrics[] = [];
  private lastRates = { processedPerS: 0, storedPerS: 0 };
  platformPid: number | undefined;
  natsPid: number | undefined;
  simStartedAt = 0;
  /** Platform RSS once started, before any device connected. */
  baselineRssBytes = 0;
  /** When the platform process was found gone (epoch ms), 0 while it runs. */
  platformDied = 0;
  mix: Mix;
  private stopped = false;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly platform: PlatformProcess,
    private readonly opts: SessionOptions,
  ) {
    this.mix = { ...opts.sim.mix };
  }

  static async start(opts: SessionOptions): Promise<BenchSession> {
    opts.log('starting the platform');
    const platform = await startPlatformProcess({ FLEET_DEMO: '0', FLEET_LOG_LEVEL: 'warn', ...opts.platformEnv });
    const s = new BenchSession(platform, opts);
    openSessions.add(s);
    try {
      await s.init();
    } catch (err) {
      await s.stop();
      throw err;
    }
    return s;
  }

  private async init(): Promise<void> {
    const p = this.platform;
    this.platformPid = findPidByEnv('engine/main.ts', 'FLEET_DATA_DIR', p.dataDir);
    try {
      this.natsPid = Number(fs.readFileSync(path.join(p.dataDir, 'nats', 'nats-server.pid'), 'utf8'));
    } catch {
      this.natsPid = undefined;
    }
    // Device listeners that do not answer (not wired in this build): their share goes to OsmAnd, and the result says so.
    for (const proto of ['teltonika', 'gt06'] as const) {
      if (this.mix[proto] > 0 && !(await portAnswers(p.ports[proto]))) {
        this.notes.push(`${proto} listener did not answer on port ${p.ports[proto]}: its ${(this.mix[proto] * 100).toFixed(0)}% of devices ran as OsmAnd devices`);
        this.mix.osmand += this.mix[proto];
        this.mix[proto] = 0;
      }
    }
    this.baselineRssBytes = this.platformPid ? (sampleProcess(this.platformPid)?.rssBytes ?? 0) : 0;
    this.procs = new ProcTracker(() => ({ platform: this.platformPid, natsServer: this.natsPid, simulator: this.sim?.pid, harness: process.pid }));
    this.startScraper();
    await this.startSimulator();
  }

  private simArgs(): string[] {
    const s = this.opts.sim;
    const p = this.platform;
    const mix = Object.entries(this.mix)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    return [
      '--devices', String(s.devices),
      '--mix', mix,
      '--host', '127.0.0.1',
      '--http-port', String(p.ports.http),
      '--osmand-port', String(p.ports.osmand),
      '--teltonika-port', String(p.ports.teltonika),
      '--gt06-port', String(p.ports.gt06),
      '--seed', String(s.seed),
      '--rate-scale', String(s.rateScale),
      '--key', p.key,
      '--nats', `nats://127.0.0.1:${p.ports.nats}`,
      ...(s.alarmsPerMin !== undefined ? ['--alarms-per-min', String(s.alarmsPerMin)] : []),
      ...(s.deadZones !== undefined ? ['--dead-zones', String(s.deadZones)] : []),
      ...(s.sqlProbes !== undefined ? ['--sql-probes', String(s.sqlProbes)] : []),
      ...(s.storm ? ['--storm-devices', String(s.storm.devices), '--storm-at', String(s.storm.atS), '--storm-backlog', String(s.storm.backlogS)] : []),
      ...(s.extraArgs ?? []),
    ];
  }

  private startSimulator(): Promise<void> {
    const args = this.simArgs();
    this.opts.log(`starting the simulator: ${args.join(' ').replace(this.platform.key, '<key>')}`);
    this.sim = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/simulate.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, ...this.opts.simEnv },
    });
    this.sim.stdout?.on('data', (d: Buffer) => (this.simStderr = (this.simStderr + d.toString()).slice(-8000)));
    this.sim.stderr?.on('data', (d: Buffer) => (this.simStderr = (this.simStderr + d.toString()).slice(-8000)));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`simulator not ready in 180 s:\n${this.simStderr}`)), 180_000);
      this.sim.on('message', (m: { type: string; [k: string]: unknown }) => {
        if (m.type === 'ready') {
          clearTimeout(t);
          this.simStartedAt = Date.now();
          this.opts.log(`simulator ready (${String(m['devices'])} devices, fleet built in ${String(m['buildMs'])} ms)`);
          resolve();
        } else if (m.type === 'stats') {
          const snap = m['snapshot'] as RunnerSnapshot;
          this.sample(snap);
        }
        else if (m.type === 'log') this.opts.log(`simulator: ${String(m['msg'])}`);
        else if (m.type === 'final') {
          this.final = m as never;
          for (const w of this.finalWaiters.splice(0)) w();
        }
      });
      this.sim.once('exit', (code) => {
        clearTimeout(t);
        if (!this.final && !this.stopped) reject(new Error(`simulator exited with code ${code}:\n${this.simStderr}`));
      });
    });
  }

  /** /metrics is scraped on its own clock: a platform slow to answer must not hold back the simulator's samples. */
  private startScraper(): void {
    let busy = false;
    this.scraper = setInterval(() => {
      if (busy || this.stopped) return;
      busy = true;
      if (!this.platformDied && this.platformPid && !fs.existsSync(`/proc/${this.platformPid}`)) {
        this.platformDied = Date.now();
        const tail = this.platform.logs().split('\n').filter((l) => l.trim()).slice(-3).join(' | ').slice(0, 600);
        this.notes.push(`the platform process exited during the run, ${Math.round((this.platformDied - this.simStartedAt) / 1000)} s after the simulator started; its last words: ${tail}`);
        this.opts.log(`THE PLATFORM PROCESS EXITED: ${tail}`);
      }
      void scrape(this.platform.http)
        .then((m) => {
          if (!m) return;
          const prev = this.metricsSeries.at(-1);
          this.metricsSeries.push(m);
          if (prev) {
            const dt = Math.max(0.001, (m.t - prev.t) / 1000);
            this.lastRates = { processedPerS: Math.max(0, (m.processed - prev.processed) / dt), storedPerS: Math.max(0, (m.stored - prev.stored) / dt) };
          }
        })
        .finally(() => (busy = false));
    }, 1000);
  }

  private sample(snap: RunnerSnapshot): void {
    if (this.stopped) return;
    const metrics = this.metricsSeries.at(-1);
    const { rss, cores } = this.procs.poll();
    const s: Sample = { t: snap.t, snap, metrics, platformRss: rss['platform'] ?? 0, cpuPressureUs: cpuPressureTotalUs() };
    const prev = this.samples.at(-1);
    this.samples.push(s);
    if (!prev) return;
    const dt = Math.max(0.001, (s.t - prev.t) / 1000);
    const iv = snap.interval;
    this.timeline.push({
      t: Math.round(((s.t - this.simStartedAt) / 1000) * 10) / 10,
      ackedPerS: Math.round((snap.counters.acked - prev.snap.counters.acked) / dt),
      generatedPerS: Math.round((snap.counters.generated - prev.snap.counters.generated) / dt),
      processedPerS: Math.round(this.lastRates.processedPerS),
      storedPerS: Math.round(this.lastRates.storedPerS),
      lag: metrics?.lag ?? 0,
      actors: metrics?.actors ?? 0,
      backlog: snap.counters.backlog,
      backlogUnconfirmed: snap.counters.backlogUnconfirmed,
      devicesBehind: snap.counters.devicesBehind,
      p99AckMs: Histogram.fromJSON(iv.deviceToAck).percentileMs(99),
      p99WsMs: Histogram.fromJSON(iv.deviceToWs).percentileMs(99),
      p99CriticalMs: Histogram.fromJSON(iv.critical).percentileMs(99),
      platformRssBytes: s.platformRss,
      ...(metrics ? { loopDelayMaxMs: metrics.loopDelayMaxMs, gcPauseMaxMs: metrics.gcPauseMaxMs, majorGcPauseMaxMs: metrics.majorGcPauseMaxMs, intakeRate: metrics.intakeRate, waitingReplays: metrics.waitingReplays, replaysHeld: metrics.replaysHeld, publishAckMaxMs: metrics.publishAckMaxMs } : {}),
      simLoopDelayMaxMs: snap.loopDelayMaxMs,
      ...secondOfCpu(prev, s, dt),
      processCores: Object.fromEntries(Object.entries(cores).map(([name, c]) => [name, c.cores])),
      ...(cores['platform'] ? { platformThreadGroupCores: cores['platform'].threads } : {}),
    });
  }

  /**
   * The measured part is over: a profiled platform writes its threads' CPU
   * profiles now (bench/harness/cpu-profile-hook.mjs), so they cover start-up,
   * warm-up and measurement but not the drain.
   */
  private async writeProfiles(): Promise<void> {
    if (!this.opts.platformEnv['BENCH_CPU_PROF_DIR'] || !this.platformPid || this.platformDied) return;
    try {
      process.kill(this.platformPid, 'SIGUSR2');
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }

  latestCounters(): SimCounters | undefined {
    return this.samples.at(-1)?.snap.counters;
  }

  latestMetrics(): PlatformMetrics | undefined {
    return this.metricsSeries.at(-1);
  }

  /** Wait until both the simulator's counters and the platform's metrics are at most ~1.5 s old. */
  async fresh(timeoutMs = 20_000): Promise<void> {
    const since = Date.now() - 1500;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && ((this.samples.at(-1)?.t ?? 0) < since || (this.metricsSeries.at(-1)?.t ?? 0) < since)) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Start of a measured window. */
  async mark(): Promise<WindowMark> {
    await this.fresh();
    this.procs.mark();
    this.machine.mark();
    const s = this.samples.at(-1)!;
    return { t: s.t, counters: structuredClone(s.snap.counters), metrics: this.metricsSeries.at(-1)!, sampleIndex: this.samples.length - 1 };
  }

  async end(mark: WindowMark): Promise<WindowStats> {
    await this.fresh();
    const s = this.samples.at(-1)!;
    const m = this.metricsSeries.at(-1)!;
    const seconds = Math.max(0.001, (s.t - mark.t) / 1000);
    const mSeconds = Math.max(0.001, (m.t - mark.metrics.t) / 1000);
    const sets = this.samples.slice(mark.sampleIndex + 1).map((x) => x.snap.interval);
    const histograms = mergeSets(sets);
    return {
      seconds,
      offeredPerS: (s.snap.counters.generated - mark.counters.generated) / seconds,
      ackedPerS: (s.snap.counters.acked - mark.counters.acked) / seconds,
      sentPerS: (s.snap.counters.firstSent - mark.counters.firstSent) / seconds,
      processedPerS: (m.processed - mark.metrics.processed) / mSeconds,
      storedPerS: (m.stored - mark.metrics.stored) / mSeconds,
      wsPushedPerS: (m.wsPushed - mark.metrics.wsPushed) / mSeconds,
      lagStart: mark.metrics.lag,
      lagEnd: m.lag,
      latency: summaries(histograms),
      histograms,
      cpu: this.procs.usage(),
      machineCores: this.machine.busyCores(),
      actorsEnd: m.actors,
      hibernatingEnd: m.hibernating,
      loopDelayMs: {
        ...withCores(loopDelays(this.metricsSeries.filter((x) => x.t > mark.metrics.t && x.t <= m.t)), threadCores(mark.metrics, m)),
        simulator: { ...delayOf(this.samples.slice(mark.sampleIndex + 1).map((x) => x.snap.loopDelayMaxMs ?? 0), 0), ...simCores(this.samples[mark.sampleIndex], s) },
      },
      recordsPerMessage: m.ingestBatches > mark.metrics.ingestBatches ? (m.ingestRecords - mark.metrics.ingestRecords) / (m.ingestBatches - mark.metrics.ingestBatches) : 1,
      snapshotsPerRecord: m.processed > mark.metrics.processed ? (m.snapshotsWritten - mark.metrics.snapshotsWritten) / (m.processed - mark.metrics.processed) : 0,
    };
  }

  setRate(scale: number): void {
    this.sim.send({ type: 'rate', scale });
  }

  setAlarms(perMin: number): void {
    this.sim.send({ type: 'alarms', perMin });
  }

  /** Every device back in coverage, everything sent and acknowledged; then wait until the store holds what was acked. */
  async drain(timeoutMs: number): Promise<{
    drained: boolean;
    seconds: number;
    acked: number;
    stored: number;
    processed: number;
    /** Where rows and acknowledged records differ: rows and distinct ids in ClickHouse. */
    audit: StoreAudit | undefined;
    deadLetters: number;
    totals: HistogramSet;
    counters: SimCounters;
  }> {
    await this.writeProfiles();
    const t0 = Date.now();
    if (this.platformDied) timeoutMs = 5000; // nothing will be acknowledged any more
    this.sim.send({ type: 'drain', timeoutMs });
    await new Promise<void>((resolve) => {
      if (this.final) resolve();
      else this.finalWaiters.push(resolve);
      setTimeout(resolve, timeoutMs + 30_000);
    });
    const final = this.final;
    if (!final) throw new Error(`simulator did not finish draining:\n${this.simStderr}`);
    const acked = final.snapshot.counters.acked;
    this.opts.log(`devices ${final.drained ? 'drained' : `NOT drained (${final.holding} still hold records)`} in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${acked} records acknowledged, waiting for the store`);
    // The store may need a redelivery (ack_wait 60 s) after a failed batch: wait while it makes progress,
    // give up after 75 s without any (or 15 min in all).
    let m = await scrape(this.platform.http);
    let lastProgress = Date.now();
    let seen = (m?.stored ?? 0) + (m?.processed ?? 0);
    const cap = this.platformDied ? Date.now() : Date.now() + 15 * 60_000;
    // Row counts can pass `acked` before the store is done (a device resend stored twice is a row too), so
    // reaching it only ends the wait once the store has also been quiet for a while.
    const caughtUp = (): boolean => !!m && m.stored >= acked && m.processed >= acked && Date.now() - lastProgress >= 10_000;
    while (Date.now() < cap && Date.now() - lastProgress < 75_000 && !caughtUp()) {
      await new Promise((r) => setTimeout(r, 500));
      m = (await scrape(this.platform.http)) ?? m;
      const now = (m?.stored ?? 0) + (m?.processed ?? 0);
      if (now > seen) {
        seen = now;
        lastProgress = Date.now();
      }
    }
    let audit: StoreAudit | undefined;
    if (m && m.stored !== acked && !this.platformDied) {
      this.opts.log(`the store holds ${m.stored} rows for ${acked} acknowledged records${m.stored < acked ? ' and made no progress for 75 s' : ''}; counting ids`);
      audit = await this.auditStore(final.snapshot.counters);
    }
    return {
      audit,
      deadLetters: m?.deadLetters ?? 0,
      drained: final.drained && !!m && m.stored >= acked,
      seconds: (Date.now() - t0) / 1000,
      acked,
      stored: m?.stored ?? 0,
      processed: m?.processed ?? 0,
      totals: final.totals,
      counters: final.snapshot.counters,
    };
  }

  /** Where stored and acknowledged differ: per protocol, from ClickHouse itself, into the notes. */
  private async auditStore(c: SimCounters): Promise<StoreAudit | undefined> {
    const query =
      "SELECT protocol, count() AS n, uniqExact(record_id) AS ids, countIf(has_position = 0) AS without_position, uniqExactIf(record_id, has_position = 0) AS ids_without_position FROM fleetline.records GROUP BY protocol ORDER BY protocol";
    try {
      const res = await fetch(`${this.platform.http}/v1/sql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.platform.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await res.json()) as { data?: { protocol: string; n: string; ids: string; without_position: string; ids_without_position: string }[] };
      const data = body.data ?? [];
      const rows = data.map((r) => `${r.protocol}: ${r.n} rows, ${r.ids} ids, ${r.without_position} without position`);
      const audit: StoreAudit = {
        rows: data.reduce((n, r) => n + Number(r.n), 0),
        ids: data.reduce((n, r) => n + Number(r.ids), 0),
        idsWithoutPosition: data.reduce((n, r) => n + Number(r.ids_without_position), 0),
      };
      this.notes.push(
        `stored and acknowledged differ. ClickHouse has ${rows.join('; ')}. The devices counted ${Object.entries(c.ackedByProtocol)
          .map(([p, n]) => `${p} ${n}`)
          .join(', ')} acknowledged (gt06 includes ${c.heartbeats} heartbeats answered of ${c.heartbeatsSent} sent, OsmAnd answers reported ${c.platformDuplicates} duplicates)`,
      );
      return audit;
    } catch (err) {
      this.notes.push(`stored and acknowledged differ; the SQL audit failed: ${String(err)}`);
      return undefined;
    }
  }

  /** Stops the simulator and the platform; a second call (an interrupt during a scenario's own stop) waits for the first. */
  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<void> {
    this.stopped = true;
    openSessions.delete(this);
    if (this.scraper) clearInterval(this.scraper);
    if (this.sim && this.sim.exitCode === null) {
      try {
        this.sim.send({ type: 'stop' });
      } catch {
        // channel closed
      }
      await Promise.race([new Promise((r) => this.sim.once('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
      if (this.sim.exitCode === null) this.sim.kill('SIGKILL');
    }
    await this.platform.cleanup();
    if (this.opts.platformLogFile) {
      try {
        fs.writeFileSync(this.opts.platformLogFile, this.platform.logs());
      } catch {
        // the result matters more than its log
      }
    }
  }
}
