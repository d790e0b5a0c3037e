/**
 * `npm run bench -- <scenario> [--devices N] [--duration S] [--out FILE]`
 *
 * Scenarios: smoke, steady, peak, reconnect-storm, scale (see bench/README.md).
 * Writes the JSON result (default bench/results/<scenario>-<timestamp>.json),
 * an SVG chart beside it, and a table on stdout. Progress goes to stderr.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, intList, num, openFileLimits, parseFlags, platformSettings } from './harness/args.ts';
import { defaultShards } from '../engine/config/config.ts';
import { profilesIn, renderProfiles, summarizeProfile } from './harness/cpuprofile.ts';
import { renderSvg, renderTable } from './harness/report.ts';
import type { BenchResult } from './harness/result.ts';
import { SCENARIOS, runScenario, type Scenario } from './harness/scenarios.ts';
import { stopOpenSessions } from './harness/session.ts';
import { parseMix } from './simulator/fleet.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const HELP = `npm run bench -- <scenario> [flags]

scenarios:
  smoke            200 devices, 15 s: a quick end-to-end check (the test runs it)
  steady           20,000 devices at realistic intervals (default 60 s measured)
  peak             raise the reporting rate step by step (x1, x2, x4...) until latency or lag breaks;
                   --duration is per step (default 30 s); reports the highest sustained rate
  reconnect-storm  10,000 devices return from a dead zone with an hour of records each while
                   alarms keep arriving (default 120 s observed); critical latency while it drains
  scale            1k, 10k, 100k devices (--sizes): cost per record and memory per device

flags:
  --devices N          fleet size (scale: one size; storm: devices in the storm)
  --duration S         seconds measured (peak: per step)
  --out FILE           result JSON path (chart: same name, .svg)
  --seed S             fleet seed (default 1)
  --mix SPEC           e.g. osmand=0.4,teltonika=0.4,gt06=0.2 (the default)
  --rate-scale X       steady/smoke/scale: divide reporting intervals by X; peak: first step
  --sizes LIST         scale: fleet sizes, e.g. 1000,10000,100000
  --warmup S           seconds before measuring (steady, peak, scale: at least S, then until the fleet has settled)
  --settle-max S       steady, peak, scale: longest wait for the fleet to settle after --warmup (0: a fixed warm-up)
  --max-steps N        peak: at most N doubling (or, from a first step that breaks, halving) steps (default 8)
  --refine N           peak: then N steps narrowing the gap between the highest sustained and the first broken rate (default 2)
  --backlog S          reconnect-storm: seconds of records each returning device holds (default 3600)
  --alarms-per-min N   panic/crash alarms a minute (reconnect-storm default 600; others: max(6, devices/500))
  --ceiling-duration S seconds of the raw JetStream ceiling (default 10; 0 skips it)
  --partitions N       FLEET_PARTITIONS (default 64)   --shards N   FLEET_SHARDS (default: the platform's, half the cores)
  --heap-devices N     actors in the heap-per-actor measurement (0 skips it)
  --cpu-prof DIR       profile the platform (node --cpu-prof, every thread) into DIR
  --platform-env K=V   a platform setting for this run, e.g. FLEET_REPLAY_HOLD_PACKETS=0 (repeatable; not ports or folders)
  --quiet              no progress on stderr`;

/**
 * Raises the soft open-file limit to the hard one for us and every child (platform, simulator), once:
 * the bench runs again under the raised limit, and this process only waits for its exit code.
 */
function relaunchWithFileLimit(): Promise<number> | undefined {
  const lim = openFileLimits();
  if (!lim || lim.soft >= lim.hard || process.env['FLEET_BENCH_ULIMIT_RAISED']) return undefined;
  const hard = Number.isFinite(lim.hard) ? String(lim.hard) : 'unlimited';
  const child = spawn('sh', ['-c', `ulimit -n ${hard} && exec "$0" "$@"`, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, FLEET_BENCH_ULIMIT_RAISED: '1' },
  });
  // A signal for us is for the bench that does the work: it stops what it started and exits.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1))));
}

