/**
 * The fleet simulator: `npm run simulate -- --devices N [flags]`.
 *
 * Real protocols over real sockets (OsmAnd HTTP, Teltonika Codec 8E TCP,
 * GT06 TCP) from a seeded fleet: routes, speed profiles, ignition cycles,
 * sensors, dead zones replayed in bursts, alarms. Points at any platform
 * (`--host`, ports). With `--key` it also watches the WebSocket and polls
 * SQL; with `--nats` it times actors and derived alarm events.
 *
 * Run by the bench harness it takes commands and reports over IPC
 * (process.send); run by hand it prints a line every few seconds and a
 * summary at the end (Ctrl-C drains and stops).
 */
import { Histogram } from './histogram.ts';
import { UsageError, num, openFileLimits, parseFlags, port } from './harness/args.ts';
import { DEFAULT_DEAD_ZONES, DEFAULT_MIX, parseMix, type FleetOptions } from './simulator/fleet.ts';
import { SimulatorRunner, type RunnerOptions } from './simulator/runner.ts';
import type { HistogramSet } from './simulator/stats.ts';

export const SIMULATE_FLAGS = {
  devices: { type: 'string' },
  mix: { type: 'string' },
  host: { type: 'string' },
  'http-port': { type: 'string' },
  'osmand-port': { type: 'string' },
  'teltonika-port': { type: 'string' },
  'gt06-port': { type: 'string' },
  seed: { type: 'string' },
  duration: { type: 'string' },
  'rate-scale': { type: 'string' },
  'alarms-per-min': { type: 'string' },
  'dead-zones': { type: 'string' },
  'storm-devices': { type: 'string' },
  'storm-at': { type: 'string' },
  'storm-backlog': { type: 'string' },
  'id-offset': { type: 'string' },
  key: { type: 'string' },
  ws: { type: 'string' },
  nats: { type: 'string' },
  'sql-probes': { type: 'string' },
  'sql-every-ms': { type: 'string' },
  'ack-timeout': { type: 'string' },
  'replay-batch': { type: 'string' },
  'max-connecting': { type: 'string' },
  'osmand-sockets': { type: 'string' },
  'heartbeat-every': { type: 'string' },
  'drain-timeout': { type: 'string' },
  'spread-sources': { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `npm run simulate -- --devices N [flags]

  --devices N            fleet size (default 1000)
  --mix SPEC             protocol shares, default osmand=0.4,teltonika=0.4,gt06=0.2
  --host H               platform address (default 127.0.0.1)
  --http-port P          REST/WebSocket port (default 8080), for --key observers
  --osmand-port P        default 5055      --teltonika-port P  default 5027
  --gt06-port P          default 5023
  --seed S               fleet seed (default 1): same seed, same fleet and records
  --duration S           seconds to run, then drain and stop (default: until Ctrl-C)
  --rate-scale X         divide reporting intervals by X (default 1: moving 5-10 s, parked 60-300 s)
  --alarms-per-min R     panic/crash alarms per minute across the fleet (default max(6, devices/500))
  --dead-zones SHARE     share of devices starting out of coverage with a backlog (default 0.02)
  --storm-devices N      reconnect storm: N devices out of coverage until --storm-at (s, default 5)
  --storm-backlog S      ... holding S seconds of buffered records each (default 3600)
  --id-offset N          shift device ids (several simulators against one platform)
  --key K                admin key: time the WebSocket /v1/live and poll SQL for queryability
  --ws on|off            watch the WebSocket (default on when --key is given)
  --nats URL             time actor live pushes and derived alarm events on this NATS
  --sql-probes N         probe devices polled in ClickHouse (default 8, 0 = off)
  --sql-every-ms MS      SQL poll period (default 500)
  --ack-timeout S        device waits this long for an answer before resending (default 30)
  --replay-batch N       records per packet/request when replaying (default 50)
  --max-connecting N     simultaneous TCP connects (default 512)
  --osmand-sockets N     keep-alive HTTP sockets shared by the OsmAnd devices (default: one per OsmAnd device, at most 1024)
  --heartbeat-every S    GT06 heartbeat period before the rate scale (default 180)
  --drain-timeout S      at the end, wait this long for every record to be acknowledged (default 120)
  --spread-sources on|off spread TCP source addresses over 127.1.x.y for a loopback target (default on)
  --quiet                no progress lines`;

function onOff(flag: string, v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (['on', '1', 'true', 'yes'].includes(v)) return true;
  if (['off', '0', 'false', 'no'].includes(v)) return false;
  throw new UsageError(`--${flag} must be on or off, got ${JSON.stringify(v)}`);
}

export interface SimulateConfig {
  runner: Omit<RunnerOptions, 'log'>;
  durationS: number | undefined;
  drainTimeoutS: number;
  quiet: boolean;
}

export function parseSimulateArgs(argv: string[], now = Date.now()): SimulateConfig | 'help' {
  const { values: v } = parseFlags(argv, SIMULATE_FLAGS, false);
  if (v.help) return 'help';
  const devices = num('devices', v.devices, 1000, { min: 1, max: 2_000_000, int: true });
  let mix = DEFAULT_MIX;
  if (v.mix !== undefined) {
    try {
      mix = parseMix(v.mix);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const host = v.host ?? '127.0.0.1';
  const httpPort = port('http-port', v['http-port'], 8080);
  const key = v.key ?? process.env['FLEET_ADMIN_KEY'];
  const useWs = onOff('ws', v.ws, key !== undefined);
  if (useWs && !key) throw new UsageError('--ws on needs --key (or FLEET_ADMIN_KEY)');
  const stormDevices = num('storm-devices', v['storm-devices'], 0, { min: 0, int: true });
  const fleet: FleetOptions = {
    devices,
    seed: num('seed', v.seed, 1, { int: true, min: 0 }),
    mix,
    rateScale: num('rate-scale', v['rate-scale'], 1, { min: 0.01, max: 10_000 }),
    idOffset: num('id-offset', v['id-offset'], 0, { min: 0, int: true }),
    startMs: now,
    deadZones: { ...DEFAULT_DEAD_ZONES, initialShare: num('dead-zones', v['dead-zones'], DEFAULT_DEAD_ZONES.initialShare, { min: 0, max: 1 }) },
    alarmsPerMin: num('alarms-per-min', v['alarms-per-min'], Math.max(6, devices / 500), { min: 0 }),
    ...(stormDevices > 0
      ? {
          storm: {
            devices: stormDevices,
            atS: num('storm-at', v['storm-at'], 5, { min: 0, int: true }),
            backlogS: num('storm-backlog', v['storm-backlog'], 3600, { min: 0, int: true }),
          },
        }
      : {}),
  };
  const sqlProbes = num('sql-probes', v['sql-probes'], 8, { min: 0, int: true });
  const runner: Omit<RunnerOptions, 'log'> = {
    fleet,
    client: {
      host,
      ackTimeoutMs: num('ack-timeout', v['ack-timeout'], 30, { min: 1 }) * 1000,
      replayBatch: num('replay-batch', v['replay-batch'], 50, { min: 1, max: 255, int: true }),
      spreadSources: onOff('spread-sources', v['spread-sources'], true),
    },
    ports: {
      osmand: port('osmand-port', v['osmand-port'], 5055),
      teltonika: port('teltonika-port', v['teltonika-port'], 5027),
      gt06: port('gt06-port', v['gt06-port'], 5023),
    },
    maxConnecting: num('max-connecting', v['max-connecting'], 512, { min: 1, int: true }),
    // A phone has a connection of its own; the pool stands in for them, big enough that devices rarely wait for a socket.
    osmandSockets: num('osmand-sockets', v['osmand-sockets'], Math.max(1, Math.min(1024, Math.ceil(devices * mix.osmand))), { min: 1, int: true }),
    heartbeatEveryS: num('heartbeat-every', v['heartbeat-every'], 180, { min: 1 }),
    ...(useWs ? { ws: { url: `ws://${host}:${httpPort}/v1/live?key=${encodeURIComponent(key!)}` } } : {}),
    ...(v.nats ? { nats: { url: v.nats } } : {}),
    ...(key && sqlProbes > 0 ? { sql: { url: `http://${host}:${httpPort}/v1/sql`, key, probes: sqlProbes, everyMs: num('sql-every-ms', v['sql-every-ms'], 500, { min: 50 }) } } : {}),
  };
  return {
    runner,
    durationS: v.duration === undefined ? undefined : num('duration', v.duration, 0, { min: 1 }),
    drainTimeoutS: num('drain-timeout', v['drain-timeout'], 120, { min: 0 }),
    quiet: v.quiet ?? false,
  };
}

/** TCP devices need one socket each (plus a little); refuse to start when the open-file limit cannot hold them. */
export function checkSocketBudget(devices: number, tcpShare: number, osmandSockets = 256): void {
  const need = Math.ceil(devices * tcpShare) + osmandSockets + 256;
  const lim = openFileLimits();
  if (lim && need > lim.soft) {
    throw new UsageError(
      `${Math.ceil(devices * tcpShare)} TCP devices need about ${need} open files, but this process may open ${lim.soft} (ulimit -n; hard limit ${lim.hard}). ` +
        (lim.hard >= need ? `Raise it first: ulimit -n ${lim.hard}` : `Raise the hard limit (as root: ulimit -Hn ${need * 2}) or use fewer TCP devices, e.g. --mix osmand=1`),
    );
  }
}

type ParentMessage = { type: 'rate'; scale: number } | { type: 'alarms'; perMin: number } | { type: 'drain'; timeoutMs: number } | { type: 'stop' };

function summarize(h: HistogramSet): Record<string, ReturnType<Histogram['summary']>> {
  const out: Record<string, ReturnType<Histogram['summary']>> = {};
  for (const [k, v] of Object.entries(h)) if (k !== 'deviceToAckByProtocol') out[k] = Histogram.fromJSON(v as never).summary();
  for (const [p, v] of Object.entries(h.deviceToAckByProtocol)) out[`deviceToAck.${p}`] = Histogram.fromJSON(v).summary();
  return out;
}

async function main(): Promise<void> {
  let cfg: SimulateConfig | 'help';
  try {
    cfg = parseSimulateArgs(process.argv.slice(2));
    if (cfg !== 'help') checkSocketBudget(cfg.runner.fleet.devices, cfg.runner.fleet.mix.teltonika + cfg.runner.fleet.mix.gt06, cfg.runner.osmandSockets);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`simulate: ${err.message}\n(npm run simulate -- --help for every flag)\n`);
      process.exit(2);
    }
    throw err;
  }
  if (cfg === 'help') {
    process.stdout.write(HELP + '\n');
    return;
  }
  const ipc = typeof process.send === 'function';
  const send = (m: unknown) => process.send?.(m);
  const log = (msg: string) => (ipc ? send({ type: 'log', msg }) : process.stderr.write(`simulate: ${msg}\n`));
  const t0 = performance.now();
  const runner = new SimulatorRunner({ ...cfg.runner, log });
  const buildMs = Math.round(performance.now() - t0);
  await runner.start();
  const { fleet } = cfg.runner;
  if (!cfg.quiet && !ipc) {
    process.stdout.write(
      `simulating ${fleet.devices} devices (seed ${fleet.seed}, mix ${Object.entries(fleet.mix).map(([k, x]) => `${k}=${x.toFixed(2)}`).join(',')}, rate x${fleet.rateScale}) against ${cfg.runner.client.host}; fleet built in ${buildMs} ms\n`,
    );
  }
  send({ type: 'ready', buildMs, devices: fleet.devices });

  let lastAcked = 0;
  let lastT = Date.now();
  let tick = 0;
  const reporter = setInterval(() => {
    const snap = runner.snapshot();
    if (ipc) {
      send({ type: 'stats', snapshot: snap });
      return;
    }
    if (cfg.quiet || ++tick % 5 !== 0) return;
    const dt = (snap.t - lastT) / 1000;
    const rate = (snap.counters.acked - lastAcked) / dt;
    lastAcked = snap.counters.acked;
    lastT = snap.t;
    process.stdout.write(
      `${snap.elapsedS.toFixed(0).padStart(5)} s  acked ${snap.counters.acked}  ${rate.toFixed(0)}/s  backlog ${snap.counters.backlog}  behind ${snap.counters.devicesBehind}  offline ${snap.counters.devicesOffline}  connects ${snap.counters.connects}  failures ${snap.counters.sendFailures}\n`,
    );
  }, 1000);

  let finishing: Promise<void> | undefined;
  const finish = (drainTimeoutMs: number) =>
    (finishing ??= (async () => {
      const ok = await runner.drain(drainTimeoutMs);
      clearInterval(reporter);
      const final = { type: 'final', drained: ok, holding: runner.holding(), snapshot: runner.snapshot(), totals: runner.stats.totals() };
      await runner.stop();
      if (ipc) send(final);
      else {
        const s = summarize(final.totals);
        process.stdout.write(`\n${ok ? 'drained' : `NOT drained (${final.holding} devices still hold records)`}; counters:\n${JSON.stringify(final.snapshot.counters, null, 2)}\nlatency (ms):\n`);
        for (const [k, v] of Object.entries(s)) if (v.count > 0) process.stdout.write(`  ${k.padEnd(22)} n=${v.count} p50 ${v.p50} p99 ${v.p99} max ${v.max}\n`);
      }
    })());

  process.on('message', (m: ParentMessage) => {
    if (m.type === 'rate') runner.setRateScale(m.scale);
    else if (m.type === 'alarms') runner.setAlarmsPerMin(m.perMin);
    else if (m.type === 'drain') void finish(m.timeoutMs);
    else if (m.type === 'stop') void (finishing ?? runner.stop()).then(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: draining (up to ${cfg.drainTimeoutS} s), Ctrl-C again to quit`);
      process.once(sig, () => process.exit(130));
      void finish(cfg.drainTimeoutS * 1000).then(() => process.exit(0));
    });
  }
  if (cfg.durationS !== undefined && !ipc) {
    setTimeout(() => void finish(cfg.drainTimeoutS * 1000).then(() => process.exit(0)), cfg.durationS * 1000);
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench/simulate.ts')) {
  await main();
}
