import { ConfigError, describeConfig, loadConfig } from './config/config.ts';
import { createLogger } from './log.ts';
import { NatsConnectError } from './nats/connect.ts';
import { NatsUnavailableError } from './nats/managed-server.ts';
import { startPlatform } from './platform.ts';

/** `npm start`: every role in one process; prints where everything is, once. */

const STOP_TIMEOUT_MS = 20_000;

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`fleetline: cannot start: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

const log = createLogger('fleetline', config.logLevel);
// A library promise nobody awaited (seen: a JetStream publish timeout under overload) must cost
// one log line, not the process: every record in flight is still protected by its missing ACK.
process.on('unhandledRejection', (reason) => {
  log.error({ err: String((reason as Error)?.stack ?? reason) }, 'unhandled rejection (kept running)');
});
const started = performance.now();
let platform;
try {
  platform = await startPlatform(config, log);
} catch (err) {
  const known = err instanceof NatsConnectError || err instanceof NatsUnavailableError;
  process.stderr.write(`fleetline: cannot start: ${known ? (err as Error).message : String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
}

const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
const readyMs = Math.round(performance.now() - started);
const banner = [
  '',
  `Fleetline is running (ready in ${readyMs} ms)`,
  `  live map     http://${host}:${platform.ports.http}/?key=${platform.adminKey}`,
  `  REST + WS    http://${host}:${platform.ports.http}/v1   ws://${host}:${platform.ports.http}/v1/live`,
  `  health       http://${host}:${platform.ports.http}/health   metrics: /metrics`,
  `  OsmAnd       http://${host}:${platform.ports.osmand}/?id=...&lat=...&lon=...`,
  `  Teltonika    tcp+udp ${host}:${platform.ports.teltonika}   GT06  tcp ${host}:${platform.ports.gt06}`,
  `  NATS         ${platform.natsUrl}${platform.managedNats ? ` (managed nats-server ${platform.managedNats.version}, store ${platform.managedNats.storeDir}, fsync ${platform.managedNats.syncAlways ? 'always' : 'every 2 min (server default)'})` : ''}`,
  `  ClickHouse   ${config.clickhouseUrl ?? `embedded chDB in ${config.dataDir}/chdb`}`,
  `  data folder  ${config.dataDir}`,
  `  admin key    ${platform.adminKey}`,
  '  settings:',
  ...describeConfig().map((l) => `    ${l}`),
  '',
].join('\n');
process.stdout.write(banner + '\n');
log.info({ readyMs, http: platform.ports.http, osmand: platform.ports.osmand }, 'ready');

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'stopping: draining consumers, writing final snapshots');
  const force = setTimeout(() => {
    log.error('stop took too long; exiting');
    process.exit(1);
  }, STOP_TIMEOUT_MS);
  force.unref();
  void platform.stop().then(() => {
    log.info('stopped');
    process.exit(0);
  });
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