async function main(): Promise<void> {
  const relaunched = relaunchWithFileLimit();
  if (relaunched) {
    process.exitCode = await relaunched;
    return;
  }
  const { values: v, positionals } = parseFlags(
    process.argv.slice(2),
    {
      devices: { type: 'string' },
      duration: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      mix: { type: 'string' },
      'rate-scale': { type: 'string' },
      sizes: { type: 'string' },
      warmup: { type: 'string' },
      'settle-max': { type: 'string' },
      'max-steps': { type: 'string' },
      refine: { type: 'string' },
      'ceiling-duration': { type: 'string' },
      partitions: { type: 'string' },
      shards: { type: 'string' },
      'heap-devices': { type: 'string' },
      'cpu-prof': { type: 'string' },
      'platform-env': { type: 'string', multiple: true },
      backlog: { type: 'string' },
      'alarms-per-min': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (v.help) {
    process.stdout.write(HELP + '\n');
    return;
  }
  if (positionals.length > 1) throw new UsageError(`one scenario at a time, got ${positionals.join(' ')}`);
  const scenario = (positionals[0] ?? 'steady') as Scenario;
  if (!SCENARIOS.includes(scenario)) throw new UsageError(`unknown scenario ${JSON.stringify(scenario)}; use one of ${SCENARIOS.join(', ')}`);
  let mix;
  if (v.mix) {
    try {
      mix = parseMix(v.mix);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const quiet = v.quiet ?? false;
  const t0 = Date.now();
  const log = (m: string) => {
    if (!quiet) process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
  };
  // Told to stop (Ctrl-C reaches the platform too; a CI runner's SIGTERM reaches only us): nothing it started keeps running.
  // A second signal (Ctrl-C pressed again, or relayed by a wrapper as well) must not end the stop halfway:
  // with no listener left, Node's default ended the harness and left the platform and nats-server running.
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        log(`${signal}: still stopping what the bench started (at most ~20 s); it exits once they are gone`);
        return;
      }
      stopping = true;
      log(`${signal}: stopping the simulator and the platform; no result is written`);
      void stopOpenSessions().finally(() => process.exit(130));
    });
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '');
  const jsonPath = path.resolve(v.out ?? path.join(ROOT, 'bench/results', `${scenario}-${stamp}.json`));
  fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
  const prefix = jsonPath.replace(/\.json$/i, '');
  const cpuProfDir = v['cpu-prof'] ? path.resolve(v['cpu-prof']) : undefined;
  if (cpuProfDir) fs.mkdirSync(cpuProfDir, { recursive: true });
  const result: BenchResult = await runScenario(scenario, {
    logPrefix: prefix,
    ...(cpuProfDir ? { cpuProfDir } : {}),
    ...(v['platform-env'] ? { platformEnv: platformSettings(v['platform-env']) } : {}),
    ...(v.devices ? { devices: num('devices', v.devices, 0, { min: 1, int: true }) } : {}),
    ...(v.duration ? { durationS: num('duration', v.duration, 0, { min: 1 }) } : {}),
    ...(v['rate-scale'] ? { rateScale: num('rate-scale', v['rate-scale'], 1, { min: 0.01 }) } : {}),
    ...(v.sizes ? { sizes: intList('sizes', v.sizes).filter((n, i, a) => a.indexOf(n) === i && n > 0) } : {}),
    ...(v.warmup ? { warmupS: num('warmup', v.warmup, 0, { min: 0 }) } : {}),
    ...(v['settle-max'] ? { settleMaxS: num('settle-max', v['settle-max'], 0, { min: 0 }) } : {}),
    ...(v['max-steps'] ? { maxSteps: num('max-steps', v['max-steps'], 8, { min: 1, int: true }) } : {}),
    ...(v.refine ? { refine: num('refine', v.refine, 2, { min: 0, max: 8, int: true }) } : {}),
    ...(v.backlog ? { backlogS: num('backlog', v.backlog, 3600, { min: 0, int: true }) } : {}),
    ...(v['alarms-per-min'] ? { alarmsPerMin: num('alarms-per-min', v['alarms-per-min'], 0, { min: 0 }) } : {}),
    ...(v['heap-devices'] ? { heapDevices: num('heap-devices', v['heap-devices'], 0, { min: 0, int: true }) } : {}),
    ...(mix ? { mix } : {}),
    seed: num('seed', v.seed, 1, { min: 0, int: true }),
    partitions: num('partitions', v.partitions, 64, { min: 1, max: 4096, int: true }),
    shards: num('shards', v.shards, defaultShards(), { min: 1, max: 64, int: true }),
    ceilingS: num('ceiling-duration', v['ceiling-duration'], 10, { min: 0 }),
    log,
  });
  const chartPath = `${prefix}.svg`;
  result.files = { json: jsonPath, chart: chartPath };
  fs.writeFileSync(jsonPath, JSON.stringify(result, null, 2) + '\n');
  fs.writeFileSync(chartPath, renderSvg(result));
  process.stdout.write(renderTable(result) + '\n');
  if (result.platformCrashed) {
    process.stderr.write(`bench: the platform crashed during the run; see ${prefix}.platform.log\n`);
    process.exitCode = 3;
  }
  if (cpuProfDir) {
    const files = profilesIn(cpuProfDir);
    if (files.length === 0) process.stdout.write(`\nno profiles were written to ${cpuProfDir}\n`);
    else process.stdout.write(`\nwhere the platform's time went (self time, ${cpuProfDir}):\n${renderProfiles(files.map((f) => summarizeProfile(f, 30)), 20)}\n`);
  }
}

try {
  await main();
  process.exit(process.exitCode ?? 0);
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`bench: ${err.message}\n(npm run bench -- --help)\n`);
    process.exit(2);
  }
  process.stderr.write(`bench: failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
}
